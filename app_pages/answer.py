"""The answer on one screen: indicators for targets, recruitment and money, each with its change
against the baseline. Shared by the Scenario explorer and the Recommended plan, so both pages
show the same numbers from the same run.

The whole answer is one HTML element, not about 45 Streamlit elements (13 ``st.metric`` in 18
columns, headings and captions): the browser redraws every element of the explorer on each lever
change, changed or not, at about 1.5-2 ms of its main thread each, so one element instead of 45
cuts that redraw by about a third (measured with benchmarks/bench_browser_lever.py, 1 Dec 2026).
The indicators look and read like ``st.metric`` (label, value, change, a "?" whose tooltip gives
the source); every text is HTML-escaped, so a scenario name or file value shows as typed.
"""

from __future__ import annotations

import html
import inspect
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from app_pages.presentation import enquiries_needed_metric
from sufficiency.exports import target_share_of_mean_counts
from sufficiency.plan.wording import differs, households_gained, target_headline

# Shares are averaged over the simulated futures (each future's own share), which is not quite
# the share of the average placements in the downloads; say so where a user may check.
SHARE_HELP = (
    "IFA placements as a share of all foster placements (or of foster placements leaving out "
    "family and friends carers), averaged over the simulated futures. Dividing the "
    "average placements in the placements download gives the share of the averages, which "
    "can differ by a point or two."
)
# Deltas that give context ("target 30%", "now 80 a quarter") are not changes: no arrow (also
# for the pages' own st.metric, where the installed Streamlit can leave it out).
CONTEXT = {"delta_arrow": "off"} if "delta_arrow" in inspect.signature(st.metric).parameters else {}
# Looks like st.metric (label, large value, change in a pill, "?" with the source), in the
# page's own font and colours; class names are prefixed so nothing else on the page changes.
# A row's labels, values and changes share grid rows (subgrid), so a label that wraps to two
# lines does not push its value below the others.
STYLE = """<style>
.sf-answer{font-size:1rem;line-height:1.6}
.sf-answer p{margin:0 0 0.75rem 0}
.sf-answer .sf-head{font-weight:600;margin:1rem 0 0.5rem 0}
.sf-answer .sf-head:first-child{margin-top:0}
.sf-answer .sf-caption{font-size:0.875rem;opacity:0.65}
.sf-answer .sf-check{font-size:0.875rem;border-left:3px solid #e6a700;padding-left:0.5rem}
.sf-answer ul{margin:0 0 0.75rem 0;padding-left:1.5rem}
.sf-answer .sf-row{display:grid;gap:0 1rem;margin:0 0 1rem 0}
.sf-answer .sf-row>div{display:grid;grid-row:span 3;grid-template-rows:subgrid;align-content:start}
.sf-answer .sf-row4{grid-template-columns:repeat(4,minmax(0,1fr))}
.sf-answer .sf-row3{grid-template-columns:repeat(3,minmax(0,1fr))}
@media (max-width:640px){.sf-answer .sf-row4,.sf-answer .sf-row3{grid-template-columns:1fr 1fr}}
.sf-answer .sf-label{font-size:0.875rem;line-height:1.3;margin-bottom:0.25rem;align-self:end}
.sf-answer .sf-help{display:inline-flex;align-items:center;justify-content:center;width:1rem;
height:1rem;margin-left:0.3rem;border:1px solid currentColor;border-radius:50%;
font-size:0.7rem;line-height:1;opacity:0.6;cursor:help;vertical-align:0.1rem}
.sf-answer .sf-value{font-size:2.25rem;line-height:1.2;white-space:nowrap;overflow:hidden;
text-overflow:ellipsis}
.sf-answer .sf-delta{justify-self:start;align-self:start;margin-top:0.4rem;padding:0 0.4rem;
border-radius:0.5rem;font-size:0.8rem;line-height:1.5}
.sf-answer .sf-off{background:rgba(128,132,149,0.15)}
.sf-answer .sf-good{background:rgba(33,195,84,0.12);color:#158237}
.sf-answer .sf-bad{background:rgba(255,43,43,0.09);color:#bd4043}
</style>"""


@dataclass(frozen=True)
class Indicator:
    """One figure as ``st.metric`` would show it: label, value, optional change and source."""

    label: str
    value: str
    delta: str | None = None
    delta_color: str = "normal"
    delta_arrow: str = "auto"
    help: str | None = None

    def html(self) -> str:
        e = html.escape
        label = f'<span data-testid="answerIndicatorLabel">{e(self.label)}</span>'
        if self.help:
            label += (
                f'<span class="sf-help" tabindex="0" role="img" aria-label="{e(self.help)}" '
                f'title="{e(self.help)}">?</span>'
            )
        parts = [
            f'<div class="sf-label">{label}</div>',
            f'<div class="sf-value" data-testid="answerIndicatorValue">{e(self.value)}</div>',
        ]
        if self.delta:
            falling = self.delta.lstrip().startswith("-")
            if self.delta_color == "off":
                tone, arrow = "sf-off", ""
            else:
                good = falling if self.delta_color == "inverse" else not falling
                tone = "sf-good" if good else "sf-bad"
                arrow = "" if self.delta_arrow == "off" else ("↓ " if falling else "↑ ")
            parts.append(
                f'<div class="sf-delta {tone}" data-testid="answerIndicatorDelta">'
                f"{arrow}{e(self.delta)}</div>"
            )
        return f'<div data-testid="answerIndicator">{"".join(parts)}</div>'


