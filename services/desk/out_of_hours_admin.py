"""Out-of-hours set-up: staffed hours, each channel's acknowledgement, the on-call supervisor.

Three workspace settings (services/workspace/settings.py), each change one
audited transaction by an admin. The acknowledgement is written by a system
user, `out-of-hours`, created (inactive, so nobody can log in or act as it)
the first time an admin sets any of this up: a reply needs an author, and the
thread and audit must say plainly that no person wrote this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.answers.replies import channel_capability
from services.channels.protocol import Registry
from services.desk import out_of_hours_text
from services.desk.staffed_hours import StaffedHours
from services.errors import InvalidInput, NotFound
from services.records.audit_actions import AuditAction
from services.store import roles
from services.store.db import SessionFactory
from services.store.models import Channel, Role, User
from services.workspace import settings as workspace_settings
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import Transaction, write_transaction

SYSTEM_USER = roles.AUTOMATIC_AUTHOR
SYSTEM_DISPLAY_NAME = "Automatic out-of-hours reply (Front Counter)"
DEFAULT_TEXT = (
    "We are not monitoring this page right now. If you are in danger, call 999. "
    "Otherwise call {non_emergency} or report online. We will read your message "
    "when the desk reopens."
)
MAX_TEXT_CHARS = 2_000


@dataclass(frozen=True)
class ChannelAck:
    channel_id: int
    channel: str
    on: bool
    text: str
    since: datetime | None
    """When it was last switched on: items posted before then are never acknowledged."""


@dataclass(frozen=True)
class OutOfHoursConfig:
    hours: StaffedHours | None
    acks: tuple[ChannelAck, ...]
    on_call: str | None
    """The on-call supervisor's user name; None: pages go to nobody."""

    def acks_on(self) -> dict[int, ChannelAck]:
        return {a.channel_id: a for a in self.acks if a.on}


def _ack_values(session: Session) -> dict[str, dict[str, Any]]:
    stored = workspace_settings.value(session, workspace_settings.OUT_OF_HOURS_ACK) or {}
    return {str(k): dict(v) for k, v in (stored.get("channels") or {}).items()}


def load(session: Session) -> OutOfHoursConfig:
    hours = StaffedHours.from_value(
        workspace_settings.value(session, workspace_settings.STAFFED_HOURS)
    )
    names = {cid: name for cid, name in session.execute(select(Channel.id, Channel.name))}
    acks = []
    for key, v in sorted(_ack_values(session).items()):
        if int(key) not in names:  # the channel was removed since
            continue
        since = v.get("since")
        acks.append(
            ChannelAck(
                int(key),
                names[int(key)],
                bool(v.get("on")),
                str(v.get("text") or ""),
                datetime.fromisoformat(since) if since else None,
            )
        )
    on_call = workspace_settings.value(session, workspace_settings.ON_CALL_SUPERVISOR) or {}
    return OutOfHoursConfig(hours, tuple(acks), on_call.get("user") or None)


def current(factory: SessionFactory) -> OutOfHoursConfig:
    with factory() as s:
        return load(s)


def system_user_id(session: Session) -> int | None:
    return session.scalar(select(User.id).where(User.name == SYSTEM_USER))


def ensure_system_user(tx: Transaction) -> int:
    """The system author's id, created inactive on first use (admins only on PostgreSQL)."""
    found = system_user_id(tx.session)
    if found is not None:
        return found
    user = User(name=SYSTEM_USER, display_name=SYSTEM_DISPLAY_NAME, role=Role.OFFICER, active=False)
    tx.session.add(user)
    tx.session.flush()
    tx.audit(
        AuditAction.USER_CREATE,
        "user",
        user.id,
        None,
        {"name": SYSTEM_USER, "role": Role.OFFICER.value, "active": False, "system": True},
    )
    tx.touched(ChangeKind.USERS)
    return user.id


def set_hours(
    factory: SessionFactory, actor: Actor, hours: StaffedHours | None
) -> StaffedHours | None:
    """Set the staffed hours; None clears them (never out of hours: nothing is sent or paged)."""
    actor.require(Permission.MANAGE)
    with write_transaction(factory, actor) as tx:
        ensure_system_user(tx)
        workspace_settings.put(
            tx, workspace_settings.STAFFED_HOURS.key, hours.to_value() if hours else {}
        )
    return hours


def set_ack(
    factory: SessionFactory,
    actor: Actor,
    channel: str,
    on: bool,
    text: str | None = None,
    *,
    registry: Registry,
) -> ChannelAck:
    """Switch a channel's acknowledgement on (with its text, kept when not given) or off."""
    actor.require(Permission.MANAGE)
    with write_transaction(factory, actor) as tx:
        row = tx.session.scalar(select(Channel).where(Channel.name == channel))
        if row is None:
            raise NotFound(f"no channel named {channel!r}")
        values = _ack_values(tx.session)
        before = values.get(str(row.id), {})
        body = (text if text is not None else str(before.get("text") or "")).strip()
        if on:
            _check_text(registry, row, body)
        since = tx.now.isoformat() if on and not before.get("on") else before.get("since")
        values[str(row.id)] = {"on": on, "text": body, "since": since}
        ensure_system_user(tx)
        workspace_settings.put(tx, workspace_settings.OUT_OF_HOURS_ACK.key, {"channels": values})
        return ChannelAck(
            row.id, row.name, on, body, datetime.fromisoformat(since) if since else None
        )


def _check_text(registry: Registry, channel: Channel, body: str) -> None:
    can = channel_capability(
        channel.kind, bool((channel.config or {}).get("demo")), registry=registry
    )
    if not can.can_reply:
        raise InvalidInput(f"no acknowledgement on this channel: {can.reason}")
    if not body:
        raise InvalidInput("give the acknowledgement's text (--text), e.g. " + repr(DEFAULT_TEXT))
    if len(body) > MAX_TEXT_CHARS:
        raise InvalidInput(f"the acknowledgement is at most {MAX_TEXT_CHARS} characters")
    # Filled with the longest plausible values, counted as the channel counts.
    out_of_hours_text.check(registry, channel.kind, channel.cursor, body, SYSTEM_DISPLAY_NAME)


def set_on_call(factory: SessionFactory, actor: Actor, user: str | None) -> str | None:
    """Who is paged for urgent items out of hours: an active supervisor or admin, or nobody."""
    actor.require(Permission.MANAGE)
    with write_transaction(factory, actor) as tx:
        if user is not None:
            found = tx.session.scalar(select(User).where(User.name == user))
            if found is None or not found.active:
                raise NotFound(f"no active user named {user!r}")
            if found.role not in (Role.SUPERVISOR, Role.ADMIN):
                raise InvalidInput(
                    f"{user} is {found.role.value}: the on-call person is a supervisor or admin"
                )
        ensure_system_user(tx)
        workspace_settings.put(tx, workspace_settings.ON_CALL_SUPERVISOR.key, {"user": user})
    return user
