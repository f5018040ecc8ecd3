"""Text from outside made storable: no control characters, no invisible tricks in names, ids that fit.

Every string a platform sends passes through here before it reaches the
database. PostgreSQL refuses NUL in text and values longer than a
`varchar(n)`; SQLite accepts both, which is why only the PostgreSQL runs
used to show one bad comment blocking a whole channel.

The raw payload keeps what the platform sent, losslessly: a JSON string
that cannot be stored as is (it holds NUL, which PostgreSQL's JSON
functions refuse, or a lone surrogate, which no UTF-8 database takes) is
stored as `{"$fc_escaped": "<base64 of its UTF-8 bytes, surrogates passed>"}`,
and a dict key the same way as `"$fc_escaped:<base64>"`. `unescape_raw`
turns such a payload back into exactly what was received.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

MARK = "…"
ESCAPED = "$fc_escaped"

# C0 controls except tab and newline, DEL, and lone surrogates (unencodable as UTF-8).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
# Zero-width characters and bidi controls: they let "Sup\u200bervisor" pass for "Supervisor".
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SPACE_RUN = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Body text: line ends unified to \\n, control characters and lone surrogates removed."""
    if _CONTROLS.search(text) is None and "\r" not in text:
        return text  # the common case costs one scan
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def cut(text: str, limit: int) -> str:
    """At most `limit` characters; a cut one ends with the marker so a reader sees it was cut."""
    return text if len(text) <= limit else text[: limit - len(MARK)] + MARK


def clean_name(text: str, limit: int) -> str:
    """A person's name or handle: one line, no invisible characters, fits its column."""
    if text.isascii() and text.isprintable() and "  " not in text:
        # Most names: the only white space ASCII lets print is the space, and no run of it.
        return cut(text.strip(" "), limit)
    text = _INVISIBLE.sub("", _CONTROLS.sub("", text))
    return cut(_SPACE_RUN.sub(" ", text).strip(), limit)


def clean_id(text: str, limit: int) -> str:
    """An external id that fits its column and stays unique: a cut id ends with a hash of the whole."""
    text = _CONTROLS.sub("", text)
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return text[: limit - len(MARK) - len(digest)] + MARK + digest


def _escape_str(value: str) -> str:
    return base64.b64encode(value.encode("utf-8", "surrogatepass")).decode("ascii")


def _unescape_str(value: str) -> str:
    return base64.b64decode(value).decode("utf-8", "surrogatepass")


def escape_raw(value: Any) -> Any:
    """The payload as JSON that both databases store and read back; see the module docstring."""
    if isinstance(value, str):
        return {ESCAPED: _escape_str(value)} if _UNSTORABLE.search(value) else value
    if isinstance(value, dict):
        return {
            (
                f"{ESCAPED}:{_escape_str(k)}"
                # Keys that look like our marker are escaped too, so unescaping is never ambiguous.
                if isinstance(k, str) and (_UNSTORABLE.search(k) or k.startswith(ESCAPED))
                else k
            ): escape_raw(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [escape_raw(v) for v in value]
    return value


def unescape_raw(value: Any) -> Any:
    """Exactly what the platform sent, from a payload stored by `escape_raw`."""
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(value.get(ESCAPED), str):
            return _unescape_str(value[ESCAPED])
        return {
            (
                _unescape_str(k[len(ESCAPED) + 1 :])
                if isinstance(k, str) and k.startswith(ESCAPED + ":")
                else k
            ): unescape_raw(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [unescape_raw(v) for v in value]
    return value
