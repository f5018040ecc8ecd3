"""Escalation teams: workspace data kept by admins, the only names an escalation may go to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.errors import InvalidInput, NotFound
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models_desk import Escalation, Team
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction

MAX_NAME_CHARS = 100


@dataclass(frozen=True)
class TeamView:
    id: int
    name: str
    description: str | None


def list_teams(factory: SessionFactory) -> list[TeamView]:
    with factory() as s:
        return [
            TeamView(t.id, t.name, t.description)
            for t in s.scalars(select(Team).order_by(Team.name))
        ]


def find(session: Session, name: str) -> Team:
    """The team called `name` (any case), or NotFound naming the teams there are."""
    team = session.scalar(select(Team).where(func.lower(Team.name) == name.strip().lower()))
    if team is None:
        known = ", ".join(session.scalars(select(Team.name).order_by(Team.name))) or "none yet"
        raise NotFound(
            f"no team named {name!r} (teams: {known}); an admin adds one with `team add NAME`"
        )
    return team


def add_team(
    factory: SessionFactory, actor: Actor, name: str, description: str | None = None
) -> TeamView:
    actor.require(Permission.MANAGE)
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("a team needs a name")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"a team's name is at most {MAX_NAME_CHARS} characters")
    with write_transaction(factory, actor) as tx:
        exists = tx.session.scalar(select(Team.id).where(func.lower(Team.name) == name.lower()))
        if exists is not None:
            raise InvalidInput(f"there is already a team named {name!r}")
        team = Team(name=name, description=description, created_at=tx.now)
        tx.session.add(team)
        tx.session.flush()
        tx.audit(AuditAction.TEAM_ADD, "team", team.id, None, {"name": name})
        tx.touched(ChangeKind.TEAMS)
        return TeamView(team.id, team.name, team.description)


def remove_team(factory: SessionFactory, actor: Actor, name: str) -> None:
    """Remove a team from the list offered; past escalations keep the name they were given."""
    actor.require(Permission.MANAGE)
    with write_transaction(factory, actor) as tx:
        team = find(tx.session, name)
        open_count = tx.session.scalar(
            select(func.count()).where(
                Escalation.to_team == team.name, Escalation.resolved_at.is_(None)
            )
        )
        if open_count:
            raise InvalidInput(
                f"{team.name} still holds {open_count} open escalation(s): resolve them first"
            )
        tx.audit(AuditAction.TEAM_REMOVE, "team", team.id, {"name": team.name}, None)
        tx.session.delete(team)
        tx.touched(ChangeKind.TEAMS)
