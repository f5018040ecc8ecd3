"""Out-of-hours rows (issue 11.5): each person's acknowledgement slot per period, and on-call pages.

Both tables are written by the sync worker (services/desk/out_of_hours.py) and
make its step idempotent: a slot is unique per channel, contact and period, a
page unique per item, and a slot is written in the same transaction as its
reply, so a worker killed at any point never sends twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.store.models import Base, utcnow

_ITEM_ID = BigInteger().with_variant(Integer, "sqlite")


class OutOfHoursAck(Base):
    """The item that took a person's one acknowledgement in one out-of-hours period, and what came of it.

    `outcome`: "queued" (a reply was created: approved or held for review), "urgent" (the
    item was flagged urgent, so no acknowledgement: the on-call supervisor was paged, and
    nobody tells this person "we are not monitoring" for the rest of the period),
    "cannot_reply" (the channel cannot answer this item) or "too_long" (the text filled in
    for this person is more than the channel takes now: not queued, the worker said so).
    """

    __tablename__ = "out_of_hours_ack"
    __table_args__ = (UniqueConstraint("channel_id", "contact_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    period_start: Mapped[datetime]
    item_id: Mapped[int] = mapped_column(_ITEM_ID, ForeignKey("item.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(16))
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("reply.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OnCallPage(Base):
    """An urgent item that arrived out of hours, and the on-call supervisor it was raised to.

    There is no pager gateway: the page is this row (`hours pages`) and the worker's
    `on_call_paged` event. `to_user_id` is None when nobody was on call.
    """

    __tablename__ = "on_call_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        _ITEM_ID, ForeignKey("item.id", ondelete="CASCADE"), unique=True
    )
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    paged_at: Mapped[datetime] = mapped_column(default=utcnow)
