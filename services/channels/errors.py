"""Channel failures, each with the message shown on the channel's status row.

Messages never contain secrets or full URLs with query strings.
"""

from __future__ import annotations

from datetime import datetime

from services.errors import KnownError


class ChannelError(KnownError):
    state = "error"


class CredentialsRejected(ChannelError):
    def __init__(self, detail: str = "") -> None:
        super().__init__("credentials rejected" + (f": {detail}" if detail else ""))


class PermissionMissing(ChannelError):
    def __init__(self, detail: str = "") -> None:
        super().__init__("permission missing" + (f": {detail}" if detail else ""))


class RateLimited(ChannelError):
    state = "rate_limited"

    def __init__(self, wait_seconds: float, until: datetime | None = None) -> None:
        self.wait_seconds = wait_seconds
        self.until = until
        super().__init__(f"rate limited: the platform asks us to wait {wait_seconds:.0f} s")


class Unavailable(ChannelError):
    """5xx, timeouts, resets: worth retrying later."""


class BadPayload(ChannelError):
    """The answer could not be read: never advance the cursor past it."""


class Gone(ChannelError):
    """The resource no longer exists (HTTP 404/410)."""


class Rejected(ChannelError):
    """The platform refused the request for good (closed thread, too long, duplicate)."""


class NoConnector(ChannelError):
    """A channel of a kind this release has no connector for: nothing can be polled or sent."""
