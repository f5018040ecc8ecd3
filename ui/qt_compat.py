"""A defect of the Qt for Python release this desktop runs on, worked around in one place.

shiboken6 6.12.0 on CPython 3.11 returns None from every method that returns nothing
(`painter.setPen(...)`, `label.setText(...)`) without taking a reference to it, so each such
call made from Python lowers None's reference count by one. Python 3.12 made None immortal,
which hides it there; on 3.11 the count reaches zero and the process aborts with "Fatal
Python error: none_dealloc: deallocating None". Measured on the demo inbox at 1280x800:
one full repaint costs about 930 references (each row's avatar, chips and text), the
desktop starts with about 66,000, so it would abort after some 70 repaints: within
minutes of a shift. tests/ui/test_sidebar_pills.py drives it to that point in a child.

True and False are counted short the same way: a run of three UI test files
(test_desk_comfort, test_conversation_and_composer, test_jobs_cancel) aborted as the
interpreter finished with "bool_dealloc: deallocating True or False", on the code of
session 24 too.

The work-around gives None, True and False the head-room Python 3.12 gives them: a
reference count so large that no session can use it up. They are never deallocated in
any case (they live as long as the interpreter), so nothing else changes. Remove this
module once the project runs on Python 3.12 or a shiboken6 that counts them correctly.
"""

from __future__ import annotations

import sys

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
