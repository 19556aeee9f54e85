"""A small individual-level micro-simulation that writes clean 903 episodes, for demand tests.

Independent of the demand model's maths: children carry a date of birth and sit in one of a few
placement categories; at each month they leave with a probability that depends on their age band
and on whether they entered care in the last three months, move with a fixed probability, and new
children enter every month. Episodes end at moves and exits; care at 18 ends with REC E17. The
output has the :data:`sufficiency.schemas.CLEAN_EPISODES` columns, so every demand test goes
through the real month-end care histories (:func:`sufficiency.demand.panel.care_months`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sufficiency import codes
from sufficiency.codes import AGE_BAND_LOWER_YEARS, AGE_BANDS

CATEGORIES = (
    codes.IN_HOUSE_FOSTERING,
    codes.IFA_FOSTERING,
    codes.KINSHIP_FOSTERING,
    codes.EXTERNAL_RESIDENTIAL,
)
_PLACE = {
    codes.IN_HOUSE_FOSTERING: ("U6", "PR1"),
    codes.IFA_FOSTERING: ("U6", "PR4"),
    codes.KINSHIP_FOSTERING: ("U3", "PR1"),
    codes.IN_HOUSE_RESIDENTIAL: ("K2", "PR1"),
    codes.EXTERNAL_RESIDENTIAL: ("K2", "PR4"),
    codes.SUPPORTED: ("H5", "PR4"),
}
EXIT_PROB = {"under 1": 0.02, "1-4": 0.025, "5-9": 0.015, "10-15": 0.012, "16-17": 0.02}
"""Monthly chance of leaving care after the first three months, by age band (truth)."""
NEW_ENTRANT_EXIT_FACTOR = 3.0
"""In the first three months in care the chance of leaving is this many times higher (truth)."""
MOVE_PROB = 0.02
"""Monthly chance of moving to another of the categories (truth)."""
ENTRIES = {"under 1": 2.0, "1-4": 2.0, "5-9": 1.5, "10-15": 2.5, "16-17": 1.0}
"""Expected entries a month by age band (truth)."""
FIRST_PLACEMENT = (0.45, 0.35, 0.2, 0.0)
"""First placements (in CATEGORIES order); nobody enters external residential (truth)."""

_UPPER = np.array([*AGE_BAND_LOWER_YEARS[1:], 18]) * 12


def micro_episodes(
    months: int = 72,
    seed: int = 1,
    scale: float = 1.0,
    start: str = "2016-12-31",
    categories: tuple[str, ...] = CATEGORIES,
    first_placement: tuple[float, ...] = FIRST_PLACEMENT,
) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Clean episodes of a simulated authority and its extract date (the last month end).

    Children under 16 are never placed in supported accommodation (they are placed in the first
    category instead), as the law requires.
    """
    rng = np.random.default_rng(seed)
    CATEGORIES = categories  # noqa: N806 (the module default, or the caller's)
    supported = CATEGORIES.index(codes.SUPPORTED) if codes.SUPPORTED in CATEGORIES else -1

    def lawful(category: int, born: pd.Timestamp, day: pd.Timestamp) -> int:
        if category == supported and day < born + pd.DateOffset(years=16):
            return 0
        return category

    month_ends = pd.date_range(start, periods=months + 1, freq="ME")
    rows: list[dict] = []
    n0 = int(300 * scale)
    # children in care at the start: ages spread, long in care
    age_days = rng.integers(30, 18 * 365 - 60, n0)
    dob = month_ends[0] - pd.to_timedelta(age_days, unit="D")
    state = {
        "child": [f"C{i}" for i in range(n0)],
        "dob": list(dob),
        "cat": list(rng.choice(len(CATEGORIES) - 1, n0)),  # not the last category at first
        "start": [month_ends[0] - pd.Timedelta(days=int(d)) for d in rng.integers(400, 2000, n0)],
        "episode_start": [
            month_ends[0] - pd.Timedelta(days=int(d)) for d in rng.integers(1, 300, n0)
        ],
        "rne": ["P"] * n0,
    }
    state["start"] = [
        max(s, d + pd.Timedelta(days=1)) for s, d in zip(state["start"], state["dob"], strict=True)
    ]
    state["episode_start"] = [
        max(e, s) for e, s in zip(state["episode_start"], state["start"], strict=True)
    ]
    state["cat"] = [
        lawful(c, b, month_ends[0]) for c, b in zip(state["cat"], state["dob"], strict=True)
    ]
    next_id = n0

    def close(i: int, day: pd.Timestamp, rec: str) -> None:
        cat = CATEGORIES[state["cat"][i]]
        place, provider = _PLACE[cat]
        rows.append(
            {
                "child": state["child"][i],
                "dob": state["dob"][i],
                "decom": state["episode_start"][i],
                "dec": day,
                "rne": state["rne"][i],
                "place": place,
                "place_provider": provider,
                "placement_category": cat,
                "rec": rec,
            }
        )

    for month in range(months):
        end = month_ends[month + 1]
        day = end - pd.Timedelta(days=int(rng.integers(3, 20)))
        keep = []
        for i in range(len(state["child"])):
            age_months = (day.year - state["dob"][i].year) * 12 + day.month - state["dob"][i].month
            eighteen = state["dob"][i] + pd.DateOffset(years=18)
            if eighteen <= end:
                close(i, max(eighteen, state["episode_start"][i] + pd.Timedelta(days=1)), "E17")
                continue
            band = int(np.searchsorted(_UPPER, age_months, side="right"))
            band = min(band, len(AGE_BANDS) - 1)
            exit_p = EXIT_PROB[AGE_BANDS[band]]
            if (day - state["start"][i]).days < 92:
                exit_p *= NEW_ENTRANT_EXIT_FACTOR
            u = rng.random()
            if u < exit_p:
                close(i, day, "E4A")
                continue
            if u < exit_p + MOVE_PROB:
                new = (state["cat"][i] + 1 + int(rng.integers(len(CATEGORIES) - 1))) % len(
                    CATEGORIES
                )
                new = lawful(new, state["dob"][i], day)
                if new == state["cat"][i]:
                    keep.append(i)
                    continue
                close(i, day, "X1")
                state["cat"][i] = new
                state["episode_start"][i] = day
                state["rne"][i] = "P"
            keep.append(i)
        for key in state:
            state[key] = [state[key][i] for i in keep]
        for b, band in enumerate(AGE_BANDS):
            for _ in range(rng.poisson(ENTRIES[band] * scale)):
                lower = AGE_BAND_LOWER_YEARS[b] * 12
                age = int(rng.integers(lower, _UPPER[b] - 1))
                entry_day = end - pd.Timedelta(days=int(rng.integers(0, 25)))
                born = entry_day - pd.Timedelta(days=int(age * 30.44 + rng.integers(0, 28)))
                state["child"].append(f"C{next_id}")
                next_id += 1
                state["dob"].append(born)
                first = int(rng.choice(len(CATEGORIES), p=first_placement))
                state["cat"].append(lawful(first, born, entry_day))
                state["start"].append(entry_day)
                state["episode_start"].append(entry_day)
                state["rne"].append("S")
    extract = month_ends[-1]
    for i in range(len(state["child"])):
        cat = CATEGORIES[state["cat"][i]]
        place, provider = _PLACE[cat]
        rows.append(
            {
                "child": state["child"][i],
                "dob": state["dob"][i],
                "decom": state["episode_start"][i],
                "dec": pd.NaT,
                "rne": state["rne"][i],
                "place": place,
                "place_provider": provider,
                "placement_category": cat,
                "rec": None,
            }
        )
    episodes = pd.DataFrame(rows)
    episodes = episodes.loc[
        episodes["decom"] < episodes["dec"].fillna(extract + pd.Timedelta(days=1))
    ]
    episodes = episodes.assign(
        sex="1",
        uasc=False,
        ls="C2",
        cin="N1",
        reason_place_change=None,
        source_file="simulated",
        source_row=np.arange(1, len(episodes) + 1),
    )
    episodes["dob"] = pd.to_datetime(episodes["dob"]).dt.normalize()
    episodes["decom"] = pd.to_datetime(episodes["decom"]).dt.normalize()
    episodes["dec"] = pd.to_datetime(episodes["dec"]).dt.normalize()
    episodes = episodes.sort_values(["child", "decom"]).reset_index(drop=True)
    return episodes[list(codes_columns())], pd.Timestamp(extract)


