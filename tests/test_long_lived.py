"""The explorer freezes the objects alive after its first run, once per process, so Python's
full garbage collections (which stopped lever changes for 100-230 ms) skip the fitted models."""

from __future__ import annotations

import gc

from app_pages import long_lived


def test_frozen_once_per_process(monkeypatch):
    monkeypatch.setattr(long_lived, "_frozen", False)
    before = gc.get_freeze_count()
    kept = [[i] for i in range(1000)]  # alive now: frozen
    assert long_lived.freeze_long_lived() is True
    assert gc.get_freeze_count() >= before + len(kept)
    frozen = gc.get_freeze_count()
    later = [[i] for i in range(1000)]  # alive at the second call: not frozen by it
    assert long_lived.freeze_long_lived() is False  # a second call does nothing
    # frozen objects freed meanwhile (other tests' threads) leave the count: it may fall, but
    # the 1,000 new objects must not have been added
    assert gc.get_freeze_count() < frozen + len(later)
