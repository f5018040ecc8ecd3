"""The cycle collector pauses for a bulk read and always resumes: a report that failed, or two
overlapping in different threads, must not leave the app collecting no cycles all day."""

from __future__ import annotations

import gc
import threading

import pytest

from services.heap import collector_paused


def test_the_collector_resumes_after_a_read_that_failed() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("the database went away")
    assert gc.isenabled()


def test_overlapping_reads_resume_the_collector_only_when_the_last_ends() -> None:
    inside, release = threading.Event(), threading.Event()

    def other_read() -> None:
        with collector_paused():
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=other_read)
    worker.start()
    inside.wait(10)
    with collector_paused():
        pass
    assert not gc.isenabled()  # the other read is still building its rows
    release.set()
    worker.join(10)
    assert gc.isenabled()


def test_a_collector_switched_off_by_someone_else_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
