"""Synthetic, seeded recruitment records for the demo authority (clearly labelled synthetic).

The generator simulates enquiries month by month from a background of word of mouth, the council
website and always-on social media plus time-limited campaigns (radio, billboards, bus stops,
leaflet drops, stadium screens ...), then walks each enquiry through the funnel stages with
stage probabilities and durations calibrated to the published figures in DOMAIN.md:

- enquiry -> application about 17% (Ofsted: LA 12-19%, 2017-18 to 2022-23);
- application -> approval about 35% (Ofsted 2017-18: 33-36%);
- enquiry -> approval therefore about 6%, lower than the older 11% benchmark (Fostering Network /
  iMPOWER 2013), which the Ofsted stage rates cannot reproduce; time from enquiry to approval about
  9 months, close to that benchmark's 281 days;
- about 13 approved households a year (:data:`DEMO_SCALE`), in line with the demo carer
  households, which are derived from the 903 placements (about 85 mainstream and specialist
  households at 31 March 2024 holding the 99 children in in-house foster care, ~15-17% of them
  leaving a year, about 13-14 in-house approvals a year over 2017-2023). The two files agree on
  the level of approvals, not year by year or row by row.

Everything here is invented. Nothing describes a real enquirer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency.paths import demo_dir
from sufficiency.spreadsheets import write_csv
from sufficiency.supply.records import (
    STAGE_DATE_COLUMNS,
    STAGES,
    FunnelRecords,
    read_funnel_records,
)

DEMO_FUNNEL_LABEL = "Synthetic demo authority: generated recruitment records, not real enquiries"
DEMO_EXTRACT_DATE = pd.Timestamp("2024-03-31")
DEMO_START = pd.Timestamp("2016-04-01")
DEMO_SEED = 903


def demo_supply_dir() -> Path:
    """Folder holding the demo enquiries.csv and campaign_spend.csv."""
    return demo_dir() / "supply"


# Enquiry volumes and spend relative to the campaign table below: sized so approvals (about 13 a
# year over 2017-2023) match the in-house approvals in the demo's carer household records.
DEMO_SCALE = 0.85


@dataclass(frozen=True)
class Campaign:
    """A recruitment campaign (or always-on source) in the synthetic authority."""

    name: str
    channel: str
    start: str
    end: str
    monthly_spend: float
    enquiries_per_month: float
    quality: float
    """Odds multiplier on the early stages: >1 brings more committed enquirers."""


DEMO_CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign("no campaign", "word of mouth", "2016-04", "2024-03", 0.0, 7.5, 1.9),
    Campaign("Council website", "council website", "2016-04", "2024-03", 250.0, 6.0, 1.1),
    Campaign("Always-on social media", "social media", "2016-04", "2024-03", 600.0, 6.0, 0.7),
    Campaign("Community events", "event", "2016-04", "2024-03", 150.0, 2.0, 1.3),
    Campaign("Spring radio 2017", "radio", "2017-03", "2017-05", 4000.0, 15.0, 0.9),
    Campaign("Bus-stop posters 2018", "bus stop", "2018-01", "2018-03", 3000.0, 8.0, 0.8),
    Campaign("Billboards autumn 2019", "billboard", "2019-09", "2019-11", 5000.0, 9.0, 0.8),
    Campaign("Leaflet drop summer 2020", "leaflet drop", "2020-06", "2020-07", 2500.0, 6.0, 1.1),
    Campaign("Fostering Fortnight radio 2021", "radio", "2021-05", "2021-06", 4500.0, 15.0, 0.9),
    Campaign("Match-day screens 2022-23", "stadium screen", "2022-08", "2023-05", 1500.0, 3.0, 0.6),
    Campaign("Bus-stop posters 2022", "bus stop", "2022-02", "2022-03", 3000.0, 5.0, 0.8),
    Campaign("Teenagers need homes 2023", "social media", "2023-09", "2023-12", 3000.0, 12.0, 0.6),
    Campaign("Spring radio 2024", "radio", "2024-01", "2024-03", 4000.0, 15.0, 0.9),
)
"""Sources of enquiries in the demo authority. Spend in pounds per month; enquiries per month."""

# Probability of reaching the next stage, given the previous one (stage i -> i + 1).
_STAGE_PROBABILITY = np.array([0.45, 0.38, 0.86, 0.88, 0.50, 0.95])
# Mean days spent in each stage before moving on, and gamma shape (spread).
_STAGE_MEAN_DAYS = np.array([18.0, 42.0, 30.0, 25.0, 150.0, 14.0])
_STAGE_SHAPE = np.array([2.0, 2.5, 3.0, 3.0, 6.0, 4.0])
# Months of the year with more enquiries (new year, September).
_SEASONALITY = np.array([1.25, 1.05, 1.0, 0.95, 0.95, 0.85, 0.8, 0.85, 1.15, 1.05, 1.0, 0.9])

_REASONS_EARLY = (
    ("not the right time", 0.35),
    ("lost contact", 0.25),
    ("changed circumstances", 0.15),
    ("chose another fostering service", 0.15),
    ("home not suitable", 0.10),
)
_REASONS_ASSESSMENT = (
    ("changed circumstances", 0.4),
    ("counselled out", 0.3),
    ("not the right time", 0.2),
    ("chose another fostering service", 0.1),
)


def _month_factor(month: pd.Timestamp) -> float:
    """Background shifts: a lockdown dip in spring 2020, then the 2020-21 national peak."""
    factor = _SEASONALITY[month.month - 1]
    if pd.Timestamp("2020-04-01") <= month <= pd.Timestamp("2020-06-01"):
        factor *= 0.7
    elif pd.Timestamp("2020-09-01") <= month <= pd.Timestamp("2021-03-01"):
        factor *= 1.2
    return float(factor)


def _draw_reasons(rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int):
    labels = np.array([label for label, _ in options], dtype=object)
    weights = np.array([weight for _, weight in options])
    return rng.choice(labels, size=n, p=weights / weights.sum())


def generate_funnel_records(
    *,
    start: str | pd.Timestamp = DEMO_START,
    extract_date: str | pd.Timestamp = DEMO_EXTRACT_DATE,
    scale: float = DEMO_SCALE,
    campaigns: tuple[Campaign, ...] = DEMO_CAMPAIGNS,
    random_state: int | None = DEMO_SEED,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate enquiries and campaign spend in the file formats of :mod:`.records`.

    Parameters
    ----------
    start, extract_date : date
        First month of enquiries and the date the records are extracted (later events are cut,
        so some enquiries are still in progress).
    scale : float
        Multiplies enquiry volumes and spend (e.g. 20 for a 50,000-enquiry benchmark).
    campaigns : tuple of Campaign
        Enquiry sources; defaults to :data:`DEMO_CAMPAIGNS`.
    random_state : int, optional
        Seed.

    Returns
    -------
    (enquiries, spend) : tuple of DataFrame
        Text tables with the columns of ``ENQUIRY_COLUMNS`` and ``SPEND_COLUMNS`` (ISO dates).
    """
    rng = np.random.default_rng(random_state)
    start = pd.Timestamp(start).to_period("M").to_timestamp()
    extract_date = pd.Timestamp(extract_date)
    months = pd.date_range(start, extract_date, freq="MS")

    dates, channels, names, qualities = [], [], [], []
    spend_rows = []
    for campaign in campaigns:
        first, last = pd.Timestamp(campaign.start), pd.Timestamp(campaign.end)
        for month in months[(months >= first) & (months <= last)]:
            mean = campaign.enquiries_per_month * scale * _month_factor(month)
            count = rng.poisson(mean)
            days_in_month = month.days_in_month
            limit = (extract_date - month).days + 1
            offsets = rng.integers(0, min(days_in_month, limit), size=count)
            dates.append(month.to_datetime64() + offsets.astype("timedelta64[D]"))
            channels.append(np.full(count, campaign.channel, dtype=object))
            names.append(np.full(count, campaign.name, dtype=object))
            qualities.append(np.full(count, campaign.quality))
            if campaign.monthly_spend > 0:
                spend = campaign.monthly_spend * scale * rng.uniform(0.85, 1.15)
                spend_rows.append(
                    (campaign.channel, campaign.name, month.strftime("%Y-%m"), round(spend, 2))
                )
    enquiry_dates = np.concatenate(dates).astype("datetime64[ns]")
    order = np.argsort(enquiry_dates, kind="stable")
    enquiry_dates = enquiry_dates[order]
    channel = np.concatenate(channels)[order]
    campaign_name = np.concatenate(names)[order]
    quality = np.concatenate(qualities)[order]
    n = len(enquiry_dates)

    household = rng.choice(np.array(["couple", "single"], dtype=object), n, p=[0.62, 0.38])
    bedrooms = rng.choice(np.arange(4), n, p=[0.16, 0.46, 0.28, 0.10])
    children_home = rng.choice(np.array(["yes", "no"], dtype=object), n, p=[0.45, 0.55])
    interest = rng.choice(
        np.array(["mainstream", "short breaks", "teenagers", "sibling groups", "parent and child"]),
        n,
        p=[0.62, 0.14, 0.10, 0.08, 0.06],
    ).astype(object)

    # Odds multipliers per enquiry and stage transition.
    odds = np.ones((n, len(_STAGE_PROBABILITY)))
    odds[:, 0] *= quality
    odds[:, 1] *= np.sqrt(quality) * np.where(bedrooms == 0, 0.15, 1.0)
    odds[:, 1] *= np.where(bedrooms >= 2, 1.3, 1.0)
    odds[:, 4] *= np.where(household == "single", 0.85, 1.05)
    odds[:, 4] *= np.where(interest == "teenagers", 1.2, 1.0)
    base_odds = _STAGE_PROBABILITY / (1 - _STAGE_PROBABILITY)
    probability = (base_odds * odds) / (1 + base_odds * odds)

    stage_dates = np.full((n, len(STAGES)), np.datetime64("NaT"), dtype="datetime64[ns]")
    stage_dates[:, 0] = enquiry_dates
    withdrawal = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    reason = np.full(n, None, dtype=object)
    active = np.ones(n, dtype=bool)
    for step in range(len(_STAGE_PROBABILITY)):
        shape = _STAGE_SHAPE[step]
        days = rng.gamma(shape, _STAGE_MEAN_DAYS[step] / shape, n).round().astype(int) + 1
        moves = active & (rng.random(n) < probability[:, step])
        stops = active & ~moves
        here = stage_dates[:, step]
        stage_dates[moves, step + 1] = here[moves] + days[moves].astype("timedelta64[D]")
        # People who drop out tend to do so part-way through the typical stage length.
        stop_days = (days * rng.uniform(0.3, 1.6, n)).round().astype(int) + 1
        withdrawal[stops] = here[stops] + stop_days[stops].astype("timedelta64[D]")
        if step <= 1:
            drawn = _draw_reasons(rng, _REASONS_EARLY, n)
            drawn = np.where(bedrooms == 0, "home not suitable", drawn)
        elif step == 5:
            drawn = np.full(n, "not recommended at panel", dtype=object)
        else:
            drawn = _draw_reasons(rng, _REASONS_ASSESSMENT, n)
        reason[stops] = drawn[stops]
        active = moves

    # Cut at the extract date: later events have not happened yet.
    cutoff = np.datetime64(extract_date, "ns")
    stage_dates[stage_dates > cutoff] = np.datetime64("NaT")
    withdrawn_later = withdrawal > cutoff
    withdrawal[withdrawn_later] = np.datetime64("NaT")
    reason[withdrawn_later | np.isnat(withdrawal)] = None

    def as_text(values: np.ndarray) -> pd.Series:
        series = pd.Series(values).dt.strftime("%Y-%m-%d")
        return series.fillna("").astype(object)

    enquiries = pd.DataFrame(
        {
            "enquiry_id": [f"SYN-{index:06d}" for index in range(1, n + 1)],
            "enquiry_date": as_text(stage_dates[:, 0]),
            "channel": channel,
            "campaign": np.where(campaign_name == "no campaign", "", campaign_name),
            "household_type": household,
            "spare_bedrooms": bedrooms.astype(str),
            "has_children_at_home": children_home,
            "fostering_interest": interest,
        }
    )
    for position, stage in enumerate(STAGES):
        if position:
            enquiries[STAGE_DATE_COLUMNS[stage]] = as_text(stage_dates[:, position])
    enquiries["withdrawal_date"] = as_text(withdrawal)
    enquiries["withdrawal_reason"] = pd.Series(reason).fillna("").astype(object)
    spend = pd.DataFrame(spend_rows, columns=["channel", "campaign", "period", "spend"])
    spend = spend.sort_values(["period", "channel", "campaign"], kind="stable").reset_index(
        drop=True
    )
    return enquiries, spend


