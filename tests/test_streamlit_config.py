"""`.streamlit/config.toml` is valid TOML with one table per section and the loopback address.

A rebase once merged two ``[runner]`` tables into the file; TOML forbids a table defined twice, so
Streamlit could not read the file and silently ran with its defaults (listening on every network
address, watching files, gathering usage statistics). This test parses the file the way a strict
TOML reader does and counts the table headers in the text itself.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"
TABLE_HEADER = re.compile(r"^\s*\[([A-Za-z0-9_.\s]+)\]\s*(#.*)?$", re.MULTILINE)


def test_config_parses_as_toml():
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    assert config["browser"]["serverAddress"] == "127.0.0.1"


def test_every_table_is_defined_once():
    headers = Counter(name.strip() for name, _ in TABLE_HEADER.findall(CONFIG.read_text()))
    assert headers["server"] == 1 and headers["runner"] == 1, headers
    assert [name for name, count in headers.items() if count > 1] == []


def test_a_repeated_table_would_be_caught():
    """The check above can fail: a second [runner] table is refused by the TOML reader."""
    doubled = CONFIG.read_text(encoding="utf-8") + "\n[runner]\nmagicEnabled = true\n"
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(doubled)
    assert Counter(n.strip() for n, _ in TABLE_HEADER.findall(doubled))["runner"] == 2
