"""Evidence bundles: the platform's own bytes, the conversation, the audit trail, and a manifest that re-checks."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from services.channels.sync import SyncEngine
from services.errors import InvalidInput
from services.inbox import triage
from services.records import anchor, audit
from services.records.evidence import Scope, export_evidence, verify_bundle
from services.store.db import SessionFactory
from services.store.models import Item
from services.workspace.actor import Actor
from tests.fakes.http_server import Reply, Request
from tests.fakes.wordpress import FakeWordPress

LONDON = ZoneInfo("Europe/London")


def _record_comment_pages(wp: FakeWordPress) -> list[bytes]:
    """Answer comment lists in WordPress's own spacing and escapes, and keep the bytes sent."""
    sent: list[bytes] = []
    handle = wp.server.handler

    def spy(req: Request) -> Reply:
        reply = handle(req)
        if (
            req.method == "GET"
            and "comments" in req.path + str(req.query)
            and isinstance(reply.body, list)
        ):
            body = json.dumps(
                reply.body, indent=1
            ).encode()  # \u2019, not ’: not what json would re-write
            sent.append(body)
            return Reply(reply.status, body, reply.headers, reply.content_type)
        return reply

    wp.server.handler = spy
    return sent


def _synced_item(
    factory: SessionFactory, wp: FakeWordPress, wp_channel: int, sync_engine: SyncEngine
) -> tuple[int, list[bytes]]:
    sent = _record_comment_pages(wp)
    wp.add_comment(
        812, "He said he\u2019d be waiting outside the station — with a knife", "Kim Vale"
    )
    wp.add_comment(812, "Good luck with the new role", "Sam Byrne")
    assert sync_engine.sync_channel(wp_channel).inserted == 2
    with factory() as s:
        item = s.query(Item).filter(Item.channel_id == wp_channel, Item.external_id == "1").one()
    return item.id, sent


def test_a_bundle_holds_the_platforms_bytes_and_verifies(
    factory: SessionFactory,
    officer: Actor,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    tmp_path: Path,
) -> None:
    item_id, sent = _synced_item(factory, wp, wp_channel, sync_engine)
    triage.add_note(factory, officer, item_id, "Passed to CID")
    anchor.write_anchor(factory, officer, tmp_path / "anchors.jsonl")

    bundle = export_evidence(
        factory, officer, Scope("item", item_id), tmp_path / "out", "Threat to officers", LONDON
    )

    payload = (bundle.folder / f"payloads/item-{item_id}-v1.json").read_bytes()
    assert any(payload in page for page in sent)  # byte for byte, as the platform sent it
    assert b"\\u2019" in payload and json.loads(payload)["author_name"] == "Kim Vale"
    manifest = json.loads((bundle.folder / "manifest.json").read_text())
    assert manifest["reason"] == "Threat to officers" and manifest["exported_by"]["name"] == "dan"
    assert manifest["latest_anchor"]["seq"] >= 1 and manifest["audit_head"]["seq"] >= 1
    assert {f["path"] for f in manifest["files"]} >= {
        "conversation.html",
        "conversation.txt",
        "audit-events.jsonl",
        "permalinks.txt",
    }
    transcript = (bundle.folder / "conversation.txt").read_text()
    assert "UTC (" in transcript and "GMT, Europe/London)" in transcript
    assert (
        "Passed to CID" in transcript
        and "#comment-1" in (bundle.folder / "permalinks.txt").read_text()
    )
    events = (bundle.folder / "audit-events.jsonl").read_text()
    assert "item.note" in events

    check = verify_bundle(factory, bundle.folder)
    assert check.ok, check.problems
    assert verify_bundle(factory, bundle.zip).ok
    trail = [e.action for e in _trail(factory, item_id)]
    assert trail[-1] == "item.evidence_export"  # listed in the item's history, with the reason
    assert audit.verify_chain(factory).ok


def _trail(factory: SessionFactory, item_id: int) -> list[audit.AuditEntry]:
    with factory() as s:
        return audit.item_trail(s, item_id)


@pytest.mark.parametrize(
    "name", ["conversation.txt", "audit-events.jsonl", "permalinks.txt", "payloads"]
)
def test_one_changed_byte_in_any_file_is_named(
    factory: SessionFactory,
    officer: Actor,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    tmp_path: Path,
    name: str,
) -> None:
    item_id, _ = _synced_item(factory, wp, wp_channel, sync_engine)
    triage.tag(factory, officer, [item_id], "threat")
    bundle = export_evidence(
        factory, officer, Scope("thread", item_id), tmp_path, "Court file 17", LONDON
    )
    target = (
        next((bundle.folder / "payloads").iterdir()) if name == "payloads" else bundle.folder / name
    )
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    check = verify_bundle(factory, bundle.folder)
    changed = target.relative_to(bundle.folder).as_posix()
    assert not check.ok
    assert any(p.startswith(f"{changed}: contents changed since export") for p in check.problems)


def test_a_rewritten_manifest_and_a_changed_audit_event_are_named(
    factory: SessionFactory, engine: Engine, officer: Actor, tmp_path: Path
) -> None:
    from tests.builders import add_channel, add_item

    item_id = add_item(factory, add_channel(factory), "c1", "I know where you live")
    triage.add_note(factory, officer, item_id, "Reported to CID by phone")
    bundle = export_evidence(
        factory, officer, Scope("item", item_id), tmp_path, "Harassment", LONDON
    )

    # Someone edits a file and rewrites its hash in the manifest to match.
    txt = bundle.folder / "conversation.txt"
    txt.write_text(txt.read_text().replace("I know where you live", "I know where you are"))
    manifest_path = bundle.folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    import hashlib

    for f in manifest["files"]:
        if f["path"] == "conversation.txt":
            f["sha256"] = hashlib.sha256(txt.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest, indent=2))
    with engine.begin() as conn:
        seq = conn.execute(
            text("SELECT seq FROM audit_event WHERE action = 'item.note'")
        ).scalar_one()
        conn.execute(
            text("UPDATE audit_event SET after = :a WHERE seq = :s"),
            {"a": '{"note_id": 1, "body": "nothing to report"}', "s": seq},
        )

    problems = verify_bundle(factory, bundle.folder).problems
    assert (
        "manifest.json was altered: its SHA-256 differs from the one recorded at export" in problems
    )
    assert (
        f"audit event {seq} (item.note): changed in the database after export (after)" in problems
    )


def test_an_export_needs_a_reason(factory: SessionFactory, officer: Actor, tmp_path: Path) -> None:
    from tests.builders import add_channel, add_item

    item_id = add_item(factory, add_channel(factory), "c1")
    with pytest.raises(InvalidInput, match="reason"):
        export_evidence(factory, officer, Scope("item", item_id), tmp_path / "out", "  ", LONDON)
    assert not (tmp_path / "out").exists()


def test_the_zip_holds_the_folder(factory: SessionFactory, officer: Actor, tmp_path: Path) -> None:
    from tests.builders import add_channel, add_item

    item_id = add_item(factory, add_channel(factory), "c1")
    bundle = export_evidence(
        factory, officer, Scope("contact", _contact(factory, item_id)), tmp_path, "SAR", LONDON
    )
    with zipfile.ZipFile(bundle.zip) as z:
        names = set(z.namelist())
    assert f"{bundle.folder.name}/manifest.json" in names
    assert f"{bundle.folder.name}/payloads/item-{item_id}-parsed.json" not in names  # no raw at all


def _contact(factory: SessionFactory, item_id: int) -> int:
    with factory() as s:
        contact = s.get_one(Item, item_id).contact_id
    assert contact is not None
    return contact
