"""The states a channel and a moderation request move through, declared once.

StrEnum members are the stored strings themselves, so the columns and every row
already written keep their values.
"""

from __future__ import annotations

import enum


class ChannelState(enum.StrEnum):
    OK = "ok"
    SYNCING = "syncing"  # a worker is running it now (reset if that worker was killed)
    ERROR = "error"  # the last run failed: state_reason says why
    RATE_LIMITED = "rate_limited"  # the platform asked us to wait: next_poll_at honours it


class ModerationState(enum.StrEnum):
    PENDING = "pending"  # queued by a person, for the worker to carry out on the platform
    DONE = "done"
    FAILED = "failed"  # the platform refused: reason says why
