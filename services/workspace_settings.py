"""Workspace settings stored as data rows (review policy, SLA, report schedule), written with an audit event."""

from __future__ import annotations

from typing import Any

from services.audit import Transaction
from services.store.models import Setting


def put(tx: Transaction, key: str, value: dict[str, Any], action: str) -> None:
    row = tx.session.get(Setting, key)
    before = dict(row.value) if row else None
    if row is None:
        tx.session.add(Setting(key=key, value=value))
    else:
        row.value = value
    tx.audit(action, "setting", None, before, value)
    tx.touched("settings")
