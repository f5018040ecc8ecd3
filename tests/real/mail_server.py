"""A real Dovecot IMAP server (Debian's `dovecot-imapd`) and an aiosmtpd SMTP server that delivers into it.

Dovecot runs from a private config (`dovecot -c FILE`) on a free port of
127.0.0.1 with plaintext login (loopback only); its login processes run as
dovenull and the mail belongs to `mail`, as it refuses root (PLATFORM.md §7).
Users live in a passwd-file that Dovecot re-reads on change, so each test
gets fresh, empty mailboxes by adding users: re-seeding costs nothing.

The SMTP server checks the login against the same users and hands each
message to Dovecot's LDA, so a reply we send lands in the public's INBOX.
It does not file a copy in the sender's Sent folder (many servers don't).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from imapclient import IMAPClient

from tests.ports import free_port

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
LDA = "/usr/lib/dovecot/dovecot-lda"
START_DEADLINE = 20.0
USERS_PER_KIND = 100
KINDS_OF_USER = (("counter", "force.example"), ("jo", "public.example"))
SENT_NAME = "Gesendet"
SPAM_WORD = b"CASINO"  # the SMTP server refuses a message holding it after DATA, as filters do  # not called "Sent": the connector must find it by its \Sent flag


def missing_parts() -> str | None:
    """Why a real Dovecot cannot run here, or None when it can."""
    for tool in (DOVECOT, DOVEADM, LDA):
        if not Path(tool).exists():
            return f"{tool} is missing (Debian's dovecot-imapd: .ci/system-packages test)"
    for user in ("dovenull", "dovecot", "mail"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            return f"the system user {user!r} is missing (dovecot-core creates it)"
    if os.getuid() != 0:
        return "Dovecot must be started as root here (it switches to its own users)"
    return None


def _config(folder: Path, port: int) -> str:
    return f"""
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
instance_name = front-counter-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
default_internal_group = dovecot
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {folder}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
namespace inbox {{
  inbox = yes
  mailbox {SENT_NAME} {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Sent {{
    auto = subscribe
  }}
}}
"""


def _password(login: str) -> str:
    return f"pw-{login.split('@')[0]}-7Qx"


@dataclass(frozen=True)
class Account:
    login: str
    password: str


# What Dovecot 2.3 offers after login, less IDLE: `imap_capability` replaces the whole list
# (a leading "+" would only add), so a server "without IDLE" is this one in every other way.
WITHOUT_IDLE = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT SORT=DISPLAY THREAD=REFERENCES "
    "THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN "
    "NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES "
    "WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW "
    "STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE"
)


class Dovecot:
    """One Dovecot instance for the session; `account()` gives a fresh, empty mailbox.

    `capability`, when given, is the CAPABILITY list the server announces instead of its
    own (WITHOUT_IDLE: a server that does not offer IDLE, as some still do not).
    """

    def __init__(self, capability: str | None = None) -> None:
        self.capability = capability
        # Not under pytest's tmp folder: that one is private to root, and dovenull must reach our sockets.
        self.folder = Path(tempfile.mkdtemp(prefix="front-counter-dovecot-"))
        self.folder.chmod(0o755)
        self.port = free_port()
        self.conf = self.folder / "dovecot.conf"
        self._users = self.folder / "users"
        self._lock = threading.Lock()
        self._used: dict[tuple[str, str], int] = {}
        mail = pwd.getpwnam("mail")
        self._uid, self._gid = mail.pw_uid, mail.pw_gid

    def start(self) -> Dovecot:
        for sub in ("run", "state"):
            (self.folder / sub).mkdir()
        homes = self.folder / "homes"
        homes.mkdir()
        os.chown(homes, self._uid, self._gid)
        self._write_users()
        self._users.chmod(0o644)
        conf = _config(self.folder, self.port)
        if self.capability is not None:
            conf += f"protocol imap {{\n  imap_capability = {self.capability}\n}}\n"
        self.conf.write_text(conf)
        errors = self.folder / "start.err"
        with errors.open("wb") as err:
            # The daemon keeps its inherited descriptors: never a pipe we would wait on for ever.
            done = subprocess.run(
                [DOVECOT, "-c", str(self.conf)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                check=False,
                timeout=30,
            )
        if done.returncode != 0:
            raise RuntimeError(f"dovecot did not start: {errors.read_text(errors='replace')}")
        deadline = time.monotonic() + START_DEADLINE
        while not self._answers():
            if time.monotonic() > deadline:
                raise RuntimeError(f"dovecot did not answer:\n{self.log()[-2000:]}")
            time.sleep(0.05)
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                return s.recv(100).startswith(b"* OK")
        except OSError:
            return False

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _write_users(self) -> None:
        lines = []
        for name, domain in KINDS_OF_USER:
            for n in range(1, USERS_PER_KIND + 1):
                login = f"{name}{n}@{domain}"
                home = self.folder / "homes" / login
                lines.append(
                    f"{login}:{{PLAIN}}{_password(login)}:{self._uid}:{self._gid}::{home}::"
                )
        self._users.write_text("\n".join(lines) + "\n")

    def account(self, name: str = "counter", domain: str = "force.example") -> Account:
        """A user nobody has used yet, so its mailboxes are empty.

