"""Exports of a scenario result: CSVs, an Excel workbook and a printable HTML summary.

The workbook has an *Assumptions* sheet (every lever with its unit and source, and every unit cost
with its source), *Placements by month*, *Carers and recruitment* and *Costs by financial year*.
The HTML summary is plain and printable, with a short narrative for a sufficiency report and a
"synthetic demo data" label when the run used the demo authority.

Every CSV and workbook is written through :mod:`sufficiency.spreadsheets`, which defuses text a
spreadsheet would run as a formula (names from scenario files and share links end up here).
"""

from __future__ import annotations

import html
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sufficiency import codes
from sufficiency import finance as fin
from sufficiency.export_units import money_unit, with_units
from sufficiency.plan.shares import (
    SHARE_COLUMNS,
    SHARE_MEASURE,
    SHARE_NOTE,
    SHARE_OF_MEAN_COUNTS_COLUMNS,
    SHARE_UNITS,
    shares_of_mean_counts,
    with_shares,
)
from sufficiency.plan.wording import differs
from sufficiency.scenario import LEVERS, Scenario, ScenarioResult
from sufficiency.scenario.engine import unit_costs_for
from sufficiency.spreadsheets import excel_writer, neutralise_text, write_csv, write_sheet

DEMO_LABEL = "Synthetic demo data: not a real local authority"

WITHOUT_PLAN_SHARE_COLUMNS = {
    "ifa_share_of_fostering_pct": "ifa_share_of_fostering_without_plan_pct",
    "ifa_share_of_non_kinship_fostering_pct": "ifa_share_of_non_kinship_fostering_without_plan_pct",
}
"""Each of :data:`SHARE_COLUMNS` -> its column without the plan (the headline's "Without a
plan": each future's own share, averaged)."""
WITHOUT_PLAN_MEAN_COUNT_COLUMNS = {
    "ifa_share_of_fostering_pct": "ifa_share_of_fostering_without_plan_of_mean_counts_pct",
    "ifa_share_of_non_kinship_fostering_pct": (
        "ifa_share_of_non_kinship_fostering_without_plan_of_mean_counts_pct"
    ),
}
"""Each of :data:`SHARE_COLUMNS` -> the share without the plan worked out from its average counts."""

PLACEMENTS_COLUMNS = (
    "month",
    "age_band",
    "placement_category",
    "provider",
    "mean",
    "p10",
    "p90",
    *SHARE_COLUMNS,
    *SHARE_OF_MEAN_COUNTS_COLUMNS.values(),
    "mean_without_plan",
    *WITHOUT_PLAN_SHARE_COLUMNS.values(),
    *WITHOUT_PLAN_MEAN_COUNT_COLUMNS.values(),
)
"""placements.csv's columns, in order: the scenario's children (mean, p10, p90) and IFA shares
(the headline's measure, then the share of the average counts), then the same without the plan
(``_without_plan``: the figures behind the headline's "Without a plan")."""
COSTS_COLUMNS = (
    "financial_year",
    "placement_category",
    "provider",
    "cost_mean",
    "cost_p10",
    "cost_p90",
)


_MEAN_COUNTS = (
    "all ages, IFA ÷ foster placements of the average counts, what dividing the count columns gives"
)
_WITHOUT_PLAN = (
    "without the plan: the scenario's own levers, no approvals or step-downs the targets add"
)

RESULT_UNITS = {
    "mean": "children, average of the simulated futures",
    "p10": "children, low: 1 in 10 futures below",
    "p90": "children, high: 1 in 10 futures above",
    **SHARE_UNITS,
    "ifa_share_of_fostering_of_mean_counts_pct": f"% of all foster placements, {_MEAN_COUNTS}",
    "ifa_share_of_non_kinship_fostering_of_mean_counts_pct": (
        f"% of foster placements leaving out family and friends carers, {_MEAN_COUNTS}"
    ),
    "mean_without_plan": f"children, average of the simulated futures, {_WITHOUT_PLAN}",
    **{
        WITHOUT_PLAN_SHARE_COLUMNS[column]: f"{unit}, {_WITHOUT_PLAN}"
        for column, unit in SHARE_UNITS.items()
    },
    "ifa_share_of_fostering_without_plan_of_mean_counts_pct": (
        f"% of all foster placements, {_MEAN_COUNTS.replace('the count columns', 'mean_without_plan')}, "
        f"{_WITHOUT_PLAN}"
    ),
    "ifa_share_of_non_kinship_fostering_without_plan_of_mean_counts_pct": (
        "% of foster placements leaving out family and friends carers, "
        f"{_MEAN_COUNTS.replace('the count columns', 'mean_without_plan')}, {_WITHOUT_PLAN}"
    ),
}
"""Units of result columns whose names do not say them (the placements' children by month, and
the month's IFA shares measured as the headline measures them)."""

