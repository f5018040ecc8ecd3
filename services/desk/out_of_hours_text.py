"""The acknowledgement's words: the placeholders it may use, how they are filled, and a length
check that holds for everyone it will go to.

The length is checked when an admin sets the text, on the text filled with the longest
plausible values, never on the text as written (`{name}` is six characters written and up to
thirty filled). When it is filled for sending, the person's own values (`{name}`,
`{full_name}`) are cut to those same lengths, so the text checked is the longest that can go
out: an acknowledgement is never refused by the platform at 2 a.m. with nobody watching.

What cannot be known when the text is set is checked again on the real text before a reply is
queued: a Mastodon content warning the reply keeps, a server that has lowered its limit since,
a force name changed in central configuration. A text that no longer fits is not sent; the
worker says so, naming the channel and what to shorten (`OutOfHoursNotSent`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from services.answers import replies
from services.channels.protocol import Registry
from services.errors import InvalidInput
from services.workspace import site_config

# The saved-reply placeholders an automatic text can use; any other would go out as written.
PLACEHOLDERS = ("name", "full_name", "officer", "collar", "reference", "non_emergency", "force")
# The longest plausible value of each placeholder the public's own data fills, in characters
# as the channel counts them (X: weighted): a first name, and a display name as the platforms
# cap them (Bluesky 64).
LONGEST = {"name": 30, "full_name": 64}
# Item ids are 64-bit; a trillion items is beyond any force's lifetime.
LONGEST_REFERENCE = "FC-" + "9" * 12
# Mastodon user names are at most 30 characters; the reply starts with the @mention.
LONGEST_MASTODON_ACCOUNT = {"account": {"acct": "w" * 30 + "@example.social"}}
CUT = "…"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def unknown_placeholders(text: str) -> list[str]:
    """Placeholders nobody would fill: in an automatic text they would reach the public as typed."""
    return sorted({m for m in _PLACEHOLDER.findall(text) if m not in PLACEHOLDERS})


def longest_values(officer: str) -> dict[str, str]:
    """Each placeholder filled as long as it plausibly gets; `officer` is the automatic author."""
    site = site_config.current()
    return {
        **{key: "W" * size for key, size in LONGEST.items()},
        "officer": officer,
        "collar": "",  # the automatic author has no collar number
        "reference": LONGEST_REFERENCE,
        "non_emergency": site.non_emergency_number,
        "force": site.force_name or "",
    }


def cut(registry: Registry, kind: str, values: Mapping[str, str]) -> dict[str, str]:
    """The values for sending: the person's own cut to the length the check allowed for."""
    import regex  # 9 ms to import: not at every start of the desktop, which never cuts

    out = dict(values)
    for key, size in LONGEST.items():
        value = out.get(key, "")
        if registry.text_length(kind, value) <= size:
            continue
        kept = ""
        for cluster in regex.findall(r"\X", value):
            if registry.text_length(kind, kept + cluster + CUT) > size:
                break
            kept += cluster
        out[key] = kept.rstrip() + CUT
    return out


def length_problem(
    registry: Registry, kind: str, cursor: Mapping[str, Any] | None, body: str, raw: Any
) -> str | None:
    """Why the channel would refuse this text as a reply to an item with this raw data, or None.

    The connector's own rule, as submitting a reply applies it: counted as the platform
    counts, with the Mastodon server's limit as the last sync read it.
    """
    return registry.reply_problem(kind, body, raw if isinstance(raw, Mapping) else None, cursor)


def check(
    registry: Registry, kind: str, cursor: Mapping[str, Any] | None, text: str, officer: str
) -> None:
    """Refuse a text that some person's acknowledgement would not fit (or would show `{x}` in)."""
    unknown = unknown_placeholders(text)
    if unknown:
        names = ", ".join("{" + u + "}" for u in unknown)
        known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        raise InvalidInput(f"nobody fills {names} in an automatic text: use only {known}")
    filled = replies.fill_placeholders(text, longest_values(officer))
    raw = LONGEST_MASTODON_ACCOUNT if kind == "mastodon" else None
    problem = length_problem(registry, kind, cursor, filled, raw)
    if problem is not None:
        longest = ", ".join(f"{{{k}}} {n}" for k, n in LONGEST.items())
        raise InvalidInput(
            f"on {registry.display_name(kind)} the acknowledgement must fit the longest person "
            f"it may go to (filled with {longest} characters"
            + (", after a 30-character @mention" if kind == "mastodon" else "")
            + f"), and then {problem}"
        )
