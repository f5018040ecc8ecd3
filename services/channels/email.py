"""The force's contact mailbox: the public's e-mail in over IMAP, our answers out over SMTP.

Reading is incremental by UID per folder, with the folder's UIDVALIDITY kept
in the cursor; when it changes, every message's Message-ID is read again and
only those never seen are downloaded (ingest would keep the others once
anyway). INBOX holds the public's mail; the folder the server marks `\\Sent`
(RFC 6154, whatever its name) holds our answers, which become outbound items
of their threads. Auto-replies and bounces are left out (CHANNELS.md §3).

Sending: see `send_reply`. Parsing lives in email_mime, threading in
email_threads, SMTP in email_smtp.
"""

from __future__ import annotations

import imaplib
import logging
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from services.channels import email_mime, email_smtp, kinds
from services.channels.email_imap import MailboxSettings, imap_errors, open_session
from services.channels.email_items import message_item, to_incoming
from services.channels.email_threads import ThreadMemory
from services.channels.errors import ChannelError, Rejected
from services.channels.incoming import Incoming
from services.channels.protocol import Batch, ChannelConfig, ReplyTarget, SentReply, SourceState

if TYPE_CHECKING:
    import httpx
    from imapclient import IMAPClient

log = logging.getLogger(__name__)

SENT_FLAG = b"\\Sent"
PENDING = b"$FrontCounterSending"  # on our copy in Sent while the SMTP server is being handed it
HEADER_CHUNK = 500
BODY_CHUNK = 25
MAX_MESSAGE_BYTES = 25_000_000
_HEADERS = f"BODY.PEEK[HEADER.FIELDS ({' '.join(email_mime.HEADER_FIELDS)})]"


@dataclass(frozen=True)
class _Found:
    role: str
    folder: str
    uidvalidity: int
    uid: int
    size: int
    received: datetime | None
    head: email_mime.Head
    thread: str = ""


