"""A share link with a crafted name: shown as text, no link to click, no image fetched from an
address in the link (issue 12), on every page that shows the scenario's name."""

from __future__ import annotations

import pytest

from sufficiency.scenario import Scenario
from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

PROBE = "http://probe.example.invalid"
NAME = f"[click me]({PROBE}/link) ![x]({PROBE}/pixel.png) :red[big]"


def test_a_crafted_name_in_a_link_is_plain_text_and_fetches_nothing(page, explorer_url):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    query = Scenario(name=NAME, step_downs_per_year=3).to_query_string()
    for path in ("scenarios", "finance"):
        page.goto(f"{explorer_url}/{path}?{query}")
        page.get_by_text("click me", exact=False).first.wait_for(timeout=180_000)
        wait_for_app(page)
        assert page.locator(f'a[href^="{PROBE}"]').count() == 0, path
        assert page.locator(f'img[src^="{PROBE}"]').count() == 0, path
        assert page.get_by_text("[click me]", exact=False).count() >= 1, path
    screenshot(page, "share_link_crafted_name")
    assert not [url for url in requests if url.startswith(PROBE)], requests