MONEY_WORDS = ("cost", "gbp", "spend", "saving", "investment", "net", "£")
"""Column-name words that mark pounds: rounded to whole pounds in downloads."""


def round_for_export(frame: pd.DataFrame) -> pd.DataFrame:
    """Decimal columns rounded for a download: no long unrounded floats in a CSV.

    Pounds (a column whose name holds one of :data:`MONEY_WORDS`) to whole pounds; shares
    (every value between -1 and 1, e.g. a conversion rate of 0.0613) to 4 decimals; other
    figures (children, households, enquiries, days) to 2 decimals. Whole-number and text
    columns are left as they are.

    Returns
    -------
    pandas.DataFrame
        A rounded copy (the input is not changed).
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not pd.api.types.is_float_dtype(values):
            continue
        name = str(column).lower()
        if any(word in name for word in MONEY_WORDS):
            out[column] = values.round(0)
        elif values.abs().max(skipna=True) <= 1:
            out[column] = values.round(4)
        else:
            out[column] = values.round(2)
    return out


def export_frame(
    frame: pd.DataFrame, *, money: str | None = None, units: dict[str, str] | None = None
) -> pd.DataFrame:
    """A frame ready for a download: rounded (:func:`round_for_export`), units in headers
    (:func:`with_units`). Every CSV and workbook sheet the explorer offers goes through this."""
    return with_units(round_for_export(frame), money=money, units=units)


# --- tables ----------------------------------------------------------------------------------


_RESOLVED_LEVERS = {
    "cost_per_enquiry": ("cost_per_enquiry", 1.0),
    "enquiry_to_approval_pct": ("enquiry_to_approval", 100.0),
    "days_enquiry_to_approval": ("days_enquiry_to_approval", 1.0),
    "annual_leaving_rate_pct": ("annual_leaving_rate", 100.0),
    "places_per_household": ("places_per_household", 1.0),
    "occupancy_pct": ("occupancy", 100.0),
    "assessment_capacity_per_quarter": ("assessment_capacity", 1.0),
    "channel_reach": ("channel_reach", 1.0),
}


def assumptions_table(scenario: Scenario, resolved: Any = None) -> pd.DataFrame:
    """Every lever (value, unit, allowed range, default, source) and every unit cost with source.

    ``resolved`` (:class:`sufficiency.scenario.supply.Resolved`, from a run) fills the levers
    that follow the authority's figures with the figure used and its source.
    """
    data = scenario.to_dict()
    rows = []
    for name, lever in LEVERS.items():
        value = data.get(name, "not set")
        source = lever.source
        if name in _RESOLVED_LEVERS and name not in data and resolved is not None:
            attribute, scale = _RESOLVED_LEVERS[name]
            value = f"{getattr(resolved, attribute) * scale:,.4g}"
            source = resolved.sources.get(attribute, source)
        if isinstance(value, dict):
            value = "; ".join(f"{k}: {v:g}" for k, v in value.items()) or "not set"
        elif isinstance(value, list):
            value = "; ".join(
                f"{h['name']}: {h['beds']:+d} beds from {h['opening_month']}, "
                f"£{h['weekly_running_cost']:,.0f}/week"
                for h in value
            )
        bounds = "" if lever.minimum is None else f"{lever.minimum:g} to {lever.maximum:g}"
        rows.append(
            {
                "item": lever.label,
                "lever": name,
                "value": str(value) if value != "" else "not set",
                "unit": lever.unit,
                "allowed range": bounds,
                "default": "none" if lever.default in (None, ()) else str(lever.default),
                "source": source,
            }
        )
    for target, date in (
        ("ifa_share_target_pct", scenario.ifa_share_target_date),
        ("external_residential_target", scenario.external_residential_target_date),
    ):
        if date:
            rows.append(
                {
                    "item": f"{LEVERS[target].label}: date",
                    "lever": target.replace("_pct", "") + "_date",
                    "value": date,
                    "unit": "month (YYYY-MM)",
                    "allowed range": "",
                    "default": "none",
                    "source": LEVERS[target].source,
                }
            )
    base_year = fin.financial_year_start(scenario.price_base_year)
    overrides = dict(scenario.unit_costs)
    # the defaults the model prices with (kinship follows the scenario's allowance and social
    # work figures), as the Placement budget page shows them: not the published table's
    for category, cost in unit_costs_for(scenario.replace(unit_costs={})).items():
        if category in overrides:
            value = overrides[category]
            source = "entered in the scenario (default: " + cost.source + ")"
        else:
            value = cost.at_prices(base_year, scenario.annual_inflation_pct)
            source = cost.source + (f". {cost.method}" if cost.method else "")
        rows.append(
            {
                "item": f"Unit cost: {category} ({cost.provider})",
                "lever": "unit_costs",
                "value": f"{value:,.0f}",
                "unit": f"£ per child per week at {scenario.price_base_year} prices",
                "allowed range": "0 to 50000",
                "default": f"£{cost.weekly_cost:,.0f} at {cost.price_year} prices",
                "source": source,
            }
        )
    rows.append(
        {
            "item": "Price index for older figures",
            "lever": "",
            "value": "CPI",
            "unit": "index",
            "allowed range": "",
            "default": "",
            "source": fin.CPI_SOURCE,
        }
    )
    rows.append(
        {
            "item": "Discount rate for net present value",
            "lever": "",
            "value": f"{fin.GREEN_BOOK_DISCOUNT_RATE:.1%}",
            "unit": "real, a year",
            "allowed range": "",
            "default": "",
            "source": fin.GREEN_BOOK_SOURCE,
        }
    )
    return pd.DataFrame(rows)


PLACEMENTS_NOTE = (
    f"{SHARE_NOTE} That figure is in the '_of_mean_counts' columns. The '_without_plan' columns "
    "are the scenario without the plan (none of the targets' extra approvals or step-downs): "
    "the headline's 'Without a plan'."
)
"""The note above the workbook's placements sheet (its columns are :data:`PLACEMENTS_COLUMNS`)."""


