"""Errors the user is shown (KnownError and its kinds), kept apart from bugs."""


class KnownError(Exception):
    """Something the person at the keyboard can act on; its text is shown as is."""


class NotFound(KnownError):
    pass


class PermissionDenied(KnownError):
    pass


class ConflictError(KnownError):
    """Someone else changed the row since the person looked at it."""


class InvalidInput(KnownError):
    pass


class DatabaseFault(KnownError):
    """The database itself failed (full, read-only, damaged, replaced): nothing the input did."""


class QuerySyntaxError(InvalidInput):
    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class SearchCancelled(Exception):
    """A newer search superseded this one before it ended: nobody is waiting for its result."""
