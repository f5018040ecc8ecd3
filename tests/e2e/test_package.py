"""The packaged app (PyInstaller bundle and .deb) runs with no virtualenv and no Python of ours.

The module fixture runs resources/packaging/build.py, which rebuilds only when a source
changed since the last build (build/package/sources.sha256), so most runs pay nothing.
Every run of the bundle gets an empty environment (as `env -i PATH=/usr/bin:/bin HOME=...`):
no VIRTUAL_ENV, no PYTHONPATH, no XDG folders, nothing of the test's own.
"""

from __future__ import annotations

import os
import sqlite3
import struct
import subprocess
import sys
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "resources" / "packaging" / "build.py"
OUT = ROOT / "build" / "package"
BINARY = OUT / "dist" / "front-counter" / "front-counter"
ARTIFACTS = ROOT / "artifacts" / "package"

pytestmark = [
    pytest.mark.package,
    pytest.mark.slow,
    pytest.mark.qt,  # bundles PySide6: skipped where the virtualenv has none
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux bundle and .deb"),
    pytest.mark.timeout(1200),
]


@pytest.fixture(scope="module")
def bundle() -> Path:
    subprocess.run([sys.executable, str(BUILD_SCRIPT)], cwd=ROOT, check=True, timeout=1100)
    assert BINARY.exists()
    return BINARY


def _version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return str(tomllib.load(f)["project"]["version"])


def _bare_env(home: Path, **extra: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), **extra}


