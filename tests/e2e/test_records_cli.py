"""`front-counter export|hold|retention|forget|audit anchor` as a subprocess, on a demo workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from services.store.db import make_engine
from tests.e2e.test_cli import demo_db, run

__all__ = ["demo_db"]


def _item(db: str, query: str) -> str:
    rows = json.loads(run(db, "inbox", "--json", query).stdout)
    return str(rows[0]["id"])


@pytest.mark.qt  # the conversation's PDF is drawn by Qt, offscreen
def test_an_evidence_bundle_is_written_verified_and_a_changed_byte_is_named(
    demo_db: str, tmp_path: Path
) -> None:
    item = _item(demo_db, "from:helen")
    refused = run(demo_db, "export", "evidence", item, "--out", str(tmp_path))
    assert refused.returncode == 2 and "--reason" in refused.stderr
    made = run(demo_db, "export", "evidence", "--thread", item, "--out", str(tmp_path),
               "--reason", "Complaint file 4471")  # fmt: skip
    assert made.returncode == 0, made.stderr
    folder = Path(made.stdout.split("folder ", 1)[1].split("\n", 1)[0].strip())
    assert (folder / "conversation.pdf").read_bytes().startswith(b"%PDF")
    assert run(demo_db, "export", "verify", str(folder)).stdout.startswith("bundle ")
    shown = run(demo_db, "item", "show", item).stdout
    assert "item.evidence_export" in shown

    pdf = folder / "conversation.pdf"
    data = bytearray(pdf.read_bytes())
    data[100] ^= 0x20
    pdf.write_bytes(bytes(data))
    checked = run(demo_db, "export", "verify", str(folder))
    assert checked.returncode == 3
    assert "conversation.pdf: contents changed since export" in checked.stdout


def test_anchor_then_a_cut_tail_is_caught_from_the_command_line(
    demo_db: str, tmp_path: Path
) -> None:
    anchors = tmp_path / "anchors.jsonl"
    assert run(demo_db, "audit", "anchor", "--out", str(anchors)).returncode == 0
    seq = json.loads(anchors.read_text())["seq"]
    assert run(demo_db, "audit", "verify", "--anchor", str(anchors)).returncode == 0
    engine = make_engine(demo_db)
    with engine.begin() as conn:
        cut = seq - 5
        kept = conn.execute(
            text("SELECT hash FROM audit_event WHERE seq = :s"), {"s": cut}
        ).scalar_one()
        conn.execute(text("DELETE FROM audit_event WHERE seq > :s"), {"s": cut})
        conn.execute(text("UPDATE audit_head SET seq = :s, last_hash = :h"), {"s": cut, "h": kept})
    engine.dispose()
    assert run(demo_db, "audit", "verify").returncode == 0
    caught = run(demo_db, "audit", "verify", "--anchor", str(anchors))
    assert caught.returncode == 3
    assert f"anchor 1 (event {seq}," in caught.stdout and "history was cut back" in caught.stdout


def test_retention_with_a_hold_from_the_command_line(demo_db: str) -> None:
    spam = json.loads(run(demo_db, "inbox", "--json", "status:spam").stdout)
    assert spam, "the demo has spam"
    first = str(spam[0]["id"])
    assert run(demo_db, "retention", "set", "--class", "spam", "--days", "1").returncode == 0
    bad = run(demo_db, "retention", "set", "--class", "nonsense", "--days", "1")
    assert bad.returncode == 1 and "tag:NAME" in bad.stderr
    assert run(demo_db, "hold", "add", "item", first, "--reason", "Op Lantern").returncode == 0
    dry = run(demo_db, "retention", "run", "--dry-run")
    assert dry.returncode == 0 and f"HELD erase item {first}" in dry.stdout
    done = run(demo_db, "retention", "run")
    assert done.returncode == 0 and f"{len(spam) - 1} item(s)" in done.stdout
    assert run(demo_db, "audit", "verify").stdout.startswith("audit chain intact")
