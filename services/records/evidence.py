"""Evidence bundles: an item, a thread or a contact's items as a folder and a zip anyone can re-check.

A bundle holds each item's payload as its platform sent it (services.records.payloads;
where a channel kept only the parsed JSON, that, and the manifest says so), the
conversation as HTML and text (and PDF when the caller can draw one), every audit event
touching those items, their permalinks, and `manifest.json`: each file's SHA-256, the
audit chain's head and latest anchor at export time, who exported it and why.

The export is itself audited on every item it holds, with the manifest's and the zip's
SHA-256, so `verify_bundle` can tell a changed file, a rewritten manifest, and an audit
event changed in the database after the export apart, and name each.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.channels.outside_text import unescape_raw
from services.errors import InvalidInput, NotFound
from services.records import anchor, payloads, transcript
from services.records.audit_actions import AuditAction
from services.records.bundle_check import BundleCheck, event_record, verify_bundle
from services.store.db import SessionFactory
from services.store.models import Contact, Item, User, utcnow
from services.store.models_audit import AuditEvent, AuditHead
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction

__all__ = ["Bundle", "BundleCheck", "PdfRenderer", "Scope", "export_evidence", "verify_bundle"]

FORMAT = "front-counter evidence bundle 1"
# Draws the conversation's HTML to a PDF at the path (console/ hands Qt's in; services has none).
PdfRenderer = Callable[[str, Path, str], Path]
_EXTENSIONS = {"application/json": "json", "message/rfc822": "eml", "application/xml": "xml"}


@dataclass(frozen=True)
class Scope:
    kind: Literal["item", "thread", "contact", "person"]
    id: int

    def label(self) -> str:
        return f"{self.kind}-{self.id}"


@dataclass(frozen=True)
class Bundle:
    id: str
    folder: Path
    zip: Path
    item_ids: tuple[int, ...]
    files: int
    audit_events: int
    manifest_sha256: str
    zip_sha256: str


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def person_contacts(session: Session, contact_id: int) -> list[int]:
    """The contact and every contact of the same person on other platforms (same person key)."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"no contact {contact_id}")
    if not contact.person_key:
        return [contact.id]
    return sorted(
        session.scalars(select(Contact.id).where(Contact.person_key == contact.person_key))
    )


def scope_items(session: Session, scope: Scope) -> list[int]:
    if scope.kind in ("contact", "person"):
        contacts = person_contacts(session, scope.id) if scope.kind == "person" else [scope.id]
        ids = list(
            session.scalars(select(Item.id).where(Item.contact_id.in_(contacts)).order_by(Item.id))
        )
        if not ids:
            raise NotFound(f"no items from contact {scope.id}")
        return ids
    item = session.get(Item, scope.id)
    if item is None:
        raise NotFound(f"no item {scope.id}")
    if scope.kind == "thread" and item.thread_id is not None:
        return list(session.scalars(select(Item.id).where(Item.thread_id == item.thread_id)))
    return [item.id]


def events_touching(session: Session, item_ids: Sequence[int]) -> list[AuditEvent]:
    """Every audit event whose subject is one of these items, or their thread or contact."""
    threads = {t for t in session.scalars(select(Item.thread_id).where(Item.id.in_(item_ids))) if t}
    contacts = {
        c for c in session.scalars(select(Item.contact_id).where(Item.id.in_(item_ids))) if c
    }
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                or_(
                    (AuditEvent.subject_type == "item") & AuditEvent.subject_id.in_(item_ids),
                    (AuditEvent.subject_type == "thread") & AuditEvent.subject_id.in_(threads),
                    (AuditEvent.subject_type == "contact") & AuditEvent.subject_id.in_(contacts),
                )
            )
            .order_by(AuditEvent.seq)
        )
    )


def _write(folder: Path, name: str, data: bytes, what: str, files: list[dict[str, Any]]) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    files.append(
        {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "what": what}
    )


