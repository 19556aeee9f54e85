"""The answer on one screen: indicators for targets, recruitment and money, each with its change
against the baseline. Shared by the Scenario explorer and the Recommended plan, so both pages
show the same numbers from the same run."""

from __future__ import annotations

import inspect

import pandas as pd
import streamlit as st

from app_pages.plain import plain
from app_pages.presentation import enquiries_needed_metric
from sufficiency.plan.wording import households_gained, target_headline

# Deltas that give context ("target 30%", "now 80 a quarter") are not changes: no arrow, where
# the installed Streamlit can leave it out.
CONTEXT = {"delta_arrow": "off"} if "delta_arrow" in inspect.signature(st.metric).parameters else {}
# Shares are averaged over the simulated futures (each future's own share), which is not quite
# the share of the average placements in the downloads; say so where a user may check.
SHARE_HELP = (
    "IFA placements as a share of all foster placements (or of foster placements leaving out "
    "family and friends carers), averaged over the simulated futures. Dividing the "
    "average placements in the placements download gives the share of the averages, which "
    "can differ by a point or two."
)


def money(pounds: float) -> str:
    """£ millions with the sign before the pound sign."""
    return f"{'-' if pounds < 0 else ''}£{abs(pounds) / 1e6:,.1f}m"


def change(value: float, unit: str = "", digits: int = 0, money_m: bool = False) -> str | None:
    if money_m:
        return (
            None
            if abs(value) < 5e4
            else f"{'+' if value > 0 else '-'}£{abs(value) / 1e6:,.1f}m vs baseline"
        )
    if round(value, digits) == 0:
        return None
    return f"{value:+,.{digits}f}{unit} vs baseline"


