"""Help › About: the release, the schema it writes and the schema of the open database."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from services.release import app_version, database_revision, schema_head
from services.store.db import SessionFactory


def about_text(factory: SessionFactory) -> str:
    return (
        f"<b>Front Counter {app_version()}</b><br>"
        "One inbox for what the public says to the force online.<br><br>"
        f"Database schema written by this release: {schema_head()}<br>"
        f"Schema of the open database: {database_revision(factory) or 'empty'}"
    )


def show_about(parent: QWidget, factory: SessionFactory) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("about_box")
    box.setWindowTitle("About Front Counter")
    box.setIcon(QMessageBox.Icon.Information)
    box.setText(about_text(factory))
    box.open()
    return box
