"""A real SMTP server for Primer's tests (aiosmtpd, from PyPI): it keeps every message it
accepts as a file, and speaks the three ways Primer may be configured to reach a server:

- plain SMTP, no TLS and no authentication (a relay on the same network);
- STARTTLS required before AUTH (submission, port 587 style);
- TLS from the first byte (submissions, port 465 style), with AUTH.

A recipient whose local part starts with `tempfail` is answered 451 (try later), one
starting with `reject` 550 (no such mailbox). Each accepted message is written to
DIR/<recipient>/<time>-<n>.eml, with the session's facts in `X-Sink-*` headers first
(TLS or not, who authenticated), then the message as it arrived.

Usage: smtp-sink.py DIR CERT KEY USER PASSWORD  (prints `plain starttls tls` ports, one
line, once all three listen)
"""

import asyncio
import itertools
import os
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

DIR, CERT, KEY, USER, PASSWORD = sys.argv[1:6]
counter = itertools.count()


class Sink:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("tempfail"):
            return "451 4.3.0 Try again later"
        if local.startswith("reject"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # Over TLS from the start or after STARTTLS, the transport is a TLS one.
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        facts = (
            f"X-Sink-Tls: {'yes' if tls else 'no'}\r\n"
            f"X-Sink-Auth: {session.auth_data if session.authenticated else ''}\r\n"
            f"X-Sink-Mail-From: {envelope.mail_from}\r\n"
        ).encode()
        for rcpt in envelope.rcpt_tos:
            folder = os.path.join(DIR, rcpt.lower())
            os.makedirs(folder, exist_ok=True)
            name = f"{time.time_ns()}-{next(counter)}"
            tmp = os.path.join(folder, name + ".tmp")
            with open(tmp, "wb") as f:
                f.write(facts + envelope.original_content)
            # Whole files only: a reader never sees half a message.
            os.rename(tmp, os.path.join(folder, name + ".eml"))
        return "250 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
    return AuthResult(success=ok, auth_data=USER if ok else None)


def context():
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(CERT, KEY)
    return ctx


async def main():
    loop = asyncio.get_running_loop()
    handler = Sink()
    plain = await loop.create_server(
        lambda: SMTP(handler, hostname="localhost", auth_require_tls=True), "127.0.0.1", 0
    )
    starttls = await loop.create_server(
        lambda: SMTP(
            handler,
            hostname="localhost",
            tls_context=context(),
            require_starttls=True,
            auth_required=True,
            authenticator=authenticator,
        ),
        "127.0.0.1",
        0,
    )
    implicit = await loop.create_server(
        lambda: SMTP(handler, hostname="localhost", auth_required=True, authenticator=authenticator, auth_require_tls=False),
        "127.0.0.1",
        0,
        ssl=context(),
    )
    ports = [s.sockets[0].getsockname()[1] for s in (plain, starttls, implicit)]
    print(*ports, flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
