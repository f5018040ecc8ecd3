"""Erasing an item's content while keeping its tombstone: what retention and `forget person` share.

What goes: the item's text and HTML, its parsed and raw payloads, its attachments
(rows and the files beside the database that no other item uses), its permalink
(it leads to the person), the risk reasons (they quote the text), the bodies of
its notes and replies. What stays: the row with its id, channel, thread, kind,
status and dates, so counts, reports and SLA figures of past weeks stay true,
and a `tombstone` row saying when and why. Audit events stay untouched, so
`audit verify` still passes. The price: an event's before/after may still hold a
note's or a reply's text, which the chain's hashes cover; erasing those would need
events that hash their content separately (not done). Attachment files are deleted
within the transaction, before it commits: should it then fail, the rows stay and
name files already gone (the next erasure removes them), never the other way round.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select

from services.records import attachments
from services.records.audit_actions import AuditAction
from services.store.models import Contact, Item, Note, Reply
from services.store.models_records import RawPayload, Tombstone
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import Transaction

ERASED_TEXT = ""
ERASED_NAME = "(erased)"


def erase_item(tx: Transaction, item: Item, why: str) -> None:
    tx.session.execute(delete(RawPayload).where(RawPayload.item_id == item.id))
    attachments.erase(tx.session, [item.id])
    for note in tx.session.scalars(select(Note).where(Note.item_id == item.id)):
        note.body = ERASED_TEXT
    for reply in tx.session.scalars(select(Reply).where(Reply.item_id == item.id)):
        reply.body = ERASED_TEXT
    item.body_text = ERASED_TEXT
    item.body_html = None
    item.raw = None
    item.permalink = None
    item.risk_reasons = None
    if tx.session.get(Tombstone, item.id) is None:
        tx.session.add(Tombstone(item_id=item.id, erased_at=tx.now, why=why))
    tx.audit(AuditAction.ITEM_ERASE, "item", item.id, None, {"why": why})
    tx.touched(ChangeKind.ITEMS, item.id)


def anonymise_contact_if_all_erased(tx: Transaction, contact_id: int) -> bool:
    """A contact whose every item is a tombstone loses its name, handle and addresses."""
    tx.session.flush()
    left = tx.session.scalar(
        select(func.count())
        .select_from(Item)
        .outerjoin(Tombstone, Tombstone.item_id == Item.id)
        .where(Item.contact_id == contact_id, Tombstone.item_id.is_(None))
    )
    contact = tx.session.get(Contact, contact_id)
    if left or contact is None or contact.display_name == ERASED_NAME:
        return False
    contact.display_name = ERASED_NAME
    contact.handle = None
    contact.profile_url = None
    contact.person_key = None
    # The platform's id names the person too; a new message from them makes a new contact.
    contact.external_id = f"erased-{contact.id}"
    tx.audit(AuditAction.CONTACT_ERASE, "contact", contact.id, None, {"why": "every item erased"})
    return True
