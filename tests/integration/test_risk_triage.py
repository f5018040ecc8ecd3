"""Risk triage in the product: flagged at sync, lowered by an edit, overrides kept, urgent items held."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from services.answers import replies
from services.channels.incoming import Author, Incoming
from services.channels.ingest import upsert
from services.channels.protocol import Registry
from services.channels.sync import SyncEngine
from services.desk import risk_admin, risk_store, risk_view
from services.errors import InvalidInput, PermissionDenied
from services.inbox import conversation, triage
from services.inbox import listing as inbox
from services.records.audit_actions import AuditAction
from services.reports import metrics
from services.reports.week import parse_week
from services.store.db import SessionFactory
from services.store.models import Item, ItemKind, Status, utcnow
from services.store.models_audit import AuditEvent, Change
from services.store.models_desk import RiskChange
from services.workspace.actor import Actor
from services.workspace.unit_of_work import write_transaction
from tests.fakes.wordpress import FakeWordPress

KNIFE = "There is a man with a knife outside the school gates right now, please send someone"
CALM = "There is a man outside the school gates right now, please send someone"
DEALING = (
    "There's a flat on Harper Street with people coming and going all hours, "
    "pretty sure they're dealing drugs"
)


def _item(factory: SessionFactory, channel_id: int, external_id: int) -> Item:
    with factory() as s:
        item = s.scalar(
            select(Item).where(Item.channel_id == channel_id, Item.external_id == str(external_id))
        )
        assert item is not None
        return item


def _changes(factory: SessionFactory, item_id: int) -> list[tuple[str | None, str | None]]:
    with factory() as s:
        return [
            (c.level_before, c.level_after)
            for c in s.scalars(
                select(RiskChange).where(RiskChange.item_id == item_id).order_by(RiskChange.id)
            )
        ]


def test_an_urgent_comment_is_flagged_at_sync_with_its_reasons_and_found_by_search(
    factory: SessionFactory, wp: FakeWordPress, wp_channel: int, sync_engine: SyncEngine
) -> None:
    with factory() as s:
        last_change = s.scalar(select(func.max(Change.id))) or 0
    urgent = wp.add_comment(812, KNIFE, "Amy Shah")
    watch = wp.add_comment(812, DEALING, "Neighbour")
    wp.add_comment(812, "I'd kill for a decent bus service round here", "Commuter")
    assert sync_engine.sync_channel(wp_channel).inserted == 3
    item = _item(factory, wp_channel, urgent)
    assert item.risk_level == "urgent"
    assert item.risk_reasons is not None
    assert item.risk_reasons[0]["rule_id"] == "weapon-seen"
    assert item.risk_reasons[0]["matched"] == ["knife"]
    assert item.risk_rules_version == risk_store.digest(risk_store.default_body())
    assert _item(factory, wp_channel, watch).risk_level == "watch"
    # The desktop hears of the new urgent item through the change feed.
    with factory() as s:
        feed = s.execute(select(Change.kinds, Change.item_ids).where(Change.id > last_change)).all()
    assert any("risk" in kinds.split(",") and item.id in (ids or ()) for kinds, ids in feed)

    found = inbox.first_page(factory, inbox.Query("risk:urgent"))
    assert [r.id for r in found] == [item.id]
    assert found[0].risk == "urgent" and found[0].risk_reasons[0].matched == ("knife",)
    assert inbox.count(factory, inbox.Query("is:risk")) == 2
    assert inbox.count(factory, inbox.Query("risk:watch")) == 1
    # Negated: the unflagged comment is not lost to NULL logic.
    assert inbox.count(factory, inbox.Query("-risk:urgent")) == 2
    assert inbox.count(factory, inbox.Query("risk:none")) == 1
    assert inbox.count(factory, inbox.Query("-is:risk")) == 1


def test_an_edit_on_the_platform_that_removes_the_words_lowers_the_flag_at_reconcile(
    factory: SessionFactory, wp: FakeWordPress, wp_channel: int, sync_engine: SyncEngine
) -> None:
    cid = wp.add_comment(812, KNIFE)
    sync_engine.sync_channel(wp_channel)
    item_id = _item(factory, wp_channel, cid).id
    wp.comments[cid]["content"]["rendered"] = f"<p>{CALM}</p>"
    sync_engine.sync_channel(wp_channel, reconcile=True)
    item = _item(factory, wp_channel, cid)
    assert item.body_text == CALM
    assert (item.risk_level, item.risk_reasons) == (None, None)
    assert _changes(factory, item_id) == [(None, "urgent"), ("urgent", None)]
    assert inbox.count(factory, inbox.Query("risk:urgent")) == 0


def test_an_override_is_kept_over_edits_and_new_rules(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    admin: Actor,
    registry: Registry,
) -> None:
    cid = wp.add_comment(812, KNIFE)
    sync_engine.sync_channel(wp_channel)
    item_id = _item(factory, wp_channel, cid).id
    with pytest.raises(InvalidInput, match="needs a reason"):
        risk_store.set_override(factory, officer, item_id, "none")
    risk_store.set_override(factory, officer, item_id, "none", "a line from a school play")
    # A new rule version: the worker re-reads every open item, and the person's call stands.
    risk_admin.add_rules(
        factory,
        admin,
        json.dumps(
            {
                "id": "school-gates",
                "level": "watch",
                "category": "safeguarding",
                "description": "Someone loiters at a school.",
                "phrases": ["school gates"],
            }
        ),
    )
    assert risk_store.reclassify_stale(factory) == 1
    item = _item(factory, wp_channel, cid)
    assert item.risk_level is None and item.risk_override == "none"
    assert {r["rule_id"] for r in item.risk_reasons or ()} == {"weapon-seen", "school-gates"}
    # An edit at the source is read again; the override still stands.
    wp.comments[cid]["content"]["rendered"] = f"<p>{KNIFE} Please hurry.</p>"
    sync_engine.sync_channel(wp_channel, reconcile=True)
    assert _item(factory, wp_channel, cid).risk_level is None
    with factory() as s:
        event = s.scalar(
            select(AuditEvent).where(
                AuditEvent.action == AuditAction.ITEM_RISK, AuditEvent.subject_id == item_id
            )
        )
    assert event is not None and event.after is not None
    assert event.after["reason"] == "a line from a school play"
    conv = conversation.load(factory, item_id, registry=registry)
    assert conv.risk.override is not None and conv.risk.override.by == "PC Dan Hughes"
    assert conv.risk.found == "urgent" and conv.risk.level is None
    # Handing it back to the rules raises it again (no reason needed to raise).
    risk_store.set_override(factory, officer, item_id, "auto")
    assert _item(factory, wp_channel, cid).risk_level == "urgent"


def test_urgent_items_are_not_done_snoozed_or_spammed_without_a_reason(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
) -> None:
    urgent = wp.add_comment(812, KNIFE)
    plain = wp.add_comment(812, "When does the front counter open?")
    sync_engine.sync_channel(wp_channel)
    urgent_id = _item(factory, wp_channel, urgent).id
    plain_id = _item(factory, wp_channel, plain).id
    later = utcnow() + timedelta(hours=2)
    for status, until in ((Status.DONE, None), (Status.SNOOZED, later), (Status.SPAM, None)):
        with pytest.raises(InvalidInput, match=f"#{urgent_id} is flagged urgent"):
            triage.set_status(factory, officer, [plain_id, urgent_id], status, until)
    assert _item(factory, wp_channel, urgent).status == Status.NEW
    assert _item(factory, wp_channel, plain).status == Status.NEW  # one refusal, nothing moved
    triage.set_status(factory, officer, [plain_id], Status.DONE)  # not urgent: no reason asked
    triage.set_status(factory, officer, [urgent_id], Status.OPEN)  # staying in the queue is fine
    triage.set_status(
        factory, officer, [urgent_id], Status.DONE, reason="999 called, officers attended"
    )
    with factory() as s:
        event = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == AuditAction.ITEM_STATUS, AuditEvent.subject_id == urgent_id)
            .order_by(AuditEvent.seq.desc())
        ).first()
    assert event is not None and event.after is not None
    assert event.after["reason"] == "999 called, officers attended"


def test_rule_changes_are_admin_only_versioned_and_reach_open_items(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    admin: Actor,
    officer: Actor,
) -> None:
    open_one = wp.add_comment(812, "The bins on Mill Lane have not been emptied for weeks")
    closed = wp.add_comment(812, "The bins on Mill Lane again")
    sync_engine.sync_channel(wp_channel)
    triage.set_status(factory, officer, [_item(factory, wp_channel, closed).id], Status.DONE)
    assert risk_store.reclassify_stale(factory) == 0  # everything is current
    rule = {
        "id": "bins",
        "level": "watch",
        "category": "test",
        "description": "Bins mentioned.",
        "phrases": ["bins"],
    }
    with pytest.raises(PermissionDenied):
        risk_admin.add_rules(factory, officer, json.dumps(rule))
    first = risk_admin.add_rules(factory, admin, json.dumps(rule))
    assert (first.revision, first.added) == (1, ("bins",))
    assert risk_admin.list_rules(factory).rules[-1].id == "bins"
    assert risk_store.reclassify_stale(factory) == 1  # the done item keeps its finding
    assert _item(factory, wp_channel, open_one).risk_level == "watch"
    assert _item(factory, wp_channel, closed).risk_level is None
    assert risk_store.reclassify_stale(factory) == 0
    second = risk_admin.remove_rule(factory, admin, "bins")
    assert second.revision == 2 and second.version == first_version_of_defaults()
    assert risk_store.reclassify_stale(factory) == 1
    assert _item(factory, wp_channel, open_one).risk_level is None
    with factory() as s:
        actions = list(
            s.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "risk_rule_set"))
        )
    assert actions == ["risk.rules", "risk.rules"]
    assert "no rule fires" in risk_admin.explain_text(factory, "the bins")


def first_version_of_defaults() -> str:
    return risk_store.digest(risk_store.default_body())


def test_an_urgent_item_shows_the_guidance_and_offers_the_urgent_saved_reply(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    admin: Actor,
    registry: Registry,
) -> None:
    replies.add_saved_reply(
        factory, admin, "Thanks", "Thank you for getting in touch.", registry=registry
    )
    replies.add_saved_reply(
        factory, admin, "Urgent: call 999", "If you are in danger call 999.", registry=registry
    )
    cid = wp.add_comment(812, KNIFE)
    calm = wp.add_comment(812, "When does the front counter open?")
    sync_engine.sync_channel(wp_channel)
    conv = conversation.load(factory, _item(factory, wp_channel, cid).id, registry=registry)
    assert conv.risk.level == "urgent" and conv.risk.guidance == risk_view.DEFAULT_GUIDANCE
    assert conv.risk.suggested_reply is not None
    assert conv.risk.suggested_reply.name == "Urgent: call 999"
    assert (
        conversation.load(
            factory, _item(factory, wp_channel, calm).id, registry=registry
        ).risk.guidance
        is None
    )
    risk_view.set_guidance(factory, admin, "Call 999 now. Otherwise 101, 8am–6pm.", "Thanks")
    conv = conversation.load(factory, _item(factory, wp_channel, cid).id, registry=registry)
    assert conv.risk.guidance == "Call 999 now. Otherwise 101, 8am–6pm."
    assert conv.risk.suggested_reply is not None and conv.risk.suggested_reply.name == "Thanks"
    lines = "\n".join(risk_view.describe(conv.risk))
    assert "weapon-seen" in lines and '"knife"' in lines and "Call 999 now" in lines


def test_the_weekly_report_counts_flags_first_action_on_urgent_and_false_flags(
    factory: SessionFactory, wp_channel: int, officer: Actor
) -> None:
    week = parse_week("2026-W43", ZoneInfo("Europe/London"))
    t0 = datetime(2026, 10, 21, 9, 0, tzinfo=UTC)
    texts = {"a": KNIFE, "b": KNIFE, "c": DEALING, "d": "Lovely day at the open day"}
    with write_transaction(factory, None) as tx:
        batch = [
            Incoming(key, ItemKind.COMMENT, t0, Author(key, key), None, body_text=text)
            for key, text in texts.items()
        ]
        stored = upsert(tx.session, wp_channel, batch, t0)
    a, b, c, _d = stored.inserted
    assert sorted(stored.urgent) == sorted([a, b])
    with write_transaction(factory, officer) as tx:
        # Someone took item a 42 minutes after it was flagged; b waits.
        tx.audit(
            AuditAction.ITEM_ASSIGN,
            "item",
            a,
            None,
            {"assignee": "dan"},
            at=t0 + timedelta(minutes=42),
        )
        # The watch flag on c was cleared as false the next day.
        tx.session.add(
            RiskChange(
                item_id=c,
                at=t0 + timedelta(days=1),
                level_before="watch",
                level_after=None,
                by_id=officer.id,
                reason="a rumour, not a report",
            )
        )
    report = metrics.compute(factory, week)
    assert (report.risk.raised_urgent, report.risk.raised_watch) == (2, 1)
    assert report.risk.first_action_minutes == (42.0,)
    assert report.risk.urgent_waiting == 1
    assert report.risk.cleared_as_false == 1
    headline = report.headline()
    assert headline["urgent flags raised"] == 2
    assert headline["median first action on urgent (min)"] == 42.0
    assert headline["flags cleared as false"] == 1
    assert report.previous is not None and report.previous.risk.raised_urgent == 0
