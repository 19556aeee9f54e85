"""Show text that came from users, files or links as plain text, never as Markdown.

Streamlit renders the body of ``st.error``, ``st.warning``, ``st.caption``, ``st.markdown`` and
widget labels as Markdown, so a scenario name like ``[click](https://...)`` or
``![](https://...)`` arriving in a share link, a scenario file or the library would become a
link, or make the browser fetch an image from that address. :func:`plain` escapes every Markdown
and Streamlit directive character so the text shows exactly as typed.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping all of them
# also stops Streamlit's own ":red[...]" / ":material/...:" directives and "$...$" maths.
_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


# GitHub-flavoured Markdown also turns bare addresses (http://..., www...., name@host) into links,
# escaped or not; an invisible word joiner inside the scheme and before '@' stops that.
_AUTOLINK = re.compile(r"(?i)\b(h)(ttps?:)|\b(f)(tp:)|\b(w)(ww\.)|\b(m)(ailto:)|(@)")
_JOINER = "\u2060"


def _break_autolink(match: re.Match) -> str:
    groups = [g for g in match.groups() if g is not None]
    if groups == ["@"]:
        return _JOINER + "@"
    return groups[0] + _JOINER + groups[1]


def plain(text: object) -> str:
    """``text`` escaped so Streamlit's Markdown shows it literally (line breaks kept): no
    formatting, no link, no image, no directive."""
    unlinked = _AUTOLINK.sub(_break_autolink, str(text))
    return _PUNCTUATION.sub(r"\\\1", unlinked).replace("\n", "  \n")