def answer(result, baseline) -> None:
    """Indicators, not paragraphs: targets, recruitment, money, each with its change."""
    s, b = result.summary, baseline.summary
    plan = result.plan
    checks = result.targets.to_dict(orient="records")
    share_check = next((c for c in checks if c["unit"] == "%"), None)
    ext_check = next((c for c in checks if c["unit"] == "children"), None)

    now_month = pd.Timestamp(s["origin"]) + pd.offsets.MonthEnd(0)
    end_month = pd.Timestamp(result.placements["month"].max())
    st.markdown("**Targets**")
    # parts that come and go with the targets sit in containers that are always drawn, so the
    # elements after them keep their place (and the browser updates them, not redraws them)
    headlines = st.container()
    for check in checks:
        level = f"{check['target_value']:g}{'%' if check['unit'] == '%' else ' children'}"
        met = "can be met" if check["feasible"] else "cannot be met with realistic recruitment"
        headlines.markdown(
            f"**Target {level} by {pd.Timestamp(check['date']):%B %Y}: {met}.** "
            + plain(target_headline(check, now_month, end_month))
        )
    cols = st.columns(4)
    if share_check is not None:
        by = f"{pd.Timestamp(share_check['date']):%b %Y}"
        cols[0].metric(
            f"IFA share now ({now_month:%b %Y})",
            f"{share_check['now']:.0f}%",
            f"target {share_check['target_value']:g}% by {by}",
            delta_color="off",
            **CONTEXT,
            help=share_check["target"],
        )
        cols[1].metric(
            f"Without a plan, {by}",
            f"{share_check['without_plan']:.0f}%",
            help="The IFA share at the target date with no extra recruitment: the baseline of "
            "current trends, the same simulated futures.",
        )
        cols[2].metric(
            f"With the plan, {by}",
            f"{share_check['projected']:.0f}%",
            f"{share_check['projected'] - share_check['without_plan']:+.0f} points vs without a plan",
            delta_color="inverse",
            help="With the plan's extra households in post.",
        )
    elif ext_check is None:
        cols[0].metric(
            f"IFA share, {end_month:%b %Y} (end)",
            f"{s['ifa_share_of_fostering_end_pct']:.0f}%",
            help=SHARE_HELP,
        )
        cols[1].metric(
            f"IFA share leaving out family and friends carers, {end_month:%b %Y}",
            f"{s['ifa_share_of_non_kinship_fostering_end_pct']:.0f}%",
            help=SHARE_HELP,
        )
    if checks:
        feasible = all(c["feasible"] for c in checks)
        if feasible:
            cols[3].metric("Can it be met?", "Yes", "with realistic recruitment", delta_color="off")
        else:
            first = next(c for c in checks if not c["feasible"])
            cols[3].metric(
                "Can it be met?",
                "No",
                f"earliest {pd.Timestamp(first['earliest_month']):%b %Y}"
                if first["earliest_month"]
                else f"not by {end_month:%b %Y}",  # the headline says it is the forecast's end
                delta_color="off",
                **CONTEXT,
                help=first["verdict"],
            )
    else:
        cols[3].metric("Targets", "none set")
    ext_row = st.container()
    if ext_check is not None:
        by = f"{pd.Timestamp(ext_check['date']):%b %Y}"
        cols = ext_row.columns(4)
        cols[0].metric(
            f"External residential now ({now_month:%b %Y})",
            f"{ext_check['now']:.0f}",
            f"target {ext_check['target_value']:g} by {by}",
            delta_color="off",
            **CONTEXT,
        )
        cols[1].metric(
            f"External residential without a plan, {by}", f"{ext_check['without_plan']:.0f}"
        )
        cols[2].metric(
            f"External residential with the plan, {by}",
            f"{ext_check['projected']:.0f}",
            change(ext_check["projected"] - ext_check["without_plan"], " children").replace(
                "vs baseline", "vs without a plan"
            )
            if round(ext_check["projected"] - ext_check["without_plan"])
            else None,
            delta_color="inverse",
        )
    # always one line here, so the elements below keep their place when a target is set
    st.caption(
        (
            f"Dates: now is {now_month:%B %Y}, where the data ends; the forecast runs to "
            f"{end_month:%B %Y}, so figures for the target date and for the end differ. "
            "The Demand forecast page shows demand before in-house carers are counted."
        )
        if checks
        else "No target set."
    )

    st.markdown("**Recruitment**")
    cols = st.columns(4)
    approvals_now = s["approvals_now_per_quarter"]
    per_quarter = plan.peak_per_quarter if plan is not None else 0.0  # busiest, not average
    cols[0].metric(
        "Extra households to approve",
        f"{s['approvals_needed_total']:,}",
        f"up to {per_quarter:.0f} a quarter" if per_quarter else None,
        delta_color="off",
        **CONTEXT,
        help="Households the targets need on top of the approvals the service makes now, whole "
        "households per quarter within the limits.",
    )
    cols[1].metric(
        "Approvals now (a quarter)",
        f"{approvals_now:.1f}",
        help=f"{result.figures.approvals_per_quarter.source}",
    )
    source = f"Enquiries now: {result.figures.enquiries_per_quarter.source}."
    enquiries_needed_metric(cols[2], s, plan, help=source, **CONTEXT)  # average and busiest
    cols[3].metric(
        f"In-house households, {end_month:%b %Y}",
        f"{s['in_house_households_end']:,.0f}",
        change(s["in_house_households_end"] - b["in_house_households_end"]),
        help=f"Today {s['in_house_households_start']:,.0f}: {result.figures.in_house.rule}",
    )
    gained = st.container()
    approved = int(s["approvals_needed_total"])
    if approved and plan is not None and plan.schedule is not None:
        still = float(plan.schedule.in_post[-1].sum())
        gained.caption(plain(households_gained(approved, still, end_month)))
    without = s["approvals_without_plan_per_quarter"]
    on_top = (
        f"; the targets' extra households come on top (up to {without + per_quarter:.1f} a "
        "quarter in all)"
        if per_quarter
        else ""
    )
    st.caption(
        f"Without a plan the model keeps approving {without:.1f} households a quarter, as many "
        f"as now, more than the {s['approvals_replacing_leavers_per_quarter']:.1f} that replace "
        f"the carers who leave{on_top}."
    )

    st.markdown(f"**Money over {result.scenario.horizon_months} months**")
    # two rows of three: six columns beside the sidebar cut "£216.9m" to "£216.…" at 1280 px
    cols = [*st.columns(3), *st.columns(3)]
    cols[0].metric(
        "Total cost (cash)",
        money(s["total_cost_gbp"]),
        change(s["total_cost_gbp"] - b["total_cost_gbp"], money_m=True),
        delta_color="inverse",
        help="Placements, recruitment, support and programmes, with inflation. By financial "
        "year below; unit costs and sources on the Placement budget page.",
    )
    cols[1].metric(
        "Placement saving",
        money(s["total_saving_vs_baseline_gbp"]),
        help="Placement costs saved against the baseline (same paths and prices, no levers).",
    )
    cols[2].metric("Investment", money(s["total_investment_gbp"]))
    cols[3].metric("Net (cash)", money(s["net_position_gbp"]))
    cols[4].metric(
        "Net present value",
        money(s["npv_gbp"]),
        help="Saving less investment, discounted at the HM Treasury Green Book rate of "
        f"{s['discount_rate_pct']:g}% a year (real terms): money later counts for less.",
    )
    cols[5].metric(
        "Payback",
        f"{pd.Timestamp(s['payback_month']):%b %Y}" if s["payback_month"] else "–",
        help="First month from which the cumulative saving covers the investment.",
    )
    # the targets' verdicts are the headline above: the points here are the rest of the plan
    points = [] if plan is None else [p for p in plan.points if not p.startswith("Target: ")]
    in_short = st.container()
    if points:
        in_short.markdown("**The plan in short**")
        in_short.markdown("\n".join(f"- {plain(point)}" for point in points))
    for warning in result.warnings:
        st.warning(warning, icon=":material/warning:")
