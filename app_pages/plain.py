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


def plain(text: object) -> str:
    """``text`` escaped so Streamlit's Markdown shows it literally (line breaks kept)."""
    return _PUNCTUATION.sub(r"\\\1", str(text)).replace("\n", "  \n")
