"""Cache keys from the content of what a user loaded, so no two data sets ever share results.

A key made of a label, a row count and an extract date is shared by two different uploads of the
same shape, and a cache shared by every session then shows one user another user's numbers.
:func:`content_key` is a SHA-256 of everything in a reader's result (every row of every table,
the report, the extract date and other settings), computed once per object. Only the digest is
kept: nothing about a child can be read back from it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import weakref

import numpy as np
import pandas as pd

_KNOWN: dict[int, tuple[weakref.ref, str]] = {}
_LOCK = threading.Lock()


def _digest_frame(digest, frame: pd.DataFrame) -> None:
    digest.update(repr((frame.shape, [str(c) for c in frame.columns])).encode())
    for column in frame.columns:
        values = frame[column]
        digest.update(f"|{column}|{values.dtype}|".encode())
        if pd.api.types.is_bool_dtype(values.dtype) or (
            pd.api.types.is_numeric_dtype(values.dtype) and values.dtype != object
        ):
            digest.update(np.ascontiguousarray(values.to_numpy()).tobytes())
        elif pd.api.types.is_datetime64_dtype(values.dtype):
            digest.update(values.to_numpy("datetime64[ns]").view("int64").tobytes())
        else:
            # length-prefixed, so no choice of text in one row can mimic a different split
            texts = values.astype(object).astype(str).tolist()
            missing = values.isna().to_numpy()
            parts = ["-" if gap else f"{len(t)}:{t}" for t, gap in zip(texts, missing, strict=True)]
            digest.update("".join(parts).encode("utf-8", "surrogatepass"))


def content_hash(value: object) -> str:
    """SHA-256 (hex) of a DataFrame, or of every field of a dataclass (frames and settings)."""
    digest = hashlib.sha256()
    if isinstance(value, pd.DataFrame):
        _digest_frame(digest, value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        digest.update(type(value).__qualname__.encode())
        for item in dataclasses.fields(value):
            part = getattr(value, item.name)
            digest.update(f"||{item.name}||".encode())
            if isinstance(part, pd.DataFrame):
                _digest_frame(digest, part)
            else:
                digest.update(repr(part).encode())
    else:
        digest.update(repr(value).encode())
    return digest.hexdigest()


def content_key(value: object) -> str:
    """:func:`content_hash` of ``value``, remembered for as long as the object lives.

    Readers' results are not changed after they are made, so one hash per object is enough; a
    new upload is a new object and gets its own key.
    """
    with _LOCK:
        known = _KNOWN.get(id(value))
        if known is not None and known[0]() is value:
            return known[1]
    key = content_hash(value)
    ident = id(value)
    try:
        ref = weakref.ref(value, lambda _: _forget(ident))
    except TypeError:  # not weak-referenceable: hashed every time
        return key
    with _LOCK:
        _KNOWN[ident] = (ref, key)
    return key


def _forget(ident: int) -> None:
    with _LOCK:
        known = _KNOWN.get(ident)
        if known is not None and known[0]() is None:
            del _KNOWN[ident]
