#!/usr/bin/env python3
"""A local OAuth2 identity provider for the sign-in tests: Microsoft's device code and
token endpoints ({tenant}/oauth2/v2.0/devicecode and /token) over plain HTTP on
loopback.

The device code is answered as --device says, one poll at a time: `pending`
(authorization_pending), `slow_down`, `ok` (tokens), `declined`
(authorization_declined, as Microsoft says it), `denied` (access_denied) or `expired`
(expired_token). Refreshes rotate the refresh token. Every access token currently valid
is kept, one per line, in --tokens, which the SMTP test server reads to check XOAUTH2.
Every request is logged as a JSON line in --log.

POST /control with JSON changes behaviour: {"refresh": "ok" | "invalid_grant"},
{"revoke_access": true} (forget the valid access tokens).

usage: oauth_server.py --port P --tokens FILE --log FILE [--device pending,ok]
                       [--interval 1] [--access-ttl 3600]
"""
import argparse
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.args = args
        self.script = [s for s in args.device.split(",") if s]
        self.polls = 0
        self.counter = 0
        self.refresh_tokens = set()
        self.refresh_mode = "ok"
        self.device_code = None

    def issue(self):
        """New tokens; the access token is written to the tokens file."""
        self.counter += 1
        access = "at-%d-%f" % (self.counter, time.time())
        refresh = "rt-%d" % self.counter
        self.refresh_tokens.add(refresh)
        with open(self.args.tokens, "a") as f:
            f.write(access + "\n")
        return {
            "token_type": "Bearer",
            "scope": "https://outlook.office.com/SMTP.Send",
            "expires_in": self.args.access_ttl,
            "ext_expires_in": self.args.access_ttl,
            "access_token": access,
            "refresh_token": refresh,
        }


ERRORS = {
    "pending": ("authorization_pending", "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending."),
    "slow_down": ("slow_down", "Poll less often."),
    "declined": ("authorization_declined", "AADSTS70000: The user declined the sign-in."),
    "denied": ("access_denied", "The user denied access."),
    "expired": ("expired_token", "AADSTS70020: The provided value for the input parameter 'device_code' is not valid. This device code has expired."),
}


def handler_for(state):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode()
            if self.path == "/control":
                change = json.loads(raw or "{}")
                with state.lock:
                    if "refresh" in change:
                        state.refresh_mode = change["refresh"]
                    if change.get("revoke_access"):
                        open(state.args.tokens, "w").close()
                return self.reply(200, {"ok": True})
            form = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
            with open(state.args.log, "a") as f:
                f.write(json.dumps({"t": time.time(), "path": self.path, "form": form}) + "\n")
            if form.get("client_id") != "dmsctl-test-client":
                return self.reply(400, {"error": "invalid_client", "error_description": "unknown client_id"})
            with state.lock:
                if self.path.endswith("/oauth2/v2.0/devicecode"):
                    state.device_code = "device-%f" % time.time()
                    return self.reply(200, {
                        "device_code": state.device_code,
                        "user_code": "DMS-4242",
                        "verification_uri": "https://microsoft.com/devicelogin",
                        "expires_in": 900,
                        "interval": state.args.interval,
                        "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code DMS-4242 to authenticate.",
                    })
                if not self.path.endswith("/oauth2/v2.0/token"):
                    return self.reply(404, {"error": "not_found"})
                grant = form.get("grant_type")
                if grant == "urn:ietf:params:oauth:grant-type:device_code":
                    if form.get("device_code") != state.device_code:
                        return self.reply(400, {"error": "bad_verification_code"})
                    step = state.script[min(state.polls, len(state.script) - 1)]
                    state.polls += 1
                    if step == "ok":
                        return self.reply(200, state.issue())
                    code, text = ERRORS[step]
                    return self.reply(400, {"error": code, "error_description": text})
                if grant == "refresh_token":
                    token = form.get("refresh_token")
                    if state.refresh_mode != "ok" or token not in state.refresh_tokens:
                        return self.reply(400, {
                            "error": "invalid_grant",
                            "error_description": "AADSTS50173: The provided grant has expired due to it being revoked.",
                        })
                    # Rotation: the refresh token used is spent.
                    state.refresh_tokens.discard(token)
                    return self.reply(200, state.issue())
                return self.reply(400, {"error": "unsupported_grant_type"})

    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tokens", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--device", default="ok")
    p.add_argument("--interval", type=int, default=1)
    p.add_argument("--access-ttl", type=int, default=3600)
    a = p.parse_args()
    open(a.tokens, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", a.port), handler_for(State(a)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("READY", flush=True)
    # Runs until the test closes standard input (or dies).
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
