"""The main window's menu bar, toolbar and the list's right-click menu, built from the action specs.

One QAction per spec (ui/actions.py), placed in its menu, on the toolbar when the spec says so,
and in the item list's context menu when it belongs to the Item menu.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QAbstractItemView, QMainWindow, QMenu, QToolBar

from ui.actions import SPECS, ActionRegistry
from ui.icons import action_icon
from ui.welfare_actions import install_context_menu


def build_menus(
    window: QMainWindow,
    actions: ActionRegistry,
    handlers: Mapping[str, Callable[[], object]],
    theme_choice: str,
    item_list: QAbstractItemView,
) -> QToolBar:
    """Add every action to the window's menus and toolbar; returns the toolbar."""
    toolbar = QToolBar("Actions")
    toolbar.setObjectName("toolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.setIconSize(QSize(18, 18))
    toolbar.setMovable(False)
    window.addToolBar(toolbar)
    menus: dict[str, QMenu] = {}
    themes = QActionGroup(window)
    for spec in SPECS:
        action = actions.add(spec, handlers[spec.id], window)  # type: ignore[arg-type]
        if spec.menu not in menus:
            menus[spec.menu] = window.menuBar().addMenu(spec.menu)
        menus[spec.menu].addAction(action)
        (item_list if spec.list_only else window).addAction(action)
        if spec.id.startswith("theme_"):
            action.setCheckable(True)
            action.setChecked(spec.id == f"theme_{theme_choice}")
            themes.addAction(action)
        if spec.toolbar:
            action.setIconText(spec.label.rstrip("…"))
            toolbar.addAction(action)
    actions.set_item_selected(False)
    item_actions = [actions.actions[s.id] for s in SPECS if s.menu == "Item"]
    install_context_menu(item_list, item_actions)
    return toolbar


def recolour_toolbar_icons(actions: ActionRegistry, colour: str) -> None:
    """Redraw the toolbar's icons in the theme's text colour."""
    for spec in (s for s in SPECS if s.toolbar):
        actions.actions[spec.id].setIcon(action_icon(spec.id, colour))