class Slot:
    """A place for one indicator in a row, filled by the same call as ``st.metric`` (so
    :func:`~app_pages.presentation.enquiries_needed_metric` fills it as it fills a column)."""

    def __init__(self) -> None:
        self.indicator: Indicator | None = None

    def metric(self, label, value, delta=None, delta_color="normal", *, help=None, **style):
        self.indicator = Indicator(
            str(label),
            str(value),
            None if delta is None else str(delta),
            delta_color,
            style.get("delta_arrow", "auto"),
            help,
        )


def row_html(slots: list[Slot]) -> str:
    """The slots side by side (an empty slot keeps its place, as an empty column did)."""
    cells = "".join(s.indicator.html() if s.indicator else "<div></div>" for s in slots)
    return f'<div class="sf-row sf-row{len(slots)}">{cells}</div>'


def text(words: str, kind: str = "") -> str:
    return f'<p class="{kind}">{html.escape(words)}</p>' if kind else f"<p>{html.escape(words)}</p>"


def compared(value: float, other: float) -> str:
    """ "more than", "fewer than" or "the same as", as the two counts show to one decimal (an
    authority's own records may approve fewer households than leave, not only more)."""
    if round(value, 1) == round(other, 1):
        return "the same as"
    return "more than" if value > other else "fewer than"


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


def other_changes(result) -> str:
    """The scenario's levers that change in-house households besides the targets' plan, in
    plain words ("" when none): what else the households' change against the baseline counts."""
    scenario = result.scenario
    words = []
    if scenario.deregistration_change_pct:
        words.append(
            "fewer carers leaving"
            if scenario.deregistration_change_pct < 0
            else "more carers leaving"
        )
    if scenario.approvals_per_quarter or any(v for _, v in scenario.marketing_spend_per_quarter):
        words.append("its own recruitment")
    if scenario.conversion_improvement_pct:
        words.append("better conversion of enquiries")
    return ", ".join(words)


def answer(result, baseline, cost_note: str | None = None) -> None:
    """Indicators, not paragraphs: targets, recruitment, money, each with its change.
    ``cost_note`` (:func:`app_pages.cross_checks.cost_note`) is shown under the total cost."""
    st.html(answer_html(result, baseline, cost_note))
    for warning in result.warnings:
        st.warning(warning, icon=":material/warning:")


