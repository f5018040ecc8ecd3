"""Connecting, editing, pausing and testing channels from the per-kind field declarations.

The command line and the desktop read the same declarations
(services/channels/forms.py); these tests go through the services both call,
and through `python -m console channel …` where the options are what matters.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.channels import admin as channels_admin
from services.channels import forms
from services.channels import setup as channels_setup
from services.errors import InvalidInput, PermissionDenied
from services.store.db import SessionFactory
from services.store.models import Channel
from services.store.models_audit import AuditEvent
from services.workspace import secrets
from services.workspace.actor import Actor
from tests.e2e.test_cli import run as run_cli
from tests.fakes.mastodon import FakeMastodon
from tests.integration.test_mastodon_sync import masto

__all__ = ["masto"]

EMAIL = {
    "imap": "127.0.0.1:1143",
    "smtp": "127.0.0.1:1025",
    "address": "contact@northvale.police.example",
    "security": "none",
    "secret": "mailbox-password-9",
}


def _stored(factory: SessionFactory, name: str) -> Channel:
    with factory() as s:
        found = s.scalar(select(Channel).where(Channel.name == name))
        assert found is not None
        s.expunge(found)
        return found


def test_every_kind_declares_its_fields_once_and_the_cli_offers_exactly_them(
    sqlite_url: str,
) -> None:
    for kind, spec in forms.FORMS.items():
        shown = run_cli(sqlite_url, "channel", "add", kind, "--help").stdout
        for f in spec.settings:
            assert f.option in shown, (kind, f.option)
        for f in spec.secrets:  # never an option: a secret typed on a command line is in history
            assert f"{f.option} " not in shown and f"{f.option}\n" not in shown, (kind, f.option)
    email_help = run_cli(sqlite_url, "channel", "add", "email", "--help").stdout
    assert "--url" not in email_help  # issue 14: the e-mail channel has no --url


def test_a_missing_field_is_named_by_its_option_and_its_label(
    factory: SessionFactory, admin: Actor
) -> None:
    values = {k: v for k, v in EMAIL.items() if k != "smtp"}
    with pytest.raises(InvalidInput) as refused:
        channels_setup.connect(factory, admin, "email", "Mailbox", values)
    assert str(refused.value) == "E-mail mailbox needs: SMTP server (--smtp)"
    assert channels_admin.list_channels(factory) == []


def test_an_email_channel_from_its_form_keeps_the_password_in_the_keyring_only(
    factory: SessionFactory, admin: Actor
) -> None:
    view = channels_setup.connect(factory, admin, "email", "Contact mailbox", EMAIL, 120)
    stored = _stored(factory, "Contact mailbox")
    assert stored.config == {
        "imap": "127.0.0.1:1143",
        "smtp": "127.0.0.1:1025",
        "address": "contact@northvale.police.example",
        "login": "contact@northvale.police.example",  # the address, when no login is typed
        "security": "none",
        "display_name": "Contact mailbox",
    }
    assert secrets.load(view.id) == "mailbox-password-9"
    assert "mailbox-password-9" not in repr(stored.config)
    shown = channels_setup.settings(factory, "Contact mailbox")
    assert "secret" not in shown.values and shown.secret_stored
    assert shown.values["imap"] == "127.0.0.1:1143" and shown.poll_seconds == 120


def test_editing_keeps_the_secret_unless_a_new_one_is_typed_and_is_audited(
    factory: SessionFactory, admin: Actor
) -> None:
    view = channels_setup.connect(factory, admin, "email", "Contact mailbox", EMAIL)
    channels_setup.edit(factory, admin, "Contact mailbox", {"smtp": "127.0.0.1:2525"}, 600)
    assert secrets.load(view.id) == "mailbox-password-9"
    changed = _stored(factory, "Contact mailbox")
    assert changed.config["smtp"] == "127.0.0.1:2525" and changed.poll_seconds == 600
    channels_setup.edit(factory, admin, "Contact mailbox", {"secret": "new-password"})
    assert secrets.load(view.id) == "new-password"
    with factory() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "channel.update")))
    assert len(events) == 2
    assert "new-password" not in repr([(e.before, e.after) for e in events])


def test_changing_the_server_starts_reading_it_afresh(
    factory: SessionFactory, admin: Actor
) -> None:
    channels_setup.connect(
        factory, admin, "mastodon", "Force Mastodon", {"url": "https://a.example", "secret": "t"}
    )
    with factory() as s:
        found = s.scalar(select(Channel))
        assert found is not None
        found.cursor = {"min_id": "42"}
        s.commit()
    channels_setup.edit(factory, admin, "Force Mastodon", {"url": "https://b.example"})
    assert _stored(factory, "Force Mastodon").cursor == {}


def test_an_officer_cannot_connect_edit_or_pause(
    factory: SessionFactory, admin: Actor, officer: Actor
) -> None:
    channels_setup.connect(factory, admin, "email", "Contact mailbox", EMAIL)
    for attempt in (
        lambda: channels_setup.connect(factory, officer, "email", "Other", EMAIL),
        lambda: channels_setup.edit(factory, officer, "Contact mailbox", {"smtp": "h:1"}),
        lambda: channels_admin.set_enabled(factory, officer, "Contact mailbox", False),
    ):
        with pytest.raises(PermissionDenied):
            attempt()


def test_pause_and_resume_through_the_cli_and_a_paused_channel_is_not_synced(
    sqlite_url: str, masto: FakeMastodon
) -> None:
    assert run_cli(sqlite_url, "db", "upgrade").returncode == 0
    added = run_cli(
        sqlite_url,
        *("channel", "add", "mastodon", "--name", "Force Mastodon", "--url", masto.url),
        "--secret-stdin",
        stdin=masto.token + "\n",
    )
    assert added.returncode == 0, added.stderr
    paused = run_cli(sqlite_url, "channel", "pause", "Force Mastodon")
    assert paused.returncode == 0, paused.stderr
    listed = run_cli(sqlite_url, "channel", "list")
    assert "disabled" in listed.stdout
    before = len(masto.server.requests)
    assert run_cli(sqlite_url, "sync").returncode == 0
    assert len(masto.server.requests) == before  # nothing polled while paused
    assert run_cli(sqlite_url, "channel", "resume", "Force Mastodon").returncode == 0
    tested = run_cli(sqlite_url, "channel", "test", "Force Mastodon")
    assert tested.returncode == 0, tested.stderr
    assert "Force Mastodon: connected as" in tested.stdout


def test_cli_edit_replaces_the_token_from_stdin_and_refuses_another_kinds_option(
    sqlite_url: str, masto: FakeMastodon
) -> None:
    assert run_cli(sqlite_url, "db", "upgrade").returncode == 0
    run_cli(
        sqlite_url,
        *("channel", "add", "mastodon", "--name", "M", "--url", masto.url, "--secret-stdin"),
        stdin="wrong-token\n",
    )
    assert run_cli(sqlite_url, "channel", "test", "M").returncode != 0
    edited = run_cli(sqlite_url, "channel", "edit", "M", "--secret-stdin", stdin=masto.token + "\n")
    assert edited.returncode == 0, edited.stderr
    assert run_cli(sqlite_url, "channel", "test", "M").returncode == 0
    wrong = run_cli(sqlite_url, "channel", "edit", "M", "--page-id", "1")
    assert wrong.returncode != 0 and "has no --page-id" in wrong.stderr
    assert masto.token not in edited.stdout + edited.stderr
