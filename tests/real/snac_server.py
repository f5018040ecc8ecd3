"""A real snac2 (Debian bookworm-backports), the Mastodon-API server the suite can run here (PLATFORM.md §7).

The package is unpacked, not installed, by get_snac2.sh (its postinst would
enable Apache modules and a systemd unit). `snac init` and `snac adduser`
build a private data folder; `snac httpd` serves it on 127.0.0.1 over plain
HTTP; tokens come from the real OAuth code flow, as a desktop gets them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.ports import free_port

GET_SNAC2 = Path(__file__).with_name("get_snac2.sh")
START_DEADLINE = 20.0
OOB = "urn:ietf:wg:oauth:2.0:oob"


def snac_binary() -> tuple[Path | None, str]:
    """The snac binary (fetched and unpacked on first need), or None and why not."""
    found = os.environ.get("SNAC_BINARY") or shutil.which("snac")
    if found:
        return Path(found), ""
    if shutil.which("bash") is None:
        return None, "bash is missing"
    done = subprocess.run(
        ["bash", str(GET_SNAC2)], capture_output=True, text=True, check=False, timeout=300
    )
    if done.returncode != 0:
        return None, (done.stderr.strip() or f"{GET_SNAC2.name} failed ({done.returncode})")
    return Path(done.stdout.strip().splitlines()[-1]), ""


CLOSE = {"Connection": "close"}


@dataclass(frozen=True)
class Account:
    uid: str
    password: str


class SnacServer:
    """One snac2 instance in `folder`, with the local accounts the tests use."""

    def __init__(self, folder: Path, binary: Path) -> None:
        self.binary = binary
        self.data = folder / "data"
        self.log = folder / "snac.log"
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.accounts: dict[str, Account] = {}
        self._proc: subprocess.Popen[bytes] | None = None

    def _snac(self, *args: str, answers: str = "") -> str:
        done = subprocess.run(
            [str(self.binary), *args],
            input=answers,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"snac {args[0]} failed: {done.stdout}{done.stderr}")
        return done.stdout

    def start(self, *users: str) -> SnacServer:
        # Answers to `snac init`: address, port, host name, URL prefix, admin e-mail.
        self._snac("init", str(self.data), answers=f"127.0.0.1\n{self.port}\n{self.host}\n\n\n")
        config_file = self.data / "server.json"
        config = json.loads(config_file.read_text())
        # Plain HTTP on loopback: actors, and delivery between local accounts, use http://.
        config["protocol"] = "http"
        config_file.write_text(json.dumps(config, indent=4))
        for uid in users:
            out = self._snac("adduser", str(self.data), uid)
            found = re.search(r"User password is (\S+)", out)
            if found is None:
                raise RuntimeError(f"snac adduser {uid} printed no password: {out}")
            self.accounts[uid] = Account(uid, found.group(1))
        with self.log.open("wb") as log:
            self._proc = subprocess.Popen(
                [str(self.binary), "httpd", str(self.data)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_DEADLINE
        while not self._answers():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"snac httpd did not start:\n{tail}")
            time.sleep(0.05)
        return self

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/api/v1/instance", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            os.killpg(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait(10)

    def token(self, uid: str) -> str:
        """An access token through the OAuth code flow a desktop walks (login form, then /oauth/token)."""
        account = self.accounts[uid]
        # A connection per request: snac2 may close an idle kept-alive connection just as the
        # client reuses it (ECONNRESET), which a loaded machine made frequent.
        with httpx.Client(base_url=self.url, timeout=10, headers=CLOSE) as http:
            app = http.post(
                "/api/v1/apps",
                json={
                    "client_name": "Front Counter tests",
                    "redirect_uris": OOB,
                    "scopes": "read write",
                },
            ).json()
            form = http.get(
                "/oauth/authorize",
                params={
                    "response_type": "code",
                    "client_id": app["client_id"],
                    "redirect_uri": OOB,
                    "scope": "read write",
                    "state": "s1",
                },
            )
            if "x-snac-login" not in form.text:
                raise RuntimeError(f"snac's authorize page has no login form: {form.text[:300]}")
            login = http.post(
                "/oauth/x-snac-login",
                data={
                    "login": uid,
                    "passwd": account.password,
                    "redir": OOB,
                    "cid": app["client_id"],
                    "state": "",
                },
            )
            code = login.text.strip()
            if login.status_code != 200 or "LOGIN INCORRECT" in code or "<" in code:
                raise RuntimeError(f"snac refused the login of {uid}: {code[:300]}")
            token = http.post(
                "/oauth/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "client_id": app["client_id"],
                    "client_secret": app["client_secret"],
                    "redirect_uri": OOB,
                },
            ).json()
        access: str = token["access_token"]
        return access
