"""Errors that are shown to users as a message, never as a traceback."""

from __future__ import annotations


class SufficiencyError(Exception):
    """A problem the user can fix: the message says what was expected and what to do."""


class InputDataError(SufficiencyError):
    """Input data cannot be used at all (unreadable file, required column missing, ...).

    Parameters
    ----------
    message : str
        Plain-language description naming the file (and row/column where known) and what to do.
    file : str, optional
        The file name the problem was found in.
    """

    def __init__(self, message: str, file: str | None = None) -> None:
        super().__init__(message)
        self.file = file
