"""A team on one PostgreSQL: real login roles, and the database itself holding the rules."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from services.answers import replies, review, review_policy
from services.channels.protocol import Registry
from services.errors import PermissionDenied
from services.records import audit
from services.store import roles
from services.store.db import SessionFactory, make_engine, origin_of, upgrade
from services.store.models import ReplyState, Role
from services.store.worker_lock import WAITING, single_worker
from services.workspace.actor import Actor
from services.workspace.change_feed import ChangeListener
from services.workspace.users import add_first_admin, add_user, resolve_actor, set_user
from tests.builders import add_channel, add_item
from tests.team_db import TeamDatabase, team_database


@dataclass
class Team:
    db: TeamDatabase
    admin: Actor
    officer: Actor
    supervisor: Actor
    worker: str
    factories: dict[str, SessionFactory]

    def f(self, login: str) -> SessionFactory:
        if login not in self.factories:
            self.factories[login] = self.db.factory(login)
        return self.factories[login]


@pytest.fixture(scope="module")
def team() -> Iterator[Team]:
    for db in team_database():
        owner = db.factory(db.owner)
        upgrade(owner.kw["bind"])
        ruth, dan, grace, worker = (db.login(p) for p in ("ruth", "dan", "grace", "worker"))
        add_first_admin(owner, ruth, "pw")
        with owner.begin() as s:
            roles.create_member_login(s.connection(), worker, roles.WORKER, "pw")
        t = Team(db, resolve_actor(db.factory(ruth), ruth), None, None, worker, {})  # type: ignore[arg-type]
        t.officer = add_user(t.f(ruth), t.admin, dan, Role.OFFICER, password="pw")
        t.supervisor = add_user(t.f(ruth), t.admin, grace, Role.SUPERVISOR, password="pw")
        yield t
        for f in t.factories.values():
            f.kw["bind"].dispose()
        owner.kw["bind"].dispose()


def _denied(exc: pytest.ExceptionInfo[DBAPIError]) -> None:
    assert getattr(exc.value.orig, "sqlstate", None) == "42501", exc.value


def _raw(factory: SessionFactory, sql: str, **params: object) -> None:
    with factory.begin() as s:
        s.execute(text(sql), params)


def _reply_in_review(team: Team, body: str, *, registry: Registry) -> int:
    channel = add_channel(team.f(team.admin.name), f"Blog {body}")
    item = add_item(team.f(team.worker), channel, f"c-{body}", "When will someone call me back?")
    draft = replies.save_draft(
        team.f(team.officer.name), team.officer, item, body, registry=registry
    )
    submitted = replies.submit(
        team.f(team.officer.name), team.officer, draft.reply_id, registry=registry
    )
    assert submitted.state == ReplyState.IN_REVIEW
    return draft.reply_id


def test_the_acting_user_is_the_database_login(team: Team) -> None:
    f = team.f(team.officer.name)
    assert resolve_actor(f, team.officer.name).role == Role.OFFICER
    with pytest.raises(PermissionDenied, match=r"acting as .*refused"):
        resolve_actor(f, team.supervisor.name)


def test_nobody_works_as_the_schema_owner(team: Team) -> None:
    with pytest.raises(PermissionDenied, match="owns the schema"):
        resolve_actor(team.f(team.db.owner), team.db.owner)


def test_an_officer_cannot_approve_with_raw_sql(team: Team, registry: Registry) -> None:
    reply_id = _reply_in_review(team, "raw-approve", registry=registry)
    officer = team.f(team.officer.name)
    with pytest.raises(DBAPIError) as exc:
        _raw(officer, "UPDATE reply SET state = 'approved' WHERE id = :id", id=reply_id)
    _denied(exc)
    # Straight to the outbox is a release too.
    with pytest.raises(DBAPIError) as exc:
        _raw(officer, "UPDATE reply SET state = 'sending' WHERE id = :id", id=reply_id)
    _denied(exc)


def test_the_audit_table_is_insert_only_and_chained(team: Team, registry: Registry) -> None:
    _reply_in_review(team, "audit", registry=registry)
    officer = team.f(team.officer.name)
    for sql in (
        "UPDATE audit_event SET after = NULL WHERE seq = 1",
        "DELETE FROM audit_event WHERE seq = 1",
        "TRUNCATE audit_event",
        "UPDATE audit_head SET seq = 1, last_hash = (SELECT hash FROM audit_event WHERE seq = 1)",
        "INSERT INTO audit_event (seq, at, action, subject_type, prev_hash, hash) "
        "VALUES (1000000, now(), 'forged', 'item', repeat('0', 64), repeat('1', 64))",
    ):
        with pytest.raises(DBAPIError) as exc:
            _raw(officer, sql)
        _denied(exc)
    assert audit.verify_chain(officer).ok


def test_an_officer_cannot_change_the_policy_settings_or_users(team: Team) -> None:
    review_policy.set_policy(team.f(team.admin.name), team.admin, review_policy.ReviewPolicy())
    officer = team.f(team.officer.name)
    for sql in (
        "UPDATE setting SET value = '{\"direct_roles\": [\"officer\"]}' WHERE key = 'review_policy'",
        "INSERT INTO setting (key, value) VALUES ('review_policy', "
        '\'{"direct_roles": ["officer"]}\')',
        "UPDATE user_account SET role = 'admin' WHERE name = session_user",
        "UPDATE user_account SET display_name = 'Sgt Forged' WHERE role = 'supervisor'",
        "INSERT INTO risk_rule_set (body, digest, change, created_at) VALUES ('', '', 'x', now())",
    ):
        with pytest.raises(DBAPIError) as exc:
            _raw(officer, sql)
        _denied(exc)
    assert review_policy.current(officer).direct_roles == ("supervisor", "admin")


def test_the_supervisor_approves_and_the_worker_sends_but_cannot_approve(
    team: Team, registry: Registry
) -> None:
    reply_id = _reply_in_review(team, "approve", registry=registry)
    worker = team.f(team.worker)
    with pytest.raises(DBAPIError) as exc:
        _raw(worker, "UPDATE reply SET state = 'approved' WHERE id = :id", id=reply_id)
    _denied(exc)
    review.approve(team.f(team.supervisor.name), team.supervisor, reply_id, registry=registry)
    with pytest.raises(DBAPIError) as exc:
        _raw(worker, "UPDATE reply SET body = 'something else' WHERE id = :id", id=reply_id)
    _denied(exc)
    _raw(worker, "UPDATE reply SET state = 'sending' WHERE id = :id", id=reply_id)
    _raw(worker, "UPDATE reply SET state = 'sent' WHERE id = :id", id=reply_id)
    assert audit.verify_chain(worker).ok


def test_a_supervisor_cannot_approve_their_own_reply_with_raw_sql(
    team: Team, registry: Registry
) -> None:
    reply_id = _reply_in_review(team, "own", registry=registry)
    grace = team.f(team.supervisor.name)
    with pytest.raises(DBAPIError) as exc:
        _raw(grace, "UPDATE reply SET state = 'approved', author_id = reviewer_id WHERE id = :id",
             id=reply_id)  # fmt: skip
    _denied(exc)


def test_a_role_change_moves_the_group_and_a_leaver_cannot_log_in(team: Team) -> None:
    admin = team.f(team.admin.name)
    name = team.db.login("leaver")
    add_user(admin, team.admin, name, Role.OFFICER, password="pw")
    set_user(admin, team.admin, name, role=Role.SUPERVISOR)
    with team.f(team.db.owner)() as s:
        groups = {g.role: g.members for g in roles.groups(s.connection())}
    assert name in groups["supervisor"] and name not in groups["officer"]
    assert resolve_actor(team.f(name), name).role == Role.SUPERVISOR
    set_user(admin, team.admin, name, active=False)
    engine = make_engine(team.db.url(name))
    with pytest.raises(OperationalError, match="not permitted to log in"):
        engine.connect()
    engine.dispose()


def test_only_the_owner_upgrades_the_schema(team: Team) -> None:
    engine = make_engine(team.db.url(team.officer.name))
    with engine.connect() as conn, pytest.raises(PermissionDenied, match="schema's owner"):
        roles.require_owner(conn, "upgrading the schema")
    engine.dispose()


def test_a_change_reaches_another_desktops_listener_within_a_second(
    team: Team, registry: Registry
) -> None:
    channel = add_channel(team.f(team.admin.name), "Blog live")
    item = add_item(team.f(team.worker), channel, "c-live", "Is anyone there?")
    grace = team.f(team.supervisor.name)
    heard = threading.Event()
    listener = ChangeListener(grace.kw["bind"], origin_of(grace), heard.set)
    assert listener.start()
    try:
        started = time.monotonic()
        replies.save_draft(
            team.f(team.officer.name), team.officer, item, "We will call today.", registry=registry
        )
        assert heard.wait(1.0), "no notification within a second"
        elapsed = time.monotonic() - started
    finally:
        listener.stop()
    print(f"notification arrived {elapsed * 1000:.0f} ms after the officer's commit began")


def test_a_second_worker_waits_until_the_first_lets_go(team: Team) -> None:
    first, second = (make_engine(team.db.url(team.worker)) for _ in range(2))
    said: list[str] = []
    stop = threading.Event()
    taken = threading.Event()

    def second_worker() -> None:
        with single_worker(second, stop, said.append) as held:
            if held:
                taken.set()

    with single_worker(first, threading.Event(), said.append) as held:
        assert held
        waiter = threading.Thread(target=second_worker)
        waiter.start()
        deadline = time.monotonic() + 5
        while not said and time.monotonic() < deadline:
            stop.wait(0.05)
        assert said == [WAITING] and not taken.is_set()
    assert taken.wait(3), "the second worker did not take over"
    waiter.join(5)
    first.dispose()
    second.dispose()


def test_an_officer_cannot_lift_a_legal_hold_or_rewrite_what_retention_left(team: Team) -> None:
    officer = team.f(team.officer.name)
    for sql in (
        "DELETE FROM legal_hold",
        "INSERT INTO legal_hold (subject_type, subject_id, reason, placed_by_id, placed_at) "
        "VALUES ('item', 1, 'mine', 1, now())",
        "DELETE FROM tombstone",
        "UPDATE raw_payload SET body = ''",
        "DELETE FROM raw_payload",
    ):
        with pytest.raises(DBAPIError) as exc:
            _raw(officer, sql)
        _denied(exc)
