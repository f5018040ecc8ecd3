"""Builds Front Counter's one-folder bundle (PyInstaller) and, on Debian-like systems, its .deb.

    python resources/packaging/build.py          # build what is missing or stale
    python resources/packaging/build.py --force  # build again

Output goes to build/package/: dist/front-counter/ (the bundle), the .deb beside it, and
sources.sha256, the hash of every input. A build whose inputs hash the same as the last
one is skipped, so `make test` pays for a build only after a source changed.
The .deb is assembled from a staging tree with dpkg-deb alone: no debhelper, no fakeroot.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "build" / "package"
BUNDLE = OUT / "dist" / "front-counter"
STAMP = OUT / "sources.sha256"
APP_ID = "org.frontcounter.FrontCounter"

# What the bundle is built from: a change in any of these makes it stale.
SOURCE_DIRS = ("console", "ui", "services", "resources")
SOURCE_FILES = ("pyproject.toml", ".ci/system-packages")
# The tools whose versions shape the bundle.
TOOL_DISTRIBUTIONS = ("pyinstaller", "pyinstaller-hooks-contrib", "PySide6-Essentials")


def project() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        data: dict[str, object] = tomllib.load(f)["project"]
    return data


def version() -> str:
    return str(project()["version"])


def _source_files() -> list[Path]:
    files = [ROOT / name for name in SOURCE_FILES]
    for folder in SOURCE_DIRS:
        files += (
            p
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        )
    return sorted(f for f in files if f.exists())


def source_hash() -> str:
    digest = hashlib.sha256()
    digest.update(f"python {sys.version}\n".encode())
    for dist in TOOL_DISTRIBUTIONS:
        try:
            digest.update(f"{dist} {importlib.metadata.version(dist)}\n".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{dist} absent\n".encode())
    for path in _source_files():
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def is_fresh() -> bool:
    """The bundle (and .deb, where one is built) exist and were built from these sources."""
    if not (BUNDLE / "front-counter").exists() or not STAMP.exists():
        return False
    if can_build_deb() and not deb_path().exists():
        return False
    return STAMP.read_text().strip() == source_hash()


def ensure_pyinstaller() -> None:
    """Install the `package` extra's pinned PyInstaller into this interpreter if it lacks it."""
    if importlib.util.find_spec("PyInstaller") is not None:
        return
    extras = project()["optional-dependencies"]
    assert isinstance(extras, dict)
    print("installing the `package` extra:", " ".join(extras["package"]), flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *extras["package"]], check=True)


def build_bundle() -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(OUT / "dist"),
            "--workpath",
            str(OUT / "work"),
            str(HERE / "front-counter.spec"),
        ],
        check=True,
        cwd=ROOT,
    )


def can_build_deb() -> bool:
    return sys.platform.startswith("linux") and shutil.which("dpkg-deb") is not None


def architecture() -> str:
    out = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def deb_path() -> Path:
    arch = architecture() if shutil.which("dpkg") else "amd64"
    return OUT / f"front-counter_{version()}_{arch}.deb"


def qt_system_packages() -> list[str]:
    """Debian's packages of what Qt links and does not ship: the `run` list of .ci/system-packages."""
    script = (ROOT / ".ci" / "system-packages").read_text()
    found = re.search(r'^run_packages="([^"]*)"', script, re.MULTILINE)
    if found is None:
        raise SystemExit(".ci/system-packages has no run_packages list")
    return found.group(1).split()


def glibc_version() -> str:
    """The C library this machine has: the bundle's binaries were linked against it."""
    out = subprocess.run(["ldd", "--version"], capture_output=True, text=True, check=True)
    found = re.search(r"(\d+\.\d+)\s*$", out.stdout.splitlines()[0])
    return found.group(1) if found else "2.31"


def _tree_size_kib(folder: Path) -> int:
    total = sum(p.lstat().st_size for p in folder.rglob("*") if not p.is_dir())
    return (total + 1023) // 1024


def build_deb() -> Path:
    staging = OUT / "deb-root"
    shutil.rmtree(staging, ignore_errors=True)
    opt = staging / "opt" / "front-counter"
    shutil.copytree(BUNDLE, opt, symlinks=True)
    bin_dir = staging / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "front-counter").symlink_to("/opt/front-counter/front-counter")
    share = staging / "usr" / "share"
    icons = ROOT / "resources" / "icons"
    for source, target in (
        (HERE / "front-counter.desktop", share / "applications" / f"{APP_ID}.desktop"),
        (HERE / "front-counter.metainfo.xml", share / "metainfo" / f"{APP_ID}.metainfo.xml"),
        (icons / "front-counter.svg", share / "icons/hicolor/scalable/apps/front-counter.svg"),
        (icons / "front-counter-256.png", share / "icons/hicolor/256x256/apps/front-counter.png"),
    ):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    debian = staging / "DEBIAN"
    debian.mkdir()
    depends = [f"libc6 (>= {glibc_version()})", *qt_system_packages()]
    control = (
        (HERE / "control.in")
        .read_text()
        .format(
            version=version(),
            architecture=architecture(),
            installed_size=_tree_size_kib(staging),
            depends=", ".join(depends),
        )
    )
    (debian / "control").write_text(control)
    for path in staging.rglob("*"):
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or _is_executable(path) else 0o644)
    target = deb_path()
    target.unlink(missing_ok=True)
    # gzip: readable by every dpkg still in use; xz would save ~25% and take minutes here.
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build", str(staging), str(target)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.rmtree(staging)
    return target


def _is_executable(path: Path) -> bool:
    return bool(path.stat().st_mode & 0o111)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--force", action="store_true", help="build even if up to date")
    args = parser.parse_args(argv)
    if not args.force and is_fresh():
        print(f"up to date: {BUNDLE}")
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    STAMP.unlink(missing_ok=True)
    ensure_pyinstaller()
    # Hashed before building: a source edited during the build leaves the result stale.
    built_from = source_hash()
    build_bundle()
    print(f"bundle: {BUNDLE}")
    if can_build_deb():
        print(f"package: {build_deb()}")
    STAMP.write_text(built_from + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
