"""Which urgent items still wait for someone (services/desk/risk_view.untaken_urgent): the banner's rule."""

from __future__ import annotations

from datetime import timedelta

from services.answers import replies
from services.channels.protocol import Registry
from services.desk import escalation, risk_view
from services.inbox import triage
from services.store.db import SessionFactory
from services.store.models import Status, utcnow
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item

KNIFE = "There is a man with a knife outside my house right now trying to get in, please help"


def _urgent(factory: SessionFactory, ch: int, n: int) -> list[int]:
    t0 = utcnow() - timedelta(hours=3)
    return [
        add_item(factory, ch, f"urgent-{i}", KNIFE, received_at=t0 + timedelta(minutes=i))
        for i in range(n)
    ]


def test_an_urgent_item_waits_until_assigned_replied_escalated_or_closed(
    factory: SessionFactory, officer: Actor, supervisor: Actor, registry: Registry
) -> None:
    ch = add_channel(factory)
    calm = add_item(factory, ch, "calm", "When is the station open on Sundays?")
    ids = _urgent(factory, ch, 5)
    alerts = risk_view.untaken_urgent(factory)
    assert [a.item_id for a in alerts] == ids  # oldest first; the calm item never
    assert calm not in {a.item_id for a in alerts}
    assert "weapons" in {r.category for r in alerts[0].reasons}
    assert alerts[0].author == "Alex Reader"

    triage.assign(factory, officer, [ids[0]], officer.name)
    draft = replies.save_draft(
        factory, officer, ids[1], "Call 999 now if you are in danger.", registry=registry
    )
    assert ids[1] in {
        a.item_id for a in risk_view.untaken_urgent(factory)
    }  # a draft is not taking it
    replies.submit(factory, officer, draft.reply_id, registry=registry)
    escalation.escalate(factory, officer, [ids[2]], "knife, in progress", supervisor.name, None)
    triage.set_status(factory, officer, [ids[3]], Status.DONE, reason="called 999, duplicate")
    assert [a.item_id for a in risk_view.untaken_urgent(factory)] == [ids[4]]

    triage.assign(factory, officer, [ids[0]], None)  # given back: it waits again
    assert [a.item_id for a in risk_view.untaken_urgent(factory)] == [ids[0], ids[4]]
