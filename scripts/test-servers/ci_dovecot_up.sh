#!/usr/bin/env bash
# ci_dovecot_up.sh WORKDIR - install (Debian's dovecot-imapd, dovecot-pop3d)
# and start a private loopback Dovecot for the IMAP/POP interop tests
# (tests/imap_interop.rs), then self-check it with Python's imaplib.
#
#   IMAP $IMAP_PORT (plain + STARTTLS), IMAPS $IMAPS_PORT,
#   POP3 $POP3_PORT (plain + STLS),     POP3S $POP3S_PORT
#   accounts: me, and t01 … t40 (one per test), password "secret"
#   CA: WORKDIR/dovecot/certs/ca.pem
#
# Writes WORKDIR/dovecot.env; tests find it through
# SENDLETTER_DOVECOT_ENV=WORKDIR/dovecot.env (scripts/test exports it).
# Stop with ci_dovecot_down.sh WORKDIR. Needs root (apt).
set -euo pipefail
W=$(mkdir -p "$1" && cd "$1" && pwd)
HERE=$(dirname "$(readlink -f "$0")")
: "${IMAP_PORT:=14143}" "${IMAPS_PORT:=14993}" "${POP3_PORT:=14110}" "${POP3S_PORT:=14995}"

if ! command -v dovecot >/dev/null || [ ! -e /usr/lib/dovecot/imap ] || [ ! -e /usr/lib/dovecot/pop3 ]; then
  export DEBIAN_FRONTEND=noninteractive
  # Keep the package's own service (0.0.0.0:143/110/993/995) from starting.
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends dovecot-imapd dovecot-pop3d >/dev/null
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi

users="me"
for i in $(seq -w 1 40); do users="$users t$i"; done
USERS="$users" "$HERE/dovecot/start.sh" "$W/dovecot" "$IMAP_PORT" "$IMAPS_PORT" "$POP3_PORT" "$POP3S_PORT"

cat > "$W/dovecot.env" <<ENV
DOVECOT_DIR=$W/dovecot
IMAP_PORT=$IMAP_PORT
IMAPS_PORT=$IMAPS_PORT
POP3_PORT=$POP3_PORT
POP3S_PORT=$POP3S_PORT
DOVECOT_CA=$W/dovecot/certs/ca.pem
DOVECOT_PASSWORD=secret
ENV

# Self-check with an independent client: log in over IMAPS, verified.
python3 - "$IMAPS_PORT" "$W/dovecot/certs/ca.pem" <<'PY'
import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
m = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ctx)
m.login("me", "secret"); m.select("INBOX"); m.logout()
print("dovecot: imaplib login over IMAPS ok")
PY
