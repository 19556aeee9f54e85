"""Keep Python's full garbage collections short once the explorer's models are in memory.

Python's cyclic collector now and then examines every object the process holds (a "generation 2"
collection). With the fitted models, Streamlit and pandas loaded that took 100-230 ms in the
explorer's server (measured on 1 Dec 2026 while a step-downs slider was moved), roughly once every
fifteen to twenty lever changes, and it stops every session's run while it lasts: the slowest
lever changes, the 95th percentile, were these. :func:`freeze_long_lived` moves everything alive
after the first explorer run into a generation the collector no longer examines
(:func:`gc.freeze`); later collections look only at newer objects (3 ms in the same measurement).
Objects freed by reference counting are freed as before.

It runs once per server process, not once per data set: an object frozen and later dropped from a
cache is only reclaimed if it holds no reference cycle, so freezing again for every upload could
let memory grow without bound; freezing once keeps at most one set of such objects.
"""

from __future__ import annotations

import gc
import threading

_LOCK = threading.Lock()
_frozen = False


def freeze_long_lived() -> bool:
    """Collect garbage, then freeze every object now alive (once per process).

    Returns
    -------
    bool
        True when this call froze them, False when an earlier call already had.
    """
    global _frozen
    with _LOCK:
        if _frozen:
            return False
        gc.collect()
        gc.freeze()
        _frozen = True
        return True