class EmailConnector(kinds.Email):
    def __init__(
        self, settings: MailboxSettings, password: str, known_threads: set[str] | None = None
    ) -> None:
        email_smtp.check_security(settings.security, settings.imap_host, settings.smtp_host)
        self._s = settings
        self._password = password
        self._known_threads = known_threads or set()
        self._client: IMAPClient | None = None
        self._where = settings.where
        self.warning: str | None = None
        self.downloaded = 0  # full messages fetched this run; the tests read it

    @classmethod
    def create(cls, cfg: ChannelConfig, client: httpx.Client | None = None) -> EmailConnector:
        if not cfg.secret:
            raise ChannelError("no password stored for this mailbox: run `channel add` again")
        try:
            settings = MailboxSettings.from_config(cfg.config)
        except (KeyError, ValueError) as exc:
            raise ChannelError(f"the mailbox settings are incomplete: {exc}") from None
        return cls(settings, cfg.secret, cfg.known_threads)

    def close(self) -> None:
        if self._client is not None:
            from imapclient.exceptions import IMAPClientError  # loaded with the session

            with suppress(IMAPClientError, OSError, imaplib.IMAP4.abort):
                self._client.logout()
            self._client = None

    # ---- the IMAP session ------------------------------------------------------------
    def _imap(self) -> IMAPClient:
        if self._client is not None:
            return self._client
        self._client = open_session(self._s, self._password)
        return self._client

    def _folders(self) -> list[tuple[tuple[bytes, ...], str]]:
        """(flags, name) of every folder."""
        with imap_errors(self._where):
            return [
                (tuple(flags), str(name)) for flags, _delim, name in self._imap().list_folders()
            ]

    def sent_folder(self) -> str | None:
        """The folder the server marks \\Sent; by its usual names only on a server without SPECIAL-USE."""
        for flags, name in self._folders():
            if SENT_FLAG in flags:
                return name
        imap = self._imap()
        if imap.has_capability("SPECIAL-USE"):
            return None
        with imap_errors(self._where):
            found = imap.find_special_folder(SENT_FLAG)
        return str(found) if found else None

    def test(self) -> str:
        folders = self._folders()
        names = [name + (" (Sent)" if SENT_FLAG in flags else "") for flags, name in folders]
        sent = self.sent_folder()
        smtp = email_smtp.Sending(
            self._s.smtp_host, self._s.smtp_port, self._s.security, self._s.login, self._password
        )
        try:
            smtp_note = smtp.check()
        finally:
            smtp.close()
        return (
            f"connected as {self._s.login}; IMAP {self._where} folders: {', '.join(names)}"
            + ("" if sent else " (no Sent folder: replies cannot be sent)")
            + f"; {smtp_note}"
        )

    # ---- reading -----------------------------------------------------------------------
    def fetch(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        memory = ThreadMemory(cursor.get("threads"), self._known_threads)
        states: dict[str, Any] = dict(cursor.get("folders") or {})
        found: list[_Found] = []
        left_out: list[str] = []
        sent = self.sent_folder()
        folders = [("inbox", "INBOX")] + ([("sent", sent)] if sent else [])
        for role, name in folders:
            found += self._new_in(role, name, states, memory, left_out)
        found.sort(key=lambda f: f.head.date or f.received or datetime.min.replace(tzinfo=UTC))
        threaded = []
        once: set[str] = set()
        for f in found:
            if f.head.message_id in once:
                continue  # the same message in INBOX and Sent (we copied ourselves): one item
            once.add(f.head.message_id)
            correspondent = self._correspondent(f)
            thread = memory.thread_of(f.head, correspondent)
            memory.remember(f.head, thread, correspondent)
            threaded.append(_with_thread(f, thread))
        for role, _name in folders:
            mine = [f for f in threaded if f.role == role]
            for start in range(0, len(mine), BODY_CHUNK):
                yield Batch(self._items(mine[start : start + BODY_CHUNK]))
        self.warning = _left_out_note(left_out)
        yield Batch([], cursor={"folders": states, "threads": memory.as_cursor()})

    def _new_in(
        self,
        role: str,
        name: str,
        states: dict[str, Any],
        memory: ThreadMemory,
        left_out: list[str],
    ) -> list[_Found]:
        imap = self._imap()
        with imap_errors(self._where):
            status = imap.select_folder(name, readonly=True)
            validity = int(status[b"UIDVALIDITY"])
            state = states.get(role) or {}
            same = state.get("uidvalidity") == validity and state.get("name") == name
            last = int(state.get("last_uid", 0)) if same else 0
            # `n:*` always names the highest UID, even below n (RFC 3501): drop what is done.
            uids = [u for u in imap.search(["UID", f"{last + 1}:*"]) if u > last]
        rematch = bool(state) and not same
        if rematch:
            log.info("folder %s: UIDVALIDITY changed, matching messages by Message-ID", name)
        out: list[_Found] = []
        for start in range(0, len(uids), HEADER_CHUNK):
            chunk = uids[start : start + HEADER_CHUNK]
            with imap_errors(self._where):
                answer = imap.fetch(chunk, ["RFC822.SIZE", "INTERNALDATE", _HEADERS])
            for uid in chunk:
                data = answer.get(uid)
                if data is None:
                    continue  # expunged meanwhile
                header_bytes = next(
                    (v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b""
                )
                head = email_mime.head_of(email_mime.parse(header_bytes or b""))
                if rematch and memory.knows(head.message_id):
                    continue
                if role == "inbox" and head.automated and not self._ours(head):
                    memory.left_out(head)
                    left_out.append(head.automated)
                    log.info(
                        "left out %s (%s): not from the public", head.message_id, head.automated
                    )
                    continue
                received = data.get(b"INTERNALDATE")
                out.append(
                    _Found(
                        role,
                        name,
                        validity,
                        uid,
                        int(data.get(b"RFC822.SIZE", 0)),
                        received if isinstance(received, datetime) else None,
                        head,
                    )
                )
        states[role] = {"name": name, "uidvalidity": validity, "last_uid": max([last, *uids])}
        return out

    def _ours(self, head: email_mime.Head) -> bool:
        return head.sender is not None and head.sender.address == self._s.address.lower()

    def _correspondent(self, f: _Found) -> str:
        if f.role == "sent" or self._ours(f.head):
            return f.head.to[0].address if f.head.to else ""
        return f.head.sender.address if f.head.sender else ""

    def _items(self, chunk: list[_Found]) -> list[Incoming]:
        if not chunk:
            return []
        imap = self._imap()
        wanted = [f.uid for f in chunk if f.size <= MAX_MESSAGE_BYTES]
        with imap_errors(self._where):
            imap.select_folder(chunk[0].folder, readonly=True)
            bodies = imap.fetch(wanted, ["BODY.PEEK[]"]) if wanted else {}
        items = []
        for f in chunk:
            raw = bodies.get(f.uid, {}).get(b"BODY[]")
            if isinstance(raw, bytes):
                self.downloaded += 1
                msg = email_mime.parse(raw)
                content = email_mime.content_of(msg)
            else:
                content = email_mime.Content(
                    f"[Front Counter: this message is {email_mime.human_size(f.size)}, more than "
                    f"the {email_mime.human_size(MAX_MESSAGE_BYTES)} we download; open it in the "
                    "mailbox]",
                    None,
                )
            outbound = f.role == "sent" or self._ours(f.head)
            items.append(
                to_incoming(
                    f.head,
                    content,
                    f.thread,
                    outbound,
                    f.received,
                    _place(f),
                    raw if isinstance(raw, bytes) else None,
                )
            )
        return items

    def reconcile(self, known: dict[str, str]) -> list[SourceState]:
        # A message filed away in another folder is not deleted for the public: nothing to report.
        return []

    def moderate(self, external_id: str, action: str) -> str:
        raise ChannelError("e-mail has no moderation on the server: mark it as spam in the inbox")

    # ---- writing -----------------------------------------------------------------------
    def send_reply(self, target: ReplyTarget, body: str) -> SentReply:
        """Send once, with a copy in Sent that `find_reply` finds after a crash.

        Order: SMTP connect, login, MAIL and RCPT (what servers refuse); then our copy goes into
        Sent marked $FrontCounterSending; then DATA. A refusal of the words removes the copy. A
        worker killed after the copy is filed counts as sent: only the instant of DATA is unsure.
        """
        msg = email_smtp.build_reply(
            target.reply_target,
            target.item_external_id,
            body,
            self._display_name(),
            self._s.address,
            signature=target.signature,
        )
        message_id = str(msg["Message-ID"])
        data = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
        sent = self.sent_folder()
        if sent is None:
            raise Rejected(
                "the mailbox has no Sent folder (none is marked \\Sent): without one a reply "
                "could be sent twice after a crash, so it is not sent"
            )
        smtp = email_smtp.Sending(
            self._s.smtp_host, self._s.smtp_port, self._s.security, self._s.login, self._password
        )
        try:
            smtp.prepare(msg)
            with imap_errors(self._where):
                self._imap().append(sent, data, flags=(b"\\Seen", PENDING))
            try:
                smtp.deliver(data)
            except ChannelError:
                self._tidy(sent, message_id, drop_ours=True)
                raise
        finally:
            smtp.close()
        self._tidy(sent, message_id, drop_ours=False)
        return SentReply(message_id, None, self._copy(data, target))

    def find_reply(self, target: ReplyTarget, body: str) -> SentReply | None:
        message_id = email_smtp.reply_message_id(target.item_external_id, body, self._s.address)
        sent = self.sent_folder()
        if sent is None:
            return None
        imap = self._imap()
        with imap_errors(self._where):
            imap.select_folder(sent, readonly=True)
            uids = imap.search(["HEADER", "Message-ID", message_id])
            bodies = imap.fetch(uids[:1], ["BODY.PEEK[]"]) if uids else {}
        raw = next((d.get(b"BODY[]") for d in bodies.values()), None)
        if not isinstance(raw, bytes):
            return None
        self._tidy(sent, message_id, drop_ours=False)
        return SentReply(message_id, None, self._copy(raw, target))

    def _display_name(self) -> str:
        return self._s.display_name

    def _copy(self, data: bytes, target: ReplyTarget) -> Incoming:
        """Our reply as the outbound item the next sync of Sent would make of it."""
        return message_item(data, outbound=True, thread=target.thread_external_id)

    def _tidy(self, folder: str, message_id: str, drop_ours: bool) -> None:
        """After sending: clear our mark, or drop our copy if the server filed its own (or DATA failed)."""
        try:
            imap = self._imap()
            with imap_errors(self._where):
                imap.select_folder(folder)
                uids = imap.search(["HEADER", "Message-ID", message_id])
                flags = imap.get_flags(uids) if uids else {}
                ours = [u for u, f in flags.items() if PENDING in f]
                theirs = [u for u in flags if u not in ours]
                if ours and (drop_ours or theirs):
                    imap.add_flags(ours, [b"\\Deleted"])
                    # Only our copy: a plain EXPUNGE or CLOSE would also remove every message
                    # the user marked deleted in that folder. Without UIDPLUS it stays marked.
                    if imap.has_capability("UIDPLUS"):
                        imap.uid_expunge(ours)
                elif ours:
                    imap.remove_flags(ours, [PENDING])
        except ChannelError as exc:
            # The mail went (or did not go) already; a copy left marked only looks untidy.
            log.warning("the copy of %s in %s could not be tidied: %s", message_id, folder, exc)


def _with_thread(f: _Found, thread: str) -> _Found:
    return _Found(f.role, f.folder, f.uidvalidity, f.uid, f.size, f.received, f.head, thread)


def _place(f: _Found) -> dict[str, Any]:
    return {"folder": f.folder, "uid": f.uid, "uidvalidity": f.uidvalidity, "size": f.size}


def _left_out_note(reasons: list[str]) -> str | None:
    if not reasons:
        return None
    kinds = sorted(set(reasons))
    noun = "message" if len(reasons) == 1 else "messages"
    return f"left out {len(reasons)} automatic {noun} (not from the public): {'; '.join(kinds)}"
