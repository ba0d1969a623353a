"""Verify DKIM signatures with dkimpy, independently of sendletter.

usage: verify.py RECORDS MESSAGE...

RECORDS is a file of "NAME RECORD-FILE" lines: the DNS name
(selector._domainkey.domain) and a file holding its TXT record. dkimpy
gets them through its dnsfunc hook: no network. Prints one line per
message: "PASS" if every DKIM-Signature verifies, else "FAIL <reason>".
"""
import os
import sys

import dkim

records = {}
base = os.path.dirname(os.path.abspath(sys.argv[1]))
with open(sys.argv[1]) as f:
    for line in f:
        if line.strip():
            name, path = line.split()
            with open(os.path.join(base, path), "rb") as r:
                records[name.lower().rstrip(".")] = r.read().strip()


def dnsfunc(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode()
    return records.get(name.lower().rstrip("."))


for path in sys.argv[2:]:
    with open(path, "rb") as f:
        message = f.read()
    d = dkim.DKIM(message)
    count = len([h for h in d.headers if h[0].lower() == b"dkim-signature"])
    if count == 0:
        print("FAIL no DKIM-Signature")
        continue
    failed = None
    for i in range(count):
        try:
            if not d.verify(idx=i, dnsfunc=dnsfunc):
                failed = "signature %d does not verify" % i
        except dkim.DKIMException as e:
            failed = "signature %d: %s" % (i, e)
        if failed:
            break
    print("PASS" if failed is None else "FAIL " + failed)
