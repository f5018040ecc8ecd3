"""Which Front Counter this is: the application's version and the database schema it writes."""

from __future__ import annotations

import ast
import importlib.metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

DISTRIBUTION = "front-counter"
VERSIONS = Path(__file__).resolve().parent / "store" / "migrations" / "versions"


def app_version() -> str:
    """The installed release (pyproject.toml's version; the bundle carries the same metadata)."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def schema_head() -> str:
    """The schema revision this release writes, read from the migration files' text.

    Alembic would import every migration (and SQLAlchemy with them): most of a second,
    which `--version` should not cost. A layout it cannot read this way goes to Alembic.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        found = _assigned(ast.parse(path.read_text(encoding="utf-8")))
        revision = found.get("revision")
        if not isinstance(revision, str) or not isinstance(found.get("down_revision"), str | None):
            return _alembic_head()
        revisions.add(revision)
        parent = found.get("down_revision")
        if isinstance(parent, str):
            parents.add(parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else _alembic_head()


def _assigned(tree: ast.Module) -> dict[str, object]:
    values: dict[str, object] = {}
    for node in tree.body:
        target: ast.expr | None = None
        if isinstance(node, ast.AnnAssign):
            target = node.target
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if isinstance(target, ast.Name) and isinstance(value, ast.Constant):
            values[target.id] = value.value
    return values


def _alembic_head() -> str:
    from services.store.db import head_revision

    return head_revision()


def version_text() -> str:
    """One line for `--version` and the About box: release and the schema revision it writes."""
    return f"Front Counter {app_version()} (database schema {schema_head()})"


def database_revision(factory: sessionmaker[Session]) -> str | None:
    """The schema revision of the database `factory` opens (one tiny read); None if empty."""
    from services.store.db import current_revision

    engine = factory.kw["bind"]
    return current_revision(engine)
