"""Comparing scenario results side by side."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from sufficiency.errors import SufficiencyError
from sufficiency.scenario.engine import ScenarioResult


def compare(results: Iterable[ScenarioResult]) -> dict[str, pd.DataFrame]:
    """Side-by-side comparison of two or more scenario results.

    Returns
    -------
    dict of DataFrame
        Keys ``headline`` (one row per scenario: ``end_month`` (YYYY-MM, the forecast's last
        month, which "at the end" means), children at the end, IFA share of foster
        placements and of non-kinship fostering at the end in %, in-house households at the end,
        approvals the targets need, total cost, investment and net present value in £, payback
        month), ``placements`` (month x category, mean children per scenario),
        ``costs`` (financial year x scenario, £) and ``differences`` (each scenario minus the
        first, £ and children).
    """
    results = list(results)
    if len(results) < 2:
        raise SufficiencyError("Compare needs at least two scenarios.")
    names = [r.scenario.name for r in results]
    if len(set(names)) < len(names):
        names = [f"{n} ({i + 1})" for i, n in enumerate(names)]
    headline = pd.DataFrame(
        [
            {
                "scenario": name,
                "end_month": pd.Timestamp(r.months[-1]).strftime("%Y-%m"),
                "children_end": r.summary["children_looked_after_end"],
                "ifa_share_end_pct": r.summary["ifa_share_of_fostering_end_pct"],
                "ifa_share_non_kinship_end_pct": r.summary[
                    "ifa_share_of_non_kinship_fostering_end_pct"
                ],
                "in_house_households_end": r.summary["in_house_households_end"],
                "approvals_needed_total": r.summary["approvals_needed_total"],
                "total_cost_gbp": r.summary["total_cost_gbp"],
                "total_investment_gbp": r.summary["total_investment_gbp"],
                "npv_gbp": r.summary["npv_gbp"],
                "payback_month": r.summary["payback_month"],
            }
            for name, r in zip(names, results, strict=True)
        ]
    )
    placements = pd.concat(
        [
            r.placements.groupby(["month", "placement_category"], as_index=False)["mean"]
            .sum()
            .assign(scenario=name)
            for name, r in zip(names, results, strict=True)
        ]
    ).pivot_table(index=["month", "placement_category"], columns="scenario", values="mean")
    placements = placements[names].reset_index()
    costs = pd.concat(
        [
            r.budget_by_financial_year[["financial_year", "cost_mean"]].assign(scenario=name)
            for name, r in zip(names, results, strict=True)
        ]
    ).pivot_table(index="financial_year", columns="scenario", values="cost_mean")
    costs = costs[names].reset_index()
    carers = pd.concat(
        [
            r.carers.groupby("month", as_index=False)["households"].sum().assign(scenario=name)
            for name, r in zip(names, results, strict=True)
        ]
    ).pivot_table(index="month", columns="scenario", values="households")
    carers = carers[names].reset_index()
    differences = costs[["financial_year"]].copy()
    for name in names[1:]:
        differences[f"{name} minus {names[0]} (£)"] = costs[name] - costs[names[0]]
    return {
        "headline": headline,
        "placements": placements,
        "carers": carers,
        "costs": costs,
        "differences": differences,
    }