def without_plan(result: ScenarioResult) -> tuple[pd.Series, pd.DataFrame]:
    """The placements and IFA shares behind the headline's "Without a plan".

    Returns
    -------
    tuple
        Children (average of the simulated futures) for each row of ``result.placements`` (same
        order), and by month the :data:`SHARE_COLUMNS` (%, each future's own share, averaged).
        Without targets there is no plan: the scenario's own figures.
    """
    plan = result.plan
    if plan is None or plan.without_plan_mean is None:
        return result.placements["mean"], result.shares
    mean = pd.Series(np.asarray(plan.without_plan_mean).reshape(-1), index=result.placements.index)
    shares = pd.DataFrame(
        {
            "month": result.months,
            **{
                column: 100 * np.asarray(share)
                for column, share in zip(SHARE_COLUMNS, plan.without_plan_shares, strict=True)
            },
        }
    )
    return mean, shares


def target_share_of_mean_counts(result: ScenarioResult) -> dict[str, float] | None:
    """The IFA share target's figures as dividing the average counts gives them.

    The headline's shares are :data:`SHARE_MEASURE`; a reader who divides the average placements
    in the chart or the download gets this other figure (on the demo, 30% by March 2028: 44.9%
    without a plan against the headline's 43.0%, 39.3% with it against 37.0%), so the headline
    can give both.

    Returns
    -------
    dict or None
        ``without_plan`` and ``projected`` (%, the target's basis: all foster placements or
        leaving out family and friends carers, all ages) at the target's month, from the
        placements download's ``_of_mean_counts`` columns; None without an IFA share target.
    """
    scenario = result.scenario
    if scenario.ifa_share_target_pct is None or not scenario.ifa_share_target_date:
        return None
    column = (
        "ifa_share_of_non_kinship_fostering_pct"
        if scenario.ifa_share_target_basis == "non-kinship fostering"
        else "ifa_share_of_fostering_pct"
    )
    month = pd.Timestamp(scenario.ifa_share_target_date) + pd.offsets.MonthEnd(0)
    frame = result.placements
    at = pd.to_datetime(frame["month"]) == month
    if not at.any():
        return None
    mean, _ = without_plan(result)
    counted = SHARE_OF_MEAN_COUNTS_COLUMNS[column]
    with_plan = shares_of_mean_counts(frame.loc[at])[counted].iloc[0]
    without = shares_of_mean_counts(frame.loc[at].assign(mean=mean[at]))[counted].iloc[0]
    return {"without_plan": float(without), "projected": float(with_plan)}


def _month_figures(frame: pd.DataFrame, by_month: pd.DataFrame, columns: dict) -> pd.DataFrame:
    """``frame`` with ``by_month``'s columns (renamed by ``columns``) on every row of the month."""
    keyed = by_month.assign(
        _month=pd.to_datetime(by_month["month"]).dt.strftime("%Y-%m")
    ).set_index("_month")
    keys = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m")
    for source, target in columns.items():
        frame[target] = keys.map(keyed[source]).to_numpy()
    return frame


