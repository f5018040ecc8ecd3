"""The sync engine: polls channels through their connectors and writes what they return.

Items are upserted page by page (idempotent); a channel's cursor is written
only in the transaction of the run's last page, so a worker killed at any
moment loses nothing and duplicates nothing. One channel failing never
stops the others, and one item the database refuses never stops its channel
(services.channels.quarantine).

No server can keep a run going for ever: a run ends when a page brings no
item this run has not already seen (a server that ignores the page number
sends page 1 again and again) and after `max_pages` pages; network waits end
soon after the stop event is set (services.channels.http.stop_on).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from services.channels import quarantine
from services.channels.errors import ChannelError, RateLimited
from services.channels.http import Stopped, stop_on
from services.channels.ingest import item_key
from services.channels.outside_text import clean_text
from services.channels.protocol import Batch, ChannelConfig, Connector, Registry
from services.channels.sanitise import html_to_text, sanitise_html
from services.desk.risk_store import IngestRisk
from services.store.db import SessionFactory
from services.store.models import Channel, Item, Status, Thread, utcnow
from services.store.states import ChannelState
from services.worker_events import BatchStored, SyncFinished, SyncStarted, WorkerEvent
from services.workspace import secrets
from services.workspace.changes import ChangeKind, Changes
from services.workspace.unit_of_work import write_transaction

log = logging.getLogger(__name__)

Progress = Callable[[WorkerEvent], None]
SecretLoader = Callable[[int], str | None]

# 5,000 pages is half a million WordPress comments: more than a force's whole blog history,
# far less than a loop. A server repeating itself is stopped long before, at the first page
# that brings nothing new; a backlog past the cap never completes (its cursor is stored only
# with the last page), so the cap errs on the large side.
MAX_PAGES = 5000
STOPPED = "stopped before the end of the run; it resumes next time"


class RunCut(ChannelError):
    """The run was ended by the engine because the server would have kept it going."""


@dataclass(frozen=True)
class SyncResult:
    channel: str
    inserted: int
    updated: int
    state: str
    reason: str | None


def _noop(_event: WorkerEvent) -> None:
    pass


@dataclass
class _Run:
    """What one channel's run has done so far."""

    held: set[str]
    seen: set[str] = field(default_factory=set)
    pages: int = 0
    inserted: int = 0
    updated: int = 0
    quarantined: int = 0


