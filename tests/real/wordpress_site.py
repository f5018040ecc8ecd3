"""A real WordPress (Debian's `wordpress` package) over MariaDB, both on this machine only (PLATFORM.md §7).

MariaDB runs socket-only from a private data folder; each site is
`php -S 127.0.0.1:PORT` with four workers (one deadlocks when WordPress
fetches its own pages). Debian's wp-config.php reads
/etc/wordpress/config-<name>.php, the name given by the WORDPRESS_CONFIG
server variable that a prepended file sets, so the tests never take over
the host's own config-127.0.0.1.php. Seeding is PHP (wp_seed.php), not HTTP.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.ports import free_port

WP_ROOT = Path("/usr/share/wordpress")
CONFIG_DIR = Path("/etc/wordpress")
THEME = WP_ROOT / "wp-content/themes/twentytwentythree"
SEED_SCRIPT = Path(__file__).with_name("wp_seed.php")
PRETTY = "/%postname%/"
PLAIN = ""
START_DEADLINE = 30.0


def missing_parts() -> str | None:
    """Why a real WordPress cannot run here, or None when it can."""
    for tool in ("php", "mariadbd", "mariadb-install-db", "mariadb"):
        if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists():
            return f"{tool} is not installed (.ci/system-packages test)"
    if not (WP_ROOT / "wp-load.php").exists():
        return "Debian's wordpress package is not installed"
    if not THEME.exists():
        return "wordpress-theme-twentytwentythree is not installed"
    modules = subprocess.run(["php", "-m"], capture_output=True, text=True, check=False).stdout
    if "mysqli" not in modules.split():
        return "php-mysql is not installed"
    if not os.access(CONFIG_DIR, os.W_OK):
        return f"{CONFIG_DIR} is not writable: the site's config goes there (run as root)"
    return None


def _tool(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


def _wait_for(what: str, ready: Any, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while not ready():
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{what} did not start:\n{tail}")
        time.sleep(0.05)


class MariaDB:
    """A socket-only MariaDB in a private folder (no TCP port, no system config)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.datadir = folder / "data"
        self.socket = folder / "mysqld.sock"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> MariaDB:
        as_root = ["--user=root"] if os.getuid() == 0 else []
        subprocess.run(
            [
                _tool("mariadb-install-db"),
                "--no-defaults",
                f"--datadir={self.datadir}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                *as_root,
            ],
            capture_output=True,
            check=True,
        )
        log = self.folder / "mariadb.log"
        self._proc = subprocess.Popen(
            [
                _tool("mariadbd"),
                "--no-defaults",
                f"--datadir={self.datadir}",
                f"--socket={self.socket}",
                "--skip-networking",
                f"--pid-file={self.folder / 'mysqld.pid'}",
                f"--log-error={log}",
                "--innodb-buffer-pool-size=32M",
                "--innodb-flush-log-at-trx-commit=2",
                *as_root,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for("MariaDB", self._answers, self._proc, log)
        return self

    def _answers(self) -> bool:
        if not self.socket.exists():
            return False
        return self.sql("SELECT 1").returncode == 0

    def sql(self, statement: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["mariadb", "--no-defaults", f"--socket={self.socket}", "-uroot", "-e", statement],
            capture_output=True,
            check=False,
        )

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(timeout=30)


@dataclass(frozen=True)
class Seed:
    login: str
    password: str
    user_id: int
    version: str


class WordPressSite:
    """One WordPress site served at `site` (the root of a port, or a subfolder of it)."""

    def __init__(self, folder: Path, db: MariaDB, subfolder: str = "") -> None:
        self.folder = folder
        self.port = free_port()
        self.name = f"front-counter-test-{self.port}"
        self.host = f"127.0.0.1:{self.port}"
        self.site = f"http://{self.host}/" + (f"{subfolder}/" if subfolder else "")
        self._db = db
        self._subfolder = subfolder
        self._config = CONFIG_DIR / f"config-{self.name}.php"
        self._proc: subprocess.Popen[bytes] | None = None
        # The seeding PHP loads all of WordPress each time: its opcode cache halves that.
        self._opcache = folder / "opcache"

    def start(self) -> WordPressSite:
        self._opcache.mkdir()
        database = self.name.replace("-", "_")
        self._db.sql(f"CREATE DATABASE {database}").check_returncode()
        home = self.site.rstrip("/")
        self._config.write_text(
            "<?php\n"
            f"define('DB_NAME', '{database}');\n"
            "define('DB_USER', 'root');\n"
            "define('DB_PASSWORD', '');\n"
            f"define('DB_HOST', 'localhost:{self._db.socket}');\n"
            f"define('WP_HOME', '{home}');\n"
            f"define('WP_SITEURL', '{home}');\n"
            "define('WP_ENVIRONMENT_TYPE', 'local');  // application passwords over plain HTTP\n"
            "define('DISABLE_WP_CRON', true);\n"
            "define('WP_HTTP_BLOCK_EXTERNAL', true);\n"
            "define('AUTOMATIC_UPDATER_DISABLED', true);\n"
        )
        prepend = self.folder / "prepend.php"
        prepend.write_text(f"<?php $_SERVER['WORDPRESS_CONFIG'] = '{self.name}';\n")
        docroot = WP_ROOT
        if self._subfolder:
            docroot = self.folder / "docroot"
            docroot.mkdir()
            (docroot / self._subfolder).symlink_to(WP_ROOT)
        log = self.folder / "php.log"
        with log.open("wb") as out:
            self._proc = subprocess.Popen(
                [
                    "php",
                    "-d",
                    f"auto_prepend_file={prepend}",
                    "-S",
                    self.host,
                    "-t",
                    str(docroot),
                ],
                env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its workers share the group: stop them together
            )
        self.reset(PLAIN)
        _wait_for("php -S", self._answers, self._proc, log)
        return self

    def _answers(self) -> bool:
        try:
            return httpx.get(self.site, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def run(self, *ops: dict[str, Any]) -> list[Any]:
        """Operations of wp_seed.php, in order; their results."""
        done = subprocess.run(
            [
                "php",
                "-d",
                "opcache.enable_cli=1",
                "-d",
                f"opcache.file_cache={self._opcache}",
                "-d",
                "opcache.file_cache_only=1",
                str(SEED_SCRIPT),
                self.name,
                self.host,
            ],
            input=json.dumps(list(ops)).encode(),
            capture_output=True,
            check=False,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"wp_seed.php failed: {done.stdout[-2000:]!r} {done.stderr[-2000:]!r}"
            )
        result: list[Any] = json.loads(done.stdout)
        return result

    def reset(self, permalinks: str) -> Seed:
        """An empty site (no posts, no comments) with this permalink structure and a new app password."""
        (out,) = self.run({"op": "reset", "permalinks": permalinks})
        return Seed(out["login"], out["password"], out["user_id"], out["version"])

    def comments(self) -> list[dict[str, Any]]:
        (out,) = self.run({"op": "comments"})
        return list(out)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            os.killpg(self._proc.pid, signal.SIGTERM)
            self._proc.wait(timeout=30)
        self._config.unlink(missing_ok=True)
