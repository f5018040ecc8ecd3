"""Alembic environment: runs on the engine the application hands over, all steps in one transaction.

PostgreSQL's DDL is transactional as it is. Python's sqlite3 driver (in its
default mode) commits before every CREATE/ALTER/DROP, so a first start killed
half way used to leave a half-built schema that no later start could finish.
On SQLite the migration connection is therefore put in driver autocommit and
opens the transaction itself: SQLite then rolls every step back together.
"""

from alembic import context
from sqlalchemy import Engine

from services.store.models import Base

engine: Engine = context.config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    raw = connection.connection.driver_connection
    if sqlite:
        connection.commit()  # the driver's mode changes only outside a transaction
        raw.isolation_level = None  # type: ignore[union-attr]  # sqlite3.Connection
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,
            compare_type=True,
            transactional_ddl=True,
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            if sqlite:
                # IMMEDIATE: a second app starting at the same moment waits instead of racing.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            context.run_migrations()
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()
            raw.isolation_level = ""  # type: ignore[union-attr]  # back to the driver's default
