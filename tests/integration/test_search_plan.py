"""A search is parsed once per list, and a superseded id scan stops instead of running on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.errors import SearchCancelled
from services.inbox import listing as inbox
from services.inbox import search_plan, triage
from services.inbox.search import Term
from services.store.db import SessionFactory
from services.store.models import Status, utcnow
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item


@pytest.fixture
def items(factory: SessionFactory) -> list[int]:
    ch = add_channel(factory)
    t0 = utcnow() - timedelta(days=1)
    return [
        add_item(factory, ch, f"p{i}", f"letter number {i}", received_at=t0 + timedelta(minutes=i))
        for i in range(50)
    ]


def test_a_list_parses_its_search_once_for_the_first_page_and_every_id(
    factory: SessionFactory, items: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[str] = []
    real = search_plan.parse

    def counting(text: str) -> list[Term]:
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(search_plan, "BROAD_MATCHES", 2)  # the probing decision is taken too
    monkeypatch.setattr(search_plan, "parse", counting)
    plan = search_plan.plan(inbox.Query("letter -status:spam"))
    page = inbox.first_page(factory, plan, limit=10)
    ids = inbox.item_ids(factory, plan)
    still = inbox.matching(factory, plan, ids[:3])
    assert [r.id for r in page] == list(ids[:10]) == items[::-1][:10]
    assert still == set(ids[:3])
    assert parsed == ["letter -status:spam"]


def test_a_superseded_id_scan_stops_before_reading_every_id(
    factory: SessionFactory, items: list[int]
) -> None:
    asked: list[int] = []

    def superseded() -> bool:
        asked.append(1)
        return len(asked) > 1  # a newer search started while the first chunk was read

    with pytest.raises(SearchCancelled, match="after 5 ids"):
        inbox.item_ids(factory, inbox.Query("letter"), cancelled=superseded, chunk=5)
    assert len(asked) == 2  # 2 of the 10 chunks: the other 40 ids were never read
    assert len(inbox.item_ids(factory, inbox.Query("letter"), chunk=5)) == len(items)


def test_an_author_matching_many_people_lists_the_same_ids_either_way(
    factory: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ch = add_channel(factory)
    t0 = utcnow() - timedelta(days=1)
    for i in range(40):
        author = f"Sam Walker {i % 9}" if i % 4 else f"Jo Bloggs {i}"
        add_item(
            factory, ch, f"a{i}", f"note {i}", author=author, received_at=t0 + timedelta(minutes=i)
        )
    query = inbox.Query("from:walker -status:spam")
    plain = list(inbox.item_ids(factory, query))
    monkeypatch.setattr(search_plan, "MANY_AUTHORS", 3)  # nine Walkers: "many" from here
    with factory() as s:
        decided = search_plan.decide_authors(s, search_plan.plan(query))
        sqlite = s.get_bind().dialect.name == "sqlite"
    assert decided.many_authors is sqlite
    assert list(inbox.item_ids(factory, query)) == plain and len(plain) == 30


def test_a_common_tag_is_probed_for_its_first_page_and_lists_the_same_rows(
    factory: SessionFactory, officer: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    ch = add_channel(factory)
    t0 = utcnow() - timedelta(days=1)
    ids = [
        add_item(factory, ch, f"t{i}", f"note {i}", received_at=t0 + timedelta(minutes=i))
        for i in range(30)
    ]
    triage.tag(factory, officer, ids[::2], "complaint")  # 15 items
    triage.tag(factory, officer, ids[:2], "rare")
    query = inbox.Query("tag:complaint -status:done")
    plain = [r.id for r in inbox.first_page(factory, query, 10)]
    monkeypatch.setattr(search_plan, "COMMON_TAG", 5)  # 15 links: "common" from here
    with factory() as s:
        common = search_plan.decide_probe(s, search_plan.plan(query))
        rare = search_plan.decide_probe(s, search_plan.plan(inbox.Query("tag:rare")))
    assert common.probe is search_plan.Probe.WINDOW
    assert rare.probe is search_plan.Probe.NONE
    assert [r.id for r in inbox.first_page(factory, query, 10)] == plain
    assert plain == sorted(ids[::2], reverse=True)[:10]


def test_words_with_a_common_tag_list_the_same_rows_when_probed(
    factory: SessionFactory, officer: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    ch = add_channel(factory)
    t0 = utcnow() - timedelta(days=1)
    words = ["school gate", "school run", "parking", "school bus"]
    ids = [
        add_item(factory, ch, f"w{i}", f"{words[i % 4]} {i}", received_at=t0 + timedelta(minutes=i))
        for i in range(40)
    ]
    triage.tag(factory, officer, ids[::2], "complaint")  # 20 items, 10 of them about school
    triage.set_status(factory, officer, ids[:4], Status.DONE)
    query = inbox.Query("tag:complaint school -status:done")
    plain = [r.id for r in inbox.first_page(factory, query, 5)]
    monkeypatch.setattr(search_plan, "COMMON_TAG", 5)
    monkeypatch.setattr(search_plan, "PROBE_WINDOW", 30)  # the window holds a full page
    with factory() as s:
        chosen = search_plan.decide_probe(s, search_plan.plan(query))
        postgresql = s.get_bind().dialect.name == "postgresql"
    assert chosen.probe is (search_plan.Probe.WINDOW if postgresql else search_plan.Probe.NONE)
    expected = sorted((ids[i] for i in range(4, 40, 4)), reverse=True)  # school, tagged, open
    assert [r.id for r in inbox.first_page(factory, query, 5)] == plain == expected[:5]
    assert sorted(inbox.item_ids(factory, query), reverse=True) == expected


def test_an_excluded_word_counts_when_deciding_whether_to_probe(
    factory: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`letter -police` where nearly every letter mentions the police: few matches, so the
    matches are read, not probed for along the whole date index (that took hours at 1M)."""
    ch = add_channel(factory)
    t0 = utcnow() - timedelta(days=1)
    for i in range(40):
        text = f"letter {i} about the police" if i % 10 else f"letter {i} about parking"
        add_item(factory, ch, f"l{i}", text, received_at=t0 + timedelta(minutes=i))
    monkeypatch.setattr(search_plan, "BROAD_MATCHES", 10)  # 40 letters: "broad" from here
    query = inbox.Query("letter -police")
    with factory() as s:
        chosen = search_plan.decide_probe(s, search_plan.plan(query))
    assert chosen.probe is search_plan.Probe.NONE
    page = [r.snippet for r in inbox.first_page(factory, query, 10)]
    assert [t.split()[1] for t in page] == ["30", "20", "10", "0"]


