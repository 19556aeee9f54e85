"""Isolation: two sessions with different uploads of the same shape (same files, row count and
extract date) each see their own numbers; the same upload in another session reuses the fitted
model instead of fitting again; every cache is bounded."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import sufficiency.scenario as scenario_package
from app_pages.common import UPLOADED_903_KEY, UPLOADED_903_NAME_KEY
from sufficiency.data.ssda903 import read_903_uploads
from sufficiency.stocks import monthly_stock
from tests.app.answer_view import shown_values

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"
LABEL = "your 903 data (27 files, to 31 March 2024)"


def upload(move_to_ifa: bool):
    """The demo's yearly extracts as uploaded files; optionally with some in-house foster
    placements recorded as IFA placements (the same children in every year's file)."""
    files = []
    for folder in sorted(DEMO.glob("903_20*")):
        for path in sorted(folder.glob("*.csv")):
            content = path.read_bytes()
            if move_to_ifa and path.name == "episodes.csv":
                frame = pd.read_csv(path, dtype=str, keep_default_na=False)
                chosen = (
                    frame["PLACE"].isin(["U4", "U5", "U6"])
                    & (frame["PLACE_PROVIDER"] == "PR1")
                    & (frame["CHILD"].map(hash_child) % 2 == 0)
                )
                frame.loc[chosen, "PLACE_PROVIDER"] = "PR4"
                content = frame.to_csv(index=False).encode()
            files.append((f"{folder.name}/{path.name}", content))
    return read_903_uploads(files)


def hash_child(child: str) -> int:
    return sum(map(ord, child))


@pytest.fixture(scope="module")
def uploads():
    first, second = upload(False), upload(True)
    # the same shape: the old cache key (label, episode count, extract date) could not tell them
    assert len(first.episodes) == len(second.episodes)
    assert first.extract_date == second.extract_date
    return first, second


def session(page: str, data) -> AppTest:
    app = AppTest.from_file(str(REPO / "app_pages" / page), default_timeout=600)
    app.session_state[UPLOADED_903_KEY] = data
    app.session_state[UPLOADED_903_NAME_KEY] = LABEL
    app.run()
    assert not app.exception, app.exception
    return app


def snapshot(app: AppTest) -> pd.DataFrame:
    return next(f.value for f in app.dataframe if "All ages" in f.value.columns)


def expected_snapshot(data) -> pd.Series:
    stock = monthly_stock(data.episodes, data.extract_date)
    latest = stock[stock["date"] == stock["date"].max()]
    return latest.groupby("placement_category", observed=True)["children"].sum()


def test_two_sessions_with_same_shaped_uploads_see_their_own_stocks(uploads):
    first, second = uploads
    app_first = session("data.py", first)
    app_second = session("data.py", second)
    for app, data in ((app_first, first), (app_second, second)):
        table = snapshot(app)["All ages"].drop("All placements")
        expected = expected_snapshot(data).reindex(table.index).fillna(0).astype(int)
        assert table.to_dict() == expected.to_dict()
    assert not snapshot(app_first).equals(snapshot(app_second))


def test_two_sessions_see_their_own_scenario_costs_and_share_the_fit(uploads, monkeypatch):
    first, second = uploads
    fits = []
    real_fit = scenario_package.fit_models

    def counting_fit(*args, **kwargs):
        fits.append(1)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(scenario_package, "fit_models", counting_fit)

    def total_cost(app: AppTest) -> str:
        return shown_values(app)["Total cost (cash)"]

    cost_first = total_cost(session("scenarios.py", first))
    cost_second = total_cost(session("scenarios.py", second))
    assert cost_first != cost_second
    assert len(fits) == 2
    # a colleague with the same upload reuses the fitted models and gets the same answer
    assert total_cost(session("scenarios.py", upload(False))) == cost_first
    assert len(fits) == 2


# --- every cache is bounded ----------------------------------------------------------------------


def test_every_cache_in_the_explorer_is_bounded():
    problems = []
    for path in sorted((REPO / "app_pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                call = decorator if isinstance(decorator, ast.Call) else None
                target = call.func if call else decorator
                if not (isinstance(target, ast.Attribute) and target.attr.startswith("cache_")):
                    continue
                keywords = {k.arg for k in call.keywords} if call else set()
                takes_arguments = bool(node.args.args)
                if "max_entries" not in keywords:
                    problems.append(f"{path.name}:{node.name} has no max_entries")
                if takes_arguments and "ttl" not in keywords:
                    problems.append(f"{path.name}:{node.name} has no ttl")
    assert not problems, problems
