"""A private PostgreSQL cluster that checks passwords (scram-sha-256), as a team server must.

The machine's test server trusts loopback, so it lets a login in whatever password the app
hands libpq. This one runs Debian's own server binaries on a free port of 127.0.0.1 with
`pg_hba.conf` asking every connection for its password, in a throw-away data folder.
PostgreSQL refuses to run as root, so under root the folder and the server belong to the
`postgres` system user that Debian's package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL

from tests.ports import free_port

SUPERUSER = "fc_admin"
START_TIMEOUT_S = 60


def server_binaries() -> Path | None:
    """The newest installed server's bin folder (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def missing_parts() -> str | None:
    if server_binaries() is None:
        return "no PostgreSQL server binaries (Debian's postgresql package: initdb, pg_ctl)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without the postgres system user to run the server as"
    return None


@dataclass
class PasswordServer:
    password: str
    # Under /tmp itself: pytest's own temporary folders are root's alone (mode 0700), and
    # the server's user must reach its data folder.
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="fc-pg-password-")))
    port: int = 0

    @property
    def _bin(self) -> Path:
        found = server_binaries()
        assert found is not None
        return found

    @property
    def _data(self) -> Path:
        return self.folder / "data"

    def _run(self, *argv: str) -> None:
        as_postgres = os.geteuid() == 0
        done = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            user="postgres" if as_postgres else None,
            cwd=self.folder,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{Path(argv[0]).name} failed: {done.stderr.strip()[-600:]}")

    def start(self) -> None:
        self.port = free_port()
        pwfile = self.folder / "pwfile"
        pwfile.write_text(self.password + "\n")
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        # --auth makes pg_hba.conf ask for the password on every line, sockets included.
        self._run(
            str(self._bin / "initdb"),
            "--pgdata", str(self._data),
            "--username", SUPERUSER,
            "--pwfile", str(pwfile),
            "--auth", "scram-sha-256",
            "--encoding", "UTF8",
            "--no-locale",
            "--no-sync",
        )  # fmt: skip
        pwfile.unlink()
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.folder} -c fsync=off"
        )
        self._run(
            str(self._bin / "pg_ctl"),
            "--pgdata", str(self._data),
            "--log", str(self.folder / "server.log"),
            "--options", options,
            "--wait",
            "start",
        )  # fmt: skip

    def stop(self) -> None:
        if (self._data / "postmaster.pid").exists():
            self._run(
                str(self._bin / "pg_ctl"), "--pgdata", str(self._data), "-m", "immediate", "stop"
            )
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres", password: str | None = None) -> URL:
        return URL.create(
            "postgresql+psycopg",
            username=SUPERUSER,
            password=password,
            host="127.0.0.1",
            port=self.port,
            database=database,
        )
