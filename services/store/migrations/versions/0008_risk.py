"""risk triage: an item's risk level, reasons and override; risk rules as versioned data (issue 11)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ITEM_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_RISK_COLUMNS = (
    "risk_level",
    "risk_reasons",
    "risk_rules_version",
    "risk_assessed_at",
    "risk_override",
)


def upgrade() -> None:
    # Plain ADD COLUMN, never batch mode: rebuilding `item` on SQLite drops its FTS5 triggers.
    # Existing items start unassessed (NULL version): the worker classifies the open ones.
    op.add_column("item", sa.Column("risk_level", sa.String(length=10), nullable=True))
    op.add_column("item", sa.Column("risk_reasons", sa.JSON(), nullable=True))
    op.add_column("item", sa.Column("risk_rules_version", sa.String(length=64), nullable=True))
    op.add_column("item", sa.Column("risk_assessed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("item", sa.Column("risk_override", sa.String(length=10), nullable=True))
    op.create_index("ix_item_risk", "item", ["risk_level", "received_at", "id"], unique=False)
    op.create_table(
        "risk_rule_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("change", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_risk_rule_set_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_rule_set")),
    )
    op.create_table(
        "risk_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", _ITEM_ID, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level_before", sa.String(length=10), nullable=True),
        sa.Column("level_after", sa.String(length=10), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("rules_version", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_risk_change_item_id_item"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["user_account.id"], name=op.f("fk_risk_change_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_change")),
    )
    op.create_index("ix_risk_change_at", "risk_change", ["at"], unique=False)
    op.create_index("ix_risk_change_item", "risk_change", ["item_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_risk_change_item", table_name="risk_change")
    op.drop_index("ix_risk_change_at", table_name="risk_change")
    op.drop_table("risk_change")
    op.drop_table("risk_rule_set")
    op.drop_index("ix_item_risk", table_name="item")
    # SQLite (3.35+) drops a plain column in place: no table rebuild, the FTS triggers stay.
    for name in reversed(_RISK_COLUMNS):
        op.drop_column("item", name)
