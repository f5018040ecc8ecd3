"""teams, item arrival time from the platform (issue 9)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("name", name=op.f("uq_team_name")),
    )
    # Teams were a fixed list in the desktop: keep every team an escalation already names.
    op.execute(
        "INSERT INTO team (name, created_at) SELECT DISTINCT to_team, CURRENT_TIMESTAMP"
        " FROM escalation WHERE to_team IS NOT NULL"
    )
    # Not batch mode: rebuilding `item` on SQLite would drop its full-text triggers.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE item ADD COLUMN first_responder_id INTEGER"
            " REFERENCES user_account (id)"
        )
    else:
        op.add_column(
            "item",
            sa.Column(
                "first_responder_id",
                sa.Integer(),
                sa.ForeignKey(
                    "user_account.id", name=op.f("fk_item_first_responder_id_user_account")
                ),
                nullable=True,
            ),
        )
    op.add_column(
        "item",
        sa.Column(
            "posted_at_estimated", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    op.create_index("ix_item_posted", "item", ["created_at", "id"], unique=False)
    op.create_index("ix_audit_action_at", "audit_event", ["action", "at"], unique=False)
    op.execute(
        "UPDATE item SET first_responder_id = (SELECT reply.author_id FROM reply"
        " WHERE reply.item_id = item.id AND reply.state = 'sent'"
        " ORDER BY reply.sent_at LIMIT 1) WHERE first_response_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_audit_action_at", table_name="audit_event")
    op.drop_index("ix_item_posted", table_name="item")
    op.drop_column("item", "posted_at_estimated")
    op.drop_column("item", "first_responder_id")
    op.drop_table("team")
