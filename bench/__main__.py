"""`python -m bench [NAME…]`: runs the benchmarks and prints their figures."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {"inbox": "bench.inbox_scale", "ingest": "bench.ingest", "report": "bench.report_week"}


def main() -> None:
    names = sys.argv[1:] or list(BENCHMARKS)
    for name in names:
        importlib.import_module(BENCHMARKS[name]).main()


if __name__ == "__main__":
    main()
