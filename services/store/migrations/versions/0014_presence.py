"""presence: who is replying to which item, with a heartbeat (issue 11.6)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29

A new table only (`item` is not altered: a batch rebuild would drop its FTS triggers).
On PostgreSQL every group may insert, update and delete its rows like any work table:
`db.upgrade` runs services/store/roles.py's grants after the migrations.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "presence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_presence_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_presence_item_id_item"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence")),
        sa.UniqueConstraint("user_id", "item_id", name=op.f("uq_presence_user_id")),
    )
    op.create_index("ix_presence_item", "presence", ["item_id", "heartbeat_at"])


def downgrade() -> None:
    op.drop_index("ix_presence_item", table_name="presence")
    op.drop_table("presence")
