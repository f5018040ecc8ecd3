"""Channel secrets live in the keyring only: never in the database, never in messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from services.channels import admin as channels_admin
from services.channels.sync import SyncEngine
from services.store.db import SessionFactory
from services.store.models import Channel
from services.store.models_audit import AuditEvent
from services.workspace import secrets
from services.workspace.actor import Actor
from tests.fakes.wordpress import FakeWordPress

SECRET = "abcd efgh ijkl mnop qrst uvwx"


def test_secret_goes_to_the_keyring_and_nowhere_in_the_database(
    factory: SessionFactory, admin: Actor, wp: FakeWordPress, db_url: str
) -> None:
    view = channels_admin.add_channel(
        factory, admin, "wordpress", "Blog", {"url": wp.site, "login": wp.login}, secret=SECRET
    )
    assert secrets.load(view.id) == SECRET
    with factory() as s:
        dumped = " ".join(str(row) for row in s.execute(text("SELECT config, cursor FROM channel")))
        audit = " ".join(str(e.after) for e in s.scalars(select(AuditEvent)))
    assert SECRET not in dumped and SECRET not in audit and "abcd" not in dumped
    if "://" not in db_url:  # SQLite: not even in the file's bytes (WAL included)
        for path in Path(db_url).parent.glob(Path(db_url).name + "*"):
            assert SECRET.encode() not in path.read_bytes()
    channels_admin.remove_channel(factory, admin, "Blog")
    assert secrets.load(view.id) is None


def test_rejected_password_is_never_echoed(
    factory: SessionFactory, admin: Actor, wp: FakeWordPress, sync_engine: SyncEngine
) -> None:
    view = channels_admin.add_channel(
        factory,
        admin,
        "wordpress",
        "Blog",
        {"url": wp.site, "login": wp.login},
        secret="wrong-and-secret-123",
    )
    result = sync_engine.sync_channel(view.id)
    with factory() as s:
        reason = s.get_one(Channel, view.id).state_reason or ""
    assert (
        result.state == "error"
        and "wrong-and-secret-123" not in reason
        and "credentials rejected" in reason
    )


def test_no_secure_keyring_is_a_clear_refusal_that_writes_nothing(
    factory: SessionFactory, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    with pytest.raises(secrets.SecretStoreError, match="No secure keyring") as err:
        channels_admin.add_channel(
            factory,
            admin,
            "wordpress",
            "Blog",
            {"url": "https://blog.example", "login": "x"},
            secret=SECRET,
        )
    assert "PYTHON_KEYRING_BACKEND" in str(err.value)
    assert channels_admin.list_channels(factory) == []
