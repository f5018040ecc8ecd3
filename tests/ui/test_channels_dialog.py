"""View › Channels…: the list with states, adding by the kind's form, Mastodon sign-in, Test off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from services.channels import admin as channels_admin
from services.store.db import SessionFactory
from services.workspace import secrets
from tests.fakes.mastodon import FakeMastodon

pytestmark = pytest.mark.qt

PNG = "/tmp/channels_{}.png"


@pytest.fixture
def masto() -> Iterator[FakeMastodon]:
    fake = FakeMastodon().start()
    yield fake
    fake.stop()


def _admin_window(make_window: Callable[..., Any]) -> Any:
    return make_window("r.lindqvist")


def _open(window: Any, qtbot: Any) -> Any:
    window.actions_.actions["channels"].trigger()
    dialog = _find(window, "channels")
    assert window.jobs.wait_until_idle(15)
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0)
    return dialog


def _find(window: Any, name: str) -> Any:
    from PySide6.QtWidgets import QDialog

    found = window.findChild(QDialog, name)
    assert found is not None, f"no dialog {name!r}"
    return found


def test_the_menu_opens_the_channels_with_their_state_and_an_email_channel_is_added(
    qtbot: Any, make_window: Callable[..., Any], demo_factory: SessionFactory
) -> None:
    from PySide6.QtWidgets import QLineEdit

    window = _admin_window(make_window)
    dialog = _open(window, qtbot)
    names = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert names == [c.name for c in channels_admin.list_channels(demo_factory)]
    states = {dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount())}
    assert states <= {"OK", "Error", "Rate limited", "Paused", "Syncing"}
    dialog.grab().save(PNG.format("list"))

    form = dialog.add("email")
    assert "--url" not in [w.objectName() for w in form.findChildren(QLineEdit)]
    form.name.setText("Press office mailbox")
    form.inputs["imap"].setText("127.0.0.1:1143")
    form.inputs["smtp"].setText("127.0.0.1:1025")
    form.inputs["address"].setText("contact@northvale.police.example")
    form.inputs["security"].setCurrentText("none")
    form.inputs["secret"].setText("mailbox-password-9")
    assert form.inputs["secret"].echoMode() == QLineEdit.EchoMode.Password
    form.adjustSize()
    form.grab().save(PNG.format("email"))
    with qtbot.waitSignal(form.accepted, timeout=15000):
        form.save()
    view = channels_admin.find_channel(demo_factory, "Press office mailbox")
    assert secrets.load(view.id) == "mailbox-password-9"
    assert window.jobs.wait_until_idle(15)
    qtbot.waitUntil(lambda: "Press office mailbox" in _names(dialog))

    dialog.select("Press office mailbox")
    edit = dialog.edit()
    assert edit is not None and edit.inputs["secret"].text() == ""  # never shown again
    assert edit.inputs["secret"].placeholderText() == "stored — type to replace"
    assert edit.inputs["imap"].text() == "127.0.0.1:1143"
    edit.reject()


def _names(dialog: Any) -> list[str]:
    return [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]


def test_mastodon_sign_in_opens_the_browser_and_the_pasted_code_becomes_the_stored_token(
    qtbot: Any,
    make_window: Callable[..., Any],
    demo_factory: SessionFactory,
    masto: FakeMastodon,
) -> None:
    from PySide6.QtCore import QObject, QUrl, Slot
    from PySide6.QtGui import QDesktopServices

    class Browser(QObject):
        opened: list[str] = []

        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            self.opened.append(url.toString())

    browser = Browser()
    QDesktopServices.setUrlHandler("http", browser, "open")
    try:
        window = _admin_window(make_window)
        dialog = _open(window, qtbot)
        form = dialog.add("mastodon")
        form.name.setText("Force Mastodon")
        form.inputs["url"].setText(masto.url)
        form.start_sign_in()
        qtbot.waitUntil(lambda: bool(browser.opened), timeout=10000)
        assert browser.opened[0].startswith(f"{masto.url}/oauth/authorize?")
        form.adjustSize()
        form.grab().save(PNG.format("mastodon_signing_in"))
        page = httpx.get(browser.opened[0], timeout=5).text  # the officer, in the browser
        form.code.setText(page.split("value='")[1].split("'")[0])
        form.finish_sign_in()
        qtbot.waitUntil(lambda: "Signed in as @police" in form.message.text(), timeout=10000)
        assert form.inputs["secret"].text() == masto.token  # held hidden, for Save
        form.grab().save(PNG.format("mastodon"))
        with qtbot.waitSignal(form.accepted, timeout=15000):
            form.save()
        view = channels_admin.find_channel(demo_factory, "Force Mastodon")
        assert secrets.load(view.id) == masto.token
    finally:
        QDesktopServices.unsetUrlHandler("http")

    assert window.jobs.wait_until_idle(15)
    qtbot.waitUntil(lambda: "Force Mastodon" in _names(dialog))
    dialog.select("Force Mastodon")
    dialog.test()
    assert dialog.message.text() == "Testing Force Mastodon…"  # the click returned at once
    qtbot.waitUntil(lambda: "connected as @police" in dialog.message.text(), timeout=15000)

    dialog.toggle_pause()
    assert not channels_admin.find_channel(demo_factory, "Force Mastodon").enabled
    assert window.jobs.wait_until_idle(15)
    qtbot.waitUntil(lambda: dialog.pause_button.text() == "Resume")


def test_an_officer_sees_the_channels_but_cannot_change_them(
    qtbot: Any, make_window: Callable[..., Any]
) -> None:
    window = make_window("d.hughes")
    dialog = _open(window, qtbot)
    dialog.table.selectRow(0)
    assert not dialog.add_button.isEnabled() and not dialog.edit_button.isEnabled()
    assert not dialog.remove_button.isEnabled() and not dialog.pause_button.isEnabled()
    assert dialog.test_button.isEnabled()
    assert "Only an admin" in dialog.message.text()
