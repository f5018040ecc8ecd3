"""The sync engine: polls channels through their connectors and writes what they return.

Items are upserted page by page (idempotent); a channel's cursor is written
only in the transaction of the run's last page, so a worker killed at any
moment loses nothing and duplicates nothing. One channel failing never
stops the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from services import secrets
from services.audit import write_transaction
from services.changes import Changes
from services.channels.errors import ChannelError, RateLimited
from services.channels.protocol import ChannelConfig, Connector, Registry
from services.ingest import upsert
from services.sanitise import html_to_text, sanitise_html
from services.store.db import SessionFactory
from services.store.models import Channel, Item, Status, Thread, utcnow

log = logging.getLogger(__name__)

Progress = Callable[[dict[str, Any]], None]
SecretLoader = Callable[[int], str | None]


@dataclass(frozen=True)
class SyncResult:
    channel: str
    inserted: int
    updated: int
    state: str
    reason: str | None


def _noop(_event: dict[str, Any]) -> None:
    pass


class SyncEngine:
    def __init__(
        self,
        factory: SessionFactory,
        registry: Registry,
        secret_loader: SecretLoader = secrets.load,
        progress: Progress = _noop,
        max_workers: int = 4,
    ) -> None:
        self._factory = factory
        self._registry = registry
        self._secret = secret_loader
        self._progress = progress
        self._max_workers = max_workers

    # ---- one channel ---------------------------------------------------------------
    def connector_for(self, channel_id: int, with_threads: bool = False) -> Connector:
        with self._factory() as s:
            ch = s.get_one(Channel, channel_id)
            known = (
                set(s.scalars(select(Thread.external_id).where(Thread.channel_id == channel_id)))
                if with_threads
                else set()
            )
            kind, config = ch.kind, dict(ch.config)
        return self._registry.create(ChannelConfig(kind, config, self._secret(channel_id), known))

    def sync_channel(
        self, channel_id: int, reconcile: bool = False, stop: threading.Event | None = None
    ) -> SyncResult:
        with write_transaction(self._factory, None) as tx:
            ch = tx.session.get_one(Channel, channel_id)
            name, cursor = ch.name, dict(ch.cursor or {})
            ch.state, ch.last_attempt_at = "syncing", tx.now
            tx.touched("channels")
        self._progress({"event": "sync_started", "channel": name})
        inserted = updated = 0
        state, reason, next_poll = "ok", None, None
        connector: Connector | None = None
        try:
            connector = self.connector_for(channel_id, with_threads=True)
            for batch in connector.fetch(cursor):
                if stop is not None and stop.is_set():
                    reason = "stopped before the end of the run; it resumes next time"
                    break
                with write_transaction(self._factory, None) as tx:
                    result = upsert(tx.session, channel_id, batch.items, tx.now)
                    if batch.cursor is not None:
                        tx.session.get_one(Channel, channel_id).cursor = batch.cursor
                    if result.item_ids:
                        tx.touched("items", *result.item_ids)
                inserted += len(result.inserted)
                updated += len(result.updated)
                self._progress(
                    {
                        "event": "batch",
                        "channel": name,
                        "items": len(batch.items),
                        "inserted": inserted,
                        "updated": updated,
                    }
                )
            if reconcile and not (stop is not None and stop.is_set()):
                updated += self._reconcile(channel_id, connector)
            reason = reason or getattr(connector, "warning", None)
        except RateLimited as exc:
            state, reason = "rate_limited", str(exc)
            next_poll = utcnow() + timedelta(seconds=exc.wait_seconds)
        except ChannelError as exc:
            state, reason = "error", str(exc)
        except Exception as exc:  # a bug in one connector must not stop the others
            log.exception("sync of channel %s failed", name)
            state, reason = "error", f"internal error ({type(exc).__name__}); see the worker log"
        finally:
            if connector is not None:
                connector.close()
        self._finish(channel_id, state, reason, next_poll)
        self._progress(
            {
                "event": "sync_finished",
                "channel": name,
                "inserted": inserted,
                "updated": updated,
                "state": state,
                "reason": reason,
            }
        )
        return SyncResult(name, inserted, updated, state, reason)

    def _finish(
        self, channel_id: int, state: str, reason: str | None, next_poll: datetime | None
    ) -> None:
        with write_transaction(self._factory, None) as tx:
            ch = tx.session.get_one(Channel, channel_id)
            ch.state, ch.state_reason = state, reason
            if state == "ok":
                ch.last_success_at = tx.now
            ch.next_poll_at = next_poll or tx.now + timedelta(seconds=ch.poll_seconds)
            tx.touched("channels")

    def _reconcile(self, channel_id: int, connector: Connector) -> int:
        with self._factory() as s:
            rows = s.execute(
                select(Item.external_id, Item.source_state).where(Item.channel_id == channel_id)
            )
            known = {ext: state for ext, state in rows}
        changed = 0
        states = connector.reconcile(known)
        with write_transaction(self._factory, None) as tx:
            for st in states:
                item = tx.session.scalar(
                    select(Item).where(
                        Item.channel_id == channel_id, Item.external_id == st.external_id
                    )
                )
                if item is None:
                    continue
                safe = sanitise_html(st.body_html) if st.body_html is not None else item.body_html
                if item.source_state == st.source_state and safe == item.body_html:
                    continue
                item.source_state = st.source_state
                if st.body_html is not None and safe != item.body_html:
                    item.body_html, item.body_text = safe, html_to_text(st.body_html)
                    item.source_updated_at = tx.now
                if st.source_state == "spam" and item.status in (Status.NEW, Status.OPEN):
                    item.status = Status.SPAM
                tx.touched("items", item.id)
                changed += 1
        return changed

    # ---- many channels ------------------------------------------------------------
    def channel_ids(self, names: list[str] | None = None, due_only: bool = False) -> list[int]:
        stmt = select(Channel.id).where(Channel.enabled.is_(True))
        if names:
            stmt = select(Channel.id).where(Channel.name.in_(names))
        if due_only:
            stmt = stmt.where(or_(Channel.next_poll_at.is_(None), Channel.next_poll_at <= utcnow()))
        with self._factory() as s:
            return list(s.scalars(stmt.order_by(Channel.id)))

    def sync_many(
        self, channel_ids: list[int], reconcile: bool = False, stop: threading.Event | None = None
    ) -> list[SyncResult]:
        if not channel_ids:
            return []
        with ThreadPoolExecutor(max_workers=min(self._max_workers, len(channel_ids))) as pool:
            return list(pool.map(lambda cid: self.sync_channel(cid, reconcile, stop), channel_ids))

    def reset_stale_syncing(self) -> None:
        """A worker killed mid-run leaves 'syncing' behind; the next worker starts clean."""
        with write_transaction(self._factory, None) as tx:
            tx.session.execute(update(Channel).where(Channel.state == "syncing").values(state="ok"))


def request_sync_now(factory: SessionFactory) -> Changes:
    """Make every enabled channel due now; a running worker picks them up within a second."""
    with write_transaction(factory, None) as tx:
        tx.session.execute(
            update(Channel).where(Channel.enabled.is_(True)).values(next_poll_at=tx.now)
        )
        tx.touched("channels")
        return tx.changes()
