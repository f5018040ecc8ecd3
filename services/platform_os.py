"""What differs between Linux, macOS and Windows for the services (no Qt, no console).

File locks: POSIX has flock, Windows has byte-range locks through msvcrt. Both are
dropped by the OS when the process ends, a kill included, so nothing is left to clean up.
tests/unit/test_platform_calls.py keeps such calls in this module and console/platform_os.py.
"""

from __future__ import annotations

import sys
from typing import IO, Any


def try_lock_exclusive(handle: IO[Any]) -> bool:
    """Take an exclusive lock on the open file without waiting; False if another process holds it.

    Closing the handle (or the process ending) releases it.
    """
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
