"""The command line starts quickly, says what each command is for, and refuses what it cannot know."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from console import cli
from console.commands_inbox import STATUSES
from tests.e2e.test_cli import run

ROOT = Path(__file__).resolve().parents[2]


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_the_command_table_names_every_command_the_modules_register() -> None:
    registered = _subcommands(cli.build_parser())
    assert set(registered) == set(cli.COMMANDS)
    for name in cli.COMMANDS:
        only = _subcommands(cli.build_parser([name]))
        assert (
            only[name].get_default("run") is not None or _subcommands(only[name]) or name == "gui"
        )


def test_help_imports_no_database_or_qt_and_every_command_has_purpose_and_example() -> None:
    code = (
        "import sys\nfrom console import cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'PySide6', 'services', 'alembic', 'httpx')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"
    parser = cli.build_parser()
    for name, sub in _subcommands(parser).items():
        assert sub.description and sub.epilog and "Example: front-counter" in sub.epilog, name
        for leaf_name, leaf in _subcommands(sub).items():
            assert leaf.description and "Example: front-counter" in (leaf.epilog or ""), (
                f"{name} {leaf_name}"
            )


def test_status_choices_follow_the_model() -> None:
    from services.store.models import Status

    assert set(STATUSES) == {s.value for s in Status}


@pytest.mark.qt
def test_every_action_with_a_command_line_twin_resolves_in_the_parser() -> None:
    from ui.actions import SPECS  # the desktop's registry: Qt, so not in the headless run

    parser = cli.build_parser()
    for spec in (s for s in SPECS if s.cli):
        words = spec.cli.split()
        sub = _subcommands(parser)
        assert words[0] in sub, spec.id
        if len(words) > 1 and _subcommands(sub[words[0]]):
            assert words[1] in _subcommands(sub[words[0]]), spec.id


def test_a_mistyped_database_path_is_refused_and_nothing_is_created(tmp_path: Path) -> None:
    typo = tmp_path / "frnot-counter.db"
    result = run(str(typo), "user", "list", user="someone")
    assert result.returncode == 1
    assert "no database at" in result.stderr and "db upgrade" in result.stderr
    assert not typo.exists()
    created = run(str(typo), "--create", "team", "list", user="chief")
    assert created.returncode == 0, created.stderr
    assert typo.exists()


def test_unknown_team_view_and_user_are_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "w.db")
    assert run(db, "db", "upgrade").returncode == 0
    assert run(db, "team", "list", user="chief").returncode == 0  # chief is the first admin
    team = run(db, "team", "remove", "Nobody", user="chief")
    assert team.returncode == 1 and "no team named 'Nobody'" in team.stderr
    user = run(db, "user", "set", "ghost", "--role", "officer", user="chief")
    assert user.returncode == 1 and "unknown user 'ghost'" in user.stderr
    view = run(db, "screenshot", "--out", str(tmp_path / "x.png"), "--view", "inbx", user="chief")
    assert view.returncode == 2 and "invalid choice: 'inbx'" in view.stderr


def test_user_set_changes_a_role_and_deactivates_a_leaver_who_then_cannot_act(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "u.db")
    assert run(db, "db", "upgrade").returncode == 0
    assert run(db, "user", "add", "d.hughes", "--role", "officer", user="chief").returncode == 0
    promoted = run(
        db, "user", "set", "d.hughes", "--role", "supervisor", "--collar", "4471",
        "--display-name", "Sgt Dana Hughes", user="chief",
    )  # fmt: skip
    assert promoted.returncode == 0, promoted.stderr
    assert "supervisor" in promoted.stdout and "4471" in promoted.stdout
    assert run(db, "user", "set", "d.hughes", "--active", "no", user="chief").returncode == 0
    refused = run(db, "inbox", user="d.hughes")
    assert refused.returncode == 1 and "deactivated" in refused.stderr
    users = json.loads(run(db, "user", "list", "--json", user="chief").stdout)
    leaver = next(u for u in users if u["name"] == "d.hughes")
    assert leaver["active"] is False and leaver["display_name"] == "Sgt Dana Hughes"
    last = run(db, "user", "set", "chief", "--active", "no", user="chief")
    assert last.returncode == 1 and "last active admin" in last.stderr


def test_saved_searches_from_the_command_line(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    assert run(db, "db", "upgrade").returncode == 0
    assert run(db, "search", "save", "Complaints", "tag:complaint", user="chief").returncode == 0
    bad = run(db, "search", "save", "Bad", "colour:red", user="chief")
    assert bad.returncode == 1 and "unknown filter" in bad.stderr
    listed = json.loads(run(db, "search", "list", "--json", user="chief").stdout)
    assert listed == [{"name": "Complaints", "query": "tag:complaint"}]
    assert run(db, "search", "remove", "Complaints", user="chief").returncode == 0
    gone = run(db, "search", "remove", "Complaints", user="chief")
    assert gone.returncode == 1 and "no saved search" in gone.stderr


@pytest.mark.parametrize("sub", ["submit", "approve", "return", "retry"])
def test_reply_subcommands_say_which_id_they_take(sub: str) -> None:
    text = subprocess.run(
        [sys.executable, "-m", "console", "reply", sub, "--help"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    ).stdout  # fmt: skip
    assert "REPLY_ID" in text and "Example: front-counter reply" in text
