"""The micro-simulation's speed-ups change no number: the same seed gives exactly the paths the
straightforward code gives. :class:`PlainSimulation` is the simulation as written before the
speed-ups (one lexsort per step-down, row-wise cumulative sums, fresh arrays every month);
the library's :class:`~sufficiency.demand.projection._Simulation` must give the same stock and
step-downs, value for value, on the demo authority (with step-downs, both duration clocks and a
top-down scale) and on a model that tracks time in care."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency.demand import projection
from sufficiency.demand.levers import DemandLevers, StepDown
from sufficiency.demand.panel import ADULT_MONTHS
from sufficiency.demand.projection import StepDownFlow, simulate
from sufficiency.scenario import Scenario
from sufficiency.scenario.engine import _step_downs


class PlainSimulation(projection._Simulation):
    """The monthly steps as first written (tables and drifts shared with the library)."""

    def run(self):
        p, n_paths, horizon, n_c, n_s = self.params, self.n_paths, self.horizon, self.n_c, self.n_s
        rng, width = self.rng, self.width
        self._drifts()
        self._start()
        steps = p.step_downs
        due = [step.due(horizon) for step in steps]
        stepped = np.zeros((n_paths, horizon, len(steps)), dtype=np.int32)
        out = np.empty((n_paths, horizon, n_s), dtype=np.int32)
        entry_cells = self._entry_cells()
        first_slot = np.arange(n_paths, dtype=np.int64) * width
        for t in range(horizon):
            key = self.key[: self.size]
            for k, step in enumerate(steps):
                if due[k][t]:
                    stepped[:, t, k] = self._step_down(key, step, int(due[k][t]))
            u = rng.random(key.size, dtype=np.float32)
            chance = np.take(self.candidate, key)
            look = np.flatnonzero(u < chance)
            if look.size:
                k_look, u_look = key[look], u[look]
                path_look = self.slot[look] // width
                exit_p = np.take(self.exit_total, k_look) * self.exit_mult[path_look, t]
                adult = k_look // (self.n_dur * n_c) == ADULT_MONTHS - 1
                leaves = adult | (u_look < exit_p)
                move_total = np.take(self.move_total, k_look)
                might = ~leaves & (u_look < exit_p + move_total * self.mix_high[path_look, t])
                birthday = chance[look] == projection._BIRTHDAY_MARK
                if birthday.any():
                    leaves &= ~birthday
                    might |= birthday
                maybe = np.flatnonzero(might)
                weights = self._plain_weights(k_look[maybe], path_look[maybe], t)
                moves = u_look[maybe] < exit_p[maybe] + move_total[maybe] * weights.sum(axis=1)
                if birthday.any():
                    either = exit_p[maybe] + move_total[maybe] * weights.sum(axis=1)
                    out_of_care = u_look[maybe] * either < exit_p[maybe]
                    leaves[maybe[birthday[maybe] & out_of_care]] = True
                    moves = np.where(birthday[maybe], ~out_of_care, moves)
                if moves.any():
                    movers = maybe[moves]
                    key[look[movers]] += self._plain_destinations(k_look[movers], weights[moves])
                    self._reset_duration(key, look[movers])
                key[look[leaves]] = self.dead_key
            if self.constant_increment is not None:
                key += self.constant_increment
            else:
                key += np.take(self.increment, key)
            if t % 12 == 11:
                self._compact()
            new = rng.poisson(p.entry_mean[t].sum() * self.entry_mult[:, t])
            n_new = int(new.sum())
            if n_new:
                self._grow(n_new)
                cells = np.searchsorted(entry_cells[t], rng.random(n_new), side="right")
                age, cat = np.divmod(np.minimum(cells, entry_cells[t].size - 1), n_c)
                end = self.size + n_new
                self.key[self.size : end] = (age * self.n_dur) * n_c + cat
                self.slot[self.size : end] = np.repeat(first_slot, new)
                self.size = end
            cell = self.slot[: self.size] + np.take(self.state, self.key[: self.size]).astype(int)
            counts = np.bincount(cell, minlength=n_paths * width)
            out[:, t, :] = counts.reshape(n_paths, width)[:, :n_s]
        if p.total_scale is not None:
            scale = p.total_scale[None, :horizon, None].astype(np.float32)
            return out.astype(np.float32) * scale, stepped
        return out, stepped

    def _plain_weights(self, keys, paths, t):
        n_c = self.n_c
        band = projection._MOVE_BAND_OF_AGE[keys // (self.n_dur * n_c)]
        rows = np.take(self.destination_rows, band * n_c + keys % n_c, axis=0)
        return rows * self.mix_mult[paths, t]

    def _plain_destinations(self, keys, weights):
        n_c = self.n_c
        cat = keys % n_c
        total = weights.sum(axis=1, keepdims=True)
        cdf = np.cumsum(weights / np.where(total > 0, total, 1.0), axis=1)
        draw = self.rng.random(keys.size)[:, None]
        new = np.minimum((draw > cdf).sum(axis=1), n_c - 1)
        new = np.where(total[:, 0] > 0, new, cat)
        return (new - cat).astype(np.int32)

    def _step_down(self, key, step, due, states=None):
        n_paths = self.n_paths
        in_source = np.flatnonzero(np.take(self.state, key) == step.source)
        if in_source.size == 0:
            return np.zeros(n_paths, dtype=np.int32)
        path = self.slot[in_source] // self.width
        order = np.lexsort((self.rng.random(in_source.size), path))
        chosen, chosen_path = in_source[order], path[order]
        starts = np.searchsorted(chosen_path, np.arange(n_paths))
        rank = np.arange(chosen.size) - starts[chosen_path]
        take = rank < due
        key[chosen[take]] += step.target - step.source
        self._reset_duration(key, chosen[take])
        return np.bincount(chosen_path[take], minlength=n_paths).astype(np.int32)


def assert_same_paths(params, horizon, n_paths, seed):
    fast = simulate(params, horizon, n_paths, seed)
    stock, stepped = PlainSimulation(params, horizon, n_paths, np.random.default_rng(seed)).run()
    assert fast.stock.dtype == stock.dtype
    assert np.array_equal(fast.stock, stock)
    assert np.array_equal(fast.stepped_down, stepped)
    return fast


@pytest.fixture(scope="module")
def demo_params():
    from sufficiency.scenario import fit_models

    return fit_models().demand.params_


@pytest.mark.parametrize(
    ("per_year", "to", "seed", "n_paths"),
    [
        (0, "supported", 0, 200),
        (3, "supported", 0, 60),
        (12, "fostering", 7, 60),
        (60, "supported", 1, 40),
    ],
)
def test_paths_are_those_of_the_plain_code(demo_params, per_year, to, seed, n_paths):
    steps = _step_downs(Scenario(step_down_16_17_to=to), demo_params, per_year)
    params = DemandLevers(step_downs=tuple(StepDown(*s) for s in steps)).apply(demo_params)
    fast = assert_same_paths(params, 36, n_paths, seed)
    assert (fast.stepped_down.sum() > 0) == (per_year > 0)


def test_the_same_with_a_scale_and_the_placement_clock(demo_params):
    steps = _step_downs(Scenario(), demo_params, 12)
    params = DemandLevers(step_downs=tuple(StepDown(*s) for s in steps)).apply(demo_params)
    scale = np.linspace(0.9, 1.1, params.max_horizon)
    fast = assert_same_paths(params.replace(total_scale=scale), 24, 30, 2)
    assert fast.stock.dtype == np.float32
    assert_same_paths(params.replace(reset_duration_on_move=True), 24, 30, 3)


@pytest.mark.parametrize("clock", ["care", "placement"])
def test_the_same_when_time_in_care_is_tracked(clock):
    from sufficiency.demand.panel import care_months
    from sufficiency.demand.stockflow import StockFlowModel
    from tests.demand_fixtures import micro_episodes

    episodes, extract = micro_episodes(48, 2, 1.0)
    panel = care_months(
        episodes,
        extract,
        start=extract - pd.offsets.MonthEnd(48),
        placement_months=clock == "placement",
    )
    model = StockFlowModel(duration_edges=(3, 12), duration_clock=clock, max_horizon=24)
    params = model.fit(panel).params_
    assert params.start_population.shape[1] > 1  # months in care are tracked
    step = StepDownFlow(
        params.state_index("10-15", "external residential"),
        params.state_index("10-15", "in-house fostering"),
        0.7,
    )
    fast = assert_same_paths(params.replace(step_downs=(step,)), 24, 50, 5)
    assert fast.stepped_down.sum() > 0


def test_one_sort_orders_as_lexsort_with_ties():
    rng = np.random.default_rng(5)
    path = np.sort(rng.integers(0, 300, 2000))
    draw = rng.random(2000)
    draw[::7] = draw[3]  # many ties within and across paths
    draw[::11] = 0.0
    for n_paths in (300, 2048, 5000):  # the one-key sort, and the two sorts beyond 2**11 paths
        order = projection._by_path_then_draw(path, draw, n_paths)
        assert np.array_equal(order, np.lexsort((draw, path)))


def test_cumulative_shares_are_numpys_cumulative_sums():
    rng = np.random.default_rng(3)
    weights = rng.random((5000, 11)) * rng.choice([1e-6, 1.0, 7e3], size=(5000, 1))
    weights[rng.random(weights.shape) < 0.3] = 0.0
    total = weights.sum(axis=1)
    total[total == 0] = 1.0
    plain = np.cumsum(weights / total[:, None], axis=1)
    assert np.array_equal(projection._cumulative_shares(weights, total), plain.T)


def test_entrants_cells_are_numpys_searchsorted(demo_params):
    sim = projection._Simulation(demo_params, 60, 10, np.random.default_rng(0))
    cdf = sim._entry_cells()
    guide = projection._CdfGuide(cdf)
    rng = np.random.default_rng(4)
    for t in range(cdf.shape[0]):
        draws = rng.random(4000)
        draws[:100] = cdf[t][rng.integers(0, cdf.shape[1], 100)]  # exactly on a cdf value
        draws[100:140] = np.arange(40) / guide.BUCKETS  # exactly on a bucket's start
        draws[140:150] = np.nextafter(cdf[t][rng.integers(0, cdf.shape[1], 10)], 0)
        draws = draws[draws < 1.0]
        found = guide.searchsorted(t, draws)
        assert np.array_equal(found, np.searchsorted(cdf[t], draws, side="right"))


@pytest.mark.parametrize("columns", [1, 3, 7, 8, 11, 16, 23, 40, 128])
def test_row_sums_are_numpys_sums(columns):
    rng = np.random.default_rng(columns)
    rows = rng.random((3000, columns)) * rng.choice([1e-9, 1.0, 3e4, 1e12], size=(3000, columns))
    rows[rng.random(rows.shape) < 0.2] = 0.0
    assert np.array_equal(projection._row_sums(rows), rows.sum(axis=1))
