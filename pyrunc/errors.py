"""Exceptions that reach the user.

Anything raised as a ``PyruncError`` is printed as one line and exits 1; the
CLI turns any other exception into the same one-line form (never a traceback)
but logs the traceback with --debug.
"""


class PyruncError(Exception):
    """An error the user can act on; its message is the whole report."""


class UsageError(PyruncError):
    """Bad command line: unknown flag, missing argument, bad value."""


class ConfigError(PyruncError):
    """config.json (or a process JSON) is malformed or not supported."""


class ContainerNotFound(PyruncError):
    def __init__(self, cid):
        super().__init__(f"container does not exist: {cid}")


class ContainerExists(PyruncError):
    def __init__(self, cid):
        super().__init__(f"container with id exists: {cid}")


class InvalidState(PyruncError):
    """The verb is not allowed in the container's current status."""
