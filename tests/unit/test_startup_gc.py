"""Start-up runs without the cyclic collector; whatever happens, it is back on afterwards.

A command, a refusal or the desktop: the collector must be on once the program works
(a sync worker running all day without it would keep every reference cycle it made).
"""

from __future__ import annotations

import argparse
import gc
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from console import cli, startup_gc


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_paused_then_resumed_with_what_exists_frozen() -> None:
    startup_gc.pause()
    assert not gc.isenabled()
    startup_gc.resume(freeze=True)
    assert gc.isenabled()
    assert gc.get_freeze_count() > 1000


def test_a_collector_someone_else_turned_off_stays_off() -> None:
    gc.disable()
    startup_gc.pause()
    startup_gc.resume()
    assert not gc.isenabled()


def test_the_command_line_gives_the_collector_back_on_a_refusal(tmp_path: Path) -> None:
    assert cli.main(["--db", str(tmp_path / "no-such.db"), "inbox", "list"]) == 1
    assert gc.isenabled()


def test_a_command_starts_paused_and_runs_with_the_collector_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real_build = cli.build_parser

    def build(words: Sequence[str] | None = None) -> argparse.ArgumentParser:
        seen.append(gc.isenabled())  # starting: paused
        parser = real_build(words)
        real_parse = parser.parse_args

        def parse(args: Sequence[str] | None = None) -> argparse.Namespace:
            parsed = real_parse(args)
            command = parsed.run

            def run(*given: object) -> int:
                seen.append(gc.isenabled())
                return int(command(*given))

            parsed.run = run
            return parsed

        parser.parse_args = parse  # type: ignore[method-assign,assignment]
        return parser

    monkeypatch.setattr(cli, "build_parser", build)
    assert cli.main(["--db", str(tmp_path / "new.db"), "--create", "user", "list"]) == 0
    assert seen == [False, True], "paused to start, then the command runs with it on"
    assert gc.isenabled()
