#!/usr/bin/env python3
"""A small SMTP server that misbehaves on request, for the sender's fault tests.

Plain asyncio, no third-party modules. Each accepted message is appended as one JSON
line to OUT (message_id, subject, time, connection number). Faults are chosen by the
mail's subject, so a test says which mail suffers:

  [drop]     the first time a subject arrives, the connection is closed after the
             final "." without a reply (the next attempt is accepted)
  [stall]    the reply to "." waits --stall seconds
  [refuse]   550 to the final "."

by recipient, as real servers answer RCPT (the local part chooses):

  r550-…     550 5.1.1 <addr>: Recipient address rejected: User unknown ...
  r552-…     552 5.2.2 <addr>: Mailbox full: quota exceeded (N bytes)
  r451-…     451 4.7.1 <addr>: Recipient address rejected: Greylisted for N seconds
  r421-…     421 4.3.2 Service shutting down, closing transmission channel (and closes)

and by connection: --stall-greeting N delays the greeting of the first N connections by
--stall seconds. --delay MS delays every reply. --size N advertises SIZE N in EHLO.
--auth-fail offers AUTH and refuses every login with 535 5.7.8.

usage: fault_smtp.py --port P --out FILE [--stall S] [--stall-greeting N] [--delay MS]
Prints READY when it listens.
"""
import argparse
import asyncio
import json
import re
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--stall", type=float, default=5.0)
parser.add_argument("--stall-greeting", type=int, default=0)
parser.add_argument("--delay", type=float, default=0.0)
parser.add_argument("--size", type=int, default=0)
parser.add_argument("--auth-fail", action="store_true")
args = parser.parse_args()

dropped = set()
connections = 0


def header(data, name):
    m = re.search(rb"^" + name + rb":[ \t]*(.*?)\r\n", data, re.I | re.M)
    return m.group(1).decode("utf-8", "replace") if m else None


async def handle(reader, writer):
    global connections
    connections += 1
    number = connections
    loop = asyncio.get_running_loop()

    async def reply(line):
        if args.delay:
            await asyncio.sleep(args.delay / 1000.0)
        writer.write(line.encode() + b"\r\n")
        await writer.drain()

    try:
        if number <= args.stall_greeting:
            await asyncio.sleep(args.stall)
        await reply("220 fault.test ESMTP")
        while True:
            line = await reader.readline()
            if not line:
                return
            verb = line.strip().split(b" ")[0].upper()
            if verb in (b"EHLO", b"HELO"):
                size = "250-SIZE %d\r\n" % args.size if args.size else ""
                auth = "250-AUTH PLAIN LOGIN\r\n" if args.auth_fail else ""
                await reply("250-fault.test\r\n" + size + auth + "250 8BITMIME")
            elif verb == b"AUTH" and args.auth_fail:
                await reply("535 5.7.8 Error: authentication failed: authentication failure")
            elif verb == b"RCPT":
                m = re.search(rb"<((r\d{3})-[^>]*)>", line)
                addr = m.group(1).decode() if m else ""
                kind = m.group(2).decode() if m else ""
                # Numbers that differ from mail to mail, as real replies' do.
                n = 100 + sum(addr.encode()) % 900
                if kind == "r550":
                    await reply("550 5.1.1 <%s>: Recipient address rejected: "
                                "User unknown in virtual mailbox table" % addr)
                elif kind == "r552":
                    await reply("552 5.2.2 <%s>: Mailbox full: quota exceeded (%d bytes)"
                                % (addr, n * 1000))
                elif kind == "r451":
                    await reply("451 4.7.1 <%s>: Recipient address rejected: "
                                "Greylisted for %d seconds" % (addr, n))
                elif kind == "r421":
                    await reply("421 4.3.2 Service shutting down, closing transmission channel")
                    return
                else:
                    await reply("250 2.0.0 Ok")
            elif verb in (b"MAIL", b"RSET", b"NOOP"):
                await reply("250 2.0.0 Ok")
            elif verb == b"DATA":
                await reply("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while True:
                    chunk = await reader.readline()
                    if not chunk:
                        return
                    if chunk == b".\r\n":
                        break
                    chunks.append(chunk)
                data = b"".join(chunks)
                subject = header(data, b"Subject") or ""
                message_id = header(data, b"Message-ID")
                if "[drop]" in subject and subject not in dropped:
                    dropped.add(subject)
                    writer.close()
                    return
                if "[stall]" in subject:
                    await asyncio.sleep(args.stall)
                if "[refuse]" in subject:
                    await reply("550 5.7.1 refused by the test server")
                    continue
                with open(args.out, "a") as f:
                    f.write(json.dumps({
                        "message_id": message_id,
                        "subject": subject,
                        "time": time.time(),
                        "connection": number,
                        "size": len(data),
                    }) + "\n")
                await reply("250 2.0.0 Ok: queued")
            elif verb == b"QUIT":
                await reply("221 2.0.0 Bye")
                return
            else:
                await reply("502 5.5.2 Error: command not recognized")
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", args.port, reuse_address=True)
    print("READY", flush=True)
    async with server:
        await server.serve_forever()


try:
    asyncio.run(main())
except KeyboardInterrupt:
    sys.exit(0)