def placements_table(result: ScenarioResult) -> pd.DataFrame:
    """placements.csv (:data:`PLACEMENTS_COLUMNS`): children by month, age band and placement
    (mean, p10, p90), the month's IFA shares (%, all ages) as the headline measures them
    (:data:`SHARE_MEASURE`) and as dividing the average counts gives them (a different figure:
    39.3% against 37.0% at March 2028 on the demo with a 30% target), then the same without the
    plan, so the headline's "Without a plan" can be checked from the file too."""
    frame = with_shares(result.placements, result.shares)
    counted = shares_of_mean_counts(frame)
    frame = _month_figures(frame, counted, {c: c for c in SHARE_OF_MEAN_COUNTS_COLUMNS.values()})
    mean, shares = without_plan(result)
    frame["mean_without_plan"] = mean.to_numpy()
    frame = _month_figures(frame, shares, WITHOUT_PLAN_SHARE_COLUMNS)
    counted = shares_of_mean_counts(frame, "mean_without_plan")
    frame = _month_figures(
        frame,
        counted,
        dict(
            zip(
                SHARE_OF_MEAN_COUNTS_COLUMNS.values(),
                WITHOUT_PLAN_MEAN_COUNT_COLUMNS.values(),
                strict=True,
            )
        ),
    )
    frame = frame.loc[:, list(PLACEMENTS_COLUMNS)]
    frame["month"] = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m")
    return frame


def costs_table(result: ScenarioResult) -> pd.DataFrame:
    """costs_by_financial_year.csv (£, nominal), with months covered in each financial year."""
    frame = result.costs_by_financial_year
    return frame.loc[:, [*COSTS_COLUMNS, "months"]].rename(
        columns={"months": "months_in_projection"}
    )


def carers_table(result: ScenarioResult) -> pd.DataFrame:
    """carers_needed.csv: extra households, approvals and enquiries by quarter and age band."""
    frame = result.carers_needed.copy()
    if "quarter_start" in frame:
        frame["quarter_start"] = pd.to_datetime(frame["quarter_start"]).dt.strftime("%Y-%m-%d")
    return frame


def carers_projection_table(result: ScenarioResult) -> pd.DataFrame:
    """In-house households, usable places and approvals by month (all age bands together)."""
    frame = result.carers.groupby("month", as_index=False)[
        ["households", "usable_places", "approvals"]
    ].sum()
    frame["month"] = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m")
    return frame


def _summary_json(result: ScenarioResult) -> dict[str, Any]:
    summary = dict(result.summary)
    # the month the "_end_pct" shares are for, and how they are measured (as every page)
    summary["ifa_share_end_month"] = pd.Timestamp(result.months[-1]).strftime("%Y-%m")
    summary["ifa_share_measure"] = SHARE_MEASURE
    summary["scenario_levers"] = result.scenario.to_dict()
    if result.figures is not None:
        summary["authority_figures"] = result.figures.table().to_dict(orient="records")
        summary["in_house_reconciliation"] = result.figures.in_house.describe()
    summary["budget_by_financial_year"] = result.budget_by_financial_year.to_dict(orient="records")
    summary["savings_by_financial_year"] = result.savings_by_financial_year.to_dict(
        orient="records"
    )
    if result.is_demo:
        summary["label"] = DEMO_LABEL
    return summary


# --- writers ---------------------------------------------------------------------------------


BUDGET_SHEET = "Budget and savings"
BUDGET_NOTE = (
    "Two costs of the scenario: cost_mean (and its percentiles) is the whole budget, placements "
    "plus the investment (recruitment, assessment, marketing, support, programmes); "
    "scenario_cost_mean is its placements only, set against baseline_cost_mean (placements "
    "without any levers) for the saving."
)
"""The workbook's note above the budget sheet: a user found two scenario costs side by side
(£214.98m and £214.53m on the demo's recommended plan) and could not tell them apart."""


def budget_units(money: str) -> dict[str, str]:
    """Header units of the budget sheet's pounds columns, each saying what it covers.

    ``money`` is the pounds unit (:func:`~sufficiency.export_units.money_unit`).
    """
    whole = f"{money}; placements and investment, with the scenario"
    return {
        "cost_mean": whole,
        "cost_p10": f"{whole}, low: 1 in 10 futures below",
        "cost_p90": f"{whole}, high: 1 in 10 futures above",
        "scenario_cost_mean": f"{money}; placements only, with the scenario",
        "baseline_cost_mean": f"{money}; placements only, baseline (no levers)",
        "saving_mean": f"{money}; baseline placements less the scenario's",
        "saving_p10": f"{money}; placement saving, low: 1 in 10 futures below",
        "saving_p90": f"{money}; placement saving, high: 1 in 10 futures above",
    }


