"""Text size and theme: follow the desktop unless the person chose, remembered per person.

Ctrl+plus / Ctrl+minus / Ctrl+0 change the text size; View ▸ Theme picks Follow
the system, Light or Dark. "Follow the system" reads Qt's colour scheme
(QStyleHints.colorScheme, Qt 6.5+) and follows it when the desktop switches.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication

from ui.theme import DARK, LIGHT, Theme, palette

THEME_CHOICES = ("system", "light", "dark")
MIN_PT, MAX_PT = 7.0, 24.0


class DisplayPrefs(QObject):
    changed = Signal()
    """The theme or the text size changed: repaint what draws its own colours or sizes."""

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self._app = app
        # The platform's own size, noted on the application once: zooming changes app.font().
        if not app.property("default_point_size"):
            size = app.font().pointSizeF()
            app.setProperty("default_point_size", size if size > 0 else 10.0)
        self._default_pt = float(str(app.property("default_point_size")))
        choice = str(settings.value("display/theme", "system"))
        self._choice = choice if choice in THEME_CHOICES else "system"
        self._theme = LIGHT
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(lambda _scheme: self._apply_theme())

    @property
    def theme(self) -> Theme:
        return self._theme

    @property
    def choice(self) -> str:
        return self._choice

    @property
    def point_size(self) -> float:
        return self._app.font().pointSizeF()

    def apply(self) -> None:
        """Apply the remembered size and theme (at start)."""
        saved = float(str(self._settings.value("display/font_pt", 0) or 0))
        self._set_size(saved if saved > 0 else self._default_pt, remember=False)
        self._apply_theme()

    # ---- text size -------------------------------------------------------------
    def zoom_in(self) -> None:
        self._set_size(self.point_size + 1)

    def zoom_out(self) -> None:
        self._set_size(self.point_size - 1)

    def zoom_reset(self) -> None:
        self._set_size(self._default_pt)

    def _set_size(self, points: float, remember: bool = True) -> None:
        points = min(MAX_PT, max(MIN_PT, points))
        font = QFont(self._app.font())
        font.setPointSizeF(points)
        self._app.setFont(font)
        if remember:
            self._settings.setValue("display/font_pt", points)
        self.changed.emit()

    # ---- theme -----------------------------------------------------------------
    def set_choice(self, choice: str) -> None:
        if choice not in THEME_CHOICES:
            raise ValueError(choice)
        self._choice = choice
        self._settings.setValue("display/theme", choice)
        self._apply_theme()

    def _apply_theme(self) -> None:
        if self._choice == "system":
            scheme = QGuiApplication.styleHints().colorScheme()
            theme = DARK if scheme == Qt.ColorScheme.Dark else LIGHT
        else:
            theme = DARK if self._choice == "dark" else LIGHT
        self._theme = theme
        self._app.setStyle("Fusion")  # the one style whose colours follow our palette everywhere
        self._app.setPalette(palette(theme))
        self.changed.emit()
