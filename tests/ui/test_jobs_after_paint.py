"""Work that would slow a first page down waits until that page has painted, and a newer
search in the meantime drops it (it would have listed the old search's items)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from ui.jobs import Jobs


class _Paints(QObject):
    def __init__(self, widget: QLabel, log: list[str]) -> None:
        super().__init__(widget)
        self._log = log
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self._log.append("paint")
        return False


def test_work_starts_only_after_the_widget_has_painted(qtbot: QtBot) -> None:
    jobs, log = Jobs(), []
    label = QLabel("first page")
    qtbot.addWidget(label)
    label.show()
    qtbot.waitExposed(label)
    _Paints(label, log)
    label.setText("100 rows")
    jobs.after_paint(label, lambda: log.append("work"))
    assert jobs.running == 1  # waiting until idle waits for it
    qtbot.waitUntil(lambda: "work" in log, timeout=5_000)
    assert log.index("paint") < log.index("work")
    assert jobs.running == 0


def test_a_hidden_widget_does_not_hold_the_work_back(qtbot: QtBot) -> None:
    jobs, log = Jobs(), []
    label = QLabel("never shown")
    qtbot.addWidget(label)
    jobs.after_paint(label, lambda: log.append("work"))
    assert log == ["work"]


def test_a_newer_job_with_the_key_drops_the_waiting_work(qtbot: QtBot) -> None:
    jobs, log, delivered = Jobs(), [], []
    label = QLabel("first page")
    qtbot.addWidget(label)
    label.show()
    qtbot.waitExposed(label)
    jobs.after_paint(label, lambda: log.append("old search's ids"), key="inbox.list")
    jobs.run("inbox.list", lambda: "new search", delivered.append)
    label.setText("new rows")
    qtbot.waitUntil(lambda: delivered == ["new search"] and jobs.running == 0, timeout=5_000)
    assert log == []
