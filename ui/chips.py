"""State chips: what the list, the conversation pane and the sidebar say about an item, one way.

Formatting only. Whether an item is escalated, at risk of missing its SLA, or
what its reply state is, is decided in services (services/desk/response.py for the
SLA timers, services/desk/sla_timers.py); this module turns those facts into short words and a tone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from zlib import crc32

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter

from services.desk.sla_view import span_text  # the same words as `item show`
from services.inbox.item_rows import ItemRow
from ui.theme import Theme, Tone


@dataclass(frozen=True)
class Chip:
    text: str
    tone: Tone
    tooltip: str = ""
    spoken: str = ""
    """What a screen reader says, when the text carries a symbol."""


REPLY_CHIPS = {
    "in_review": Chip("in review", Tone.INFO, "A reply is waiting for a supervisor"),
    "returned": Chip("returned", Tone.WARNING, "The reviewer sent the reply back"),
    "failed": Chip("failed", Tone.DANGER, "The platform refused the reply"),
    "approved": Chip("queued", Tone.INFO, "Approved: goes out with the next sync"),
    "sending": Chip("sending", Tone.INFO, "Being sent now"),
}

RISK_CHIPS = {
    "urgent": Chip("urgent", Tone.DANGER, "Risk triage: urgent"),
    "watch": Chip("watch", Tone.WARNING, "Risk triage: watch"),
}


TIMER_WORDS = {"first_response": "Reply", "update": "Update", "resolution": "Resolution"}


def sla_chip(row: ItemRow, now: datetime) -> Chip | None:
    """The nearest SLA deadline as a countdown, from the row's timers (services/desk/sla_timers.py)."""
    t = row.timers.nearest()
    if t is None:
        return None
    what = TIMER_WORDS.get(t.name, t.name)
    local = t.due.astimezone()
    left = (t.due - now).total_seconds() / 60
    if t.state == "breached" or left <= 0:
        return Chip(
            f"{span_text(left)} over", Tone.DANGER, f"{what} was due {local:%a %d %b %H:%M}"
        )
    if t.state == "paused":
        return Chip(
            "paused",
            Tone.NEUTRAL,
            f"Waiting on the public: the clock is stopped ({what} due {local:%a %d %b %H:%M} "
            "if it restarted now)",
        )
    tone = Tone.WARNING if t.at_risk else Tone.NEUTRAL
    return Chip(f"due in {span_text(left)}", tone, f"{what} due {local:%a %d %b %H:%M}")


def short_name(label: str) -> str:
    """'PC 4521 Dan Hughes' reads 'PC Hughes' on a chip: rank (or first name) and surname."""
    words = [w for w in label.split() if not w.strip("()").isdigit()]
    return f"{words[0]} {words[-1]}" if len(words) > 2 else " ".join(words) or label


def replying_chip(repliers: tuple[str, ...]) -> Chip | None:
    """'✎ PC Hughes' while someone else has the composer open (services/desk/presence.py)."""
    if not repliers:
        return None
    more = f" +{len(repliers) - 1}" if len(repliers) > 1 else ""
    who = " and ".join(repliers) if len(repliers) < 3 else ", ".join(repliers)
    verb = "is" if len(repliers) == 1 else "are"
    return Chip(
        f"✎ {short_name(repliers[0])}{more}",
        Tone.INFO,
        f"{who} {verb} replying: check with them before you write",
        f"{who} {verb} replying",
    )


def item_chips(row: ItemRow, now: datetime) -> list[Chip]:
    """Most pressing first: the list shows the first two, the pane all of them."""
    chips: list[Chip] = []
    risk = getattr(row, "risk", None)  # risk triage adds this field to ItemRow
    if isinstance(risk, str) and risk in RISK_CHIPS:
        chips.append(RISK_CHIPS[risk])
    replying = replying_chip(row.replying)
    if replying is not None:  # before the rest: a colleague is answering it now
        chips.append(replying)
    if row.escalated:
        chips.append(Chip("escalated", Tone.ESCALATED, "Escalated and not yet resolved"))
    sla = sla_chip(row, now)
    if sla is not None:
        chips.append(sla)
    if row.reply_state in REPLY_CHIPS:
        chips.append(REPLY_CHIPS[row.reply_state])
    if row.status == "snoozed":
        until = row.snoozed_until.astimezone() if row.snoozed_until else None
        chips.append(
            Chip("snoozed", Tone.NEUTRAL, f"Snoozed until {until:%a %d %b %H:%M}" if until else "")
        )
    return chips


# ---- drawing ---------------------------------------------------------------------------

CHIP_PAD_X = 6
CHIP_GAP = 4


def chip_font(base: QFont) -> QFont:
    font = QFont(base)
    font.setBold(True)
    font.setPointSizeF(max(7.0, base.pointSizeF() * 0.85))
    return font


def paint_chips(
    painter: QPainter, rect: QRectF, chips: list[Chip], theme: Theme, base: QFont
) -> None:
    """Pills, left to right, vertically centred in `rect`; those that do not fit are left out."""
    font = chip_font(base)
    metrics = QFontMetrics(font)
    height = min(rect.height() - 4, metrics.height() + 4)
    x = rect.left()
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setFont(font)
    for chip in chips:
        width = metrics.horizontalAdvance(chip.text) + 2 * CHIP_PAD_X
        if x + width > rect.right() + 1:
            break
        colours = theme.chip(chip.tone)
        pill = QRectF(x, rect.center().y() - height / 2, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colours.fill))
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(QColor(colours.text))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, chip.text)
        x += width + CHIP_GAP
    painter.restore()


def chips_html(chips: list[Chip], theme: Theme) -> str:
    """The same chips for rich text (the conversation pane's header)."""
    parts = []
    for chip in chips:
        c = theme.chip(chip.tone)
        parts.append(
            f"<span style='background:{c.fill}; color:{c.text}; font-weight:bold'>"
            f"&nbsp;{escape(chip.text)}&nbsp;</span>"
        )
    return "&nbsp;".join(parts)


# ---- avatars ---------------------------------------------------------------------------

# White initials on each of these meet WCAG AA (tests/ui/test_theme_contrast.py).
AVATAR_FILLS = (
    "#1a5fb4",
    "#26734d",
    "#8e2a8a",
    "#a4310c",
    "#5a4fb0",
    "#0f6b75",
    "#7a5a00",
    "#b0154f",
)


def initials(name: str) -> str:
    words = [w for w in name.replace("@", " ").replace(".", " ").split() if w[:1].isalnum()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper() if len(words[0]) > 1 else words[0].upper()
    return (words[0][0] + words[-1][0]).upper()


def avatar_fill(name: str) -> str:
    return AVATAR_FILLS[crc32(name.encode("utf-8")) % len(AVATAR_FILLS)]


def paint_avatar(painter: QPainter, rect: QRectF, name: str, base: QFont) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(avatar_fill(name)))
    painter.drawEllipse(rect)
    font = QFont(base)
    font.setBold(True)
    font.setPixelSize(max(8, int(rect.height() * 0.42)))
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, initials(name))
    painter.restore()
