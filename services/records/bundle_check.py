"""`export verify`: re-check an evidence bundle against its manifest and against the database.

Three things can change after an export, and each is named on its own:
- a file in the bundle (its SHA-256 no longer matches the manifest, or it is gone or new);
- the manifest itself (its SHA-256 no longer matches the one the export's audit event holds);
- an audit event in the database (it no longer matches the copy the bundle carries).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from services.errors import InvalidInput
from services.records.audit import event_hash
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models_audit import AuditEvent

_FIELDS = (
    "at",
    "actor_id",
    "action",
    "subject_type",
    "subject_id",
    "before",
    "after",
    "prev_hash",
    "os_login",
    "hash",
)


def event_record(e: AuditEvent) -> dict[str, Any]:
    """An audit event as a bundle carries it: every field its hash covers, and the hash."""
    return {
        "seq": e.seq,
        "at": e.at.isoformat(timespec="microseconds"),
        "actor_id": e.actor_id,
        "action": e.action,
        "subject_type": e.subject_type,
        "subject_id": e.subject_id,
        "before": e.before,
        "after": e.after,
        "prev_hash": e.prev_hash,
        "os_login": e.os_login,
        "hash": e.hash,
    }


def _own_hash(record: dict[str, Any]) -> str:
    return event_hash(
        seq=record["seq"],
        at=datetime.fromisoformat(record["at"]),
        actor_id=record["actor_id"],
        action=record["action"],
        subject_type=record["subject_type"],
        subject_id=record["subject_id"],
        before=record["before"],
        after=record["after"],
        prev_hash=record["prev_hash"],
        os_login=record.get("os_login"),
    )


def _own_hash_or_none(record: dict[str, Any]) -> str | None:
    try:
        return _own_hash(record)
    except (KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class BundleCheck:
    bundle_id: str | None
    files_checked: int
    events_checked: int
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _unpacked(path: Path, scratch: Path) -> Path:
    """A bundle's folder: the folder given, or the one inside a bundle's zip."""
    if path.is_dir():
        return path
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            z.extractall(scratch)
        inner = [p for p in scratch.iterdir() if p.is_dir()]
        if len(inner) == 1:
            return inner[0]
    raise InvalidInput(f"{path} is not an evidence bundle (a folder or its zip)")


def verify_bundle(factory: SessionFactory, path: Path) -> BundleCheck:
    with tempfile.TemporaryDirectory() as scratch:
        return _verify(factory, _unpacked(path, Path(scratch)))


def _verify(factory: SessionFactory, folder: Path) -> BundleCheck:
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise InvalidInput(f"{folder} holds no manifest.json: not an evidence bundle")
    manifest_bytes = manifest_path.read_bytes()
    try:
        manifest = json.loads(manifest_bytes)
        files = {f["path"]: f for f in manifest["files"]}
    except (ValueError, KeyError, TypeError):
        return BundleCheck(None, 0, 0, ("manifest.json is unreadable: it was altered or cut",))
    problems = _file_problems(folder, files)
    problems += _manifest_problems(factory, manifest, hashlib.sha256(manifest_bytes).hexdigest())
    events, event_problems = _event_problems(factory, folder, manifest)
    return BundleCheck(
        manifest.get("bundle_id"), len(files), events, tuple(problems + event_problems)
    )


def _file_problems(folder: Path, files: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for name, entry in sorted(files.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: missing from the bundle")
            continue
        size = path.stat().st_size
        if _sha(path) != entry["sha256"]:
            problems.append(
                f"{name}: contents changed since export (sha256 {entry['sha256'][:16]}… expected, "
                f"{_sha(path)[:16]}… found; {entry['bytes']} bytes then, {size} now)"
            )
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    for extra in sorted(present - set(files) - {"manifest.json"}):
        problems.append(f"{extra}: added after export (not in the manifest)")
    return problems


def _manifest_problems(factory: SessionFactory, manifest: dict[str, Any], digest: str) -> list[str]:
    bundle = manifest.get("bundle_id")
    with factory() as s:
        recorded = {
            str(e.after.get("manifest_sha256"))
            for e in s.scalars(
                select(AuditEvent).where(AuditEvent.action == AuditAction.ITEM_EVIDENCE_EXPORT)
            )
            if e.after and e.after.get("bundle") == bundle
        }
    if not recorded:
        return [f"the audit trail records no export of bundle {bundle}"]
    if digest not in recorded:
        return ["manifest.json was altered: its SHA-256 differs from the one recorded at export"]
    return []


def _event_problems(
    factory: SessionFactory, folder: Path, manifest: dict[str, Any]
) -> tuple[int, list[str]]:
    path = folder / "audit-events.jsonl"
    if not path.is_file():
        return 0, []  # named as a missing file already
    records, problems = [], []
    for number, line in enumerate(path.read_bytes().splitlines(), 1):
        try:
            record = json.loads(line)
            int(record["seq"])
            records.append(record)
        except (ValueError, KeyError, TypeError):
            problems.append(f"audit-events.jsonl line {number}: unreadable (altered)")
    listed = set(manifest.get("audit_events", []))
    with factory() as s:
        for record in records:
            seq = record["seq"]
            if seq not in listed:
                problems.append(f"audit event {seq}: in the bundle but not in the manifest")
            if _own_hash_or_none(record) != record.get("hash"):
                problems.append(f"audit event {seq}: the bundle's copy does not match its own hash")
            row = s.scalar(select(AuditEvent).where(AuditEvent.seq == seq))
            if row is None:
                problems.append(
                    f"audit event {seq} ({record.get('action')}): deleted from the database "
                    "after export"
                )
                continue
            now = event_record(row)
            changed = [f for f in _FIELDS if now[f] != record.get(f)]
            if changed:
                problems.append(
                    f"audit event {seq} ({record.get('action')}): changed in the database after export "
                    f"({', '.join(changed)})"
                )
    return len(records), problems
