"""POSIX-only calls live in one platform module, so the app stays buildable for Windows and macOS.

An AST scan of everything that ships (console/, ui/, services/) for modules, functions,
arguments and paths that exist or behave only on POSIX. console/platform_os.py (signals,
parent process, the display) and services/platform_os.py (file locks) answer for every OS.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("console", "ui", "services")

PLATFORM_MODULES = {"console/platform_os.py", "services/platform_os.py"}
# Files that may still call POSIX directly, each with the reason. None today: the sync
# worker's stop signals, parent watch and single-instance lock go through the platform modules.
ALLOWED: dict[str, str] = {}

POSIX_MODULES = {
    "signal", "fcntl", "termios", "tty", "pty", "pwd", "grp", "resource", "posix",
    "syslog", "crypt", "spwd", "nis", "pipes",
}  # fmt: skip
POSIX_OS_FUNCTIONS = {
    "getppid", "setsid", "setpgrp", "setpgid", "getpgid", "killpg", "kill", "fork",
    "forkpty", "getuid", "geteuid", "getgid", "getegid", "setuid", "setgid", "chown",
    "lchown", "fchown", "chmod", "lchmod", "fchmod", "umask", "mkfifo", "mknod", "nice",
    "wait", "waitpid", "wait3", "wait4", "getloadavg", "sysconf", "statvfs", "getpwnam",
    "openpty", "ttyname", "major", "minor",
}  # fmt: skip
POSIX_METHODS = {"chmod", "lchmod"}  # pathlib's file modes, on any object
POSIX_KEYWORDS = {"start_new_session", "preexec_fn", "pass_fds", "process_group"}
POSIX_PATH_PREFIXES = ("/proc/", "/proc", "/dev/", "/sys/", "/etc/", "/tmp/", "/var/")


def _posix_uses(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                (node.lineno, f"import {a.name}")
                for a in node.names
                if a.name.split(".")[0] in POSIX_MODULES
            ]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in POSIX_MODULES:
                found.append((node.lineno, f"from {node.module} import ..."))
            if node.module == "os":
                found += [
                    (node.lineno, f"from os import {a.name}")
                    for a in node.names
                    if a.name in POSIX_OS_FUNCTIONS
                ]
        elif isinstance(node, ast.Attribute):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id == "os" and node.attr in POSIX_OS_FUNCTIONS:
                found.append((node.lineno, f"os.{node.attr}"))
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in POSIX_METHODS:
                found.append((node.lineno, f".{func.attr}(...)"))
            found += [
                (node.lineno, f"{kw.arg}=") for kw in node.keywords if kw.arg in POSIX_KEYWORDS
            ]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text.startswith(POSIX_PATH_PREFIXES) and "\n" not in text and " " not in text:
                found.append((node.lineno, f"path {text!r}"))
    return sorted(set(found))


def _shipped_files() -> list[Path]:
    files: list[Path] = []
    for package in SHIPPED:
        files += sorted((ROOT / package).rglob("*.py"))
    return [f for f in files if "migrations" not in f.parts]


def test_posix_only_calls_appear_only_in_the_platform_module() -> None:
    offenders = []
    for path in _shipped_files():
        name = path.relative_to(ROOT).as_posix()
        if name in PLATFORM_MODULES or name in ALLOWED:
            continue
        uses = _posix_uses(ast.parse(path.read_text(), filename=name))
        offenders += [f"{name}:{line}: {what}" for line, what in uses]
    assert not offenders, (
        "POSIX-only calls outside console/platform_os.py (put them behind it, so the "
        "Windows and macOS builds keep working):\n" + "\n".join(offenders)
    )


def test_the_scan_catches_what_it_is_meant_to() -> None:
    sample = (
        "import signal\nimport os\nfrom fcntl import flock\n"
        "os.getppid()\nos.setsid()\nPath('x').chmod(0o600)\n"
        "subprocess.Popen(['x'], start_new_session=True)\nopen('/proc/self/status')\n"
    )
    kinds = {what for _, what in _posix_uses(ast.parse(sample))}
    assert kinds >= {
        "import signal",
        "from fcntl import ...",
        "os.getppid",
        "os.setsid",
        ".chmod(...)",
        "start_new_session=",
        "path '/proc/self/status'",
    }
    assert not _posix_uses(ast.parse("import os\nos.getpid()\nos.environ.get('X')\n"))


def test_every_allowed_file_still_needs_its_exemption() -> None:
    """An exemption whose file no longer calls POSIX is removed, so it cannot hide a new call."""
    for name in ALLOWED:
        path = ROOT / name
        assert path.exists(), f"{name} is gone: drop its exemption"
        assert _posix_uses(ast.parse(path.read_text())), f"{name} is clean now: drop its exemption"


def test_the_file_lock_is_exclusive_and_released_on_close(tmp_path: Path) -> None:
    from services.platform_os import try_lock_exclusive

    path = tmp_path / "fc.db.worker-lock"
    first, second = path.open("a+"), path.open("a+")
    try:
        assert try_lock_exclusive(first)
        assert not try_lock_exclusive(second)  # as a second worker would find it
        first.close()
        assert try_lock_exclusive(second)
    finally:
        first.close()
        second.close()


def test_the_parent_watch_and_the_command_that_runs_us_again() -> None:
    import os
    import sys

    from console import platform_os

    assert platform_os.parent_alive(platform_os.parent_pid())
    assert not platform_os.parent_alive(os.getpid())  # we are not our own parent
    assert platform_os.self_command() == [sys.executable, "-m", "console"]


def test_a_display_is_found_from_the_session_on_linux_and_always_on_windows() -> None:
    from console.platform_os import has_display

    assert not has_display({}, "linux")  # over ssh: the launcher says so instead of aborting
    assert has_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert has_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert has_display({}, "win32")  # Windows sets no DISPLAY, and needs none
    assert has_display({}, "darwin")


def test_the_bundle_runs_its_worker_with_the_console_executable(tmp_path: Path) -> None:
    """The windowed launcher has no output for the worker's progress: the console one runs it."""
    import sys

    from console.platform_os import cli_executable

    suffix = ".exe" if sys.platform == "win32" else ""
    gui = tmp_path / f"front-counter-gui{suffix}"
    gui.write_bytes(b"")
    assert cli_executable(str(gui)) == str(gui)  # a bundle without it: itself
    cli = tmp_path / f"front-counter{suffix}"
    cli.write_bytes(b"")
    assert cli_executable(str(gui)) == str(cli)
    assert cli_executable(str(cli)) == str(cli)
