"""The micro-simulation's speed-ups change no number: the same seed gives exactly the paths the
straightforward code gives (the step-downs' children looked up afresh and ordered with
``np.lexsort``, as before the speed-ups)."""

from __future__ import annotations

import numpy as np
import pytest

from sufficiency.demand import projection
from sufficiency.demand.levers import DemandLevers, StepDown
from sufficiency.demand.projection import simulate
from sufficiency.scenario import Scenario
from sufficiency.scenario.engine import _step_downs


def plain_step_down(self, key, step, due, states=None):
    """The step-down as first written: every child's cell looked up, then one lexsort."""
    n_paths = self.n_paths
    in_source = np.flatnonzero(np.take(self.state, key) == step.source)
    moved = np.zeros(n_paths, dtype=np.int32)
    if in_source.size == 0:
        return moved
    path = self.slot[in_source] // self.width
    order = np.lexsort((self.rng.random(in_source.size), path))
    chosen, chosen_path = in_source[order], path[order]
    starts = np.searchsorted(chosen_path, np.arange(n_paths))
    rank = np.arange(chosen.size) - starts[chosen_path]
    take = rank < due
    key[chosen[take]] += step.target - step.source
    self._reset_duration(key, chosen[take])
    return np.bincount(chosen_path[take], minlength=n_paths).astype(np.int32)


@pytest.fixture(scope="module")
def demo_params():
    from sufficiency.scenario import fit_models

    return fit_models().demand.params_


@pytest.mark.parametrize(
    ("per_year", "to", "seed"), [(3, "supported", 0), (12, "fostering", 7), (60, "supported", 1)]
)
def test_step_down_paths_are_those_of_the_plain_code(demo_params, monkeypatch, per_year, to, seed):
    steps = _step_downs(Scenario(step_down_16_17_to=to), demo_params, per_year)
    assert steps  # the demo has children in external residential care to step down
    params = DemandLevers(step_downs=tuple(StepDown(*s) for s in steps)).apply(demo_params)
    fast = simulate(params, 36, 60, seed)
    monkeypatch.setattr(projection._Simulation, "_step_down", plain_step_down)
    plain = simulate(params, 36, 60, seed)
    assert fast.stepped_down.sum() > 0
    assert np.array_equal(fast.stock, plain.stock)
    assert np.array_equal(fast.stepped_down, plain.stepped_down)


def test_two_stable_sorts_order_as_lexsort_with_ties():
    rng = np.random.default_rng(5)
    path = rng.integers(0, 7, 500)
    draw = rng.integers(0, 20, 500).astype(float) / 20  # many ties in both keys
    by_draw = np.argsort(draw, kind="stable")
    order = by_draw[np.argsort(path[by_draw], kind="stable")]
    assert np.array_equal(order, np.lexsort((draw, path)))
