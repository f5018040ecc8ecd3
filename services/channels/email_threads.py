"""Which conversation an e-mail belongs to, remembered across runs in the channel's cursor.

A thread is named by the Message-ID of its first message. A message joins the
thread of any message it names (References, In-Reply-To) that we have seen;
else the first id of its References; else, when it names none, a thread with
the same subject (prefixes stripped) and the same correspondent from the last
14 days; else it starts its own (CHANNELS.md §3, RFC 5322 §3.6.4).

The memory is bounded: the most recent ids and subjects only. Older threads
are still joined through `known_threads` (the thread ids already stored),
which covers every reply that names the first message of its conversation.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.channels.email_mime import Head

MAX_IDS = 3000
MAX_SUBJECTS = 500
SUBJECT_WINDOW = timedelta(days=14)
NOT_AN_ITEM = ""  # a message we saw and left out (an auto-reply, a bounce)


class ThreadMemory:
    def __init__(self, saved: dict[str, Any] | None, known_threads: set[str]) -> None:
        saved = saved or {}
        self._ids: dict[str, str] = {str(k): str(v) for k, v in (saved.get("ids") or {}).items()}
        self._subjects: dict[str, tuple[str, str]] = {
            str(k): (str(v[0]), str(v[1]))
            for k, v in (saved.get("subjects") or {}).items()
            if isinstance(v, list | tuple) and len(v) == 2
        }
        self._known = known_threads

    def knows(self, message_id: str) -> bool:
        return message_id in self._ids or message_id in self._known

    def thread_of(self, head: Head, correspondent: str) -> str:
        named = [*head.references, *([head.in_reply_to] if head.in_reply_to else [])]
        for ident in named:
            if self._ids.get(ident):
                return self._ids[ident]
        for ident in named:
            if ident in self._known:
                return ident
        if named:
            return named[0]
        key = _subject_key(head, correspondent)
        if key and key in self._subjects and head.date is not None:
            thread, when = self._subjects[key]
            if abs(head.date - datetime.fromisoformat(when)) <= SUBJECT_WINDOW:
                return thread
        return head.message_id

    def remember(self, head: Head, thread: str, correspondent: str) -> None:
        self._ids.pop(head.message_id, None)  # re-inserted: the most recent stay longest
        self._ids[head.message_id] = thread
        key = _subject_key(head, correspondent)
        if thread != NOT_AN_ITEM and key and head.date is not None:
            self._subjects.pop(key, None)
            self._subjects[key] = (thread, head.date.isoformat())

    def left_out(self, head: Head) -> None:
        self._ids.pop(head.message_id, None)
        self._ids[head.message_id] = NOT_AN_ITEM

    def as_cursor(self) -> dict[str, Any]:
        ids = list(self._ids.items())[-MAX_IDS:]
        subjects = list(self._subjects.items())[-MAX_SUBJECTS:]
        return {"ids": dict(ids), "subjects": {k: list(v) for k, v in subjects}}


def _subject_key(head: Head, correspondent: str) -> str | None:
    subject = head.thread_subject.casefold()
    if not subject or not correspondent:
        return None
    return f"{subject}|{correspondent.lower()}"
