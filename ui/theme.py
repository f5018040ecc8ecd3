"""The two themes: Qt palettes and the one colour language of state chips (WCAG AA in both).

Every state shown in the list, the conversation pane and the sidebar is a chip
of one shape (a rounded pill) whose colours come from `CHIP_TONES` here; no
widget picks its own state colour. tests/ui/test_theme_contrast.py computes the
contrast of every pair below.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtGui import QColor, QPalette


class Tone(StrEnum):
    """What a chip means, not what colour it is."""

    DANGER = "danger"  # SLA over, urgent risk, a failed reply
    WARNING = "warning"  # SLA due soon, watch risk, a returned reply
    ESCALATED = "escalated"
    INFO = "info"  # a reply in review or on its way
    SUCCESS = "success"  # a reply sent
    NEUTRAL = "neutral"  # snoozed, counts


@dataclass(frozen=True)
class ChipColours:
    text: str
    fill: str


@dataclass(frozen=True)
class Theme:
    name: str
    window: str
    base: str
    alternate: str
    text: str
    muted: str  # secondary text (ages, "demo data", done items)
    highlight: str
    highlighted_text: str
    accent: str  # the unread dot, links
    chips: dict[Tone, ChipColours]

    def chip(self, tone: Tone) -> ChipColours:
        return self.chips[tone]

    @property
    def dark(self) -> bool:
        return self.name == "dark"


LIGHT = Theme(
    name="light",
    window="#f3f4f6",
    base="#ffffff",
    alternate="#f7f8fa",
    text="#1b1c1f",
    muted="#5b5f66",
    highlight="#cfe0fb",
    highlighted_text="#0b1c33",
    accent="#0b57d0",
    chips={
        Tone.DANGER: ChipColours("#8c1d18", "#fde4e1"),
        Tone.WARNING: ChipColours("#6a4a00", "#fdefc3"),
        Tone.ESCALATED: ChipColours("#6b1f7a", "#f5e1f9"),
        Tone.INFO: ChipColours("#0b4a85", "#dfedfc"),
        Tone.SUCCESS: ChipColours("#1d5b2a", "#dff3e3"),
        Tone.NEUTRAL: ChipColours("#3f434a", "#e6e8ec"),
    },
)

DARK = Theme(
    name="dark",
    window="#1c1d20",
    base="#232428",
    alternate="#27292d",
    text="#e6e7ea",
    muted="#a4a8b0",
    highlight="#2f4a73",
    highlighted_text="#ffffff",
    accent="#8ab4f8",
    chips={
        Tone.DANGER: ChipColours("#ffb4ab", "#561a15"),
        Tone.WARNING: ChipColours("#ffd978", "#453400"),
        Tone.ESCALATED: ChipColours("#efb6ff", "#481757"),
        Tone.INFO: ChipColours("#a8d1ff", "#0f3354"),
        Tone.SUCCESS: ChipColours("#a6e3b0", "#1b4325"),
        Tone.NEUTRAL: ChipColours("#d5d7dc", "#3a3d42"),
    },
)

THEMES = {"light": LIGHT, "dark": DARK}


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a #rrggbb colour."""
    c = QColor(colour)

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def palette(theme: Theme) -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    pairs = {
        role.Window: theme.window,
        role.WindowText: theme.text,
        role.Base: theme.base,
        role.AlternateBase: theme.alternate,
        role.Text: theme.text,
        role.Button: theme.window,
        role.ButtonText: theme.text,
        role.ToolTipBase: theme.base,
        role.ToolTipText: theme.text,
        role.Highlight: theme.highlight,
        role.HighlightedText: theme.highlighted_text,
        role.Link: theme.accent,
        role.PlaceholderText: theme.muted,
        role.BrightText: "#ffffff",
    }
    for r, colour in pairs.items():
        p.setColor(r, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.Text, role.WindowText, role.ButtonText):
        p.setColor(disabled, r, QColor(theme.muted))
    return p