def answer_html(result, baseline, cost_note: str | None = None) -> str:
    """The answer (without the run's warnings) as one HTML block; ``cost_note`` (the RO3
    cross-check, when a line is off) goes right under the total cost."""
    s, b = result.summary, baseline.summary
    plan = result.plan
    # a target without an earliest month has NaN there when another target has one (a column
    # of the table): None, so "if earliest_month" means what it says
    checks = [
        {k: None if isinstance(v, float) and pd.isna(v) else v for k, v in check.items()}
        for check in result.targets.to_dict(orient="records")
    ]
    share_check = next((c for c in checks if c["unit"] == "%"), None)
    ext_check = next((c for c in checks if c["unit"] == "children"), None)

    now_month = pd.Timestamp(s["origin"]) + pd.offsets.MonthEnd(0)
    end_month = pd.Timestamp(result.placements["month"].max())
    parts = [STYLE, '<div class="sf-answer">', text("Targets", "sf-head")]
    # what dividing the chart's average counts gives at the target date (the headline says it
    # where it differs from the average of the futures' shares)
    counted = target_share_of_mean_counts(result) if share_check is not None else None
    futures = int(s["simulated_paths"])

    def counts_help(key: str) -> str:
        if not counted or not differs(share_check[key], counted[key]):
            return ""
        return (
            f" Each of the {futures} futures' shares, averaged; dividing the average counts in "
            f"the chart gives {counted[key]:.0f}% (futures with more children in foster care "
            "place more of them with IFAs)."
        )

    for check in checks:
        level = f"{check['target_value']:g}{'%' if check['unit'] == '%' else ' children'}"
        when = f"{pd.Timestamp(check['date']):%B %Y}"
        met = "can be met" if check["feasible"] else "cannot be met with realistic recruitment"
        # a target date after the forecast's end is checked at its last month: say so here,
        # where "by <last month>" would otherwise silently replace the date the user set
        note = f" {check['note']}" if check.get("note") else ""
        parts.append(
            f"<p><b>{html.escape(f'Target {level} by {when}: {met}.')}</b> "
            f"{html.escape(target_headline(check, now_month, end_month, counted, futures) + note)}</p>"
        )
    cols = [Slot() for _ in range(4)]
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
        without, projected = share_check["without_plan"], share_check["projected"]
        # "44%", "44%" and "-1 points" read as a contradiction: where the two round to the same
        # whole point but not the same tenth, show tenths, and the change between the figures
        # as shown
        tenths = f"{without:.0f}" == f"{projected:.0f}" and f"{without:.1f}" != f"{projected:.1f}"
        digits = 1 if tenths else 0
        points = round(projected, digits) - round(without, digits)
        cols[1].metric(
            f"Without a plan, {by}",
            f"{without:.{digits}f}%",
            help="The IFA share at the target date with no extra recruitment: the baseline of "
            f"current trends, the same simulated futures.{counts_help('without_plan')}",
        )
        cols[2].metric(
            f"With the plan, {by}",
            f"{projected:.{digits}f}%",
            f"{points:+.{digits}f} points vs without a plan" if points else None,
            delta_color="inverse",
            help=f"With the plan's extra households in post.{counts_help('projected')}",
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
    parts.append(row_html(cols))
    if ext_check is not None:
        by = f"{pd.Timestamp(ext_check['date']):%b %Y}"
        cols = [Slot() for _ in range(4)]
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
        parts.append(row_html(cols))
    parts.append(
        text(
            (
                f"Dates: now is {now_month:%B %Y}, where the data ends; the forecast runs to "
                f"{end_month:%B %Y}, so figures for the target date and for the end differ. "
                "The Demand forecast page shows demand before in-house carers are counted."
            )
            if checks
            else "No target set.",
            "sf-caption",
        )
    )

    parts.append(text("Recruitment", "sf-head"))
    cols = [Slot() for _ in range(4)]
    approvals_now = s["approvals_now_per_quarter"]
    timing = plan.timing() if plan is not None else None
    per_quarter = float(timing.peak) if timing is not None else 0.0  # busiest, not average
    # "up to" only where quarters differ: with the same number in every quarter it misled
    even = timing is not None and timing.even
    cols[0].metric(
        "Extra households to approve",
        f"{s['approvals_needed_total']:,}",
        (f"{per_quarter:.0f} each quarter" if even else f"up to {per_quarter:.0f} a quarter")
        if per_quarter
        else None,
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
        # short: "In-house households, Mar 2029" was cut in a quarter-width column at 1280 px
        f"Households, {end_month:%b %Y}",
        f"{s['in_house_households_end']:,.0f}",
        change(s["in_house_households_end"] - b["in_house_households_end"]),
        help=f"In-house foster households at {end_month:%B %Y}, the end of the forecast. "
        f"Today {s['in_house_households_start']:,.0f}: {result.figures.in_house.rule}",
    )
    parts.append(row_html(cols))
    approved = int(s["approvals_needed_total"])
    if approved and plan is not None and plan.schedule is not None:
        still = float(plan.schedule.in_post[-1].sum())
        against = s["in_house_households_end"] - b["in_house_households_end"]
        parts.append(
            text(
                households_gained(approved, still, end_month, against, other_changes(result)),
                "sf-caption",
            )
        )
    without = s["approvals_without_plan_per_quarter"]
    on_top = (
        f"; the targets' extra households come on top ({'' if even else 'up to '}"
        f"{without + per_quarter:.1f} a quarter in all)"
        if per_quarter
        else ""
    )
    replacing = s["approvals_replacing_leavers_per_quarter"]
    than = compared(without, replacing)
    leaving = result.scenario.deregistration_change_pct
    as_set = (
        f" ({abs(leaving):g}% {'fewer' if leaving < 0 else 'more'} leaving, as set)"
        if leaving
        else ""
    )
    parts.append(
        text(
            f"Without a plan the model keeps approving {without:.1f} households a quarter, as "
            f"many as now, {than} the {replacing:.1f} that replace the carers who leave{as_set}{on_top}.",
            "sf-caption",
        )
    )

    parts.append(text(f"Money over {result.scenario.horizon_months} months", "sf-head"))
    # two rows of three: six side by side beside the sidebar cut "£216.9m" at 1280 px
    cols = [Slot() for _ in range(6)]
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
    parts.append(row_html(cols[:3]))
    if cost_note:
        parts.append(text(cost_note, "sf-check"))
    parts.append(row_html(cols[3:]))
    # the targets' verdicts are the headline above: the points here are the rest of the plan
    points = [] if plan is None else [p for p in plan.points if not p.startswith("Target: ")]
    if points:
        parts.append(text("The plan in short", "sf-head"))
        parts.append("<ul>" + "".join(f"<li>{html.escape(p)}</li>" for p in points) + "</ul>")
    parts.append("</div>")
    return "".join(parts)
