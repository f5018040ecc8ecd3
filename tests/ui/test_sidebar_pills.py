"""The sidebar's counts are pills in their state's tone, and painting them all shift long is safe."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from tests.ui.child_python import in_a_child

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from ui.main_window import MainWindow

pytestmark = pytest.mark.qt


def _close(a: str, b: str, slack: int = 12) -> bool:
    from PySide6.QtGui import QColor

    x, y = QColor(a), QColor(b)
    return all(abs(p - q) <= slack for p, q in zip(x.getRgb()[:3], y.getRgb()[:3], strict=True))


def test_counts_are_painted_as_rounded_pills_in_their_tone(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    from ui.theme import Tone

    window = make_window()
    bar = window.sidebar
    theme = window.display.theme
    image = bar.grab().toImage()
    image.save("/tmp/sidebar-pills.png")
    ratio = image.devicePixelRatio()

    def fill_pixels(key: str, tone: Tone) -> tuple[int, int]:
        item = bar._views[key]
        rect = bar.visualItemRect(item)
        col = bar.header().sectionPosition(1)
        width = bar.header().sectionSize(1)
        fill = theme.chip(tone).fill
        hits = total = 0
        for x in range(col, col + width):
            for y in range(rect.top(), rect.bottom()):
                colour = image.pixelColor(int(x * ratio), int(y * ratio)).name()
                total += 1
                hits += _close(colour, fill)
        return hits, total

    assert bar._views["escalated"].text(1), "the demo has escalated items"
    hits, total = fill_pixels("escalated", Tone.ESCALATED)
    assert hits > total * 0.15  # a filled pill, not coloured digits
    inbox_hits, _ = fill_pixels("inbox", Tone.NEUTRAL)
    assert inbox_hits > 0
    empty = next(k for k, item in bar._views.items() if not item.text(1))
    assert fill_pixels(empty, Tone.NEUTRAL)[0] == 0  # no count, no pill


CHILD = """
import os, sys
initial = sys.getrefcount(None)
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from ui.app import application
app = application()
from services.channels.registry import build_registry
from ui.panes.sidebar import Sidebar
bar = Sidebar(build_registry().look)
for key, item in bar._views.items():
    item.setText(1, str(len(key)))
bar.resize(260, 600)
bar.show()
app.processEvents()
start = sys.getrefcount(None)
for _ in range(int(sys.argv[1])):
    bar.grab()
print(initial, start - sys.getrefcount(None))
"""


def test_a_shift_of_painting_does_not_abort_the_desktop() -> None:
    """Each Python call to a Qt method that returns nothing costs None a reference on
    shiboken6 6.12 with Python 3.11 (ui/qt_compat.py): paint more than None has, and live."""
    done = in_a_child(CHILD, "600")
    assert done.returncode == 0, done.stderr[-2000:]
    initial, used = (int(v) for v in done.stdout.split()[-2:])
    if sys.version_info < (3, 12) and used > 0:
        # Without the head-room None would have been deallocated: the process would abort.
        assert used > initial, (initial, used)


HEADROOM_CHILD = """
import sys
from ui.qt_compat import HEADROOM, keep_none_alive
before = [sys.getrefcount(v) for v in (None, True, False)]
given = keep_none_alive()
after = [sys.getrefcount(v) for v in (None, True, False)]
print(given, *(a - b for a, b in zip(after, before)))
"""


def test_true_and_false_get_the_same_head_room_as_none() -> None:
    """True and False are counted short like None (ui/qt_compat.py): three UI test files
    run together aborted at exit with "deallocating True or False" without it."""
    done = in_a_child(HEADROOM_CHILD)
    assert done.returncode == 0, done.stderr[-2000:]
    given, *rises = done.stdout.split()
    if sys.version_info < (3, 12):
        from ui.qt_compat import HEADROOM

        assert given == "True"
        assert all(int(r) >= HEADROOM - 16 for r in rises), rises
