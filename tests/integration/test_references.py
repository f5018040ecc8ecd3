"""Force references (incident, crime, intelligence) on items, threads and contacts: audit, search, report."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from services.channels.protocol import Registry
from services.desk import references
from services.desk.references import Subject
from services.errors import InvalidInput, NotFound
from services.inbox import conversation
from services.inbox import listing as inbox
from services.records.audit import verify_chain
from services.records.audit_actions import AuditAction
from services.reports import export, metrics
from services.reports.week import parse_week
from services.store.db import SessionFactory
from services.store.models import Item, utcnow
from services.store.models_audit import AuditEvent, Change
from services.workspace import change_feed
from services.workspace.actor import Actor
from services.workspace.changes import ChangeKind
from tests.builders import add_channel, add_item

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def world(factory: SessionFactory) -> dict[str, int]:
    blog = add_channel(factory, "Force blog", "wordpress")
    t0 = datetime(2026, 10, 20, 12, 0, tzinfo=LONDON)  # in 2026-W43
    ids = {
        "helen": add_item(factory, blog, "1", "my car was broken into", author="Helen Brennan",
                          thread="post-1", received_at=t0),
        "helen2": add_item(factory, blog, "2", "and my shed too", author="Helen Brennan",
                           thread="post-2", received_at=t0 + timedelta(hours=1)),
        "gordon": add_item(factory, blog, "3", "I saw the van", author="Gordon Ellis",
                           thread="post-1", received_at=t0 + timedelta(hours=2)),
        "tom": add_item(factory, blog, "4", "nothing to do with it", author="Tom Kettering",
                        thread="post-3", received_at=t0 + timedelta(hours=3)),
    }  # fmt: skip
    with factory() as s:
        for key in list(ids):
            item = s.get_one(Item, ids[key])
            ids[f"{key}.thread"] = item.thread_id or 0
            ids[f"{key}.contact"] = item.contact_id or 0
    return ids


def found(factory: SessionFactory, query: str) -> set[int]:
    return set(inbox.item_ids(factory, inbox.Query(query, tz=LONDON)))


def events(factory: SessionFactory, action: AuditAction) -> list[AuditEvent]:
    with factory() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_add_list_and_remove_are_audited_and_shown_on_the_item(
    factory: SessionFactory, world: dict[str, int], officer: Actor, registry: Registry
) -> None:
    helen = world["helen"]
    ref = references.add_reference(
        factory, officer, Subject("item", helen), "crime", "  ws/2026/12345 "
    )
    assert (ref.kind, ref.value, ref.added_by) == ("crime", "ws/2026/12345", "dan")
    references.add_reference(
        factory, officer, Subject("thread", world["helen.thread"]), "cad", "CAD  0412 29/11"
    )
    [added, thread_added] = events(factory, AuditAction.REFERENCE_ADD)
    assert (added.subject_type, added.subject_id, added.actor_id) == ("item", helen, officer.id)
    assert added.after == {"reference_id": ref.id, "kind": "crime", "value": "ws/2026/12345"}
    assert thread_added.subject_type == "thread"

    conv = conversation.load(factory, helen, registry=registry)
    assert [(r.kind, r.value, r.subject_type) for r in conv.references] == [
        ("crime", "ws/2026/12345", "item"),
        ("incident", "CAD 0412 29/11", "thread"),
    ]
    assert [e.action for e in conv.trail][-1] == AuditAction.REFERENCE_ADD
    # Gordon wrote in the same thread: he sees the thread's incident, not Helen's crime number.
    assert [
        r.value for r in conversation.load(factory, world["gordon"], registry=registry).references
    ] == ["CAD 0412 29/11"]

    with pytest.raises(InvalidInput, match="needs a reason"):
        references.remove_reference(factory, officer, Subject("item", helen), "WS/2026/12345", " ")
    removed = references.remove_reference(
        factory, officer, Subject("item", helen), "WS/2026/12345", "typed on the wrong item"
    )
    assert removed == 1
    [gone] = events(factory, AuditAction.REFERENCE_REMOVE)
    assert gone.before == {
        "references": [{"id": ref.id, "kind": "crime", "value": "ws/2026/12345"}]
    }
    assert gone.after == {"reason": "typed on the wrong item"}
    assert [r.value for r in references.list_for_item(factory, helen)] == ["CAD 0412 29/11"]
    history = references.list_for_item(factory, helen, include_removed=True)
    assert [(r.value, r.remove_reason) for r in history] == [
        ("ws/2026/12345", "typed on the wrong item"),
        ("CAD 0412 29/11", None),
    ]
    with pytest.raises(NotFound, match="no reference"):
        references.remove_reference(factory, officer, Subject("item", helen), "WS/2026/12345", "x")
    assert verify_chain(factory).ok


def test_changes_name_every_item_a_thread_reference_covers(
    factory: SessionFactory, world: dict[str, int], officer: Actor
) -> None:
    before = change_feed.latest_id(factory)
    references.add_reference(
        factory, officer, Subject("thread", world["helen.thread"]), "crime", "WS/1"
    )
    with factory() as s:
        [row] = s.scalars(select(Change).where(Change.id > before)).all()
    # Another desktop showing Gordon's item (same thread) refreshes it too.
    assert row.kinds == ChangeKind.REFERENCES
    assert sorted(row.item_ids or []) == sorted([world["helen"], world["gordon"]])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("   ", "needs a value"),
        ("WS/" + "1" * 70, "at most 64 characters; this one has 73"),
        ('WS/2026/1"; drop', "not '\"' ';'"),
        ("crime", "has no digit"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(
    factory: SessionFactory, world: dict[str, int], officer: Actor, value: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(")):
        references.add_reference(factory, officer, Subject("item", world["helen"]), "crime", value)
    assert events(factory, AuditAction.REFERENCE_ADD) == []


def test_unknown_kind_subject_and_duplicates_are_refused(
    factory: SessionFactory, world: dict[str, int], officer: Actor
) -> None:
    item = Subject("item", world["helen"])
    with pytest.raises(InvalidInput, match="unknown reference kind 'burglary'"):
        references.add_reference(factory, officer, item, "burglary", "WS/1")
    with pytest.raises(NotFound, match="no contact 999999"):
        references.add_reference(factory, officer, Subject("contact", 999999), "crime", "WS/1")
    references.add_reference(factory, officer, item, "crime", "WS/1")
    with pytest.raises(InvalidInput, match="already has crime reference ws/1"):
        references.add_reference(factory, officer, item, "crime", "ws/1")
    # The same number as another kind is another reference.
    references.add_reference(factory, officer, item, "intelligence", "WS/1")
    assert len(references.list_for_item(factory, item.id)) == 2


def test_ref_search_covers_items_threads_and_contacts(
    factory: SessionFactory, world: dict[str, int], officer: Actor
) -> None:
    w = world
    references.add_reference(factory, officer, Subject("item", w["tom"]), "crime", "WS/2026/12345")
    references.add_reference(
        factory, officer, Subject("thread", w["helen.thread"]), "incident", "CAD 77"
    )
    references.add_reference(
        factory, officer, Subject("contact", w["helen.contact"]), "crime", "WS/2026/999"
    )

    assert found(factory, "ref:ws/2026/12345") == {w["tom"]}
    assert found(factory, 'ref:"cad 77"') == {w["helen"], w["gordon"]}  # the whole thread
    assert found(factory, "ref:WS/2026/999") == {w["helen"], w["helen2"]}  # all Helen wrote
    assert found(factory, "ref:crime") == {w["tom"], w["helen"], w["helen2"]}
    assert found(factory, "ref:incident") == found(factory, "ref:cad")
    assert found(factory, "ref:intelligence") == set()
    assert found(factory, "-ref:crime") == {w["gordon"]}
    assert found(factory, "ref:crime broken") == {w["helen"]}
    assert inbox.count(factory, inbox.Query("ref:crime", tz=LONDON)) == 3

    references.remove_reference(
        factory, officer, Subject("contact", w["helen.contact"]), "WS/2026/999", "not hers"
    )
    assert found(factory, "ref:crime") == {w["tom"]}


def test_weekly_report_counts_items_converted_to_a_crime_report(
    factory: SessionFactory, world: dict[str, int], officer: Actor, tmp_path: object
) -> None:
    from pathlib import Path

    w = world
    week = parse_week("2026-W43", LONDON)
    plain = metrics.compute(factory, week, as_of=utcnow())
    assert plain.converted_to_crime == 0
    references.add_reference(factory, officer, Subject("item", w["tom"]), "crime", "WS/1")
    references.add_reference(
        factory, officer, Subject("thread", w["helen.thread"]), "crime", "WS/2"
    )
    references.add_reference(factory, officer, Subject("item", w["helen2"]), "incident", "CAD 5")
    references.add_reference(factory, officer, Subject("item", w["helen2"]), "crime", "WS/3")
    references.remove_reference(factory, officer, Subject("item", w["helen2"]), "WS/3", "wrong")
    now = utcnow()
    r = metrics.compute(factory, week, as_of=now)
    assert r.converted_to_crime == 3  # Tom's item, and Helen's and Gordon's through the thread
    by_id = {f.item_id: f.crime_references for f in r.items}
    assert by_id == {w["tom"]: ("WS/1",), w["helen"]: ("WS/2",), w["gordon"]: ("WS/2",),
                     w["helen2"]: ()}  # fmt: skip
    assert r.headline()["converted to a crime report"] == 3
    # Every other figure is what it was without references.
    assert {k: v for k, v in r.headline().items() if k != "converted to a crime report"} == {
        k: v for k, v in plain.headline().items() if k != "converted to a crime report"
    }
    # As of a cut-off before they were linked, none counts: a re-run gives the same report.
    assert metrics.compute(factory, week, as_of=now - timedelta(hours=1)).converted_to_crime == 0

    import csv

    files = {p.name: p for p in export.write_csv(r, Path(str(tmp_path)))}
    with files["2026-W43-items.csv"].open(encoding="utf-8") as fh:
        rows = {int(x["item_id"]): x["crime_reference"] for x in csv.DictReader(fh)}
    assert rows[w["gordon"]] == "WS/2" and rows[w["helen2"]] == ""
    with files["2026-W43-summary.csv"].open(encoding="utf-8") as fh:
        summary = {x["metric"]: x["this week"] for x in csv.DictReader(fh)}
    assert summary["converted to a crime report"] == "3"
    html = export.render_html(r, {}, now)
    assert "Converted to a crime report: 3 items" in html
