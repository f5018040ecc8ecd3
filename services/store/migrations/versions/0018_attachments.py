"""email attachment bytes stored beside the database (issue 14)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29

A new table only: `attachment` lists each e-mail attachment of an item (name, type,
size) with the SHA-256 of its bytes, which live in a file of that name beside the
database (services/records/attachments.py). On PostgreSQL every group may write it like any
work table: `db.upgrade` runs services/store/roles.py's grants after the migrations.

Never rebuild `item` in SQLite batch mode: that drops its FTS triggers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_attachment_item_id_item"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("item_id", "position", name=op.f("uq_attachment_item_id")),
    )
    op.create_index(op.f("ix_attachment_item_id"), "attachment", ["item_id"], unique=False)
    op.create_index(op.f("ix_attachment_sha256"), "attachment", ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_attachment_sha256"), table_name="attachment")
    op.drop_index(op.f("ix_attachment_item_id"), table_name="attachment")
    op.drop_table("attachment")