def write_demo_funnel(folder: str | Path | None = None, **options) -> tuple[Path, Path]:
    """Generate the demo records and write ``enquiries.csv`` and ``campaign_spend.csv``.

    Parameters
    ----------
    folder : path, optional
        Defaults to ``data/demo/supply``.
    **options
        Passed to :func:`generate_funnel_records`.
    """
    folder = Path(folder) if folder is not None else demo_supply_dir()
    folder.mkdir(parents=True, exist_ok=True)
    enquiries, spend = generate_funnel_records(**options)
    enquiries_path = folder / "enquiries.csv"
    spend_path = folder / "campaign_spend.csv"
    write_csv(enquiries, enquiries_path)
    write_csv(spend, spend_path)
    return enquiries_path, spend_path


@lru_cache(maxsize=1)
def load_demo_funnel() -> FunnelRecords:
    """The demo authority's funnel records, read through the validated reader (memoised).

    Reads ``data/demo/supply``; generates them in memory when the files are absent.
    """
    folder = demo_supply_dir()
    if (folder / "enquiries.csv").exists():
        return read_funnel_records(
            [folder / "enquiries.csv", folder / "campaign_spend.csv"],
            extract_date=DEMO_EXTRACT_DATE,
        )
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        paths = write_demo_funnel(scratch)
        return read_funnel_records(list(paths), extract_date=DEMO_EXTRACT_DATE)


if __name__ == "__main__":
    written = write_demo_funnel()
    print("wrote", *written)
