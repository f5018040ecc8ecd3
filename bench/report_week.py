"""The weekly report for a week of 100,000 items inside a 1,000,000-item SQLite database.

Run with `make bench` or `python -m bench report`. Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import random
import resource
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import text

from bench.workspace import build
from services.reports import export, metrics
from services.reports.week import week_of
from services.store.db import make_engine, make_session_factory, upgrade

ITEMS = int(os.environ.get("BENCH_ITEMS", "1000000"))
WEEK_ITEMS = int(os.environ.get("BENCH_WEEK_ITEMS", "100000"))
WORKDIR = Path(os.environ.get("BENCH_DIR", "artifacts/bench"))
TZ = ZoneInfo("Europe/London")


def main() -> None:
    WORKDIR.mkdir(parents=True, exist_ok=True)
    path = WORKDIR / f"report-{ITEMS}-{WEEK_ITEMS}.db"
    # The busy week is the last full ISO week before "now" in the workspace.
    now = datetime.combine(
        week_of(datetime.now(UTC).date(), TZ).monday, datetime.min.time(), TZ
    ).astimezone(UTC)
    if not path.exists():
        print(f"building {ITEMS:,} items, {WEEK_ITEMS:,} of them in one week…", flush=True)
        print(
            f"  built in {build(path, ITEMS, now=now - timedelta(minutes=1), last_week=WEEK_ITEMS):.1f} s"
        )
        _add_replies(path, now)
    engine = make_engine(str(path))
    upgrade(engine)
    factory = make_session_factory(engine)
    week = week_of((now - timedelta(days=3)).astimezone(TZ).date(), TZ)
    t = time.perf_counter()
    report = metrics.compute(factory, week)
    computed = time.perf_counter() - t
    t = time.perf_counter()
    export.write_csv(report, WORKDIR / "report-out")
    csv_time = time.perf_counter() - t
    from ui.app import application
    from ui.report_render import chart_images, write_pdf

    application()
    t = time.perf_counter()
    write_pdf(report, chart_images(report), WORKDIR / "report-out" / "report.pdf")
    pdf_time = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n=== Weekly report: week {week.label}, {report.volume:,} items, in {ITEMS:,} ===")
    print(f"metrics (this week and the previous): {computed:6.2f} s")
    print(f"CSV files:                            {csv_time:6.2f} s")
    print(f"charts + PDF:                         {pdf_time:6.2f} s")
    print(f"answered {report.answered:,} of {report.needing_answer:,}; peak RSS {peak:.0f} MB")
    engine.dispose()


def _add_replies(path: Path, now: datetime) -> None:
    """A sent reply for a third of the busy week's items, from a few officers."""
    engine = make_engine(str(path))
    rng = random.Random(3)
    with engine.begin() as conn:
        for n in range(1, 6):
            conn.execute(
                text(
                    "INSERT INTO user_account (id, name, display_name, role, active, created_at) "
                    "VALUES (:i, :n, :n, 'officer', 1, '2026-01-01 00:00:00')"
                ),
                {"i": 100 + n, "n": f"officer{n}"},
            )
        rows = conn.execute(
            text("SELECT id, received_at FROM item WHERE received_at >= :s"),
            {"s": (now - timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S")},
        ).all()
        params = []
        for item_id, received in rows:
            if rng.random() < 0.33:
                sent = datetime.fromisoformat(str(received)) + timedelta(
                    minutes=rng.randint(5, 3000)
                )
                stamp = sent.strftime("%Y-%m-%d %H:%M:%S.%f")
                params.append({"i": item_id, "a": 100 + rng.randint(1, 5), "t": stamp})
        conn.execute(
            text(
                "INSERT INTO reply (item_id, author_id, body, state, sent_at, attempts, created_at, "
                "updated_at, version) VALUES (:i, :a, 'answer', 'sent', :t, 1, :t, :t, 1)"
            ),
            params,
        )
    engine.dispose()
