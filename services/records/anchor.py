"""Anchors: the audit chain's head copied outside the database, so a rewritten history shows.

`verify_chain` proves the chain is consistent, not that it is the chain that was
written: anyone who can write the database can recompute every hash, or cut the
tail and move the head back. An anchor is one line appended to a file the force
keeps elsewhere (another machine, write-once storage, a printout):

    {"seq": 812, "hash": "9f2c…", "at": "2026-11-29T07:00:00.000000+00:00", "sig": "…"}

`verify_anchors` then checks that event `seq` still exists and still has that
hash. With the chain itself intact, that proves every event up to it is as
anchored. `sig` (optional) is an HMAC-SHA256 of the line's fields with a key in
the OS keyring, never in the database: an anchor file edited by someone without
the key is caught too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets as token_source
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from services.errors import InvalidInput, KnownError
from services.records.audit import ChainReport, verify_chain
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import utcnow
from services.store.models_audit import AuditEvent, AuditHead, Setting
from services.workspace import secrets
from services.workspace import settings as workspace_settings
from services.workspace.actor import Actor, Permission
from services.workspace.unit_of_work import write_transaction

KEY_USER = "audit-anchor-key"
FILE_NAME = "audit-anchors.jsonl"
SETTING = workspace_settings.AUDIT_ANCHOR


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: datetime
    sig: str | None = None

    def signed_text(self) -> bytes:
        return f"{self.seq}:{self.hash}:{self.at.isoformat(timespec='microseconds')}".encode()

    def line(self) -> str:
        value: dict[str, Any] = {
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at.isoformat(timespec="microseconds"),
        }
        if self.sig is not None:
            value["sig"] = self.sig
        return json.dumps(value, sort_keys=True)

    def as_dict(self) -> dict[str, Any]:
        return json.loads(self.line())  # type: ignore[no-any-return]


def anchor_key(create: bool = False) -> bytes | None:
    """The signing key from the OS keyring; made on first use when `create`."""
    import keyring.errors  # imported on first use, as in services/workspace/secrets.py

    store = secrets.backend()
    try:
        found = store.get_password(secrets.SERVICE, KEY_USER)
        if found is None and create:
            found = token_source.token_hex(32)
            store.set_password(secrets.SERVICE, KEY_USER, found)
    except keyring.errors.KeyringError as exc:
        raise secrets.SecretStoreError(
            f"the keyring could not give the anchor key ({type(exc).__name__})"
        ) from None
    return bytes.fromhex(found) if found else None


def _sign(anchor: Anchor, key: bytes) -> str:
    return hmac.new(key, anchor.signed_text(), hashlib.sha256).hexdigest()


def chain_head(factory: SessionFactory) -> tuple[int, str]:
    with factory() as s:
        head = s.get(AuditHead, 1)
        assert head is not None, "audit_head is made by the first migration"
        return head.seq, head.last_hash


def write_anchor(
    factory: SessionFactory, actor: Actor | None, path: Path, *, sign: bool = False
) -> Anchor:
    """Append the chain's current head to `path`, then note in the chain that it was anchored."""
    seq, last_hash = chain_head(factory)
    anchor = Anchor(seq, last_hash, utcnow())
    if sign:
        key = anchor_key(create=True)
        assert key is not None
        anchor = Anchor(anchor.seq, anchor.hash, anchor.at, _sign(anchor, key))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("a", encoding="utf-8") as out:
            out.write(anchor.line() + "\n")
            out.flush()
            os.fsync(out.fileno())  # an anchor that a crash can lose is no anchor
    except OSError as exc:
        raise KnownError(f"cannot write the anchor to {path}: {exc.strerror or exc}") from None
    with write_transaction(factory, actor) as tx:
        tx.audit(
            AuditAction.AUDIT_ANCHOR,
            "audit",
            None,
            None,
            {**anchor.as_dict(), "file": str(path)},
        )
    return anchor