def _payload_files(
    session: Session, item_ids: Sequence[int], folder: Path, files: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    listed = []
    for item_id in item_ids:
        kept = payloads.payloads(session, item_id)
        for n, p in enumerate(kept, 1):
            ext = _EXTENSIONS.get(p.media_type.split(";")[0], "bin")  # "…; charset=…" too
            name = f"payloads/item-{item_id}-v{n}.{ext}"
            _write(folder, name, p.body, f"item {item_id} as the platform sent it", files)
            listed.append({"item_id": item_id, "path": name, "as_received": True, "media_type": p.media_type,
                           "received_at": p.received_at.isoformat()})  # fmt: skip
        if kept:
            continue
        raw = session.scalar(select(Item.raw).where(Item.id == item_id))
        if raw is None:
            listed.append({"item_id": item_id, "path": None, "as_received": False})
            continue
        # This channel keeps the parsed payload only: its values are exact, its formatting is ours.
        name = f"payloads/item-{item_id}-parsed.json"
        data = json.dumps(unescape_raw(raw), ensure_ascii=False, indent=2).encode(
            "utf-8", "surrogatepass"
        )
        _write(
            folder,
            name,
            data,
            f"item {item_id} as parsed (the platform's bytes were not kept)",
            files,
        )
        listed.append(
            {
                "item_id": item_id,
                "path": name,
                "as_received": False,
                "media_type": "application/json",
            }
        )
    return listed


def export_evidence(
    factory: SessionFactory,
    actor: Actor,
    scope: Scope,
    out: Path,
    reason: str,
    tz: ZoneInfo,
    render_pdf: PdfRenderer | None = None,
    extra: dict[str, tuple[bytes, str]] | None = None,
    items_in_scope: Sequence[int] | None = None,
) -> Bundle:
    """Write the bundle; `extra` adds files (name: (bytes, what)) that the manifest covers too.

    `items_in_scope` replaces the scope's own item list (a person with hand-linked contacts).
    """
    actor.require(Permission.TRIAGE)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("an evidence export needs a reason (--reason): it is recorded")
    now = utcnow()
    bundle_id = uuid.uuid4().hex
    folder = out / f"evidence-{scope.label()}-{now.strftime('%Y%m%dT%H%M%SZ')}-{bundle_id[:8]}"
    files: list[dict[str, Any]] = []
    with factory() as s:
        item_ids = list(items_in_scope) if items_in_scope is not None else scope_items(s, scope)
        if not item_ids:
            raise NotFound(f"nothing to export for {scope.kind} {scope.id}")
        head = s.get(AuditHead, 1)
        assert head is not None
        head_at_export = {"seq": head.seq, "hash": head.last_hash}
        events = events_touching(s, item_ids)
        items = transcript.load_items(s, item_ids)
        folder.mkdir(parents=True)
        listed = _payload_files(s, item_ids, folder, files)
        user = s.get(User, actor.id)
    title = f"Evidence: {scope.kind} {scope.id} — {len(items)} item(s)"
    header = [
        f"Exported {transcript.both_times(now, tz)} by {actor.display_name} ({actor.name})",
        f"Reason: {reason}",
        f"Audit chain head at export: event {head_at_export['seq']}, {head_at_export['hash']}",
        f"Bundle {bundle_id}",
    ]
    html = transcript.render_html(title, items, tz, header)
    _write(folder, "conversation.html", html.encode(), "the conversation, readable", files)
    _write(folder, "conversation.txt", transcript.render_text(title, items, tz, header).encode(),
           "the conversation as plain text", files)  # fmt: skip
    if render_pdf is not None:
        pdf = render_pdf(html, folder / "conversation.pdf", title)
        data = pdf.read_bytes()
        files.append({"path": pdf.name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                      "what": "the conversation as PDF"})  # fmt: skip
    lines = "".join(
        json.dumps(event_record(e), sort_keys=True, ensure_ascii=False) + "\n" for e in events
    )
    _write(
        folder,
        "audit-events.jsonl",
        lines.encode(),
        "every audit event touching these items",
        files,
    )
    for name, (data, what) in (extra or {}).items():
        _write(folder, name, data, what, files)
    links = "".join(
        f"item {i.id}\t{i.permalink or '-'}\tthread\t{i.thread_url or '-'}\n" for i in items
    )
    _write(folder, "permalinks.txt", links.encode(), "where each item is on its platform", files)
    manifest = {
        "format": FORMAT,
        "bundle_id": bundle_id,
        "scope": {"kind": scope.kind, "id": scope.id},
        "items": item_ids,
        "reason": reason,
        "exported_at": now.isoformat(),
        "timezone": tz.key,
        "exported_by": {
            "id": actor.id,
            "name": actor.name,
            "display_name": actor.display_name,
            "collar_number": user.collar_number if user else None,
        },
        "audit_head": head_at_export,
        "latest_anchor": anchor.latest_anchor(factory),
        "audit_events": [e.seq for e in events],
        "payloads": listed,
        "files": files,
    }
    manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
    (folder / "manifest.json").write_bytes(manifest_bytes)
    manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
    zip_path = folder.with_suffix(".zip")
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(p for p in folder.rglob("*") if p.is_file()):
            z.write(f, f"{folder.name}/{f.relative_to(folder).as_posix()}")
    zip_sha = sha256_file(zip_path)
    with write_transaction(factory, actor) as tx:
        for item_id in item_ids:
            tx.audit(
                AuditAction.ITEM_EVIDENCE_EXPORT,
                "item",
                item_id,
                None,
                {
                    "bundle": bundle_id,
                    "scope": scope.label(),
                    "reason": reason,
                    "manifest_sha256": manifest_sha,
                    "zip_sha256": zip_sha,
                },
            )
        tx.touched(ChangeKind.ITEMS, *item_ids)
    return Bundle(
        bundle_id,
        folder,
        zip_path,
        tuple(item_ids),
        len(files) + 1,
        len(events),
        manifest_sha,
        zip_sha,
    )