def codes_columns() -> tuple[str, ...]:
    from sufficiency.schemas import CLEAN_EPISODES

    return tuple(CLEAN_EPISODES)


def micro_panel(months: int = 72, seed: int = 1, scale: float = 1.0, **kwargs) -> pd.DataFrame:
    """Month-end care histories of :func:`micro_episodes`."""
    from sufficiency.demand.panel import care_months

    episodes, extract = micro_episodes(months, seed, scale, **kwargs)
    first = extract - pd.offsets.MonthEnd(months)
    return care_months(episodes, extract, start=first)


def simple_params(
    *,
    horizon: int = 60,
    duration_edges: tuple[int, ...] = (3,),
    exit_prob: float = 0.0,
    move_prob: float = 0.0,
    entries: float = 0.0,
    children_per_cell: float = 0.0,
):
    """Hand-made projection parameters: flat rates, children spread evenly over ages.

    ``children_per_cell`` children are put in every age band x placement cell that the law
    allows (at the middle age of the band, one month in care... time in care band 0).
    """
    from sufficiency.codes import EXIT_REASON_GROUPS, PLACEMENT_CATEGORIES
    from sufficiency.demand.feasibility import legal_zero_mask
    from sufficiency.demand.projection import ProjectionParams

    n_b, n_c, n_g = len(AGE_BANDS), len(PLACEMENT_CATEGORIES), len(EXIT_REASON_GROUPS)
    n_d = len(duration_edges) + 1
    cap = duration_edges[-1] if duration_edges else 0
    allowed = ~legal_zero_mask()
    population = np.zeros((216, cap + 1, n_c))
    middle = [6, 36, 90, 156, 203]
    for b in range(n_b):
        population[middle[b], 0, allowed[b]] = children_per_cell
    exits = np.zeros((18, n_d, n_c, n_g))
    exits[..., EXIT_REASON_GROUPS.index(codes.EXIT_RETURN_HOME)] = exit_prob
    destination = np.ones((n_b, n_c, n_c)) * allowed[:, None, :]
    destination[:, np.arange(n_c), np.arange(n_c)] = 0.0
    destination /= destination.sum(axis=2, keepdims=True)
    entry_age = np.zeros((n_b, 216))
    for b in range(n_b):
        entry_age[b, middle[b]] = 1.0
    split = allowed / allowed.sum(axis=1, keepdims=True)
    return ProjectionParams(
        origin=pd.Timestamp("2024-03-31"),
        start_population=population,
        exit_prob=exits,
        move_prob=np.full((18, n_d, n_c), move_prob),
        destination=destination,
        duration_edges=tuple(duration_edges),
        entry_mean=np.full((horizon, n_b), entries),
        entry_age=entry_age,
        entry_split=split,
    )
