"""Errors a user can cause and fix. The CLI prints their message on one line
and exits non-zero; anything else is a bug and keeps its traceback."""


class ConsistencyError(Exception):
    """A problem with the user's input or environment, explained in one line."""

    exit_code = 1


class InputError(ConsistencyError):
    """A bad file, path or question."""

    exit_code = 2


class StoreError(ConsistencyError):
    """The store cannot be opened, read or written."""

    exit_code = 3


class AccessDenied(ConsistencyError):
    """A server client asked for something outside what the server allows
    (a path outside the folders it may ingest from)."""

    exit_code = 2
