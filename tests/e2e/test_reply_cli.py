"""Replies from the command line: refused where they cannot go; a returned reply is rewritten, not doubled."""

from __future__ import annotations

import json

from services.store.db import make_engine, make_session_factory
from services.store.models import Reply, ReplyState
from services.workspace.unit_of_work import write_transaction
from services.workspace.users import find_user
from tests.builders import add_channel, add_item
from tests.e2e.test_cli import demo_db, run

__all__ = ["demo_db"]  # the fixture, shared with test_cli


def _first(db: str, query: str) -> str:
    listing = run(db, "inbox", "--json", query)
    assert listing.returncode == 0, listing.stderr
    return str(json.loads(listing.stdout)[0]["id"])


def _unreachable_item(db: str) -> int:
    """An item on a kind of channel Front Counter has no connector for (every demo kind has one)."""
    engine = make_engine(db)
    try:
        factory = make_session_factory(engine)
        channel = add_channel(factory, "Myspace page", "myspace")
        return add_item(factory, channel, "ms-1", "Anyone there?", author="Tom Anderson")
    finally:
        engine.dispose()


def test_reply_commands_refuse_unsendable_channels_and_rewrite_a_returned_reply(
    demo_db: str,
) -> None:
    refused = run(demo_db, "reply", "draft", str(_unreachable_item(demo_db)), "Hi", user="d.hughes")
    assert refused.returncode != 0
    assert "cannot send to myspace yet (no connector): answer on myspace itself" in (
        refused.stdout + refused.stderr
    )

    item = _first(demo_db, "channel:blog from:gordon")
    draft = run(demo_db, "reply", "draft", item, "Call 999 about it", user="d.hughes")
    assert draft.returncode == 0, draft.stderr
    reply_id = draft.stdout.split()[1].lstrip("#")
    assert (
        "note: demo data: a reply here goes through review but is never published" in draft.stdout
    )
    submitted = run(demo_db, "reply", "submit", reply_id, user="d.hughes")
    assert submitted.stdout.strip() == (
        f"reply #{reply_id} held for review: replies by officers are approved by a supervisor first"
    )
    returned = run(demo_db, "reply", "return", reply_id, "--reason", "give 101", user="g.okafor")
    assert returned.returncode == 0, returned.stderr
    again = run(demo_db, "reply", "draft", item, "Call 101 about it", user="d.hughes")
    assert again.stdout.startswith(f"returned reply #{reply_id} rewritten")
    rows = json.loads(run(demo_db, "reply", "list", "--json").stdout)
    mine = [(str(r["id"]), r["state"], r["body"]) for r in rows if str(r["item_id"]) == item]
    assert mine == [(reply_id, "returned", "Call 101 about it")]


def test_sync_reports_an_unsendable_approved_reply_as_failed_and_carries_on(demo_db: str) -> None:
    item = _unreachable_item(demo_db)
    engine = make_engine(demo_db)
    try:
        factory = make_session_factory(engine)
        author = find_user(factory, "g.okafor")
        with write_transaction(factory, None) as tx:  # approved by an older release
            reply = Reply(
                item_id=item,
                author_id=author.id,
                body="Thanks",
                state=ReplyState.APPROVED,
                created_at=tx.now,
                updated_at=tx.now,
            )
            tx.session.add(reply)
            tx.session.flush()
            reply_id = reply.id
    finally:
        engine.dispose()
    synced = run(demo_db, "sync")
    assert "KeyError" not in synced.stderr and "Traceback" not in synced.stderr
    assert "no connector for 'myspace' channels" in synced.stdout + synced.stderr
    assert (
        f"reply #{reply_id}: failed — not sent: Front Counter cannot send to myspace yet"
        in synced.stdout
    )
    assert run(demo_db, "sync").stdout.count(f"reply #{reply_id}") == 0  # not tried again
