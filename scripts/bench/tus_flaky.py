#!/usr/bin/env python3
"""A take uploaded with tus through a loopback proxy that limits bandwidth and, unless
--drop-every is 0, drops every connection every so many seconds (a phone in a lift).

The client is a plain tus 1.0 client (HEAD for the offset, PATCH the rest, again after
any failure), written here rather than taken from a package so that it counts exactly
the bytes it hands to the network. Prints one JSON line: bytes sent, the file's size,
seconds to done, requests, drops, the media id.

    tus_flaky.py BASE COOKIE MODULE_ID FILE --rate BYTES_PER_S --drop-every SECONDS
"""

import argparse
import asyncio
import base64
import http.client
import json
import os
import socket
import sys
import threading
import time
import urllib.parse


# Socket buffers on the throttled hop (see Proxy.main).
BUFFER = 32 * 1024


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Proxy:
    """Forwards 127.0.0.1:port to the server; the upload direction at `rate` bytes/s."""

    def __init__(self, upstream, rate, drop_every):
        self.upstream = upstream
        self.rate = rate
        self.drop_every = drop_every
        self.port = free_port()
        self.live = set()
        self.drops = 0
        self.ready = threading.Event()

    async def pipe(self, reader, writer, limited):
        try:
            while True:
                data = await reader.read(16384)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
                if limited:
                    await asyncio.sleep(len(data) / self.rate)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def handle(self, client_reader, client_writer):
        host, port = self.upstream
        server_reader, server_writer = await asyncio.open_connection(host, port)
        pair = (client_writer, server_writer)
        self.live.add(pair)
        try:
            await asyncio.gather(
                self.pipe(client_reader, server_writer, True),
                self.pipe(server_reader, client_writer, False),
            )
        finally:
            self.live.discard(pair)

    async def dropper(self):
        while True:
            await asyncio.sleep(self.drop_every)
            if self.live:
                self.drops += 1
            for client, server in list(self.live):
                # As a lost signal does: both sides cut at once, nothing more passes.
                for w in (client, server):
                    w.transport.abort()

    async def main(self):
        # Loopback would buffer megabytes between the phone and the bottleneck, all lost
        # at each drop; a real link holds about its bandwidth-delay product (2 Mbit/s ×
        # 100 ms ≈ 25 KB). Small buffers on both ends of the throttled hop model that.
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
        listener.bind(("127.0.0.1", self.port))
        server = await asyncio.start_server(self.handle, sock=listener)
        if self.drop_every > 0:
            asyncio.ensure_future(self.dropper())
        self.ready.set()
        async with server:
            await server.serve_forever()

    def start(self):
        threading.Thread(target=lambda: asyncio.run(self.main()), daemon=True).start()
        self.ready.wait()


class Counted:
    """A file from an offset, counting the bytes http.client takes from it."""

    def __init__(self, path, offset, counter):
        self.f = open(path, "rb")
        self.f.seek(offset)
        self.counter = counter

    def read(self, n=-1):
        data = self.f.read(65536 if n is None or n < 0 else min(n, 65536))
        self.counter[0] += len(data)
        return data


def upload(port, cookie, module, path):
    size = os.path.getsize(path)
    sent = [0]
    requests = 0
    headers = {"Cookie": f"primer_session={cookie}", "Tus-Resumable": "1.0.0"}

    def call(method, url, body=None, extra=None, timeout=30):
        nonlocal requests
        requests += 1
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.connect()
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER)
            conn.request(method, url, body=body, headers={**headers, **(extra or {})})
            response = conn.getresponse()
            response.read()
            return response
        finally:
            conn.close()

    meta = f"module {base64.b64encode(str(module).encode()).decode()},filename {base64.b64encode(b'take.mp4').decode()}"
    while True:
        try:
            created = call("POST", "/api/v1/uploads", extra={"Upload-Length": str(size), "Upload-Metadata": meta})
            break
        except OSError:
            time.sleep(0.5)
    if created.status != 201:
        sys.exit(f"creating the upload: {created.status}")
    url = urllib.parse.urlparse(created.getheader("Location")).path
    while True:
        try:
            head = call("HEAD", url)
            if head.status != 200:
                sys.exit(f"HEAD: {head.status}")
            if head.getheader("Primer-Media-Id"):
                return head.getheader("Primer-Media-Id"), sent[0], requests
            offset = int(head.getheader("Upload-Offset"))
            patch = call(
                "PATCH",
                url,
                body=Counted(path, offset, sent),
                extra={
                    "Content-Type": "application/offset+octet-stream",
                    "Upload-Offset": str(offset),
                    "Content-Length": str(size - offset),
                },
                timeout=120,
            )
            if patch.status == 423:
                time.sleep(float(patch.getheader("Retry-After") or 1))
            elif patch.status == 204 and patch.getheader("Primer-Media-Id"):
                return patch.getheader("Primer-Media-Id"), sent[0], requests
            elif patch.status not in (204, 409):
                sys.exit(f"PATCH: {patch.status}")
        except (OSError, http.client.HTTPException):
            # Cut: ask where it stands and go on from there.
            time.sleep(0.2)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("base")
    p.add_argument("cookie")
    p.add_argument("module", type=int)
    p.add_argument("file")
    p.add_argument("--rate", type=float, default=250_000)
    p.add_argument("--drop-every", type=float, default=10)
    a = p.parse_args()
    target = urllib.parse.urlparse(a.base)
    proxy = Proxy((target.hostname, target.port), a.rate, a.drop_every)
    proxy.start()
    start = time.monotonic()
    media, sent, requests = upload(proxy.port, a.cookie, a.module, a.file)
    seconds = time.monotonic() - start
    print(json.dumps({"media_id": media, "bytes_sent": sent, "size": os.path.getsize(a.file),
                      "seconds": round(seconds, 2), "requests": requests, "drops": proxy.drops}))


if __name__ == "__main__":
    main()
