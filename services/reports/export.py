"""Report outputs without Qt: the CSV files behind every figure, and the HTML from a Jinja2 template."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.reports.metrics import Stats, WeeklyReport

TEMPLATES = Path(__file__).resolve().parents[2] / "resources" / "templates"


def _local(report: WeeklyReport, moment: datetime | None) -> str:
    return moment.astimezone(report.week.tz).strftime("%Y-%m-%d %H:%M") if moment else ""


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_csv(report: WeeklyReport, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    label = report.week.label
    prev = report.previous.headline() if report.previous else {}
    files = [
        _write(
            folder / f"{label}-summary.csv",
            ["metric", "this week", "previous week", "change"],
            [
                [k, _num(v), _num(prev.get(k)), _num(_delta(v, prev.get(k)))]
                for k, v in report.headline().items()
            ],
        ),
        _write(
            folder / f"{label}-items.csv",
            [
                "item_id",
                "channel",
                "kind",
                "author",
                "received (local)",
                "day",
                "needs_answer",
                "status",
                "tags",
                "sentiment",
                "first_response (local)",
                "responder",
                "first_response_minutes",
                "first_response_business_minutes",
                "sla_due (local)",
                "sla",
                "resolved (local)",
                "resolution_minutes",
                "link",
                "crime_reference",
                "update_sla",
                "resolution_sla",
            ],
            [
                [
                    f.item_id,
                    f.channel,
                    f.kind,
                    f.author,
                    _local(report, f.received_at),
                    f.local_day.isoformat(),
                    "yes" if f.needs_answer else "no",
                    f.status,
                    " ".join(f.tags),
                    f.sentiment or "",
                    _local(report, f.first_response_at),
                    f.responder or "",
                    _num(f.frt_minutes),
                    _num(f.frt_business_minutes),
                    _local(report, f.sla_due),
                    f.sla_state,
                    _local(report, f.resolved_at),
                    _num(f.resolution_minutes),
                    f.permalink or "",
                    " ".join(f.crime_references),
                    f.update_sla,
                    f.resolution_sla,
                ]
                for f in report.items
            ],
        ),
        _write(
            folder / f"{label}-daily-volume.csv",
            ["day", "channel", "items"],
            [
                [d.isoformat(), ch, n]
                for d, per in sorted(report.volume_by_day.items())
                for ch, n in sorted(per.items())
            ],
        ),
        _write(
            folder / f"{label}-escalations.csv",
            [
                "item_id",
                "raised_by",
                "target",
                "reason",
                "raised (local)",
                "resolved (local)",
                "open_at_week_end",
                "link",
            ],
            [
                [
                    e.item_id,
                    e.raised_by,
                    e.target,
                    e.reason,
                    _local(report, e.created_at),
                    _local(report, e.resolved_at),
                    "yes" if e in report.open_escalations else "no",
                    e.permalink or "",
                ]
                for e in _unique(report.escalations + report.open_escalations)
            ],
        ),
        _write(
            folder / f"{label}-review.csv",
            ["reply_id", "reviewer", "decision", "at (local)", "turnaround_minutes"],
            [
                [
                    d.reply_id,
                    d.reviewer,
                    d.decision,
                    _local(report, d.at),
                    _num(d.turnaround_minutes),
                ]
                for d in report.decisions
            ],
        ),
        _write(
            folder / f"{label}-workload.csv",
            ["officer", "marked_done", "replies_sent", "escalations_raised"],
            [[name, w.handled, w.replied, w.escalated] for name, w in report.workload.items()],
        ),
        _write(
            folder / f"{label}-welfare.csv",
            ["person", "distressing_items_opened"],
            list(report.welfare.items()),
        ),
        _write(
            folder / f"{label}-moderation.csv",
            ["action", "count"],
            sorted(report.moderation.items()),
        ),
    ]
    return files


def _unique(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _delta(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


def minutes_text(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 60:
        return f"{value:.0f} min"
    if value < 48 * 60:
        return f"{value / 60:.1f} h"
    return f"{value / 1440:.1f} days"


def render_html(report: WeeklyReport, charts: dict[str, str], generated_at: datetime) -> str:
    """The report as HTML; `charts` maps a chart name to the image source to use."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
    )
    env.filters["minutes"] = minutes_text
    env.filters["local"] = lambda m: _local(report, m)
    env.filters["pct"] = lambda v: "—" if v is None else f"{v * 100:.0f}%"
    prev = report.previous.headline() if report.previous else {}
    headline = []
    for key, value in report.headline().items():
        before = prev.get(key)
        change = _delta(value, before)
        arrow = "" if change in (None, 0) else ("▲" if change and change > 0 else "▼")
        headline.append(
            {
                "label": key,
                "value": _num(value) if value is not None else "—",
                "previous": _num(before) if before is not None else "—",
                "change": "" if change is None else f"{arrow} {_num(abs(change))}",
            }
        )
    return env.get_template("weekly_report.html.j2").render(
        r=report,
        headline=headline,
        charts=charts,
        generated=_local(report, generated_at),
        as_of=_local(report, report.as_of),
        stats_row=_stats_row,
    )


def _stats_row(s: Stats | None) -> dict[str, str]:
    if s is None:
        s = Stats(0, None, None)
    return {
        "n": str(s.n),
        "median": minutes_text(s.median_minutes),
        "p90": minutes_text(s.p90_minutes),
    }
