"""The atproto dev network (npm @atproto/dev-env) the real Bluesky tests run against (PLATFORM.md §7).

tests/real/atproto/ holds package.json, its lock and start.js; they are copied
to ~/.cache/front-counter/atproto (about 360 MB once installed, never in the
repo) and `npm ci` runs there when node_modules is missing or the lock
changed. start.js builds a TestNetwork over the PostgreSQL and Redis this
machine runs, every server on 127.0.0.1, prints the URLs and seeded accounts
as one JSON line, then takes commands (post, process) one JSON line each.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).with_name("atproto")
FILES = ("package.json", "package-lock.json", "start.js")
INSTALL_DEADLINE = 1800.0  # ~4 min on an idle machine; a loaded CI runner has taken over 15
START_DEADLINE = 240.0
COMMAND_DEADLINE = 60.0


def cache_dir() -> Path:
    base = os.environ.get("FRONT_COUNTER_ATPROTO_CACHE")
    return Path(base) if base else Path.home() / ".cache" / "front-counter" / "atproto"


def missing_parts() -> str:
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: apt-get install nodejs npm)"
    return ""


def install() -> Path:
    """The cache folder with node_modules installed from the committed lock."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    lock = (SOURCE / "package-lock.json").read_bytes()
    fresh = (folder / "node_modules").is_dir() and (folder / ".installed-lock").exists()
    if fresh and (folder / ".installed-lock").read_bytes() != lock:
        fresh = False
    for name in FILES:
        shutil.copyfile(SOURCE / name, folder / name)
    if not fresh:
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=INSTALL_DEADLINE,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"npm ci failed in {folder}:\n{done.stderr[-2000:]}")
        (folder / ".installed-lock").write_bytes(lock)
    return folder


@dataclass(frozen=True)
class Account:
    handle: str
    did: str
    password: str


class AtprotoNetwork:
    """One dev network: PLC, PDS, AppView and Ozone in a single node process."""

    def __init__(self, folder: Path, log: Path) -> None:
        self.folder = folder
        self.log = log
        self.pds = ""
        self.accounts: dict[str, Account] = {}
        self.posts: dict[str, dict[str, str]] = {}
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()

    def start(self) -> AtprotoNetwork:
        env = {
            **os.environ,
            "DB_POSTGRES_URL": os.environ.get(
                "ATPROTO_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
            ),
            "REDIS_HOST": os.environ.get("ATPROTO_REDIS_HOST", "127.0.0.1:6379"),
            "LOG_ENABLED": "false",
        }
        with self.log.open("w") as err:
            self._proc = subprocess.Popen(
                ["node", "start.js"],
                cwd=self.folder,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                env=env,
                start_new_session=True,
            )
        threading.Thread(target=self._read, daemon=True).start()
        ready = self._answer(START_DEADLINE)
        self.pds = ready["pds"]
        self.accounts = {k: Account(**v) for k, v in ready["accounts"].items()}
        self.posts = ready["posts"]
        return self

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _answer(self, deadline: float) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=deadline)
        except queue.Empty:
            raise RuntimeError(
                f"the atproto dev network gave no answer in {deadline:.0f} s"
            ) from None
        if line is None:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the atproto dev network stopped:\n{tail}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"the atproto dev network refused a command: {answer['error']}")
        return answer

    def command(self, **cmd: Any) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(cmd) + "\n")
        self._proc.stdin.flush()
        return self._answer(COMMAND_DEADLINE)

    def post(
        self,
        by: str,
        text: str,
        reply_to: dict[str, str] | None = None,
        root: dict[str, str] | None = None,
        mention: str | None = None,
    ) -> dict[str, str]:
        """A post by a seeded account, indexed by the AppView before this returns."""
        cmd: dict[str, Any] = {"op": "post", "by": by, "text": text}
        if reply_to is not None:
            cmd["reply_to"] = {"uri": reply_to["uri"], "cid": reply_to["cid"]}
            cmd["root"] = {"uri": (root or reply_to)["uri"], "cid": (root or reply_to)["cid"]}
        if mention:
            cmd["mention"] = mention
        return self.command(**cmd)

    def process(self) -> None:
        self.command(op="process")

    def stop(self) -> None:
        if self._proc is None or self._proc.poll() is not None:
            return
        os.killpg(self._proc.pid, signal.SIGTERM)
        try:
            self._proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(10)
