"""Outside text is shown bidi-isolated, so a name's right-to-left override cannot reverse ours.

FSI … PDI (Unicode 6.3 isolates; Qt's layout honours them in item views and
rich text alike) ends every embedding or override the text opened. Isolate
marks inside the text are dropped first: a stray PDI would close ours early.
Text with nothing right-to-left in it lays out the same either way, so it is
returned as it is.
"""

from __future__ import annotations

import re

FSI, PDI = "\u2068", "\u2069"
_ISOLATE_MARKS = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))
# Right-to-left scripts (Hebrew to Syriac/Thaana/NKo, presentation forms, historic RTL
# planes) and every explicit direction mark, embedding, override and isolate.
_RTL_OR_CONTROL = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff"
    "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]"
)


def isolate(text: str) -> str:
    """`text` as one first-strong isolate when it could change the direction of what follows."""
    if not _RTL_OR_CONTROL.search(text):
        return text
    return FSI + text.translate(_ISOLATE_MARKS) + PDI
