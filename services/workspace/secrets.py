"""Channel secrets in the OS keyring, never in the database, logs or error messages.

A non-recommended backend (a plain or encrypted file) is accepted only when
the user chose it explicitly (keyring's PYTHON_KEYRING_BACKEND or keyringrc).

keyring is imported inside each function, on first use: the channel modules
import this one at start-up, and keyring (with its backends' dependencies) is
only needed once a secret is read or written.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from services.errors import KnownError

if TYPE_CHECKING:
    import keyring.backend

SERVICE = "front-counter"

NO_KEYRING = (
    "No secure keyring is available to store secrets (a channel's, the database password). "
    "Install and unlock "
    "GNOME Keyring, KWallet or KeePassXC's Secret Service; or, to accept a file on disk, "
    "opt in explicitly: pip install keyrings.alt and set "
    "PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring (plain text, mode 0600)."
)


class SecretStoreError(KnownError):
    pass


def _explicit_choice() -> bool:
    return bool(os.environ.get("PYTHON_KEYRING_BACKEND")) or _has_keyringrc()


def _has_keyringrc() -> bool:
    from keyring.util import platform_

    return os.path.exists(os.path.join(platform_.config_root(), "keyringrc.cfg"))


def _recommended(backend: keyring.backend.KeyringBackend) -> bool:
    from keyring.backends import chainer, fail

    if isinstance(backend, chainer.ChainerBackend):
        return any(_recommended(b) for b in backend.backends)
    if isinstance(backend, fail.Keyring):
        return False
    return bool(getattr(backend, "priority", 0) >= 1)


def backend() -> keyring.backend.KeyringBackend:
    import keyring  # imported on first use: not needed until a secret is read or written
    from keyring.backends import fail

    chosen = keyring.get_keyring()
    if isinstance(chosen, fail.Keyring):
        raise SecretStoreError(NO_KEYRING)
    if not _recommended(chosen) and not _explicit_choice():
        raise SecretStoreError(NO_KEYRING)
    return chosen


def _user(channel_id: int) -> str:
    return f"channel-{channel_id}"


def store(channel_id: int, secret: str) -> None:
    import keyring.errors

    try:
        backend().set_password(SERVICE, _user(channel_id), secret)
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(
            f"the keyring refused to store the secret ({type(exc).__name__})"
        ) from None


def load(channel_id: int) -> str | None:
    import keyring.errors

    try:
        return backend().get_password(SERVICE, _user(channel_id))
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(f"the keyring could not be read ({type(exc).__name__})") from None


def delete(channel_id: int) -> None:
    import keyring.errors

    try:
        backend().delete_password(SERVICE, _user(channel_id))
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(
            f"the keyring could not delete the secret ({type(exc).__name__})"
        ) from None


# ---- the PostgreSQL password -------------------------------------------------------
# Stored under SERVICE with the key DATABASE_KEY_PREFIX + "USER@HOST:PORT/DATABASE", e.g.
# "postgresql://d.hughes@db.force.local:5432/frontcounter", filled in as libpq would
# (PGUSER or the OS login, PGHOST or localhost, PGPORT or 5432, PGDATABASE or the user).
# Read only when the server asks for a password that the URL, PGPASSWORD and PGPASSFILE
# (~/.pgpass) did not give (services/store/pg_login.py).
DATABASE_KEY_PREFIX = "postgresql://"


def database_key(user: str | None, host: str | None, port: int | None, database: str | None) -> str:
    """The keyring key for one login on one database, defaults filled in as libpq fills them."""
    import getpass

    who = user or os.environ.get("PGUSER") or getpass.getuser()
    where = host or os.environ.get("PGHOST") or "localhost"
    at = port or int(os.environ.get("PGPORT") or 5432)
    name = database or os.environ.get("PGDATABASE") or who
    return f"{DATABASE_KEY_PREFIX}{who}@{where}:{at}/{name}"


def store_database_password(key: str, password: str) -> None:
    import keyring.errors

    try:
        backend().set_password(SERVICE, key, password)
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(
            f"the keyring refused to store the password ({type(exc).__name__})"
        ) from None


def load_database_password(key: str) -> str | None:
    """The stored password, or None: no entry, no usable keyring, or a keyring that failed.

    Never raises: a desktop without a keyring still connects through PGPASSFILE or
    single sign-on, and the connection's own error says what is missing.
    """
    import keyring.errors

    try:
        return backend().get_password(SERVICE, key)
    except (SecretStoreError, keyring.errors.KeyringError):
        return None


def delete_database_password(key: str) -> bool:
    """Forget the stored password; False when there was none."""
    import keyring.errors

    try:
        backend().delete_password(SERVICE, key)
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(
            f"the keyring could not delete the password ({type(exc).__name__})"
        ) from None
    return True
