"""The desk: SLA timers, escalation, risk triage, references."""
