"""The letters benchmark in Python: build each letter with the email package
and send it with smtplib, a new connection each (or one for all with
--reuse; implicit TLS with --ca)."""
import argparse
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--count", type=int, default=2000)
p.add_argument("--reuse", action="store_true")
p.add_argument("--ca")
a = p.parse_args()

context = ssl.create_default_context(cafile=a.ca) if a.ca else None


def letter():
    m = EmailMessage()
    m["From"] = "sender@example.com"
    m["To"] = "rcpt@example.com"
    m["Subject"] = "bench"
    m["Date"] = formatdate()
    m["Message-ID"] = make_msgid(domain="example.com")
    m.set_content("Hello, this is a benchmark letter.")
    return m


def connect():
    if context:
        return smtplib.SMTP_SSL("localhost", a.port, local_hostname="localhost",
                                context=context)
    return smtplib.SMTP("127.0.0.1", a.port, local_hostname="localhost")


if a.reuse:
    with connect() as s:
        for _ in range(a.count):
            s.send_message(letter())
else:
    for _ in range(a.count):
        with connect() as s:
            s.send_message(letter())
