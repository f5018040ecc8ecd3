"""reference: an item, thread or contact linked to the force's incident, crime or intelligence reference (issue 11)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29

A new table only: `item` itself is not altered (a batch rebuild would drop its FTS triggers).
A reference is never deleted: removing one records who removed it, when and why.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("value_key", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.Column("remove_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["user_account.id"],
            name=op.f("fk_reference_added_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_id"],
            ["user_account.id"],
            name=op.f("fk_reference_removed_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference")),
    )
    op.create_index(
        "ix_reference_subject", "reference", ["subject_type", "subject_id", "removed_at"]
    )
    op.create_index("ix_reference_value", "reference", ["value_key", "kind"])


def downgrade() -> None:
    op.drop_index("ix_reference_value", table_name="reference")
    op.drop_index("ix_reference_subject", table_name="reference")
    op.drop_table("reference")
