"""The real main window, for test_xserver_keys: run as `python -m tests.ui.xserver_app DB_PATH`.

It reports on stdout, one line each, what a person at the screen would notice:
`ready`, `shown <window>`, `hidden <window>`, `focus <widget>`, `current <item id>`,
`status <message>`, `draft <text>` and every Qt warning (`qt <message>`), so the test
can press keys through the X server and wait for their effect.
"""

from __future__ import annotations

import sys
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QWidget

from services import demo
from services.channels.registry import build_registry
from services.inbox.conversation import Conversation
from services.store.db import make_engine, make_session_factory
from services.workspace.users import find_user, resolve_actor
from ui.app import application, build_window


def report(line: str) -> None:
    print(line.replace("\n", " "), flush=True)


def _name(widget: QObject | None) -> str:
    if widget is None:
        return "-"
    return widget.objectName() or type(widget).__name__


class WindowWatcher(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(watched, QWidget) and watched.isWindow():
            if event.type() == QEvent.Type.Show:
                report(f"shown {_name(watched)}")
            elif event.type() == QEvent.Type.Hide:
                report(f"hidden {_name(watched)}")
        return False


def main(db_path: str, settings_path: str) -> int:
    registry = build_registry()  # this script is its own composition root
    engine = make_engine(db_path)
    factory = make_session_factory(engine)
    resolve_actor(factory, "r.lindqvist")
    demo.load(factory)
    app = application()
    qInstallMessageHandler(
        lambda kind, _context, message: (
            report(f"qt {message}") if kind != QtMsgType.QtDebugMsg else None
        )
    )
    actor = find_user(factory, "d.hughes")
    settings = QSettings(settings_path, QSettings.Format.IniFormat)
    window = build_window(factory, actor, ZoneInfo("Europe/London"), settings, registry=registry)
    watcher = WindowWatcher(app)
    app.installEventFilter(watcher)
    app.focusChanged.connect(lambda _old, new: report(f"focus {_name(new)}"))
    window.inbox.current_item_changed.connect(lambda item_id: report(f"current {item_id}"))
    window.triage.message.connect(lambda text: report(f"status {text}"))
    window.composer.editor.textChanged.connect(
        lambda: report(f"draft {window.composer.editor.toPlainText()}")
    )
    set_conversation = window.composer.set_conversation

    def show_in_composer(conv: Conversation | None) -> None:
        set_conversation(conv)
        replyable = getattr(window.composer, "can_reply", window.composer.isEnabled())
        state = "replyable" if replyable else "read-only"
        report(f"shows {conv.item.id if conv else '-'} {state}")

    window.composer.set_conversation = show_in_composer  # type: ignore[method-assign]
    window.move(0, 0)
    window.resize(1024, 700)
    window.show()
    window.start()
    window.poller.timer.stop()  # this process is the only writer

    def when_ready() -> None:
        window.activateWindow()
        window.list.setFocus()
        if (
            window._ctx.jobs.running
            or not window.isActiveWindow()
            or window.inbox.current_id() is None
        ):
            QTimer.singleShot(50, when_ready)
            return
        report("ready")

    QTimer.singleShot(0, when_ready)
    code = app.exec()
    window._ctx.jobs.wait()
    engine.dispose()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
