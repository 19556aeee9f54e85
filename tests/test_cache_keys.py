"""Content keys: different data of the same shape never share a key; the same data always does."""

from __future__ import annotations

import dataclasses
import gc

import pandas as pd

from sufficiency.cache_keys import _KNOWN, content_hash, content_key


@dataclasses.dataclass(frozen=True)
class Result:
    rows: pd.DataFrame
    extract_date: pd.Timestamp
    notes: tuple = ()


def frame(place: str = "U4") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "CHILD": ["1", "2", None],
            "PLACE": ["U1", place, "K2"],
            "DECOM": pd.to_datetime(["2020-01-01", "2021-02-03", "2022-03-04"]),
            "days": [1.5, 2.0, float("nan")],
            "open": [True, False, True],
            "band": pd.Categorical(["1-4", "5-9", "1-4"]),
        }
    )


def test_same_shape_different_content_gets_a_different_key():
    date = pd.Timestamp("2024-03-31")
    first, second = Result(frame("U4"), date), Result(frame("U5"), date)
    assert len(first.rows) == len(second.rows)
    assert content_key(first) != content_key(second)
    assert content_key(Result(frame(), date)) == content_key(Result(frame(), date))
    assert content_key(Result(frame(), date)) != content_key(
        Result(frame(), date + pd.Timedelta(1))
    )
    assert content_hash(frame()) != content_hash(frame().iloc[::-1])  # order counts
    missing = frame()
    missing.loc[0, "CHILD"] = "\x00"
    assert content_hash(missing) != content_hash(frame().assign(CHILD=[None, "2", None]))
    # text crafted to look like another split of the same rows
    assert content_hash(pd.DataFrame({"a": ["x:1:y", "z"]})) != content_hash(
        pd.DataFrame({"a": ["x", "1:y:z"]})
    )


def test_the_key_is_remembered_per_object_and_forgotten_with_it():
    value = Result(frame(), pd.Timestamp("2024-03-31"))
    key = content_key(value)
    assert _KNOWN[id(value)][1] == key
    assert content_key(value) == key
    ident = id(value)
    del value
    gc.collect()
    assert ident not in _KNOWN
    assert len(key) == 64 and "U4" not in key
