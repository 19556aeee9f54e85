"""The explorer's and the Recommended plan's answer as a user reads it, from AppTest.

The answer is one ``st.html`` block (app_pages/answer.py): its indicators (label, value, change,
the "?" tooltip's source) and its paragraphs are read back here with the standard library's
HTML parser, so page tests check what is shown, as they did with ``st.metric``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from streamlit.testing.v1 import AppTest


@dataclass
class Shown:
    """One indicator as shown: the same fields tests read from ``st.metric``."""

    label: str = ""
    value: str = ""
    delta: str = ""
    help: str = ""


@dataclass
class _Reader(HTMLParser):
    indicators: list[Shown] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    _into: str | None = None
    _text: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        HTMLParser.__init__(self)

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        test_id = attrs.get("data-testid")
        if test_id == "answerIndicator":
            self.indicators.append(Shown())
        elif test_id in ("answerIndicatorLabel", "answerIndicatorValue", "answerIndicatorDelta"):
            self._into, self._text = test_id, []
        elif "sf-help" in (attrs.get("class") or ""):
            self.indicators[-1].help = attrs.get("title") or ""
        elif tag in ("p", "li"):
            self._into, self._text = tag, []

    def handle_data(self, data) -> None:
        if self._into:
            self._text.append(data)

    def handle_endtag(self, tag) -> None:
        if self._into is None or (tag in ("p", "li")) != (self._into in ("p", "li")):
            return
        text = "".join(self._text).strip()
        if self._into in ("p", "li"):
            self.paragraphs.append(text)
            if self._into == "li":
                self.items.append(text)
        else:
            shown = self.indicators[-1]
            if self._into == "answerIndicatorLabel":
                shown.label = text
            elif self._into == "answerIndicatorValue":
                shown.value = text
            else:  # the arrow is drawn, not part of the change's words
                shown.delta = text.removeprefix("↑ ").removeprefix("↓ ")
        self._into = None


def _read(app: AppTest) -> _Reader:
    reader = _Reader()
    for block in app.get("html"):
        reader.feed(block.proto.body)
    return reader


def indicators(app: AppTest) -> list[Shown]:
    """Every indicator of the answer, in page order."""
    return _read(app).indicators


def indicator(app: AppTest, label: str) -> Shown:
    return next(i for i in indicators(app) if i.label == label)


def paragraphs(app: AppTest) -> list[str]:
    """The answer's paragraphs and list items as shown (plain text)."""
    return _read(app).paragraphs


def list_items(app: AppTest) -> list[str]:
    """The answer's list items (the plan in short), as shown."""
    return _read(app).items


def shown_values(app: AppTest) -> dict[str, str]:
    """Label -> value of every ``st.metric`` and every answer indicator on the page."""
    return {m.label: m.value for m in app.metric} | {i.label: i.value for i in indicators(app)}
