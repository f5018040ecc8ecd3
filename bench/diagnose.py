"""Why a figure is over its target: which statement takes the time, its plan, and a profile.

While a figure runs, every statement the app sends is timed (SQLAlchemy cursor events);
for a figure over target each SELECT is run again with its rows read, which is where
SQLite spends most of its time.
For a figure over its target the slowest statements are printed with their plan
(EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL) and, with --profile, the
Python functions that took the most time (cProfile, cumulative).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event


@dataclass
class _Statement:
    sql: str
    params: Any
    seconds: float = 0.0
    calls: int = 0


@dataclass
class Diagnosis:
    engine: Engine
    profile: bool = False
    explain: bool = True
    _current: str | None = None
    _seen: dict[str, dict[str, _Statement]] = field(default_factory=dict)
    _started: dict[int, float] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)

    def _before(
        self, conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool
    ) -> None:
        self._started[id(cursor)] = time.perf_counter()

    def _after(
        self, conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool
    ) -> None:
        started = self._started.pop(id(cursor), None)
        if self._current is None or started is None:
            return
        stats = self._seen.setdefault(self._current, {})
        st = stats.setdefault(sql, _Statement(sql, params))
        st.seconds += time.perf_counter() - started
        st.calls += 1

    @contextmanager
    def watch(self, name: str) -> Iterator[None]:
        self._current = name
        self._seen.pop(name, None)
        try:
            yield
        finally:
            self._current = None

    def consider(self, name: str, seconds: float, ok: bool, rerun: Callable[[], object]) -> None:
        """Explain a figure over its target: slowest statements, their plans, a profile."""
        if ok:
            return
        seen = list(self._seen.get(name, {}).values())
        for st in seen:
            st.seconds = max(st.seconds, self._with_rows(st) * st.calls)
        stats = sorted(seen, key=lambda s: -s.seconds)
        total_sql = sum(s.seconds for s in stats)
        self.lines.append(
            f"\n--- {name}: {seconds * 1000:.0f} ms per call; SQL {total_sql * 1000:.0f} ms"
            f" over all runs, {sum(s.calls for s in stats)} statements ---"
        )
        for st in stats[:3]:
            flat = " ".join(st.sql.split())
            self.lines.append(
                f"  {st.seconds * 1000:8.0f} ms  x{st.calls}  {flat[:400]}{'…' if len(flat) > 400 else ''}"
            )
            if self.explain and flat.upper().startswith("SELECT"):
                self.lines.extend("      " + line for line in self._plan(st))
        if self.profile:
            prof = cProfile.Profile()
            prof.runcall(rerun)
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(18)
            body = [ln for ln in out.getvalue().splitlines() if ln.strip()][-20:]
            self.lines.extend("      " + ln for ln in body)

    def _with_rows(self, st: _Statement) -> float:
        """A SELECT again, its rows read too: SQLite does most of its work while rows are
        fetched, after the cursor event has fired (a 450 ms read once showed as 2 ms)."""
        if not " ".join(st.sql.split()).upper().startswith("SELECT"):
            return 0.0
        params = st.params[0] if isinstance(st.params, list) and st.params else st.params
        try:
            with self.engine.connect() as conn:
                raw = conn.connection.dbapi_connection
                assert raw is not None
                cur = raw.cursor()
                started = time.perf_counter()
                cur.execute(st.sql, params)
                cur.fetchall()
                took = time.perf_counter() - started
                conn.rollback()
                return took
        except Exception:  # a statement that cannot be repeated keeps its own timing
            return 0.0

    def _plan(self, st: _Statement) -> list[str]:
        dialect = self.engine.dialect.name
        params = st.params
        if isinstance(params, list):  # executemany: one row is enough
            params = params[0] if params else ()
        try:
            with self.engine.connect() as conn:
                raw = conn.connection.dbapi_connection
                assert raw is not None
                cur = raw.cursor()
                if dialect == "sqlite":
                    cur.execute("EXPLAIN QUERY PLAN " + st.sql, params)
                    return [f"{r[3]}" for r in cur.fetchall()]
                cur.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + st.sql, params)
                rows = [str(r[0]) for r in cur.fetchall()]
                conn.rollback()
                return rows[:25]
        except Exception as exc:  # a plan that cannot be taken is reported, not fatal
            return [f"(no plan: {type(exc).__name__}: {str(exc)[:200]})"]

    def note(self, line: str) -> None:
        self.lines.append(line)