class SyncEngine:
    def __init__(
        self,
        factory: SessionFactory,
        registry: Registry,
        secret_loader: SecretLoader = secrets.load,
        progress: Progress = _noop,
        max_workers: int = 4,
        max_pages: int = MAX_PAGES,
    ) -> None:
        self._factory = factory
        self._registry = registry
        self._secret = secret_loader
        self._progress = progress
        self._max_workers = max_workers
        self._max_pages = max_pages

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
            ch.state, ch.last_attempt_at = ChannelState.SYNCING, tx.now
            started = tx.now
            tx.touched(ChangeKind.CHANNELS)
        self._progress(SyncStarted(name))
        run = _Run(held=quarantine.held_keys(self._factory, channel_id))
        state, reason, next_poll = ChannelState.OK, None, None
        connector: Connector | None = None
        try:
            with stop_on(stop or threading.Event()):
                connector = self.connector_for(channel_id, with_threads=True)
                for batch in connector.fetch(cursor):
                    if stop is not None and stop.is_set():
                        reason = STOPPED
                        break
                    self._check_page(run, batch)
                    self._store(channel_id, name, batch, run)
                if reconcile and not (stop is not None and stop.is_set()):
                    run.updated += self._reconcile(channel_id, connector)
                reason = reason or getattr(connector, "warning", None)
        except RateLimited as exc:
            state, reason = ChannelState.RATE_LIMITED, str(exc)
            next_poll = utcnow() + timedelta(seconds=exc.wait_seconds)
        except Stopped as exc:
            reason = str(exc)
        except ChannelError as exc:
            state, reason = ChannelState.ERROR, str(exc)
        except Exception as exc:  # a bug in one connector must not stop the others
            log.exception("sync of channel %s failed", name)
            state, reason = (
                ChannelState.ERROR,
                f"internal error ({type(exc).__name__}); see the worker log",
            )
        finally:
            if connector is not None:
                connector.close()
        reason = self._after_run(channel_id, name, started, run, reason, stop)
        self._finish(channel_id, state, reason, next_poll)
        self._progress(
            SyncFinished(name, run.inserted, run.updated, state, reason, run.quarantined)
        )
        return SyncResult(name, run.inserted, run.updated, state, reason)

    def _check_page(self, run: _Run, batch: Batch) -> None:
        run.pages += 1
        keys = {item_key(i.external_id) for i in batch.items}
        if batch.cursor is None and keys and keys <= run.seen:
            raise RunCut(
                f"stopped after page {run.pages}: the server sent the same items again "
                "(it may ignore the page number, or a proxy drops the query string); "
                f"{run.inserted} new items were kept, the rest cannot arrive until that is fixed"
            )
        if run.pages > self._max_pages:
            raise RunCut(
                f"stopped after {self._max_pages:,} pages, the most one run fetches; "
                f"{run.inserted} new items were kept"
            )
        run.seen |= keys

    def _store(self, channel_id: int, name: str, batch: Batch, run: _Run) -> None:
        stored = quarantine.store_batch(
            self._factory, channel_id, batch.items, batch.cursor, run.held
        )
        run.inserted += len(stored.result.inserted)
        run.updated += len(stored.result.updated)
        self._progress(BatchStored(name, len(batch.items), run.inserted, run.updated))

    def _after_run(
        self,
        channel_id: int,
        name: str,
        started: datetime,
        run: _Run,
        reason: str | None,
        stop: threading.Event | None,
    ) -> str | None:
        """Quarantined items get another try; while some remain, the channel says so."""
        if not run.held:
            return reason
        if not (stop is not None and stop.is_set()):
            retried = quarantine.retry(self._factory, channel_id, started)
            run.inserted += len(retried.inserted)
            run.updated += len(retried.updated)
        left = len(quarantine.held_keys(self._factory, channel_id))
        run.quarantined = left
        if not left:
            return reason
        note = quarantine.describe(left, name)
        return f"{reason}; {note}" if reason else note

    def _finish(
        self, channel_id: int, state: str, reason: str | None, next_poll: datetime | None
    ) -> None:
        with write_transaction(self._factory, None) as tx:
            ch = tx.session.get_one(Channel, channel_id)
            ch.state, ch.state_reason = state, reason
            if state == ChannelState.OK:
                ch.last_success_at = tx.now
            ch.next_poll_at = next_poll or tx.now + timedelta(seconds=ch.poll_seconds)
            tx.touched(ChangeKind.CHANNELS)

    def _reconcile(self, channel_id: int, connector: Connector) -> int:
        with self._factory() as s:
            rows = s.execute(
                select(Item.external_id, Item.source_state).where(Item.channel_id == channel_id)
            )
            known = {ext: state for ext, state in rows}
        changed = 0
        states = connector.reconcile(known)
        with write_transaction(self._factory, None) as tx:
            risk = IngestRisk(tx.session, tx.now)  # an edit on the platform is read again
            for st in states:
                item = tx.session.scalar(
                    select(Item).where(
                        Item.channel_id == channel_id, Item.external_id == st.external_id
                    )
                )
                if item is None:
                    continue
                body = clean_text(st.body_html) if st.body_html is not None else None
                safe = sanitise_html(body) if body is not None else item.body_html
                if item.source_state == st.source_state and safe == item.body_html:
                    continue
                item.source_state = st.source_state
                if body is not None and safe != item.body_html:
                    item.body_html, item.body_text = safe, html_to_text(body)
                    item.source_updated_at = tx.now
                    risk.assess(item)
                if st.source_state == "spam" and item.status in (Status.NEW, Status.OPEN):
                    item.status = Status.SPAM
                tx.touched(ChangeKind.ITEMS, item.id)
                changed += 1
            if urgent := risk.record():
                tx.touched(ChangeKind.RISK, *urgent)
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
            tx.session.execute(
                update(Channel)
                .where(Channel.state == ChannelState.SYNCING)
                .values(state=ChannelState.OK)
            )


def request_sync_now(factory: SessionFactory) -> Changes:
    """Make every enabled channel due now; a running worker picks them up within a second."""
    with write_transaction(factory, None) as tx:
        tx.session.execute(
            update(Channel).where(Channel.enabled.is_(True)).values(next_poll_at=tx.now)
        )
        tx.touched(ChangeKind.CHANNELS)
        return tx.changes()
