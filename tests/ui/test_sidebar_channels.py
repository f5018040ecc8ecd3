"""The sidebar says which channels work today and which are demo data only."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from tests.ui.conftest import save_shot
from ui.main_window import MainWindow


def test_demo_channels_are_marked_and_say_what_does_not_work(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window()
    root = w.sidebar._channels_root
    rows = {root.child(i).text(0): root.child(i).toolTip(0) for i in range(root.childCount())}
    assert len(rows) == 6 and all(name.endswith("\ndemo data") for name in rows)
    assert all("nothing is polled or published" in tip for tip in rows.values())
    blog = next(tip for name, tip in rows.items() if name.startswith("Force blog"))
    assert "nothing is polled or published" in blog
    save_shot(w.sidebar, "sidebar-demo-channels.png")
    assert w.sidebar.grab().save("/tmp/sidebar-demo.png")
