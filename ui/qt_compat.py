"""Two defects of the Qt for Python release this desktop runs on, worked around in one place.

**None, True and False counted short.** shiboken6 6.12.0 on CPython 3.11 returns None from
every method that returns nothing (`painter.setPen(...)`, `label.setText(...)`) without
taking a reference to it, so each such call made from Python lowers None's reference count
by one. Python 3.12 made None immortal, which hides it there; on 3.11 the count reaches
zero and the process aborts with "Fatal Python error: none_dealloc: deallocating None".
Measured on the demo inbox at 1280x800: one full repaint costs about 930 references (each
row's avatar, chips and text), the desktop starts with about 66,000, so it would abort
after some 70 repaints: within minutes of a shift. tests/ui/test_sidebar_pills.py drives it
to that point in a child.

True and False are counted short the same way: a run of three UI test files
(test_desk_comfort, test_conversation_and_composer, test_jobs_cancel) aborted as the
interpreter finished with "bool_dealloc: deallocating True or False", on the code of
session 24 too.

The work-around gives None, True and False the head-room Python 3.12 gives them: a
reference count so large that no session can use it up. They are never deallocated in
any case (they live as long as the interpreter), so nothing else changes. Remove this
work-around once the project runs on Python 3.12 or a shiboken6 that counts them correctly.

**Every module's source read at import.** Once PySide6 is imported, its `__feature__` import
hook asks of every module imported after it whether the module mentions "PySide6", through
`inspect.getsource`: encoding detection, the lines split and kept in linecache, for some 250
modules as the desktop starts. Measured on the 1,000,000-item bench: 35 ms of a 0.7 s start
to the first rows (napari/napari#8584 found the same). `read_sources_directly` answers the
same question by reading the file's bytes. The answer only matters to modules that use
PySide's opt-in `from __feature__ import ...` syntax, which this project never does.
"""

from __future__ import annotations

import sys
from types import ModuleType

HEADROOM = 1 << 40
_applied = False


def keep_none_alive() -> bool:
    """Give None, True and False their head-room once per process; True if given now."""
    global _applied
    if _applied or sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    import ctypes

    singletons = (None, True, False)
    # CPython 3.11: a PyObject starts with its reference count (Py_ssize_t).
    counts = [ctypes.c_ssize_t.from_address(id(obj)) for obj in singletons]
    for obj, count in zip(singletons, counts, strict=True):
        if abs(count.value - sys.getrefcount(obj)) > 16:  # not the layout we expect: leave it
            return False
    for count in counts:
        count.value += HEADROOM
    _applied = True
    return True


def read_sources_directly() -> bool:
    """Make PySide's per-import source check a plain file read; True if it was replaced."""
    import PySide6.QtCore  # noqa: F401  (installs the hook this replaces a part of)

    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False  # another PySide: leave it as it is
    feature._mod_uses_pyside = mentions_pyside  # type: ignore[attr-defined]
    return True


def mentions_pyside(module: ModuleType) -> bool:
    """Whether the module's source file mentions PySide6, as PySide's own check answers."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False  # built in, an extension or no source: PySide's check says False too
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False
