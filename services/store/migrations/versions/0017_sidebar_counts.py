"""Counts kept in the transaction for the sidebar (issue 18)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29

`item_count` holds how many items there are per channel, per tag and per assignee, and how
many wait for an answer (ref_id 0), in each status. Database triggers keep it in the same transaction as every change to `item` and
`item_tag` (whichever code path makes it: a use case, undo, a bulk UPDATE, a cascade), so
the sidebar reads a few hundred rows instead of counting a million. `python -m console db
recount` rebuilds it from the items (services/inbox/item_counts.py holds the same SQL).

SQLite: row triggers. PostgreSQL: statement triggers over transition tables for inserts
(one aggregated upsert per statement, so a 100-row ingest page touches each count row
once), a row trigger with a WHEN for updates (only rows whose counted columns changed
call it), a row trigger BEFORE DELETE (an item's tags are still there
to subtract; the cascade to item_tag then finds no item and counts nothing), and TRUNCATE
clears the counts.

Never rebuild `item` in SQLite batch mode: that drops its FTS triggers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPSERT = "ON CONFLICT (dim, ref_id, status) DO UPDATE SET n = item_count.n + excluded.n"


def unanswered(row: str) -> str:
    """services/desk/response.py's unanswered condition without its status terms (read per status).

    tests/integration/test_item_counts.py holds the two to the same numbers.
    """
    return (
        f"{row}direction = 'inbound' AND {row}needs_reply AND {row}kind <> 'feed_entry'"
        f" AND {row}first_response_at IS NULL"
    )


def _sqlite_add(dim: str, ref: str, status: str, n: int, source: str = "WHERE true") -> str:
    # `WHERE …` always present: SQLite's parser needs it before an upsert's ON CONFLICT.
    return (
        f"INSERT INTO item_count (dim, ref_id, status, n) SELECT '{dim}', {ref}, {status}, {n}"
        f" {source} {UPSERT.replace('item_count.n', 'n')};"
    )


def _sqlite_item(row: str, n: int) -> str:
    """The channel, assignee and unanswered counts of one item row (NEW. or OLD.)."""
    return "\n".join(
        (
            _sqlite_add("channel", f"{row}channel_id", f"{row}status", n),
            _sqlite_add(
                "assignee", f"{row}assignee_id", f"{row}status", n,
                f"WHERE {row}assignee_id IS NOT NULL",
            ),
            _sqlite_add("unanswered", "0", f"{row}status", n, f"WHERE {unanswered(row)}"),
        )
    )  # fmt: skip


COUNTED = ("status", "channel_id", "assignee_id", "direction", "needs_reply", "kind")
SQLITE_CHANGED = " OR ".join(
    [f"OLD.{c} IS NOT NEW.{c}" for c in COUNTED]
    + ["(OLD.first_response_at IS NULL) IS NOT (NEW.first_response_at IS NULL)"]
)
SQLITE = [
    f"""CREATE TRIGGER item_count_ai AFTER INSERT ON item BEGIN
        {_sqlite_item("NEW.", 1)}
    END""",
    f"""CREATE TRIGGER item_count_au AFTER UPDATE OF {", ".join(COUNTED)}, first_response_at
    ON item WHEN {SQLITE_CHANGED} BEGIN
        {_sqlite_item("OLD.", -1)}
        {_sqlite_item("NEW.", 1)}
        {_sqlite_add("tag", "tag_id", "OLD.status", -1, "FROM item_tag WHERE item_id = OLD.id AND OLD.status IS NOT NEW.status")}
        {_sqlite_add("tag", "tag_id", "NEW.status", 1, "FROM item_tag WHERE item_id = NEW.id AND OLD.status IS NOT NEW.status")}
    END""",
    f"""CREATE TRIGGER item_count_bd BEFORE DELETE ON item BEGIN
        {_sqlite_item("OLD.", -1)}
        {_sqlite_add("tag", "tag_id", "OLD.status", -1, "FROM item_tag WHERE item_id = OLD.id")}
    END""",
    f"""CREATE TRIGGER item_tag_count_ai AFTER INSERT ON item_tag BEGIN
        {_sqlite_add("tag", "NEW.tag_id", "status", 1, "FROM item WHERE id = NEW.item_id")}
    END""",
    f"""CREATE TRIGGER item_tag_count_ad AFTER DELETE ON item_tag BEGIN
        {_sqlite_add("tag", "OLD.tag_id", "status", -1, "FROM item WHERE id = OLD.item_id")}
    END""",
    f"""CREATE TRIGGER item_tag_count_au AFTER UPDATE ON item_tag BEGIN
        {_sqlite_add("tag", "OLD.tag_id", "status", -1, "FROM item WHERE id = OLD.item_id")}
        {_sqlite_add("tag", "NEW.tag_id", "status", 1, "FROM item WHERE id = NEW.item_id")}
    END""",
]
SQLITE_TRIGGERS = (
    "item_count_ai",
    "item_count_au",
    "item_count_bd",
    "item_tag_count_ai",
    "item_tag_count_ad",
    "item_tag_count_au",
)


def _pg_function(name: str, body: str, returns: str = "NULL") -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body};"
        f" RETURN {returns}; END $$"
    )


def _pg_apply(deltas: str) -> str:
    """Upsert the summed deltas (dim, ref_id, status, d) of a statement."""
    return (
        f"INSERT INTO item_count (dim, ref_id, status, n) SELECT dim, ref_id, status, sum(d)"
        f" FROM ({deltas}) AS deltas GROUP BY dim, ref_id, status HAVING sum(d) <> 0 {UPSERT}"
    )


def _pg_item_rows(rows: str, sign: int) -> str:
    return (
        f"SELECT 'channel'::varchar AS dim, channel_id::bigint AS ref_id, status::varchar AS"
        f" status, {sign} AS d FROM {rows} UNION ALL SELECT 'assignee', assignee_id, status,"
        f" {sign} FROM {rows} WHERE assignee_id IS NOT NULL UNION ALL SELECT 'unanswered', 0,"
        f" status, {sign} FROM {rows} WHERE {unanswered('')}"
    )


PG_CHANGED = " OR ".join(
    [f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in COUNTED]
    + ["(OLD.first_response_at IS NULL) <> (NEW.first_response_at IS NULL)"]
)
PG = [
    _pg_function("item_count_ins", _pg_apply(_pg_item_rows("new_rows", 1))),
    _pg_function(
        "item_count_upd",
        _pg_apply(
            "SELECT 'channel'::varchar AS dim, OLD.channel_id::bigint AS ref_id,"
            " OLD.status::varchar AS status, -1 AS d"
            " UNION ALL SELECT 'channel', NEW.channel_id, NEW.status, 1"
            " UNION ALL SELECT 'assignee', OLD.assignee_id, OLD.status, -1"
            " WHERE OLD.assignee_id IS NOT NULL"
            " UNION ALL SELECT 'assignee', NEW.assignee_id, NEW.status, 1"
            " WHERE NEW.assignee_id IS NOT NULL"
            f" UNION ALL SELECT 'unanswered', 0, OLD.status, -1 WHERE {unanswered('OLD.')}"
            f" UNION ALL SELECT 'unanswered', 0, NEW.status, 1 WHERE {unanswered('NEW.')}"
            " UNION ALL SELECT 'tag', tag_id, OLD.status, -1 FROM item_tag"
            " WHERE item_id = OLD.id AND OLD.status IS DISTINCT FROM NEW.status"
            " UNION ALL SELECT 'tag', tag_id, NEW.status, 1 FROM item_tag"
            " WHERE item_id = NEW.id AND OLD.status IS DISTINCT FROM NEW.status"
        ),
    ),
    _pg_function(
        "item_count_del",
        _pg_apply(
            "SELECT 'channel'::varchar AS dim, OLD.channel_id::bigint AS ref_id,"
            " OLD.status::varchar AS status, -1 AS d"
            " UNION ALL SELECT 'assignee', OLD.assignee_id, OLD.status, -1"
            " WHERE OLD.assignee_id IS NOT NULL"
            f" UNION ALL SELECT 'unanswered', 0, OLD.status, -1 WHERE {unanswered('OLD.')}"
            " UNION ALL SELECT 'tag', tag_id, OLD.status, -1 FROM item_tag WHERE item_id = OLD.id"
        ),
        returns="OLD",
    ),
    _pg_function(
        "item_tag_count_ins",
        _pg_apply(
            "SELECT 'tag'::varchar AS dim, t.tag_id::bigint AS ref_id, i.status::varchar AS"
            " status, 1 AS d FROM new_rows t JOIN item i ON i.id = t.item_id"
        ),
    ),
    _pg_function(
        "item_tag_count_del",
        _pg_apply(
            "SELECT 'tag'::varchar AS dim, t.tag_id::bigint AS ref_id, i.status::varchar AS"
            " status, -1 AS d FROM old_rows t JOIN item i ON i.id = t.item_id"
        ),
    ),
    _pg_function(
        "item_tag_count_upd",
        _pg_apply(
            "SELECT 'tag'::varchar AS dim, t.tag_id::bigint AS ref_id, i.status::varchar AS"
            " status, -1 AS d FROM old_rows t JOIN item i ON i.id = t.item_id UNION ALL"
            " SELECT 'tag', t.tag_id, i.status, 1 FROM new_rows t JOIN item i ON i.id = t.item_id"
        ),
    ),
    _pg_function("item_count_clear", "DELETE FROM item_count"),
    _pg_function("item_tag_count_clear", "DELETE FROM item_count WHERE dim = 'tag'"),
    "CREATE TRIGGER item_count_ins AFTER INSERT ON item REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION item_count_ins()",
    # A row trigger with a WHEN: an UPDATE that leaves the counted columns alone (a version
    # bump, a body edit; write_items' executemany runs one statement per row) costs nothing.
    f"CREATE TRIGGER item_count_upd AFTER UPDATE OF {', '.join(COUNTED)}, first_response_at"
    f" ON item FOR EACH ROW WHEN ({PG_CHANGED}) EXECUTE FUNCTION item_count_upd()",
    "CREATE TRIGGER item_count_del BEFORE DELETE ON item FOR EACH ROW"
    " EXECUTE FUNCTION item_count_del()",
    "CREATE TRIGGER item_count_clear AFTER TRUNCATE ON item FOR EACH STATEMENT"
    " EXECUTE FUNCTION item_count_clear()",
    "CREATE TRIGGER item_tag_count_ins AFTER INSERT ON item_tag REFERENCING NEW TABLE AS"
    " new_rows FOR EACH STATEMENT EXECUTE FUNCTION item_tag_count_ins()",
    "CREATE TRIGGER item_tag_count_del AFTER DELETE ON item_tag REFERENCING OLD TABLE AS"
    " old_rows FOR EACH STATEMENT EXECUTE FUNCTION item_tag_count_del()",
    "CREATE TRIGGER item_tag_count_upd AFTER UPDATE ON item_tag REFERENCING OLD TABLE AS"
    " old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION item_tag_count_upd()",
    "CREATE TRIGGER item_tag_count_clear AFTER TRUNCATE ON item_tag FOR EACH STATEMENT"
    " EXECUTE FUNCTION item_tag_count_clear()",
]
PG_TRIGGERS = (
    ("item", "item_count_ins"),
    ("item", "item_count_upd"),
    ("item", "item_count_del"),
    ("item", "item_count_clear"),
    ("item_tag", "item_tag_count_ins"),
    ("item_tag", "item_tag_count_del"),
    ("item_tag", "item_tag_count_upd"),
    ("item_tag", "item_tag_count_clear"),
)

# The same as services/inbox/item_counts.py's recount (a migration keeps its own copy).
RECOUNT = (
    "INSERT INTO item_count (dim, ref_id, status, n)"
    " SELECT 'channel', channel_id, status, count(*) FROM item GROUP BY channel_id, status"
    " UNION ALL SELECT 'assignee', assignee_id, status, count(*) FROM item"
    " WHERE assignee_id IS NOT NULL GROUP BY assignee_id, status"
    " UNION ALL SELECT 'tag', t.tag_id, i.status, count(*) FROM item_tag t"
    " JOIN item i ON i.id = t.item_id GROUP BY t.tag_id, i.status"
    f" UNION ALL SELECT 'unanswered', 0, status, count(*) FROM item WHERE {unanswered('')}"
    " GROUP BY status"
)


# The snoozed items in wake-up order: the few whose time has come are in the Inbox (counted
# live, the counts cannot hold time). `+status` on SQLite, as services/inbox/search.py explains.
SNOOZED = "status = 'snoozed'"


def upgrade() -> None:
    op.create_index(
        "ix_item_snooze_due",
        "item",
        ["snoozed_until", "channel_id", "status", "id"],
        sqlite_where=sa.text(f"+{SNOOZED}"),
        postgresql_where=sa.text(SNOOZED),
    )
    op.create_table(
        "item_count",
        sa.Column("dim", sa.String(10), primary_key=True),
        sa.Column("ref_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("status", sa.String(20), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )
    for statement in SQLITE if op.get_context().dialect.name == "sqlite" else PG:
        op.execute(statement)
    op.execute(RECOUNT)


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for table, name in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for _table, name in PG_TRIGGERS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table("item_count")
    op.drop_index("ix_item_snooze_due", "item")
