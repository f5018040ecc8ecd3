"""Indexes for the views people open at a million items, planned without statistics (issue 18)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

- ix_item_waiting: the items that may be in the Inbox (new, open, snoozed), in date order,
  covering what the Inbox's condition and the sidebar's per-channel counts read. SQLite
  uses a partial index only where the query repeats its WHERE term: services/inbox/search.py's
  `inbox_condition` does.
- ix_item_unanswered: the sidebar's "unanswered" count without reading the whole table.
- ix_reply_sent, ix_escalation_created: the weekly report's week of replies and escalations.

Plain CREATE INDEX, never batch_alter_table("item"): on SQLite a batch copy of the item
table would drop its full-text triggers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# On SQLite the term is `+status …`: see services/inbox/search.py's `inbox_condition` for why.
WAITING = "status IN ('new', 'open', 'snoozed')"
UNANSWERED = "first_response_at IS NULL AND status != 'done'"


def upgrade() -> None:
    op.create_index(
        "ix_item_waiting",
        "item",
        ["received_at", "id", "channel_id", "status", "snoozed_until"],
        sqlite_where=sa.text(f"+{WAITING}"),
        postgresql_where=sa.text(WAITING),
    )
    op.create_index(
        "ix_item_unanswered",
        "item",
        ["direction", "needs_reply", "kind", "status"],
        sqlite_where=sa.text(UNANSWERED),
        postgresql_where=sa.text(UNANSWERED),
    )
    op.create_index("ix_reply_sent", "reply", ["sent_at"])
    op.create_index("ix_escalation_created", "escalation", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_escalation_created", table_name="escalation")
    op.drop_index("ix_reply_sent", table_name="reply")
    op.drop_index("ix_item_unanswered", table_name="item")
    op.drop_index("ix_item_waiting", table_name="item")