@pytest.mark.parametrize("window", [100, 12, 5])
def test_broad_words_probed_in_the_newest_window_list_the_same_rows(
    factory: SessionFactory, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    """Whether the window holds a full page (100, 12) or not (5: the usual plan follows)."""
    ch = add_channel(factory)
    t0 = utcnow() - timedelta(days=1)
    texts = ["police report", "police letter", "parking", "police station"]
    for i in range(60):
        body = f"{texts[i % 4]} {i}" if i < 50 else f"quiet {i}"  # the newest ten: no police
        add_item(factory, ch, f"b{i}", body, received_at=t0 + timedelta(minutes=i))
    query = inbox.Query("police -letter")
    plain = [r.id for r in inbox.first_page(factory, query, 4)]
    monkeypatch.setattr(search_plan, "BROAD_MATCHES", 5)
    monkeypatch.setattr(search_plan, "PROBE_WINDOW", window)
    monkeypatch.setattr(search_plan, "FIRST_WINDOW", 3)  # the newest three: no police
    with factory() as s:
        chosen = search_plan.decide_probe(s, search_plan.plan(query))
        sqlite = s.get_bind().dialect.name == "sqlite"
    assert chosen.probe is (search_plan.Probe.WINDOW if sqlite else search_plan.Probe.NONE)
    probed = [r.id for r in inbox.first_page(factory, query, 4)]
    assert probed == plain and len(plain) == 4
    assert [r.snippet.split()[1] for r in inbox.first_page(factory, query, 4)] == [
        "report",
        "station",
        "report",
        "station",
    ]
