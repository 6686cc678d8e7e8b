"""A small real IMAP4rev1 server for the mailbox tests: a TCP socket speaking the subset a mail client
(Python's imaplib) uses to read a mailbox — CAPABILITY, LOGIN, SELECT, UID SEARCH UNSEEN, UID FETCH
(BODY.PEEK[] or RFC822), UID STORE +FLAGS (\\Seen), NOOP, LOGOUT — over one in-memory folder.

``fail`` makes it misbehave the way real servers do: ``"login"`` refuses the password, ``"drop"``
hangs up in the middle of a FETCH, ``"garbage"`` answers nonsense to SELECT.
"""

from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class StoredMail:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


class ImapTestServer:
    def __init__(
        self,
        user: str = "pengaduan",
        password: str = 'rahasia "123"',  # noqa: S107 - the test server's own password
        folder: str = "INBOX",
    ):
        self.user = user
        self.password = password
        self.folder = folder
        self.mails: list[StoredMail] = []
        self.fail = ""
        self.commands: list[str] = []
        self._next_uid = 1
        self._lock = threading.Lock()
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                server._serve(self.rfile, self.wfile)

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def deliver(self, raw: bytes) -> StoredMail:
        with self._lock:
            mail = StoredMail(self._next_uid, raw)
            self._next_uid += 1
            self.mails.append(mail)
            return mail

    def seen(self) -> list[int]:
        return [m.uid for m in self.mails if "\\Seen" in m.flags]

    # --- the protocol ----------------------------------------------------------------------------

    def _serve(self, rfile, wfile):
        def send(line: bytes | str):
            wfile.write(line.encode() if isinstance(line, str) else line)
            wfile.flush()

        send("* OK IMAP4rev1 test server ready\r\n")
        authenticated = selected = False
        while True:
            line = rfile.readline(65536)
            if not line:
                return
            line = line.rstrip(b"\r\n").decode("utf-8", "replace")
            literal = re.search(r"\{(\d+)\}$", line)
            while literal:  # a literal argument: ask for it, then read it and the rest of the line
                send("+ go ahead\r\n")
                data = rfile.read(int(literal.group(1))).decode("utf-8", "replace")
                rest = rfile.readline(65536).rstrip(b"\r\n").decode("utf-8", "replace")
                line = line[: literal.start()] + _quote(data) + rest
                literal = re.search(r"\{(\d+)\}$", line)
            tag, _, rest = line.partition(" ")
            words = _tokens(rest)
            if not words:
                send(f"{tag} BAD empty command\r\n")
                continue
            command = words[0].upper()
            self.commands.append(command if command != "UID" else "UID " + words[1].upper())
            if command == "CAPABILITY":
                send(f"* CAPABILITY IMAP4rev1\r\n{tag} OK CAPABILITY completed\r\n")
            elif command == "NOOP":
                send(f"{tag} OK NOOP completed\r\n")
            elif command == "LOGOUT":
                send(f"* BYE logging out\r\n{tag} OK LOGOUT completed\r\n")
                return
            elif command == "LOGIN":
                if self.fail == "login" or words[1:3] != [self.user, self.password]:
                    send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n")
                else:
                    authenticated = True
                    send(f"{tag} OK LOGIN completed\r\n")
            elif not authenticated:
                send(f"{tag} BAD log in first\r\n")
            elif command == "SELECT":
                if self.fail == "garbage":
                    send("!!! what\r\n")
                    return
                if len(words) < 2 or words[1] != self.folder:
                    send(f"{tag} NO no such folder\r\n")
                    continue
                selected = True
                send(
                    f"* {len(self.mails)} EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1] UIDs valid\r\n"
                    f"{tag} OK [READ-WRITE] SELECT completed\r\n"
                )
            elif not selected:
                send(f"{tag} BAD select a folder first\r\n")
            elif command == "UID" and len(words) >= 3:
                self._uid(tag, words[1].upper(), words[2:], send)
            else:
                send(f"{tag} BAD unknown command\r\n")

    def _uid(self, tag, sub, args, send):
        with self._lock:
            mails = list(self.mails)
        by_uid = {m.uid: (n, m) for n, m in enumerate(mails, start=1)}
        if sub == "SEARCH":
            if [a.upper() for a in args] != ["UNSEEN"]:
                send(f"{tag} BAD only UNSEEN is searched here\r\n")
                return
            found = " ".join(str(m.uid) for m in mails if "\\Seen" not in m.flags)
            send(f"* SEARCH{' ' + found if found else ''}\r\n{tag} OK SEARCH completed\r\n")
        elif sub == "FETCH" and len(args) >= 2:
            what = " ".join(args[1:]).upper()
            for uid in _uids(args[0]):
                if uid not in by_uid:
                    continue
                seq, mail = by_uid[uid]
                item = "BODY[]" if "BODY.PEEK[]" in what or "BODY[]" in what else "RFC822"
                if item == "RFC822" or ("BODY[]" in what and "PEEK" not in what):
                    mail.flags.add("\\Seen")
                if self.fail == "drop":
                    send(f"* {seq} FETCH (UID {uid} {item} {{{len(mail.raw)}}}\r\n".encode() + mail.raw[:10])
                    raise ConnectionResetError("hung up on purpose")
                send(
                    f"* {seq} FETCH (UID {uid} {item} {{{len(mail.raw)}}}\r\n".encode() + mail.raw + b")\r\n"
                )
            send(f"{tag} OK FETCH completed\r\n")
        elif sub == "STORE" and len(args) >= 3 and args[1].upper() == "+FLAGS":
            flags = args[2].strip("()").split()
            for uid in _uids(args[0]):
                if uid in by_uid:
                    seq, mail = by_uid[uid]
                    mail.flags.update(flags)
                    send(f"* {seq} FETCH (UID {uid} FLAGS ({' '.join(sorted(mail.flags))}))\r\n")
            send(f"{tag} OK STORE completed\r\n")
        else:
            send(f"{tag} BAD unsupported UID command\r\n")


def _uids(value: str) -> list[int]:
    uids = []
    for part in value.split(","):
        if ":" in part:
            low, high = part.split(":")
            uids.extend(range(int(low), int(high) + 1))
        elif part.isdigit():
            uids.append(int(part))
    return uids


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _tokens(text: str) -> list[str]:
    """Words, quoted strings (unescaped) and parenthesised lists (kept whole)."""
    tokens, i = [], 0
    while i < len(text):
        char = text[i]
        if char == " ":
            i += 1
        elif char == '"':
            i += 1
            value = []
            while i < len(text) and text[i] != '"':
                if text[i] == "\\" and i + 1 < len(text):
                    i += 1
                value.append(text[i])
                i += 1
            tokens.append("".join(value))
            i += 1
        elif char == "(":
            depth, start = 0, i
            while i < len(text):
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                i += 1
                if depth == 0:
                    break
            tokens.append(text[start:i])
        else:
            start = i
            while i < len(text) and text[i] != " ":
                i += 1
            tokens.append(text[start:i])
    return tokens
