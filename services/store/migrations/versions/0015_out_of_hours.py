"""out-of-hours acknowledgements sent, once per person per period, and on-call pages (issue 11.5)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29

New tables only: `item` itself is not altered (a batch rebuild would drop its FTS triggers).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ITEM_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "out_of_hours_ack",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("item_id", _ITEM_ID, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_out_of_hours_ack_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_out_of_hours_ack_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["item.id"],
            name=op.f("fk_out_of_hours_ack_item_id_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reply_id"],
            ["reply.id"],
            name=op.f("fk_out_of_hours_ack_reply_id_reply"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_out_of_hours_ack")),
        # Once per person per period, whatever a worker killed half way tries again.
        sa.UniqueConstraint(
            "channel_id",
            "contact_id",
            "period_start",
            name=op.f("uq_out_of_hours_ack_channel_id"),
        ),
    )
    op.create_table(
        "on_call_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", _ITEM_ID, nullable=False),
        sa.Column("to_user_id", sa.Integer(), nullable=True),
        sa.Column("paged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["item.id"],
            name=op.f("fk_on_call_page_item_id_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_user_id"],
            ["user_account.id"],
            name=op.f("fk_on_call_page_to_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_on_call_page")),
        sa.UniqueConstraint("item_id", name=op.f("uq_on_call_page_item_id")),
    )


def downgrade() -> None:
    op.drop_table("on_call_page")
    op.drop_table("out_of_hours_ack")
