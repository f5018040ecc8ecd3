"""change.origin: which process wrote a change row, so a desktop skips its own echo (issue 10)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("change") as batch:
        batch.add_column(sa.Column("origin", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("change") as batch:
        batch.drop_column("origin")