NUMBER_FORMATS = ("£#,##0", "0.0", "#,##0.0")
"""Excel display formats of the workbook's number columns: pounds to the pound, percentages and
counts of children, households and enquiries to one decimal (averages of simulated futures are
fractional: 2.007333572069858 children read as noise). Only the display changes: cells keep
their full values, so sums and checks in Excel are not rounded."""

_COUNT_WORDS = ("children", "households", "enquiries", "applications", "places", "approvals")


def number_format_of(header: str) -> str | None:
    """The Excel number format of a workbook column, from its header with units.

    ``header`` is a column name as :func:`~sufficiency.export_units.with_units` writes it, e.g.
    ``cost_mean (£, ...)`` or ``mean (children, ...)``. Returns ``"£#,##0"`` for pounds,
    ``"0.0"`` for percentages (columns holding 0-100), ``"#,##0.0"`` for children,
    households, enquiries, applications and places, and None otherwise (months, shares from 0
    to 1 and text keep Excel's General format).
    """
    name, _, unit = str(header).partition(" (")
    if unit.startswith("£") or any(k in name for k in ("cost", "saving", "investment", "net")):
        return "£#,##0"
    if unit.startswith("%"):
        return "0.0"
    if unit.startswith(_COUNT_WORDS) or (
        unit.startswith("count") and name.startswith(_COUNT_WORDS)
    ):
        return "#,##0.0"
    return None


def workbook_bytes(result: ScenarioResult) -> bytes:
    """The Excel workbook (xlsx) as bytes, for downloads."""
    buffer = io.BytesIO()
    sheets = {
        "Assumptions": assumptions_table(result.scenario, result.resolved),
        "Placements by month": placements_table(result),
        "Carers and recruitment": carers_projection_table(result),
        "Carers needed": carers_table(result),
        "Costs by financial year": costs_table(result),
        BUDGET_SHEET: result.budget_by_financial_year.merge(
            result.savings_by_financial_year, on="financial_year", how="left"
        ),
        "Invest to save": result.invest_to_save.monthly.assign(
            month=lambda f: pd.to_datetime(f["month"]).dt.strftime("%Y-%m")
        ),
    }
    pounds = money_unit(result.scenario.price_base_year)
    with excel_writer(buffer) as writer:
        book = writer.book
        formats = {code: book.add_format({"num_format": code}) for code in NUMBER_FORMATS}
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        for sheet, frame in sheets.items():
            units = {**RESULT_UNITS, **budget_units(pounds)} if sheet == BUDGET_SHEET else None
            frame = with_units(frame, money=pounds, units=units or RESULT_UNITS)
            ws = write_sheet(writer, sheet, frame, startrow=2)
            title = f"{result.scenario.name}: {sheet}"
            if result.is_demo:
                title += f" ({DEMO_LABEL})"
            ws.write_string(0, 0, neutralise_text(title))
            if sheet == "Placements by month":
                ws.write_string(1, 0, PLACEMENTS_NOTE)
            elif sheet == BUDGET_SHEET:
                ws.write_string(1, 0, BUDGET_NOTE)
            elif any(str(c).startswith(tuple(SHARE_COLUMNS)) for c in frame.columns):
                ws.write_string(1, 0, SHARE_NOTE)
            for i, column in enumerate(frame.columns):
                name = str(column)
                width = min(max(len(name), 12) + 2, 60)
                code = number_format_of(name)
                fmt = formats[code] if code else (wrap if name in ("source", "item") else None)
                ws.set_column(i, i, width, fmt)
    return buffer.getvalue()


SUMMARY_CATEGORY_LABELS = {
    codes.KINSHIP_FOSTERING: "family and friends fostering",
    codes.OTHER_LA_FOSTERING: "other councils' and public bodies' fostering",
}
"""The pages' words for placement categories whose code names differ (the printable summary
uses the pages' words)."""


