"""Pausing Python's cycle collector while a bulk read builds its hundreds of thousands of rows.

Every 700 new container objects the collector runs, and now and then it walks the whole heap;
while a weekly report builds 250,000 rows and records that walk cost a quarter of its time.
Nothing a bulk read builds is cyclic (reference counting frees it all), so the collector
is paused for its duration and resumes after, however many threads are inside.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_inside = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _inside, _was_enabled
    with _lock:
        if _inside == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0 and _was_enabled:
                gc.enable()
