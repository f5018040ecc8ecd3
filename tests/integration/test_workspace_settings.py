"""Workspace settings are one declared table: defaults, stored values and their audit names."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.answers import review_policy
from services.desk import sla
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models_audit import AuditEvent
from services.workspace import settings as workspace_settings
from services.workspace.actor import Actor


def test_a_fresh_workspace_applies_the_declared_defaults(factory: SessionFactory) -> None:
    listed = workspace_settings.overview(factory)
    assert [v.setting.key for v in listed] == [s.key for s in workspace_settings.SETTINGS]
    assert all(v.is_default for v in listed)
    assert all(v.setting.description and v.setting.type for v in listed)
    # The services' own parsing of the declared default is their documented default.
    assert review_policy.current(factory) == review_policy.ReviewPolicy()
    with factory() as s:
        assert sla.load(s) == sla.SlaPolicy()


def test_a_change_is_stored_and_audited_under_its_declared_action(
    factory: SessionFactory, admin: Actor
) -> None:
    sla.set_policy(factory, admin, sla.SlaPolicy(8.0))
    stored = {v.setting.key: v for v in workspace_settings.overview(factory)}
    assert not stored["sla_policy"].is_default
    assert stored["sla_policy"].value == {"target_hours": 8.0}
    with factory() as s:
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions[-1] == AuditAction.POLICY_SLA == "policy.sla"


def test_an_undeclared_key_cannot_be_written(factory: SessionFactory) -> None:
    from services.workspace.unit_of_work import write_transaction

    with (
        pytest.raises(ValueError, match="not a declared workspace setting"),
        write_transaction(factory, None) as tx,
    ):
        workspace_settings.put(tx, "sla_polcy", {"target_hours": 1})
