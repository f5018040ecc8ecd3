"""who is replying to which item (issue 11.6)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29

Never rebuild `item` in SQLite batch mode: that drops its FTS triggers.
"""

from collections.abc import Sequence

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
