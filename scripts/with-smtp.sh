#!/usr/bin/env bash
# Runs a command with a real SMTP server for the email tests: aiosmtpd (installed by
# scripts/setup.sh test, from PyPI), speaking plain SMTP, STARTTLS and implicit TLS on a
# certificate from a throwaway CA made here with openssl, and keeping each message it
# accepts as a file (scripts/smtp-sink.py). Stopped when the command ends.
#
# The tests find it through PRIMER_TEST_SMTP (`PLAIN STARTTLS TLS` ports),
# PRIMER_TEST_SMTP_DIR (where messages land), PRIMER_TEST_SMTP_CA (the CA to trust),
# PRIMER_TEST_SMTP_USER / _PASSWORD, and PRIMER_TEST_PYTHON (a Python with dkimpy, to
# check DKIM signatures with another implementation).
set -euo pipefail

if [[ -n "${PRIMER_TEST_SMTP:-}" ]]; then
  exec "$@"
fi

venv="${PRIMER_TOOLS_DIR:-$HOME/.cache/primer/tools}/mailsink"
[[ -x "$venv/bin/python" ]] || { echo "no SMTP test server in $venv: run scripts/setup.sh test" >&2; exit 1; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d /tmp/primer-smtp.XXXXXX)"
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A CA, and a certificate for localhost and 127.0.0.1 signed by it (rustls refuses a CA
# certificate used as the server's own).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Primer test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
  -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$work/ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/ext" -out "$work/server.pem" 2>/dev/null

mkdir -p "$work/mail"
"$venv/bin/python" "$here/smtp-sink.py" "$work/mail" "$work/server.pem" "$work/server.key" primer s3cret \
  > "$work/ports" 2> "$work/log" &
pid=$!
for _ in $(seq 1 100); do
  [[ -s "$work/ports" ]] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/log" >&2; exit 1; }
  sleep 0.1
done
[[ -s "$work/ports" ]] || { echo "the SMTP test server didn't start" >&2; cat "$work/log" >&2; exit 1; }

export PRIMER_TEST_SMTP="$(cat "$work/ports")"
export PRIMER_TEST_SMTP_DIR="$work/mail"
export PRIMER_TEST_SMTP_CA="$work/ca.pem"
export PRIMER_TEST_SMTP_USER=primer
export PRIMER_TEST_SMTP_PASSWORD=s3cret
export PRIMER_TEST_PYTHON="$venv/bin/python"
"$@"
