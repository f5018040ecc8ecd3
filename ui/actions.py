"""The one action registry: every user command with its label, keys and handler.

Menus, the toolbar, the shortcut cheat-sheet and the tests all read this
registry, so a shortcut is defined here and nowhere else.

A symbol typed with Shift is bound as the symbol alone ("?", not "Shift+/" or
"Shift+?"): for a real key press Qt's shortcut map tries both "Shift+/" and
"?", so binding both makes the press ambiguous and Qt triggers neither.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence


@dataclass(frozen=True)
class ActionSpec:
    id: str
    label: str
    keys: tuple[str, ...]
    menu: str
    description: str
    needs_item: bool = True
    toolbar: bool = False
    cli: str | None = None
    list_only: bool = False  # keys that text fields need (Return) act only in the item list


@dataclass
class ActionRegistry:
    specs: dict[str, ActionSpec] = field(default_factory=dict)
    actions: dict[str, QAction] = field(default_factory=dict)

    def add(self, spec: ActionSpec, handler: Callable[[], None], parent: QObject) -> QAction:
        action = QAction(spec.label, parent)
        action.setObjectName(f"action_{spec.id}")
        action.setShortcuts([QKeySequence(k) for k in spec.keys])
        action.setShortcutContext(
            Qt.ShortcutContext.WidgetShortcut
            if spec.list_only
            else Qt.ShortcutContext.WindowShortcut
        )
        action.setToolTip(
            f"{spec.description} ({' or '.join(spec.keys)})" if spec.keys else spec.description
        )
        action.setStatusTip(spec.description)
        action.triggered.connect(lambda _checked=False: handler())
        self.specs[spec.id] = spec
        self.actions[spec.id] = action
        return action

    def set_item_selected(self, selected: bool) -> None:
        for spec_id, spec in self.specs.items():
            if spec.needs_item:
                self.actions[spec_id].setEnabled(selected)

    def cheat_sheet(self) -> list[tuple[str, str, str]]:
        """(menu, keys, label) rows, grouped by menu in the order menus first appear."""
        menus = list(dict.fromkeys(s.menu for s in self.specs.values()))
        return [
            (spec.menu, "  or  ".join(_shown_keys(spec.keys)), spec.label)
            for menu in menus
            for spec in self.specs.values()
            if spec.menu == menu and spec.keys
        ]


def _shown_keys(keys: tuple[str, ...]) -> list[str]:
    return [k.lower() if len(k) == 1 else k for k in keys]


SPECS: tuple[ActionSpec, ...] = (
    ActionSpec("next", "Next item", ("J",), "Go", "Move to the next item", needs_item=False),
    ActionSpec(
        "previous", "Previous item", ("K",), "Go", "Move to the previous item", needs_item=False
    ),
    ActionSpec(
        "open",
        "Open item",
        ("Return",),
        "Go",
        "Read the item: focus the conversation",
        list_only=True,
    ),
    ActionSpec(
        "back_to_list",
        "Back to the list",
        ("Escape",),
        "Go",
        "Leave the search box (clearing the search) or the reply draft (kept) for the item list",
        needs_item=False,
    ),
    ActionSpec(
        "search",
        "Search…",
        ("/", "Ctrl+F"),
        "Go",
        "Search with the query language",
        needs_item=False,
    ),
    ActionSpec(
        "done",
        "Mark done",
        ("E",),
        "Item",
        "Mark the selected items done",
        toolbar=True,
        cli="status done",
    ),
    ActionSpec(
        "tag", "Tag…", ("T",), "Item", "Add a tag to the selected items", toolbar=True, cli="tag"
    ),
    ActionSpec(
        "assign", "Assign…", ("A",), "Item", "Assign the selected items", toolbar=True, cli="assign"
    ),
    ActionSpec(
        "escalate",
        "Escalate…",
        ("!",),
        "Item",
        "Escalate to a person or team, with a reason",
        toolbar=True,
        cli="escalate",
    ),
    ActionSpec(
        "snooze",
        "Snooze…",
        ("S",),
        "Item",
        "Hide the items until a time",
        toolbar=True,
        cli="status snoozed",
    ),
    ActionSpec(
        "spam",
        "Mark spam",
        ("#",),
        "Item",
        "Mark the selected items as spam",
        cli="status spam",
    ),
    ActionSpec(
        "note", "Add note…", ("N",), "Item", "Add an internal note (never published)", cli="note"
    ),
    # No keys: a flag veils the item for the whole team (issue 13, staff welfare).
    ActionSpec(
        "distressing_on",
        "Flag as distressing",
        (),
        "Item",
        "Veil the item for everyone (text blurred, images hidden) until each person reveals it",
        cli="item distressing",
    ),
    ActionSpec(
        "distressing_off",
        "Lift distressing flag…",
        (),
        "Item",
        "Remove a hand flag, with a reason (the risk rules' own flags stay)",
        cli="item distressing",
    ),
    ActionSpec("reply", "Reply", ("R",), "Item", "Write a reply in the composer", toolbar=True),
    ActionSpec(
        "undo",
        "Undo last triage action",
        ("Z", "Ctrl+Z"),
        "Edit",
        "Undo the last tag, assignment or status change",
        needs_item=False,
    ),
    ActionSpec(
        "settings",
        "Settings…",
        ("Ctrl+,",),
        "Edit",
        "The central configuration: what IT locked, and your own choices",
        needs_item=False,
    ),
    ActionSpec(
        "refresh", "Refresh", ("F5",), "View", "Reload the list and counts", needs_item=False
    ),
    ActionSpec(
        "approve",
        "Approve reply",
        ("Ctrl+Return", "Ctrl+Enter"),
        "Item",
        "Approve the reply under review (with your edit, if any)",
        cli="reply approve",
    ),
    ActionSpec(
        "moderate",
        "Moderate on the platform…",
        ("M",),
        "Item",
        "Approve, hold, spam or bin the item on its platform (the sync worker does it)",
        cli="moderate",
    ),
    ActionSpec(
        "reports",
        "Weekly report…",
        ("Ctrl+Shift+R",),
        "View",
        "Figures and charts for any week; export PDF and CSV",
        needs_item=False,
        cli="report weekly",
    ),
    ActionSpec(
        "channels",
        "Channels…",
        (),
        "View",
        "Every channel with its state: add, edit, test, pause or remove one",
        needs_item=False,
        cli="channel list",
    ),
    ActionSpec(
        "save_search",
        "Save this search…",
        ("Ctrl+S",),
        "View",
        "Keep the current search in the sidebar",
        needs_item=False,
        cli="search save",
    ),
    ActionSpec(
        "zoom_in",
        "Larger text",
        ("Ctrl++", "Ctrl+="),
        "View",
        "Make the text larger",
        needs_item=False,
    ),
    ActionSpec(
        "zoom_out", "Smaller text", ("Ctrl+-",), "View", "Make the text smaller", needs_item=False
    ),
    ActionSpec(
        "zoom_reset",
        "Normal text size",
        ("Ctrl+0",),
        "View",
        "Back to the desktop's text size",
        needs_item=False,
    ),
    ActionSpec(
        "theme_system",
        "Theme: follow the system",
        (),
        "View",
        "Light or dark as the desktop is",
        needs_item=False,
    ),
    ActionSpec("theme_light", "Theme: light", (), "View", "Always light", needs_item=False),
    ActionSpec("theme_dark", "Theme: dark", (), "View", "Always dark", needs_item=False),
    ActionSpec(
        "sync_now",
        "Sync now",
        ("F9",),
        "View",
        "Fetch from every channel and send approved replies now",
        needs_item=False,
        toolbar=True,
        cli="sync",
    ),
    ActionSpec(
        "cheatsheet",
        "Keyboard shortcuts",
        ("?",),
        "Help",
        "Show every shortcut",
        needs_item=False,
    ),
    ActionSpec(
        "about",
        "About Front Counter",
        (),
        "Help",
        "The release and the database schema (front-counter --version)",
        needs_item=False,
    ),
)
