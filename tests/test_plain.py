"""Text from users, files and links shown through Streamlit's Markdown stays plain text."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from app_pages.plain import plain


def test_markdown_links_images_directives_and_bare_addresses_are_defused():
    shown = plain(
        "[click](http://a.invalid/x) ![img](https://a.invalid/p.png) :red[big] "
        ":material/home: $x^2$ **bold** <b>html</b> www.a.invalid me@a.invalid"
    )
    unescaped = re.sub(r"\\.", "§", shown)  # what Markdown could still act on
    for live in ("](", "![", ":red[", "http", "www.", "$", "**", "<b>", "@a"):
        assert live not in unescaped, live
    # a reader still sees the same characters (backslashes and an invisible joiner aside)
    visible = re.sub(r"\\(.)", r"\1", shown).replace("\u2060", "")
    assert visible.startswith("[click](http://a.invalid/x) ![img](https://a.invalid/p.png)")


@given(st.text(max_size=200))
def test_every_character_comes_through(text):
    visible = re.sub(r"\\(.)", r"\1", plain(text).replace("  \n", "\n")).replace("\u2060", "")
    assert visible == text.replace("\u2060", "")
