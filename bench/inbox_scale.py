"""The desktop at a million items: first paint, deep scroll, filter, search, page loads, memory.

Run with `make bench` (or `python -m bench inbox`). Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from bench.workspace import build
from services import inbox
from services.store.db import make_engine, make_session_factory, upgrade
from services.users import resolve_actor

ITEMS = int(os.environ.get("BENCH_ITEMS", "1000000"))
WORKDIR = Path(os.environ.get("BENCH_DIR", "artifacts/bench"))


def _wait(app: QApplication, predicate: object, timeout: float = 120.0) -> float:
    start = time.perf_counter()
    while not predicate():  # type: ignore[operator]
        app.processEvents()
        time.sleep(0.001)
        if time.perf_counter() - start > timeout:
            raise TimeoutError
    return time.perf_counter() - start


def main() -> None:
    WORKDIR.mkdir(parents=True, exist_ok=True)
    path = WORKDIR / f"inbox-{ITEMS}.db"
    if not path.exists():
        print(f"building a {ITEMS:,}-item workspace…", flush=True)
        print(f"  built in {build(path, ITEMS):.1f} s ({path.stat().st_size / 1e6:.0f} MB)")
    engine = make_engine(str(path))
    upgrade(engine)  # as the app does on start
    factory = make_session_factory(engine)
    actor = resolve_actor(factory, "bench")
    tz = ZoneInfo("Europe/London")

    from ui.app import application, build_window

    app = application()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    settings = QSettings(str(WORKDIR / "bench.ini"), QSettings.Format.IniFormat)
    settings.setValue("view/last", "all")
    window = build_window(factory, actor, tz, settings)
    window.resize(1280, 800)
    window.show()
    window.poller.timer.stop()
    window.start()
    window.poller.timer.stop()
    _wait(app, lambda: window.inbox.model.rowCount() > 0)
    window.list.viewport().grab()
    first_paint = time.perf_counter() - t0
    _wait(app, lambda: window.inbox.model.rowCount() >= ITEMS and window._ctx.jobs.running == 0)
    all_ids = time.perf_counter() - t0

    t = time.perf_counter()
    model = window.inbox.model
    window.list.scrollTo(model.index(500_000, 0))
    window.list.viewport().grab()
    scroll = time.perf_counter() - t

    page_times = []
    for start in range(100_000, 900_001, 100_000):
        model._pages.clear()
        t = time.perf_counter()
        model.row_at(start)
        page_times.append(time.perf_counter() - t)

    def ui_search(text: str) -> tuple[float, float]:
        """(first page painted, every id loaded) after Enter in the search bar."""
        window.search.setText(text)
        resets: list[float] = []
        model.modelReset.connect(lambda: resets.append(time.perf_counter()))
        t = time.perf_counter()
        window._on_search_entered()
        _wait(app, lambda: bool(resets))
        window.list.viewport().grab()
        first = time.perf_counter() - t
        _wait(app, lambda: window._ctx.jobs.running == 0)
        model.modelReset.disconnect()
        return first, time.perf_counter() - t

    def service(text: str) -> tuple[float, int]:
        t = time.perf_counter()
        n = len(inbox.item_ids(factory, inbox.Query(text, actor.id, tz)))
        return time.perf_counter() - t, n

    print(f"\n=== Inbox at {ITEMS:,} items (SQLite, offscreen) ===")
    print(f"first painted list (window built → first page visible): {first_paint * 1000:8.0f} ms")
    print(f"all {model.rowCount():,} ids in the model (in a job):     {all_ids * 1000:8.0f} ms")
    print(f"scroll to row 500,000 and paint:                       {scroll * 1000:8.0f} ms")
    print(
        f"load one 256-row page by primary key: median {statistics.median(page_times) * 1000:.1f} ms, "
        f"max {max(page_times) * 1000:.1f} ms"
    )
    for label, text in (
        ("tag filter  tag:urgent", "tag:urgent"),
        ("full text   letter", "letter"),
        ('phrase      "road closed"', '"road closed"'),
        ("combined    tag:complaint school -status:done", "tag:complaint school -status:done"),
    ):
        secs, n = service(text)
        first, full = ui_search(text)
        print(
            f"{label:44s} {n:>8,} hits: first page painted {first * 1000:5.0f} ms, "
            f"all ids {full * 1000:5.0f} ms (service alone {secs * 1000:4.0f} ms)"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB (process before the window: {rss_before:.0f} MB)")
    window.close()
    engine.dispose()


if __name__ == "__main__":
    main()
