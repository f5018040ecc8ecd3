"""Subject access and erasure: one person across channels, found, exported and forgotten (holds kept)."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from services.inbox import triage
from services.records import audit, holds
from services.records.evidence import verify_bundle
from services.records.subject_access import export_person, forget_person
from services.store.db import SessionFactory
from services.store.models import Contact, Item
from services.store.models_records import Tombstone
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item

LONDON = ZoneInfo("Europe/London")


def _kim_on_two_channels(factory: SessionFactory, officer: Actor) -> dict[str, int]:
    blog = add_channel(factory, "Force blog")
    social = add_channel(factory, "Mastodon", kind="mastodon")
    ids = {
        "blog": add_item(
            factory,
            blog,
            "b1",
            "My letter was never answered",
            author="Kim Vale",
            handle="kim@mail.example",
        ),
        "social": add_item(
            factory,
            social,
            "m1",
            "Still no answer from the station",
            author="Kim V",
            handle="KIM@mail.example",
        ),
        "other": add_item(factory, blog, "b2", "Good luck with the role", author="Sam Byrne"),
    }
    triage.add_note(factory, officer, ids["other"], "Sam says Kim Vale is his neighbour")
    triage.add_note(factory, officer, ids["blog"], "Letter logged as complaint 4471")
    return ids


def _contact(factory: SessionFactory, item_id: int) -> int:
    with factory() as s:
        contact = s.get_one(Item, item_id).contact_id
    assert contact is not None
    return contact


def test_the_subject_access_export_finds_a_persons_items_on_two_channels(
    factory: SessionFactory, officer: Actor, tmp_path: Path
) -> None:
    ids = _kim_on_two_channels(factory, officer)
    bundle = export_person(
        factory, officer, _contact(factory, ids["blog"]), tmp_path, "SAR 2026-118", LONDON
    )
    assert set(bundle.item_ids) == {ids["blog"], ids["social"]}
    people = json.loads((bundle.folder / "person.json").read_text())
    assert sorted(p["channel"] for p in people) == ["Force blog", "Mastodon"]
    text = (bundle.folder / "conversation.txt").read_text()
    assert "My letter was never answered" in text and "Still no answer" in text
    assert "Good luck" not in text and "complaint 4471" in text
    assert "Kim Vale is his neighbour" in (bundle.folder / "notes-naming-them.txt").read_text()
    assert verify_bundle(factory, bundle.folder).ok


def test_forget_person_erases_everything_but_held_items_and_the_chain_verifies(
    factory: SessionFactory, admin: Actor, officer: Actor
) -> None:
    ids = _kim_on_two_channels(factory, officer)
    holds.add_hold(factory, admin, "item", ids["social"], "Complaint investigation PSD-12")
    done = forget_person(factory, admin, _contact(factory, ids["blog"]), "Erasure request 2026-03")
    assert done.erased == 1 and done.held == (ids["social"],)
    with factory() as s:
        erased = set(s.scalars(select(Tombstone.item_id)))
        blog_contact = s.get_one(Contact, s.get_one(Item, ids["blog"]).contact_id)
        social = s.get_one(Item, ids["social"])
        other = s.get_one(Item, ids["other"])
    assert erased == {ids["blog"]}
    assert blog_contact.display_name == "(erased)" and blog_contact.handle is None
    assert social.body_text == "Still no answer from the station"  # on hold: kept whole
    assert other.body_text == "Good luck with the role"
    assert audit.verify_chain(factory).ok
