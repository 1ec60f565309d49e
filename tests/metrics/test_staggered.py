"""The staggered-drive estimator: the library's estimate, honest intervals, a simulation with a known effect."""

import numpy as np
import pandas as pd
import pytest
from diff_diff import CallawaySantAnna

from outreach.metrics.staggered import NEVER, att, estimate, permute_timing
from tests.metrics.city_simulation import simulate, summarise


def _library_att(counts: np.ndarray, first: np.ndarray) -> float:
    """diff-diff's Callaway-Sant'Anna overall ATT, not-yet-treated comparisons, base period g-1."""
    rows = [
        {"unit": i, "time": t + 1, "y": counts[i, t], "first_treat": 0 if first[i] == NEVER else first[i] + 1}
        for i in range(counts.shape[0])
        for t in range(counts.shape[1])
    ]
    model = CallawaySantAnna(control_group="not_yet_treated", estimation_method="reg", base_period="universal")
    return model.fit(pd.DataFrame(rows), outcome="y", unit="unit", time="time", first_treat="first_treat").overall_att


@pytest.mark.parametrize("seed", [3, 11, 42])
def test_the_estimate_equals_the_maintained_librarys(seed):
    city = simulate(seed, 3.0)
    assert att(city.counts, city.first) == pytest.approx(_library_att(city.counts, city.first), abs=1e-9)


def test_a_small_rollout_by_hand():
    """A starts in period 1, B in period 2, C never. Cells: A against B and C from period 0 to 1; A
    against C from 0 to 2 (B has started by then); B against C from 1 to 2. Their mean, one unit each."""
    counts = np.array([[10.0, 16.0, 18.0], [5.0, 6.0, 12.0], [8.0, 9.0, 10.0]])
    first = np.array([1, 2, NEVER])
    cells = [(16 - 10) - ((6 - 5) + (9 - 8)) / 2, (18 - 10) - (10 - 8), (12 - 6) - (10 - 9)]
    assert att(counts, first) == pytest.approx(sum(cells) / 3)


def test_without_a_unit_still_waiting_for_its_drive_there_is_no_estimate():
    counts = np.ones((3, 4))
    estimate_ = estimate(counts, np.array([1, 1, 1]))
    assert estimate_.effect is None


def test_one_treated_unit_gets_a_direction_but_no_interval():
    city = simulate(7, 3.0)
    first = np.full_like(city.first, NEVER)
    first[0] = 4
    found = estimate(city.counts, first, randomised=True)
    assert found.effect is not None and found.n_treated == 1
    assert (found.low, found.high, found.indicative) == (None, None, True)


def test_drives_placed_by_choice_get_an_interval_marked_indicative():
    city = simulate(8, 3.0)
    chosen = estimate(city.counts, city.first, permute_timing(city.first), randomised=False, draws=199)
    assert chosen.low is not None and chosen.indicative
    drawn = estimate(city.counts, city.first, permute_timing(city.first), randomised=True, draws=199)
    assert (drawn.low, drawn.high, drawn.indicative) == (chosen.low, chosen.high, False)


def test_over_200_simulated_cities_the_interval_is_honest():
    """A drive adds 3 respondents a day. The 95% interval must cover 3 in 90-98% of cities, the mean
    estimate be within 10% of 3, and with no effect an effect be claimed in at most 7% of cities."""
    seeds = range(200)
    with_effect = summarise(seeds, 3.0)
    without = summarise(seeds, 0.0)
    print(f"\nsimulation, effect 3/day: {with_effect}\nsimulation, no effect: {without}")
    assert 0.90 <= with_effect.coverage <= 0.98
    assert abs(with_effect.mean_estimate - 3.0) <= 0.3
    assert without.claimed <= 0.07
    assert 0.90 <= without.coverage <= 0.98
