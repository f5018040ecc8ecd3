"""Every audit event's action name, declared once.

The values are what the audit table stores and the hash chain covers: never
rename one. The weekly report (services/reports/activity.py) reads events back
by these same members, so a writer and its reader cannot drift apart.
"""

from __future__ import annotations

import enum


class AuditAction(enum.StrEnum):
    ATTACHMENT_SWEEP = "attachment.sweep"  # files no row names removed from the folder
    AUDIT_ANCHOR = "audit.anchor"
    CHANNEL_CREATE = "channel.create"
    CHANNEL_REMOVE = "channel.remove"
    CHANNEL_UPDATE = "channel.update"  # settings, secret replaced, paused or resumed
    CONTACT_ERASE = "contact.erase"
    DEMO_LOAD = "demo.load"
    ITEM_ASSIGN = "item.assign"
    ITEM_ATTACHMENT_OPEN = "item.attachment_open"
    ITEM_DISTRESSING = "item.distressing"  # flagged as distressing by hand, or the flag lifted
    ITEM_ERASE = "item.erase"
    ITEM_ESCALATE = "item.escalate"
    ITEM_EVIDENCE_EXPORT = "item.evidence_export"
    ITEM_ESCALATION_RESOLVED = "item.escalation_resolved"
    ITEM_MODERATE = "item.moderate"
    ITEM_MODERATION_REQUESTED = "item.moderation_requested"
    ITEM_NOTE = "item.note"
    ITEM_PAGE_ON_CALL = "item.page_on_call"
    ITEM_REVEAL = "item.reveal"
    ITEM_RISK = "item.risk"
    ITEM_STATUS = "item.status"
    ITEM_TAG = "item.tag"
    ITEM_UNTAG = "item.untag"
    ITEM_WAKE = "item.wake"
    HOLD_ADD = "hold.add"
    HOLD_REMOVE = "hold.remove"
    PERSON_EXPORT = "person.export"
    PERSON_FORGET = "person.forget"
    POLICY_RETENTION = "policy.retention"
    POLICY_REVIEW = "policy.review"
    POLICY_SLA = "policy.sla"
    REFERENCE_ADD = "reference.add"
    REFERENCE_REMOVE = "reference.remove"
    REPLY_APPROVE = "reply.approve"
    REPLY_DRAFT = "reply.draft"
    REPLY_FAILED = "reply.failed"
    REPLY_OUT_OF_HOURS = "reply.out_of_hours"
    REPLY_RETRY = "reply.retry"
    REPLY_RETURN = "reply.return"
    REPLY_SENDING = "reply.sending"
    REPLY_SENT = "reply.sent"
    REPLY_SUBMIT = "reply.submit"
    REPORT_SCHEDULE = "report.schedule"
    REPORT_WRITTEN = "report.written"
    RETENTION_RUN = "retention.run"
    RISK_RULES = "risk.rules"
    SAVED_REPLY_CREATE = "saved_reply.create"
    SAVED_REPLY_REMOVE = "saved_reply.remove"
    SEARCH_REMOVE = "search.remove"
    SEARCH_SAVE = "search.save"
    SETTING_AUDIT_ANCHOR = "setting.audit_anchor"
    SETTING_ON_CALL = "setting.on_call_supervisor"
    SETTING_OUT_OF_HOURS_ACK = "setting.out_of_hours_ack"
    SETTING_RISK_GUIDANCE = "setting.risk_guidance"
    SETTING_STAFFED_HOURS = "setting.staffed_hours"
    TEAM_ADD = "team.add"
    TEAM_REMOVE = "team.remove"
    USER_CREATE = "user.create"
    USER_UPDATE = "user.update"
    WELFARE_PREFERENCE = "welfare.preference"