def read_anchors(path: Path) -> list[Anchor]:
    """Every anchor in the file, in order; a line that is not an anchor is a clear error."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KnownError(f"cannot read the anchor file {path}: {exc.strerror or exc}") from None
    anchors = []
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
            anchors.append(
                Anchor(
                    int(value["seq"]),
                    str(value["hash"]),
                    datetime.fromisoformat(value["at"]),
                    value.get("sig"),
                )
            )
        except (ValueError, KeyError, TypeError):
            raise InvalidInput(f"{path} line {number} is not an anchor: {text[:80]!r}") from None
    return anchors


@dataclass(frozen=True)
class AnchorReport:
    ok: bool
    chain: ChainReport
    anchors: int
    checked: int
    line: int | None = None
    anchor: Anchor | None = None
    reason: str | None = None
    unsigned_checks: bool = False  # signatures present but no key here to check them


def verify_anchors(factory: SessionFactory, path: Path) -> AnchorReport:
    """The chain, then each anchor in file order; names the first anchor that no longer holds."""
    chain = verify_chain(factory)
    anchors = read_anchors(path)
    key = None
    if any(a.sig for a in anchors):
        try:
            key = anchor_key()
        except secrets.SecretStoreError:
            key = None  # reported as unchecked signatures; the hashes are still compared
    unchecked = False
    with factory() as s:
        for number, anchor in enumerate(anchors, 1):
            if anchor.sig is not None:
                if key is None:
                    unchecked = True
                elif not hmac.compare_digest(anchor.sig, _sign(anchor, key)):
                    return AnchorReport(
                        False,
                        chain,
                        len(anchors),
                        number - 1,
                        number,
                        anchor,
                        "the anchor line itself was altered (its signature does not match)",
                    )
            if anchor.seq == 0:
                continue  # anchored an empty chain: nothing to compare
            found = s.scalar(select(AuditEvent.hash).where(AuditEvent.seq == anchor.seq))
            if found is None:
                return AnchorReport(
                    False,
                    chain,
                    len(anchors),
                    number - 1,
                    number,
                    anchor,
                    f"event {anchor.seq} no longer exists: history was cut back",
                )
            if found != anchor.hash:
                return AnchorReport(
                    False,
                    chain,
                    len(anchors),
                    number - 1,
                    number,
                    anchor,
                    f"event {anchor.seq} no longer has the anchored hash: history up to it "
                    "was rewritten",
                )
    return AnchorReport(chain.ok, chain, len(anchors), len(anchors), unsigned_checks=unchecked)


def latest_anchor(factory: SessionFactory) -> dict[str, Any] | None:
    """The last anchor recorded in the chain (with the file it went to), for evidence bundles."""
    with factory() as s:
        row = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == AuditAction.AUDIT_ANCHOR)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).first()
        return dict(row.after) if row is not None and row.after else None


# ---- daily anchor by the worker -------------------------------------------------


@dataclass(frozen=True)
class AnchorSchedule:
    folder: str
    sign: bool = False


def set_schedule(factory: SessionFactory, actor: Actor, folder: Path, sign: bool) -> None:
    actor.require(Permission.MANAGE)
    with write_transaction(factory, actor) as tx:
        workspace_settings.put(tx, SETTING.key, {"folder": str(folder), "sign": sign})


def load_schedule(factory: SessionFactory) -> AnchorSchedule | None:
    with factory() as s:
        row = s.get(Setting, SETTING.key)
        if row is None:
            return None
        return AnchorSchedule(str(row.value["folder"]), bool(row.value.get("sign", False)))


def anchor_daily(factory: SessionFactory, now: datetime, tz: ZoneInfo) -> Anchor | None:
    """The worker's daily anchor: once per local day into the configured folder, else None.

    The worker calls this every tick; it writes at most once per day, and the day's
    anchor is recognised by the last `audit.anchor` event, so a restart does not repeat it.
    """
    sched = load_schedule(factory)
    if sched is None:
        return None
    folder = Path(sched.folder)
    last = _last_anchor_day(factory, folder / FILE_NAME, tz)
    if last is not None and last >= now.astimezone(tz).date():
        return None
    return write_anchor(factory, None, folder / FILE_NAME, sign=sched.sign)


def _last_anchor_day(factory: SessionFactory, file: Path, tz: ZoneInfo) -> date | None:
    with factory() as s:
        for event in s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == AuditAction.AUDIT_ANCHOR)
            .order_by(AuditEvent.seq.desc())
            .limit(50)
        ):
            if event.after and event.after.get("file") == str(file):
                return event.at.astimezone(tz).date()
    return None
