"""The cyclic garbage collector paused while the program starts.

Start-up makes hundreds of thousands of objects that live as long as the process (modules,
classes, functions, the ORM's mappings, Qt's wrappers) and little garbage. The collector
walked them again and again as they grew: about 40 ms of the desktop's 0.65 s to its first
rows on the 1,000,000-item bench. `python -m console` pauses it first thing; a command
resumes it before it runs, and the desktop once its first rows are on screen, freezing what
start-up made (gc.freeze) so that a day of collections never walks it again.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Stop automatic collection until `resume` (a collector already off stays off)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume(freeze: bool = False) -> None:
    """Collect automatically again if `pause` stopped it; `freeze`: keep what exists now out
    of every later collection (for a long-lived process, once its start is done)."""
    global _paused
    if not _paused:
        return
    _paused = False
    if freeze:
        gc.freeze()
    gc.enable()