def placements_at_year_ends(result: ScenarioResult) -> pd.DataFrame:
    """Children by placement category at each 31 March of the forecast (average of the futures,
    whole children), with the IFA shares of the same months as the headline computes them.

    Returns
    -------
    pandas.DataFrame
        Column ``Placement`` (the pages' words for each category, then the two share rows, %),
        and one column per financial year (``2024-25``: its 31 March); the last month of the
        forecast stands in when it has no March.
    """
    placements = result.placements.copy()
    months = pd.to_datetime(placements["month"])
    at = months.dt.month == 3
    if not at.any():
        at = months == months.max()
    year_end = placements[at].assign(financial_year=lambda f: fin.financial_year(f["month"]))
    by_year = (
        year_end.groupby(["financial_year", "placement_category"])["mean"].sum().unstack(0).round(0)
    )
    by_year.index = [SUMMARY_CATEGORY_LABELS.get(c, c) for c in by_year.index]
    shares = result.shares.assign(month=lambda f: pd.to_datetime(f["month"]))
    shares = shares[shares["month"].isin(set(year_end["month"].map(pd.Timestamp)))]
    shares = shares.assign(financial_year=fin.financial_year(shares["month"])).set_index(
        "financial_year"
    )
    for column, label in SHARE_COLUMNS.items():
        by_year.loc[f"{label} (%)"] = shares[column].reindex(by_year.columns).round(1)
    return by_year.rename_axis(index="Placement", columns=None).reset_index()


def _checks_html(checks: tuple[str, ...]) -> str:
    if not checks:
        return ""
    items = "".join(f"<li>{html.escape(check)}</li>" for check in checks)
    return f"<h2>Check before quoting these figures</h2>\n<ul>{items}</ul>"


SUMMARY_MONEY = ("cost_mean", "cost_p10", "cost_p90", "saving_mean")
SUMMARY_HEADERS = {
    "financial_year": "Financial year",
    "cost_mean": "Cost (mean)",
    "cost_p10": "Cost, low (1 in 10 futures below)",
    "cost_p90": "Cost, high (1 in 10 futures above)",
    "saving_mean": "Saving against the baseline (mean)",
    "months": "Months of the year forecast",
}
"""Plain headers for the printable summary's cost table (the CSVs keep their column names)."""


def summary_html(result: ScenarioResult, checks: tuple[str, ...] = ()) -> str:
    """A plain, printable HTML summary suitable for a sufficiency report.

    ``checks`` are the pages' checks on these figures, in their words (the demand forecast's
    track record, the RO3 cross-check of the costs: :func:`app_pages.cross_checks.board_checks`),
    listed under the summary as "Check before quoting these figures"."""
    s = result.summary
    scenario = result.scenario
    esc = html.escape

    def table(frame: pd.DataFrame, money: tuple[str, ...] = ()) -> str:
        formatters = {c: (lambda v: f"£{v:,.0f}") for c in frame.columns if c in money}
        return frame.to_html(
            index=False, border=0, formatters=formatters, float_format="{:,.1f}".format
        )

    end = pd.Timestamp(result.months[-1])
    narrative = [
        f"This scenario projects children looked after from {esc(s['origin'])} for "
        f"{scenario.horizon_months} months. Children looked after move from about "
        f"{s['children_looked_after_start']:,.0f} to {s['children_looked_after_end']:,.0f}.",
        f"By {end:%B %Y}, the end of the forecast, "
        f"{s['ifa_share_of_fostering_end_pct']:.0f}% of foster placements "
        f"({s['ifa_share_of_non_kinship_fostering_end_pct']:.0f}% leaving out family and friends "
        f"carers; {SHARE_MEASURE}, as in the table below) are with "
        f"independent fostering agencies, and the council has about "
        f"{s['in_house_households_end']:,.0f} in-house foster households.",
        f"Placements and recruitment cost £{s['total_cost_gbp'] / 1e6:,.1f}m over the period "
        f"(nominal, {esc(scenario.price_base_year)} prices inflated at "
        f"{scenario.annual_inflation_pct:g}% a year).",
    ]
    if s["total_investment_gbp"] > 0 or abs(s["total_saving_vs_baseline_gbp"]) > 0:
        payback = (
            f"pays back in {pd.Timestamp(s['payback_month']):%b %Y}"  # as the pages say it
            if s["payback_month"]
            else "does not pay back within the horizon"
        )
        narrative.append(
            f"Against the baseline it saves £{s['total_saving_vs_baseline_gbp'] / 1e6:,.1f}m in "
            f"placement costs for £{s['total_investment_gbp'] / 1e6:,.1f}m of investment "
            f"(net £{s['net_position_gbp'] / 1e6:,.1f}m in cash, "
            f"£{s['npv_gbp'] / 1e6:,.1f}m net present value at "
            f"{s['discount_rate_pct']:g}%) and {payback}."
        )
    counted = target_share_of_mean_counts(result)
    for row in result.targets.to_dict(orient="records"):
        unit = "%" if row["unit"] == "%" else " children"
        # as the explorer's headline: the share of the average counts too, where it differs
        other = (
            f"; dividing the average placement counts gives {counted['without_plan']:.1f}% "
            f"without a plan and {counted['projected']:.1f}% with it (futures with more children "
            "in foster care place more of them with IFAs)"
            if unit == "%"
            and counted
            and any(differs(row[k], counted[k]) for k in ("without_plan", "projected"))
            else ""
        )
        narrative.append(
            f"Target: {esc(row['target'])} at or below {row['target_value']:g}{unit} by "
            f"{row['date']}: now {row['now']:,.1f}{unit}, without a plan "
            f"{row['without_plan']:,.1f}{unit}, with the plan {row['projected']:,.1f}{unit} "
            f"(each simulated future's own share, averaged, where a share){other}; "
            f"{esc(row['verdict'])}."
        )
    points = getattr(result.plan, "points", ())
    if points:
        # the targets' verdicts are the lines above: the plan's own "Target:" points would repeat them
        narrative.extend(esc(point) for point in points if not point.startswith("Target: "))
    else:
        narrative.append(esc(result.carers_needed_text))

    by_year = placements_at_year_ends(result)
    is_share = by_year["Placement"].str.endswith("(%)")
    for column in by_year.columns[1:]:
        # children whole, shares to a tenth of a point with their % sign
        by_year[column] = [
            f"{v:.1f}%" if share else f"{v:,.0f}"
            for v, share in zip(by_year[column], is_share, strict=True)
        ]
    budget = result.budget_by_financial_year.merge(
        result.savings_by_financial_year[["financial_year", "saving_mean"]],
        on="financial_year",
        how="left",
    )
    budget = budget.rename(columns=SUMMARY_HEADERS)
    levers = assumptions_table(scenario, result.resolved)
    levers = levers.loc[levers["value"] != "not set", ["item", "value", "unit", "source"]]
    demo = f'<p class="demo">{DEMO_LABEL}</p>' if result.is_demo else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Sufficiency scenario: {esc(scenario.name)}</title>
