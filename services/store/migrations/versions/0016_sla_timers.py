"""three SLA timers per item and the notices sent about them (issue 11.4)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29

New tables only (services/store/models_sla.py): the timers themselves are computed from the
item, the audit trail and the policy setting, so `item` is not altered (a SQLite batch rebuild
would drop its FTS triggers).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sla_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("timer", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_sla_notice_item_id_item"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalation.id"],
            name=op.f("fk_sla_notice_escalation_id_escalation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_notice")),
        sa.UniqueConstraint(
            "item_id", "timer", "kind", "started_at", name=op.f("uq_sla_notice_item_id")
        ),
    )
    op.create_index("ix_sla_notice_created", "sla_notice", ["created_at"])
    op.create_table(
        "sla_notice_recipient",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["sla_notice.id"],
            name=op.f("fk_sla_notice_recipient_notice_id_sla_notice"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_sla_notice_recipient_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("notice_id", "user_id", name=op.f("pk_sla_notice_recipient")),
    )
    op.create_index(
        "ix_sla_notice_recipient_user", "sla_notice_recipient", ["user_id", "notice_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_sla_notice_recipient_user", table_name="sla_notice_recipient")
    op.drop_table("sla_notice_recipient")
    op.drop_index("ix_sla_notice_created", table_name="sla_notice")
    op.drop_table("sla_notice")
