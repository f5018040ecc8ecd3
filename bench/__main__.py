"""`python -m bench [--items N] [--db sqlite|postgresql|both]`: the app beside bare SQL.

Builds (or takes from the cache) a workspace grown like a real one (bench/grow.py), then
times the views people open through the app's services and as bare SQL in the same run,
and prints one table per database: figure, app, bare, ratio, target. Figures over their
target are followed by their slowest statements and plans (bench/diagnose.py).
Each database is measured in its own process, so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import startup
from bench.figures import Figure, Figures
from bench.store import CACHE, Built, drop_run_copy, postgresql_workspace, sqlite_workspace

GROUPS = ("report", "inbox", "sidebar", "searches", "startup", "triage", "ingest")


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--items", type=int, default=1_000_000, help="workspace size (default 1M)")
    p.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--cache", type=Path, default=CACHE, help=f"built workspaces (default {CACHE})")
    p.add_argument("--only", nargs="*", choices=GROUPS, help="measure only these groups")
    p.add_argument("--profile", action="store_true", help="cProfile each figure over target")
    p.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _workspace(args: argparse.Namespace) -> Built:
    make = sqlite_workspace if args.db == "sqlite" else postgresql_workspace
    return make(args.items, args.seed, args.cache)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    if args.db == "both":
        common = ["--items", str(args.items), "--seed", str(args.seed), "--cache", str(args.cache)]
        common += ["--only", *args.only] if args.only else []
        common += ["--profile"] if args.profile else []
        code = 0
        for db in ("sqlite", "postgresql"):
            code |= subprocess.call([sys.executable, "-m", "bench", *common, "--db", db])
        return code
    if args.build_only:
        built = _workspace(args)
        drop_run_copy(built)
        return 0
    # The build holds the whole plan in memory: do it in its own process, off this one's RSS.
    subprocess.check_call(
        [sys.executable, "-m", "bench", "--items", str(args.items), "--db", args.db,
         "--seed", str(args.seed), "--cache", str(args.cache), "--build-only"]
    )  # fmt: skip
    built = _workspace(args)
    try:
        return _measure(args, built)
    finally:
        drop_run_copy(built)


def _measure(args: argparse.Namespace, built: Built) -> int:
    from bench.bare import Bare
    from bench.diagnose import Diagnosis
    from services.store.db import make_engine, make_session_factory, upgrade
    from services.workspace.users import resolve_actor

    print(
        f"\n=== {built.dialect}: {built.items:,} items (grown to {built.now:%Y-%m-%d %H:%M} UTC) ==="
    )
    engine = make_engine(built.url)
    upgrade(engine)  # as the app does on start
    factory = make_session_factory(engine)
    actor = resolve_actor(factory, "bench")
    bare = Bare(built.url, built.dialect)
    diag = Diagnosis(engine, profile=args.profile)
    figs = Figures(built, factory, actor, bare, diag)
    only = set(args.only or GROUPS)
    steps = [
        ("report", figs.report),
        ("inbox", figs.inbox_first_page),
        ("sidebar", figs.sidebar),
        ("searches", figs.searches),
        ("startup", lambda: _startup(figs, built)),
        ("triage", figs.bulk_triage),
        ("ingest", figs.ingest),
    ]
    for group, step in steps:
        if group in only:
            t = time.perf_counter()
            try:
                step()
            except Exception as exc:  # one broken figure must not hide the others
                print(f"  {group} FAILED: {type(exc).__name__}: {exc}", flush=True)
                continue
            print(f"  {group} measured in {time.perf_counter() - t:.0f} s", flush=True)
    bare.close()
    engine.dispose()
    _print(figs.out)
    print("\n".join(diag.lines))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of the measuring process: {peak:.0f} MB")
    return 0


STARTS = 5


def _startup(figs: Figures, built: Built) -> None:
    # The best of five starts, the app's and the bare probe's taken in turn: on a shared
    # machine one start took 540 ms and the next 690 ms, and nothing but noise makes a start
    # slower than its best. The median says how far the others strayed.
    app: list[float] = []
    bare: list[float] = []
    for _ in range(STARTS):
        app.append(startup.app_first_rows(built.url))
        bare.append(startup.bare_first_rows(built.url, built.dialect))
    app_s, bare_s = min(app), min(bare)
    note = f"best of {STARTS}; median {statistics.median(app) * 1000:.0f} ms"
    figs.out.append(
        Figure("start-up to first Inbox rows", app_s, bare_s, "≤ 0.6 s", app_s <= 0.6, note=note)
    )
    help_s, python_s = startup.help_start()
    figs.out.append(
        Figure("`python -m console --help`", help_s, python_s, "(bare: python -c pass)", True)
    )


def _print(figures: list[Figure]) -> None:
    print(f"\n{'figure':48s} {'app':>12s} {'bare':>12s} {'ratio':>7s}  target")
    for f in figures:
        if f.rate:
            app, bare = f"{f.app:,.0f}/s", f"{f.bare:,.0f}/s"
            ratio = f"{f.ratio * 100:.0f}%"
        else:
            app, bare = _secs(f.app), _secs(f.bare)
            ratio = f"{f.ratio:.1f}×"
        flag = "ok" if f.ok else "OVER"
        note = f"  ({f.note})" if f.note else ""
        print(f"{f.name:48s} {app:>12s} {bare:>12s} {ratio:>7s}  {f.target} {flag}{note}")


def _secs(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.exit(main())
