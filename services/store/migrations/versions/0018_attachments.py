"""email attachment bytes stored beside the database (issue 14)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29

Never rebuild `item` in SQLite batch mode: that drops its FTS triggers.
"""

from collections.abc import Sequence

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