        All users are written before Dovecot starts: it re-reads a changed passwd-file at
        most once a second, so a user added now could not log in at once.
        """
        with self._lock:
            n = self._used.get((name, domain), 0) + 1
            if n > USERS_PER_KIND:
                raise RuntimeError(f"more than {USERS_PER_KIND} {name}@{domain} users asked for")
            self._used[(name, domain)] = n
        login = f"{name}{n}@{domain}"
        return Account(login, _password(login))

    def has_user(self, login: str) -> bool:
        return any(line.startswith(f"{login}:") for line in self._users.read_text().splitlines())

    def imap(self, account: Account) -> IMAPClient:
        client = IMAPClient("127.0.0.1", self.port, ssl=False, timeout=10)
        client.login(account.login, account.password)
        return client

    def append(self, account: Account, folder: str, *messages: bytes) -> None:
        client = self.imap(account)
        try:
            for raw in messages:
                client.append(folder, raw, flags=(b"\\Seen",) if folder != "INBOX" else ())
        finally:
            client.logout()

    def messages(self, account: Account, folder: str = "INBOX") -> list[bytes]:
        client = self.imap(account)
        try:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            got = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
            return [got[u][b"BODY[]"] for u in sorted(got)]
        finally:
            client.logout()

    def uid_validity(self, account: Account, folder: str) -> int:
        client = self.imap(account)
        try:
            return int(client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])
        finally:
            client.logout()

    def doveadm(self, *args: str) -> None:
        subprocess.run([DOVEADM, "-c", str(self.conf), *args], capture_output=True, check=True)

    def deliver(self, recipient: str, sender: str, raw: bytes) -> None:
        """Dovecot's LDA files one message into a user's INBOX, as a mail server would."""
        done = subprocess.run(
            [LDA, "-c", str(self.conf), "-d", recipient, "-f", sender],
            input=raw,
            capture_output=True,
            check=False,
            timeout=30,
        )
        if done.returncode != 0:
            raise RuntimeError(f"dovecot-lda refused the message: {done.stderr[-500:]!r}")

    def stop(self) -> None:
        subprocess.run(
            [DOVEADM, "-c", str(self.conf), "stop"], capture_output=True, check=False, timeout=30
        )
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class _Handler:
    dovecot: Dovecot
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if not self.dovecot.has_user(address):
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        if SPAM_WORD in content:
            return "554 5.7.1 message refused as spam"
        self.received.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), bytes(content))
        )
        for rcpt in envelope.rcpt_tos:
            self.dovecot.deliver(rcpt, str(envelope.mail_from), bytes(content))
        return "250 OK delivered"


class SmtpServer:
    """aiosmtpd on 127.0.0.1: AUTH against the Dovecot users, delivery through the LDA."""

    def __init__(self, dovecot: Dovecot) -> None:
        self.port = free_port()
        self._dovecot = dovecot
        self._handler = _Handler(dovecot)
        self._controller = Controller(
            self._handler,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_require_tls=False,  # loopback only
        )

    @property
    def received(self) -> list[Received]:
        return self._handler.received

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        users = (self._dovecot.folder / "users").read_text().splitlines()
        wanted = f"{data.login.decode()}:{{PLAIN}}{data.password.decode()}:"
        return AuthResult(success=any(line.startswith(wanted) for line in users))

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
