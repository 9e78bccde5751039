#!/usr/bin/env python3
"""A real SMTP server for the sender tests (aiosmtpd).

Every received message is parsed with Python's own `email` package, independently of
the sender's MIME code, and written as JSON to OUT_DIR/<n>.json with the raw bytes in
OUT_DIR/<n>.eml.

Recipients whose local part starts with `reject` get 550, with `later` get 451.

With --xoauth2-tokens FILE only AUTH XOAUTH2 is offered, and a login passes while its
bearer token is one of FILE's lines (the OAuth test server keeps them). A bad token gets
`535 5.7.3 Authentication unsuccessful`, or with --xoauth2-challenge a Gmail-style 334
challenge (base64 JSON) first.

usage: smtp_server.py --port P --out DIR [--tls plain|starttls|implicit]
                      [--cert PEM --key PEM] [--auth USER:PASSWORD [--auth-only PLAIN|LOGIN]]
                      [--xoauth2-tokens FILE [--xoauth2-challenge]]
"""
import base64
import argparse
import asyncio
import hashlib
import json
import os
import ssl
import sys
import warnings
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.utils import getaddresses

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword, SMTP


class Recorder:
    def __init__(self, out, xoauth2_tokens=None, challenge=False):
        self.out = out
        self.count = 0
        self.xoauth2_tokens = xoauth2_tokens
        self.challenge = challenge

    async def auth_XOAUTH2(self, server, args):
        if self.xoauth2_tokens is None or len(args) < 2:
            return AuthResult(success=False, handled=False)
        fields = base64.b64decode(args[1]).decode().split("\x01")
        user = next((f[5:] for f in fields if f.startswith("user=")), "")
        token = next((f[12:] for f in fields if f.startswith("auth=Bearer ")), "")
        with open(self.xoauth2_tokens) as f:
            valid = {line.strip() for line in f if line.strip()}
        with open(os.path.join(self.out, "auth.log"), "a") as f:
            f.write(json.dumps({"user": user, "valid": token in valid}) + "\n")
        if token in valid:
            return AuthResult(success=True, handled=False,
                              auth_data=LoginPassword(user.encode(), token.encode()))
        if self.challenge:
            error = json.dumps({"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"})
            # The client answers with an empty line, or gives up and closes.
            try:
                await server.challenge_auth(error)
            except Exception:
                pass
            return AuthResult(success=False, handled=False,
                              message="535 5.7.8 Username and Password not accepted")
        return AuthResult(success=False, handled=False,
                          message="535 5.7.3 Authentication unsuccessful [SN4PR0601CA0001]")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if local.startswith("later"):
            return "451 4.7.1 <%s>: Recipient address rejected: try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        raw = envelope.original_content or envelope.content
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        attachments = []
        text = None
        html = None
        for part in msg.walk():
            if part.is_multipart():
                continue
            disposition = part.get_content_disposition()
            if disposition == "attachment":
                data = part.get_payload(decode=True) or b""
                attachments.append({
                    "file_name": part.get_filename(),
                    "content_type": part.get_content_type(),
                    "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                })
            elif part.get_content_type() == "text/plain" and text is None:
                text = part.get_content()
            elif part.get_content_type() == "text/html" and html is None:
                html = part.get_content()
        def display_names(header):
            # RFC 2047 strictly: whitespace between adjacent encoded-words is ignored.
            value = msg.get(header, failobj=None)
            if value is None:
                return []
            text = raw_header(raw, header)
            return [str(make_header(decode_header(name))) for name, _ in getaddresses([text])]

        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["From"]),
            "from_display_name": (display_names("From") or [None])[0],
            "to": [str(a) for a in msg["To"].addresses] if msg["To"] else [],
            "to_display_names": display_names("To"),
            "cc": [str(a) for a in msg["Cc"].addresses] if msg["Cc"] else [],
            "bcc_header": msg["Bcc"] is not None,
            "reply_to": str(msg["Reply-To"]) if msg["Reply-To"] else None,
            "subject": str(msg["Subject"]),
            "message_id": str(msg["Message-ID"]),
            "header_names": [k for k in msg.keys()],
            "text": text,
            "html": html,
            "attachments": attachments,
            "auth_user": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
        }
        base = os.path.join(self.out, "%d" % self.count)
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        with open(base + ".json.tmp", "w") as f:
            json.dump(record, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 Ok: queued as TEST%d" % self.count


def raw_header(raw, name):
    """The unfolded, undecoded value of a header in the raw message."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    value = None
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t"):
            if value is not None:
                value += line
        elif value is not None:
            break
        elif line.lower().startswith(name.lower() + ":"):
            value = line.split(":", 1)[1]
    return (value or "").strip()


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False, auth_data=auth_data)
    return check


def main():
    # AUTH without TLS is what some tests want; the warning says so on every start.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--tls", default="plain", choices=["plain", "starttls", "implicit"])
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth")
    p.add_argument("--auth-only", help="offer just this AUTH mechanism (PLAIN or LOGIN)")
    p.add_argument("--xoauth2-tokens")
    p.add_argument("--xoauth2-challenge", action="store_true")
    a = p.parse_args()

    context = None
    if a.tls != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)

    kwargs = {"hostname": "127.0.0.1", "port": a.port}
    handler = Recorder(a.out, a.xoauth2_tokens, a.xoauth2_challenge)
    server_kwargs = {}
    if a.xoauth2_tokens:
        server_kwargs["auth_require_tls"] = False
        server_kwargs["auth_required"] = True
        server_kwargs["auth_exclude_mechanism"] = ["PLAIN", "LOGIN"]
    if a.auth:
        user, password = a.auth.split(":", 1)
        server_kwargs["authenticator"] = authenticator(user, password)
        server_kwargs["auth_require_tls"] = False
        server_kwargs["auth_required"] = True
        if a.auth_only:
            others = {"PLAIN", "LOGIN"} - {a.auth_only.upper()}
            server_kwargs["auth_exclude_mechanism"] = sorted(others)
    if a.tls == "starttls":
        server_kwargs["tls_context"] = context
        server_kwargs["require_starttls"] = True
        controller = Controller(handler, server_kwargs=server_kwargs, **kwargs)
    elif a.tls == "implicit":
        controller = Controller(handler, ssl_context=context, server_kwargs=server_kwargs, **kwargs)
    else:
        controller = Controller(handler, server_kwargs=server_kwargs, **kwargs)
    controller.start()
    print("READY", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
