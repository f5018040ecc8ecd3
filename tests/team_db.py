"""A throw-away team database on the local PostgreSQL: its own owner, groups and logins.

Roles are cluster-wide, so every name carries this session's suffix (the group
prefix too, through `front_counter.role_prefix`), and all of it is dropped at the
end. People connect as real login roles with passwords. The test server trusts
loopback connections, so the password is not what keeps them apart there; the
app's `session_user` check and the database's grants are, and README says
pg_hba.conf must ask for scram-sha-256 in production.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from services.store.db import SessionFactory, make_engine, make_session_factory
from tests.conftest import PG_ADMIN_URL, _pg_unavailable


@dataclass
class TeamDatabase:
    name: str
    prefix: str
    owner: str
    suffix: str
    logins: list[str] = field(default_factory=list)

    def login(self, person: str) -> str:
        """A session-unique login name for a person ('dan' -> 'dan_1a2b3c')."""
        name = f"{person}_{self.suffix}"
        if name not in self.logins:
            self.logins.append(name)
        return name

    def url(self, login: str, password: str = "pw") -> str:
        return (
            make_url(PG_ADMIN_URL)
            .set(username=login, password=password, database=self.name)
            .render_as_string(hide_password=False)
        )

    def superuser_url(self) -> str:
        return make_url(PG_ADMIN_URL).set(database=self.name).render_as_string(hide_password=False)

    def factory(self, login: str) -> SessionFactory:
        return make_session_factory(make_engine(self.url(login)))


def create_team_database(with_owner_db: bool = True) -> TeamDatabase:
    suffix = uuid.uuid4().hex[:8]
    team = TeamDatabase(f"fc_team_{suffix}", f"fc_t{suffix}", f"fc_t{suffix}_owner", suffix)
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            # What README's first step does with psql as the postgres superuser.
            conn.execute(text(f"CREATE ROLE \"{team.owner}\" LOGIN CREATEROLE PASSWORD 'pw'"))
            if with_owner_db:
                conn.execute(text(f'CREATE DATABASE "{team.name}" OWNER "{team.owner}"'))
                conn.execute(
                    text(
                        f'ALTER DATABASE "{team.name}" '
                        f"SET front_counter.role_prefix = '{team.prefix}'"
                    )
                )
        admin.dispose()
    except Exception as exc:  # any connection failure means "no server here"
        _pg_unavailable(str(exc).splitlines()[0])
    return team


def drop_team_database(team: TeamDatabase) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{team.name}" WITH (FORCE)'))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{team.name}_restored" WITH (FORCE)'))
        groups = [f"{team.prefix}_{g}" for g in ("officer", "supervisor", "admin", "worker")]
        for role in [*team.logins, *groups, team.owner]:
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    admin.dispose()


def team_database() -> Iterator[TeamDatabase]:
    team = create_team_database()
    try:
        yield team
    finally:
        drop_team_database(team)
