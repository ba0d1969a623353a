"""The big-attachment benchmark in Python: one letter with the file as an
application/octet-stream attachment, built with the email package and sent
with smtplib (the usual way: the whole message is built in memory)."""
import os
import smtplib
import sys
from email.message import EmailMessage

port, path = int(sys.argv[1]), sys.argv[2]
m = EmailMessage()
m["From"] = "sender@example.com"
m["To"] = "rcpt@example.com"
m["Subject"] = "big attachment"
m.set_content("The file is attached.")
with open(path, "rb") as f:
    m.add_attachment(f.read(), maintype="application", subtype="octet-stream",
                     filename=os.path.basename(path))
with smtplib.SMTP("127.0.0.1", port, local_hostname="localhost") as s:
    s.send_message(m)
