"""Progress reporting that keeps the library free of any user-interface package.

Long-running library functions accept ``progress: ProgressCallback | None``. The command line adapts
it to a tqdm bar and the explorer to ``st.progress``.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[int, int, str], None]
"""Called as ``progress(done, total, message)``."""


def report(progress: ProgressCallback | None, done: int, total: int, message: str) -> None:
    """Call ``progress`` if one was given."""
    if progress is not None:
        progress(done, total, message)
