"""The search language against real full-text indexes (FTS5 and tsvector)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.desk import escalation, teams
from services.errors import QuerySyntaxError
from services.inbox import listing as inbox
from services.inbox import triage
from services.store.db import SessionFactory
from services.store.models import ItemKind, Status
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def world(factory: SessionFactory, officer: Actor, admin: Actor) -> dict[str, int]:
    blog = add_channel(factory, "Force blog", "wordpress")
    mail = add_channel(factory, "Contact mailbox", "email")
    t0 = datetime(2026, 11, 10, 12, 0, tzinfo=LONDON)
    ids = {
        "letter": add_item(
            factory,
            blog,
            "1",
            "I wrote a letter and got no reply at all",
            author="Helen Brennan",
            received_at=t0,
        ),
        "speeding": add_item(
            factory,
            blog,
            "2",
            "Cars are speeding outside the school",
            author="Gordon Ellis",
            received_at=t0 + timedelta(days=1),
        ),
        "replies": add_item(
            factory,
            mail,
            "3",
            "No replies to my letters, none",
            author="Tom Kettering",
            handle="tomk@mail.example",
            received_at=t0 + timedelta(days=2),
        ),
        "feed": add_item(
            factory,
            blog,
            "4",
            "Appeal for witnesses",
            author="Comms",
            kind=ItemKind.FEED_ENTRY,
            needs_reply=False,
            received_at=t0 + timedelta(days=3),
        ),
    }
    triage.tag(factory, officer, [ids["letter"], ids["replies"]], "complaint")
    triage.assign(factory, officer, [ids["speeding"]], "dan")
    teams.add_team(factory, admin, "Comms")
    escalation.escalate(factory, officer, [ids["replies"]], "press", to_team="Comms")
    triage.set_status(factory, officer, [ids["feed"]], Status.DONE)
    return ids


def q(factory: SessionFactory, text: str, user_id: int | None = None) -> set[int]:
    return set(inbox.item_ids(factory, inbox.Query(text, user_id, LONDON)))


def test_free_words_are_stemmed_and_anded(factory: SessionFactory, world: dict[str, int]) -> None:
    assert q(factory, "letter") == {world["letter"], world["replies"]}  # letters ~ letter
    assert q(factory, "letter reply") == {world["letter"], world["replies"]}  # replies ~ reply
    assert q(factory, "letter school") == set()


def test_phrase_matches_words_in_order(factory: SessionFactory, world: dict[str, int]) -> None:
    assert q(factory, '"wrote a letter"') == {world["letter"]}
    assert q(factory, '"letter wrote"') == set()
    assert q(factory, '"no reply"') == {world["letter"], world["replies"]}  # stemmed phrase


def test_negation_of_words_and_filters(factory: SessionFactory, world: dict[str, int]) -> None:
    assert q(factory, "letter -none") == {world["letter"]}
    assert q(factory, "-tag:complaint") == {world["speeding"], world["feed"]}


def test_filters(factory: SessionFactory, officer: Actor, world: dict[str, int]) -> None:
    assert q(factory, "tag:complaint") == {world["letter"], world["replies"]}
    assert q(factory, "channel:mailbox") == {world["replies"]}
    assert q(factory, "channel:wordpress status:done") == {world["feed"]}
    assert q(factory, "from:helen") == {world["letter"]}
    assert q(factory, "from:tomk@mail") == {world["replies"]}
    assert q(factory, "assignee:me", officer.id) == {world["speeding"]}
    assert q(factory, "assignee:none") == {world["letter"], world["replies"], world["feed"]}
    assert q(factory, "is:escalated") == {world["replies"]}
    assert q(factory, "is:unanswered") == {world["letter"], world["speeding"], world["replies"]}


def test_dates_are_days_in_the_force_time_zone(
    factory: SessionFactory, world: dict[str, int]
) -> None:
    assert q(factory, "after:2026-11-11 before:2026-11-13") == {world["speeding"], world["replies"]}
    assert q(factory, "before:2026-11-11") == {world["letter"]}


def test_user_text_is_never_fts_syntax(factory: SessionFactory, world: dict[str, int]) -> None:
    # FTS5 operators and column filters in user text are just words here.
    assert q(factory, "letter OR NEAR body_text:x") == set()
    assert q(factory, "*") == set()


def test_results_are_newest_first(factory: SessionFactory, world: dict[str, int]) -> None:
    ids = list(inbox.item_ids(factory, inbox.Query("tag:complaint")))
    assert ids == [world["replies"], world["letter"]]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("colour:red", "unknown filter 'colour:'"),
        ("status:closed", "unknown status 'closed'"),
        ('"unfinished phrase', "not closed"),
        ("tag:", "needs a value"),
        ("after:yesterday", "not a date"),
        ("is:happy", "unknown 'is:happy'"),
        ('from:"helen', "not closed"),
    ],
)
def test_malformed_queries_give_clear_messages(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        inbox.validate(query)


@pytest.mark.parametrize(
    "query", ["letter", '"no reply"', "letter -none", "letter tag:complaint", "school"]
)
def test_first_page_probe_plan_finds_the_same_items(
    factory: SessionFactory, world: dict[str, int], query: str
) -> None:
    from sqlalchemy import select

    from services.inbox.search import SearchContext, to_condition
    from services.store.models import Item, utcnow

    with factory() as s:
        dialect = s.get_bind().dialect.name
        found = []
        for probe in (False, True):
            cond = to_condition(
                query, SearchContext(None, dialect, LONDON, utcnow(), fts_probe=probe)
            )
            found.append(
                list(s.scalars(select(Item.id).where(cond).order_by(Item.received_at.desc())))
            )
    assert found[0] == found[1] and found[0]


def test_a_channel_by_its_exact_name_is_that_channel_alone(
    factory: SessionFactory, world: dict[str, int]
) -> None:
    """The sidebar's "Blog" row counts one channel; clicking it must not list "Force blog" too."""
    blog = add_channel(factory, "Blog", "wordpress")
    own = add_item(factory, blog, "b-1", "On the short blog", author="Ann Other")

    def found(q: str) -> set[int]:
        return set(inbox.item_ids(factory, inbox.Query(q, tz=LONDON)))

    assert found('channel:"Blog"') == {own}
    assert found("channel:blog") == {own}  # any case
    assert own in found("channel:blo") and world["letter"] in found("channel:blo")  # a part
    assert world["letter"] in found('channel:"force blog"')


def test_a_channel_kind_means_that_kind_not_every_name_holding_its_letters(
    factory: SessionFactory, world: dict[str, int]
) -> None:
    """`channel:x` lists X, not the "Public mailbox" whose name happens to contain an x."""
    mailbox = add_channel(factory, "Public mailbox", "email")
    x = add_channel(factory, "X @NorthshirePolice", "x")
    letter = add_item(factory, mailbox, "m-1", "Dear Sir", author="Helen Brennan")
    post = add_item(factory, x, "x-1", "@NorthshirePolice is the road open?", author="Priya Shah")

    def found(q: str) -> set[int]:
        return set(inbox.item_ids(factory, inbox.Query(q, tz=LONDON)))

    assert found("channel:x") == {post}
    assert letter in found("channel:email") and post not in found("channel:email")
    assert letter in found("channel:public")  # a part of a name still finds it