def _run(
    argv: Sequence[str], home: Path, **extra: str
) -> tuple[subprocess.CompletedProcess[str], float]:
    home.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    done = subprocess.run(
        list(argv),
        env=_bare_env(home, **extra),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done, time.perf_counter() - started


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_version_names_the_release_and_schema_outside_any_virtualenv(
    bundle: Path, tmp_path: Path
) -> None:
    from services.store.db import head_revision

    done, _ = _run([str(bundle), "--version"], tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Front Counter {_version()} (database schema {head_revision()})"


def test_the_windowed_launcher_sits_beside_the_command_line(bundle: Path, tmp_path: Path) -> None:
    """front-counter-gui (console=False: no console window on Windows) is the same program."""
    launcher = bundle.with_name("front-counter-gui")
    assert launcher.exists()
    done, _ = _run([str(launcher), "--version"], tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Front Counter {_version()} ")


def test_db_upgrade_creates_a_fresh_sqlite_database(bundle: Path, tmp_path: Path) -> None:
    from services.store.db import head_revision

    db = tmp_path / "force.db"
    done, _ = _run([str(bundle), "--db", str(db), "db", "upgrade"], tmp_path / "home")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == head_revision()


def test_screenshot_renders_the_demo_inbox_offscreen(bundle: Path, tmp_path: Path) -> None:
    shot = tmp_path / "inbox.png"
    done, _ = _run(
        [str(bundle), "--db", str(tmp_path / "s.db"), "--create", "screenshot", "--out", str(shot)],
        tmp_path / "home",
        QT_QPA_PLATFORM="offscreen",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert _png_size(shot) == (1280, 800)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "bundle-inbox.png").write_bytes(shot.read_bytes())


def test_the_weekly_report_draws_its_charts_and_pdf_in_the_bundle(
    bundle: Path, tmp_path: Path
) -> None:
    """QtCharts, the PDF writer and the Jinja templates (resources/templates) are all inside."""
    db, out, home = tmp_path / "r.db", tmp_path / "reports", tmp_path / "home"
    loaded, _ = _run([str(bundle), "--db", str(db), "--create", "demo", "load"], home)
    assert loaded.returncode == 0, loaded.stderr
    done, _ = _run([str(bundle), "--db", str(db), "report", "weekly", "--out", str(out)], home)
    assert done.returncode == 0, done.stderr
    names = {p.suffix for p in out.iterdir()}
    assert {".pdf", ".png", ".html", ".csv"} <= names
    pdf = next(out.glob("*.pdf"))
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_a_locked_system_setting_holds_in_the_bundle(bundle: Path, tmp_path: Path) -> None:
    system = tmp_path / "system.toml"
    system.write_text('demo_allowed = false\nlocked = ["demo_allowed"]\n')
    done, _ = _run(
        [str(bundle), "config", "show"],
        tmp_path / "home",
        FRONT_COUNTER_SYSTEM_CONFIG=str(system),
        FRONT_COUNTER_DEMO_ALLOWED="true",
    )
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("demo_allowed"))
    assert "false" in line and f"system file {system}, locked" in line


def test_start_up_time_next_to_the_source_run(bundle: Path, tmp_path: Path) -> None:
    """Not a timed test: it measures and reports (the numbers go to artifacts/package/)."""
    db = tmp_path / "t.db"
    source = [sys.executable, "-m", "console"]
    # The source run needs its virtualenv's interpreter; that is all it is given of it.
    source_env = {"PYTHONPATH": str(ROOT)}
    assert _run([str(bundle), "--db", str(db), "db", "upgrade"], tmp_path / "h")[0].returncode == 0
    rows = []
    for label, argv in (
        ("--version", ["--version"]),
        ("config show", ["config", "show"]),
        ("screenshot", ["--db", str(db), "screenshot", "--out", str(tmp_path / "t.png")]),
    ):
        timings = {}
        for name, prefix, extra in (("bundle", [str(bundle)], {}), ("source", source, source_env)):
            best = float("inf")
            for _ in range(3):
                done, took = _run(
                    [*prefix, *argv], tmp_path / "h", QT_QPA_PLATFORM="offscreen", **extra
                )
                assert done.returncode == 0, done.stderr
                best = min(best, took)
            timings[name] = best
        rows.append(
            f"{label:<12} bundle {timings['bundle']:.2f} s  source {timings['source']:.2f} s"
        )
    size = sum(p.lstat().st_size for p in bundle.parent.rglob("*") if not p.is_dir())
    report = "\n".join([f"bundle size {size / 2**20:.0f} MiB", *rows])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "startup.txt").write_text(report + "\n")
    print("\n" + report)


def test_the_bundle_carries_no_unused_qt_module(bundle: Path) -> None:
    unwanted = ("WebEngine", "Qt6Quick", "Qt6Qml", "Qt63D", "Multimedia", "VirtualKeyboard")
    names = [p.name for p in bundle.parent.rglob("*")]
    assert not [n for n in names if any(u in n for u in unwanted)]
    assert any(n.startswith("libQt6Charts") for n in names)


def test_the_deb_installs_a_desktop_entry_icon_metainfo_and_declares_qts_libraries(
    bundle: Path,
) -> None:
    debs = sorted(OUT.glob(f"front-counter_{_version()}_*.deb"))
    assert debs, "dpkg-deb built no package"
    deb = debs[-1]
    fields = subprocess.run(
        ["dpkg-deb", "--field", str(deb), "Package", "Version", "Depends"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Package: front-counter" in fields and f"Version: {_version()}" in fields
    depends = fields.split("Depends:", 1)[1]
    for lib in ("libxcb-cursor0", "libxkbcommon-x11-0", "libegl1", "libfontconfig1", "libc6"):
        assert lib in depends
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    for path in (
        "./opt/front-counter/front-counter",
        "./usr/bin/front-counter -> /opt/front-counter/front-counter",
        "./usr/share/applications/org.frontcounter.FrontCounter.desktop",
        "./usr/share/metainfo/org.frontcounter.FrontCounter.metainfo.xml",
        "./usr/share/icons/hicolor/scalable/apps/front-counter.svg",
        "./usr/share/icons/hicolor/256x256/apps/front-counter.png",
        "./opt/front-counter/_internal/services/store/migrations/env.py",
        "./opt/front-counter/_internal/resources/demo/workspace.json",
    ):
        assert path in listing, path
    assert "root/root" in listing.splitlines()[0]


def test_the_program_unpacked_from_the_deb_runs(bundle: Path, tmp_path: Path) -> None:
    deb = sorted(OUT.glob(f"front-counter_{_version()}_*.deb"))[-1]
    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "--extract", str(deb), str(root)], check=True)
    done, _ = _run([str(root / "opt" / "front-counter" / "front-counter"), "--version"], tmp_path)
    assert done.returncode == 0 and f"Front Counter {_version()}" in done.stdout, done.stderr
    entry = (root / "usr/share/applications/org.frontcounter.FrontCounter.desktop").read_text()
    assert "Exec=front-counter\n" in entry and "Icon=front-counter\n" in entry


def test_the_metainfo_is_valid_and_names_this_release() -> None:
    metainfo = ROOT / "resources" / "packaging" / "front-counter.metainfo.xml"
    assert f'<release version="{_version()}"' in metainfo.read_text()
    if not os.path.exists("/usr/bin/appstreamcli"):
        pytest.skip("appstreamcli (Debian's appstream) is not installed")
    done = subprocess.run(
        ["/usr/bin/appstreamcli", "validate", "--no-net", str(metainfo)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout
