"""The weekly report's first-response clock: the same timers the list shows, read for a week.

The week's pauses come from one range read of the audit trail's status events; only items that
waited on the public need their threads read (a pause ends when the public writes again).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from services.desk import sla_facts, sla_policy
from services.desk.sla_facts import Place
from services.desk.sla_timers import (
    FIRST_RESPONSE,
    SlaFacts,
    first_response_clock,
    item_timers,
)
from services.response import NOT_APPLICABLE, SlaClock


class WeekClocks:
    def __init__(
        self,
        session: Session,
        start: datetime,
        as_of: datetime,
        tz: ZoneInfo,
        places: Sequence[Place],
    ) -> None:
        self._policy = sla_policy.load(session)
        self._tz = tz
        self._as_of = as_of
        paused = sla_facts.pauses_since(session, start, as_of)
        waiting = [p for p in places if p.item_id in paused or p.status == sla_facts.WAITING]
        threads = sla_facts.threads_of(session, waiting, as_of)
        self._pauses = {
            p.item_id: sla_facts.end_on_public_reply(
                paused.get(p.item_id, ()), threads, p, p.status, as_of
            )
            for p in waiting
        }

    def first_response(
        self,
        item_id: int,
        channel_id: int,
        tags: Sequence[str],
        posted: datetime,
        counts: bool,
        first_at: datetime | None,
    ) -> SlaClock:
        if not counts:
            return NOT_APPLICABLE
        facts = SlaFacts(
            channel_id,
            tuple(tags),
            posted,
            True,
            first_at,
            None,
            None,
            self._pauses.get(item_id, ()),
        )
        timers = item_timers(self._policy, self._tz, facts, self._as_of, (FIRST_RESPONSE,))
        return first_response_clock(timers)
