"""audit_event.os_login on both databases; on PostgreSQL the team's roles, grants and guards (issue 12)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

The grants and guard triggers are described in services/store/roles.py; they are
created by whoever runs the migration, who becomes (or already is) the schema's owner.
On SQLite (one laptop) only the column is added: there is no one to grant anything to.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.store import roles

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("os_login", sa.String(length=64), nullable=True))
    roles.install(op.get_bind())


def downgrade() -> None:
    roles.uninstall(op.get_bind())
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("os_login")