<style>
body {{ font-family: Arial, sans-serif; max-width: 60em; margin: 2em auto; color: #111; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border-bottom: 1px solid #bbb; padding: 0.25em 0.6em; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
.demo {{ border: 2px solid #b00; color: #b00; padding: 0.5em; font-weight: bold; }}
@media print {{ body {{ margin: 0; }} }}
</style></head><body>
{demo}
<h1>Sufficiency scenario: {esc(scenario.name)}</h1>
<p>{esc(scenario.description)}</p>
<p>{esc(s.get("authority") or "")} · start {esc(s["origin"])} · scenario fingerprint
{esc(s["fingerprint"])} · {s["simulated_paths"]} simulated path(s)</p>
<h2>Summary</h2>
{"".join(f"<p>{line}</p>" for line in narrative)}
{_checks_html(checks)}
<h2>Children by placement category at 31 March (children, average of the simulated futures),
and the IFA share (%)</h2>
{table(by_year)}
<p>{esc(SHARE_NOTE)}</p>
<h2>Cost by financial year (£, cash; low and high: 8 in 10 futures fall between)</h2>
{table(budget, money=tuple(SUMMARY_HEADERS[c] for c in SUMMARY_MONEY))}
<h2>Assumptions and sources</h2>
{levers.to_html(index=False, border=0)}
<p>Unit costs and their sources are listed in full in the Assumptions sheet of the workbook.</p>
</body></html>
"""


def write_result(result: ScenarioResult, out_dir: str | Path) -> dict[str, Path]:
    """Write placements.csv, carers_needed.csv, carers.csv, costs_by_financial_year.csv,
    invest_to_save.csv, assumptions.csv, summary.json, workbook.xlsx and summary.html.

    Each CSV header is the column's documented name followed by its unit in brackets
    (``cost_mean (£, cash in each year's prices, price base 2025-26)``, ``mean (children,
    ...)``); a script reads the name as the text before `` (``. Values are not rounded.

    Returns
    -------
    dict
        File label -> path written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "placements": out / "placements.csv",
        "carers_needed": out / "carers_needed.csv",
        "carers": out / "carers.csv",
        "costs": out / "costs_by_financial_year.csv",
        "invest_to_save": out / "invest_to_save.csv",
        "assumptions": out / "assumptions.csv",
        "summary": out / "summary.json",
        "workbook": out / "workbook.xlsx",
        "html": out / "summary.html",
    }
    money = money_unit(result.scenario.price_base_year)

    def csv(frame: pd.DataFrame, path: Path) -> None:
        # each number column's unit in its header after the documented name, as the workbook
        # and the explorer's downloads (values keep full precision for scripts)
        write_csv(with_units(frame, money=money, units=RESULT_UNITS), path)

    csv(placements_table(result), paths["placements"])
    csv(carers_table(result), paths["carers_needed"])
    csv(carers_projection_table(result), paths["carers"])
    csv(costs_table(result), paths["costs"])
    csv(result.invest_to_save.monthly, paths["invest_to_save"])
    csv(assumptions_table(result.scenario, result.resolved), paths["assumptions"])
    paths["summary"].write_text(
        json.dumps(_summary_json(result), indent=2, default=str), encoding="utf-8"
    )
    paths["workbook"].write_bytes(workbook_bytes(result))
    paths["html"].write_text(summary_html(result), encoding="utf-8")
    return paths


def headline_units(money: str, price_year: str | None = None) -> dict[str, str]:
    """Header units of :func:`sufficiency.scenario.compare`'s headline columns (and the sweep's),
    each figure "at the end" naming the ``end_month`` column it is for.

    ``money`` is the pounds unit (:func:`~sufficiency.export_units.money_unit`); ``price_year``
    the price base the net present value is discounted to.
    """
    at = "at end_month"
    npv = f"£, {price_year} prices" if price_year else "£, each scenario's price base"
    return {
        "children_end": f"children, average of the simulated futures, {at}",
        "ifa_share_end_pct": f"% of all foster placements, {at}",
        "ifa_share_non_kinship_end_pct": (
            f"% of foster placements leaving out family and friends carers, {at}"
        ),
        "in_house_households_end": f"households, {at}",
        "approvals_needed_total": "households, extra over the horizon",
        "total_cost_gbp": f"{money}; placements and investment",
        "total_investment_gbp": money,
        "npv_gbp": f"{npv}, discounted at {fin.GREEN_BOOK_DISCOUNT_RATE:.1%} a year (Green Book)",
    }


def comparison_tables(
    comparison: dict[str, pd.DataFrame], price_year: str | None = None
) -> dict[str, pd.DataFrame]:
    """The comparison's tables with each number column's unit in its header, as every other
    download (``total_cost_gbp (£, cash in each year's prices, price base 2025-26; ...)``).

    Parameters
    ----------
    comparison : dict of DataFrame
        :func:`sufficiency.scenario.compare`'s tables (one column per scenario in all but the
        headline).
    price_year : str, optional
        The scenarios' price base; None when they differ (each is then at its own).

    Returns
    -------
    dict of DataFrame
        The same tables; values unchanged.
    """
    money = (
        money_unit(price_year)
        if price_year
        else money_unit(basis="cash in each year's prices, each scenario at its own price base")
    )
    units = {
        "placements": "children, average of the simulated futures",
        "carers": "in-house households, average of the simulated futures",
        "costs": f"{money}; placements and investment",
        "differences": f"{money}; placements and investment, minus the first scenario's",
    }
    out = {}
    for name, frame in comparison.items():
        if name == "headline":
            out[name] = with_units(frame, money=money, units=headline_units(money, price_year))
            continue
        frame = frame.rename(columns=lambda c: str(c).removesuffix(" (£)"))
        labels = {"financial_year", "month", "placement_category"}
        named = {c: units[name] for c in frame.columns if c not in labels and name in units}
        out[name] = with_units(frame, money=money, units=named)
    return out


def write_comparison(
    comparison: dict[str, pd.DataFrame], out_dir: str | Path, price_year: str | None = None
) -> dict[str, Path]:
    """Write each comparison table as CSV plus a comparison.xlsx workbook, each number column's
    unit in its header (:func:`comparison_tables`; ``price_year``: the scenarios' price base,
    None when they differ)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = comparison_tables(comparison, price_year)
    paths: dict[str, Path] = {}
    for name, frame in tables.items():
        path = out / f"compare_{name}.csv"
        write_csv(frame, path)
        paths[name] = path
    workbook = out / "comparison.xlsx"
    with excel_writer(workbook) as writer:
        for name, frame in tables.items():
            write_sheet(writer, name, frame)
    paths["workbook"] = workbook
    return paths


def sweep_table(table: pd.DataFrame, lever: str, price_year: str) -> pd.DataFrame:
    """sweep.csv with units in its headers: ``value`` in the lever's unit
    (:data:`sufficiency.scenario.LEVERS`), the headline columns as :func:`headline_units`."""
    field = lever.partition(".")[0]
    units = headline_units(money_unit(price_year), price_year)
    if field in LEVERS:
        units["value"] = LEVERS[field].unit
    return with_units(table, money=money_unit(price_year), units=units)
