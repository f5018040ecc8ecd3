"""The conversation as HTML for a QTextBrowser: our chrome escaped, public text pre-sanitised."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from services.records.attachments import AttachmentView
from ui.bidi import isolate

if TYPE_CHECKING:  # loaded with the first conversation, after the first rows
    from services.inbox.conversation import Conversation, MessageView

STYLE = """
body { font-family: 'DejaVu Sans', sans-serif; font-size: 10pt; color: #1d1d1f; }
h2 { font-size: 13pt; margin: 0 0 2px 0; }
.meta { color: #5f6368; font-size: 9pt; }
.msg { margin: 6px 0; padding: 6px 8px; }
.current { background: #fff8e1; border-left: 3px solid #f9a825; }
.outbound { background: #e8f5e9; }
.note { background: #fff3cd; color: #5c4400; }
.esc { background: #fdecea; color: #8c1d18; }
.section { color: #5f6368; font-weight: bold; font-size: 9pt; margin-top: 12px; text-transform: uppercase; }
.link-target { color: #b3261e; font-size: 8pt; }
.pill { background: #e8eaed; color: #3c4043; padding: 0 4px; }
.state { font-weight: bold; }
.veil { background: #d9d9de; color: #3c4043; padding: 14px 8px; margin-top: 4px; }
.attach { background: #f1f3f4; color: #3c4043; padding: 4px 8px; margin: 0 0 6px 0; }
"""


_ESTIMATED = " (fetched then: the source gave no time)"


def _when(dt: datetime, tz: ZoneInfo) -> str:
    return dt.astimezone(tz).strftime("%a %d %b %H:%M")


def _outside(text: str) -> str:
    """A string from the public, escaped and bidi-isolated (Qt's rich text has no <bdi>)."""
    return escape(isolate(text))


def _veiled_body(m: MessageView) -> str:
    return (
        "<div class='veil'>This message is flagged as distressing: its text and images are "
        f"hidden. <a href='fc:reveal/{m.id}'>Show it</a> (your choice is recorded; "
        "supervisors see how many such items each person opens, to share the load).</div>"
    )


def _message(m: MessageView, tz: ZoneInfo, css: str, veiled: frozenset[int] = frozenset()) -> str:
    handle = f" <span class='meta'>{_outside(m.author_handle)}</span>" if m.author_handle else ""
    state = (
        ""
        if m.source_state in ("published", "approved")
        else f" <span class='pill'>{escape(m.source_state)} on source</span>"
    )
    link = (
        f" · <a href='{escape(m.permalink, quote=True)}'>view on source</a>" if m.permalink else ""
    )
    return (
        f"<div class='msg {css}'><b>{_outside(m.author)}</b>{handle}{state}"
        f"<div class='meta'>{escape(m.channel_name)} · {escape(m.kind.replace('_', ' '))} · "
        f"{_when(m.created_at, tz)}{_ESTIMATED if m.time_estimated else ''}{link}</div>"
        f"{_veiled_body(m) if m.id in veiled else m.body_html}</div>"
    )


def _size(size: int) -> str:
    return (
        f"{size} bytes"
        if size < 1000
        else (f"{size / 1000:.1f} kB" if size < 1_000_000 else f"{size / 1_000_000:.1f} MB")
    )


def _attachments(item_id: int, files: Sequence[AttachmentView]) -> str:
    """The item's attachments, each saved (and opened) only by a click: nothing is shown inline."""
    if not files:
        return ""
    rows = []
    for a in files:
        what = f"{_outside(a.name)} <span class='meta'>({escape(a.mime)}, {_size(a.size)})</span>"
        act = (
            f" <a href='fc:attachment/{item_id}/{a.position}'>Save…</a>"
            if a.kept
            else f" <span class='meta'>— {escape(a.note or 'not kept')}</span>"
        )
        rows.append(what + act)
    return (
        "<div class='attach'><span class='meta'>Attachments — saved to this computer only "
        "when you click, never opened here</span><br>" + "<br>".join(rows) + "</div>"
    )


def _guidance(conv: Conversation) -> str:
    """The force's guidance on an urgent item, first thing on the page, in a red box."""
    risk = conv.risk
    if risk.level != "urgent" or not risk.guidance:
        return ""
    why = ", ".join(dict.fromkeys(r.category.replace("-", " ") for r in risk.reasons))
    offer = (
        f"<p style='margin:6px 0 0 0'>Saved reply offered below: "
        f"<b>{escape(risk.suggested_reply.name)}</b></p>"
        if risk.suggested_reply
        else ""
    )
    # Qt's rich text draws borders on tables only: the box is a one-cell table.
    return (
        "<table width='100%' cellpadding='8' cellspacing='0' border='2' "
        "style='border-color:#b3261e; border-style:solid; border-collapse:collapse; margin-bottom:8px' "
        "bgcolor='#fdecea'>"
        "<tr><td style='color:#5c1a14'>"
        f"<p style='margin:0 0 4px 0; color:#b3261e; font-weight:bold; font-size:11pt'>"
        f"URGENT{(' — ' + escape(why)) if why else ''}</p>"
        f"<p style='margin:0'>{escape(risk.guidance)}</p>{offer}</td></tr></table>"
    )


def render(
    conv: Conversation,
    tz: ZoneInfo,
    show_audit: bool = False,
    veiled: frozenset[int] = frozenset(),
    attachments: Sequence[AttachmentView] = (),
) -> str:
    """The page; messages whose ids are in `veiled` show a veil instead of their text.

    `attachments` are the current item's, listed under it with a Save link each
    (hidden while the item is veiled).
    """
    item = conv.item
    parts = [f"<html><head><style>{STYLE}</style></head><body>", _guidance(conv)]
    title = (
        _outside(conv.thread_title)
        if conv.thread_title
        else f"{escape(item.kind.replace('_', ' ').title())} from {_outside(item.author)}"
    )
    parts.append(f"<h2>{title}</h2>")
    status = conv.status + (f" until {_when(conv.snoozed_until, tz)}" if conv.snoozed_until else "")
    tags = " ".join(f"<span class='pill'>#{_outside(t)}</span>" for t in conv.tags) or "no tags"
    parts.append(
        f"<div class='meta'>#{item.id} · <span class='state'>{escape(status)}</span> · "
        f"assigned to {escape(conv.assignee or 'nobody')} · {tags}</div>"
    )
    if conv.thread_url:
        parts.append(
            f"<div class='meta'><a href='{escape(conv.thread_url, quote=True)}'>"
            f"{_outside(conv.thread_url)}</a></div>"
        )
    refs = [r for r in conv.references if r.removed_at is None]
    if refs:
        on = {"item": "", "thread": " (thread)", "contact": " (contact)"}
        listed = " · ".join(f"<b>{escape(r.label)}</b>{on.get(r.subject_type, '')}" for r in refs)
        parts.append(f"<div class='meta'>Force references: {listed}</div>")
    for esc in conv.escalations:
        state = f"resolved {_when(esc.resolved_at, tz)}" if esc.resolved_at else "open"
        parts.append(
            f"<div class='msg esc'>▲ Escalated to <b>{escape(esc.to)}</b> by {escape(esc.raised_by)} "
            f"({state}): {escape(esc.reason)}</div>"
        )
    for mod in conv.moderation:
        if mod.state != "done":
            waiting = (
                "waiting for the sync worker"
                if mod.state == "pending"
                else f"failed: {mod.reason or ''}"
            )
            parts.append(
                f"<div class='msg esc'>Moderation on the platform — {escape(mod.action)}: {escape(waiting)}</div>"
            )
    parts.append(_message(item, tz, "current", veiled))
    if item.id not in veiled:
        parts.append(_attachments(item.id, attachments))
    if conv.thread_body:
        parts.append(
            f"<div class='section'>The post</div><div class='msg'>{escape(conv.thread_body)}</div>"
        )
    others = [m for m in conv.thread if m.id != item.id]
    if others:
        parts.append(f"<div class='section'>In this thread ({len(conv.thread)})</div>")
        for m in conv.thread:
            if m.id == item.id:
                parts.append("<div class='meta'>▶ the item above</div>")
            else:
                css = "outbound" if m.direction == "outbound" else ""
                parts.append(_message(m, tz, css, veiled))
    if conv.replies:
        parts.append("<div class='section'>Our replies</div>")
        for r in conv.replies:
            reason = (
                f" — returned: {escape(r.review_reason)}"
                if r.review_reason and r.state == "returned"
                else ""
            )
            failure = f" — failed: {escape(r.failure_reason)}" if r.failure_reason else ""
            parts.append(
                f"<div class='msg outbound'><span class='pill'>{escape(r.state.replace('_', ' '))}</span> "
                f"<b>{escape(r.author)}</b>{reason}{failure}<br>{escape(r.body)}</div>"
            )
    if conv.notes:
        parts.append("<div class='section'>Internal notes — never published</div>")
        for n in conv.notes:
            parts.append(
                f"<div class='msg note'>[internal] <b>{escape(n.author)}</b> "
                f"<span class='meta'>{_when(n.created_at, tz)}</span><br>{escape(n.body)}</div>"
            )
    if conv.history:
        parts.append("<div class='section'>Earlier from this person</div>")
        for m in conv.history:
            parts.append(_message(m, tz, "", veiled))
    if conv.trail:
        label = "hide" if show_audit else "show"
        parts.append(
            f"<div class='section'>Audit trail ({len(conv.trail)}) "
            f"<a href='fc:toggle-audit'>{label}</a></div>"
        )
        if show_audit:
            for e in conv.trail:
                parts.append(
                    f"<div class='meta'>{_when(e.at, tz)} · {escape(e.actor or 'system')} · "
                    f"{escape(e.action)} {escape(str(e.after or ''))}</div>"
                )
    parts.append("</body></html>")
    return "".join(parts)
