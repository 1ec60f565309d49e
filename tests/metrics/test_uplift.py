"""Difference-in-differences and its bootstrap interval on constructed data with known answers."""

import random
from datetime import date, timedelta

import pytest

from outreach.metrics.uplift import NO_COMPARISON, OK, TOO_LITTLE_DATA, Windows, compute_uplift

START, END = date(2026, 10, 11), date(2026, 10, 20)  # a 10-day post window
SPAN = (date(2026, 9, 1), date(2026, 11, 25))


def flat(pre: float, post: float, start=START, end=END):
    """A unit with `pre` per day before the window and `post` per day inside it."""
    days = (end - start).days + 1
    series = {start - timedelta(days=i + 1): pre for i in range(days)}
    series.update({start + timedelta(days=i): post for i in range(days)})
    return series


def test_windows_are_of_equal_length_and_adjacent():
    w = Windows.before(START, END)
    assert (w.pre_start, w.pre_end) == (date(2026, 10, 1), date(2026, 10, 10))
    assert w.days == 10 and (w.pre_end - w.pre_start).days + 1 == 10


def test_treated_plus_30_against_comparison_plus_5_gives_uplift_25():
    series = {"t1": flat(10, 40), "t2": flat(20, 50), "c1": flat(10, 15), "c2": flat(30, 35), "c3": flat(5, 10)}
    comparison = {"t1": ["c1", "c2", "c3"], "t2": ["c1", "c2", "c3"]}
    result = compute_uplift(series, ["t1", "t2"], comparison, START, END, SPAN)
    assert result.status == OK
    assert result.treated_change == pytest.approx(30)
    assert result.comparison_change == pytest.approx(5)
    assert result.uplift == pytest.approx(25)
    assert (result.low, result.high) == (pytest.approx(25), pytest.approx(25))
    assert (result.n_treated, result.n_comparison) == (2, 3)
    assert result.extra_total == pytest.approx(25 * 2 * 10)
    assert [u.uplift for u in result.units] == [pytest.approx(25), pytest.approx(25)]
    assert all(u.n_comparison == 3 for u in result.units)


def test_each_treated_unit_is_compared_with_its_own_group():
    series = {"a": flat(0, 30), "a_peer": flat(0, 10), "b": flat(0, 30), "b_peer": flat(0, 0)}
    result = compute_uplift(series, ["a", "b"], {"a": ["a_peer"], "b": ["b_peer"]}, START, END, SPAN)
    assert [u.uplift for u in result.units] == [pytest.approx(20), pytest.approx(30)]
    assert result.uplift == pytest.approx(25)


def test_no_comparison_units_is_explained_not_zero():
    series = {"t1": flat(10, 40)}
    result = compute_uplift(series, ["t1"], {"t1": []}, START, END, SPAN)
    assert result.status == NO_COMPARISON
    assert result.uplift is None and result.low is None
    assert result.treated_change == pytest.approx(30)
    assert result.units[0].status == NO_COMPARISON and result.units[0].uplift is None
    assert "comparison" in str(result.message).lower() or "pembanding" in str(result.message).lower()


def test_a_treated_unit_is_never_its_own_comparison():
    series = {"t1": flat(10, 40), "t2": flat(10, 40)}
    result = compute_uplift(series, ["t1", "t2"], {"t1": ["t2"], "t2": ["t1"]}, START, END, SPAN)
    assert result.status == NO_COMPARISON


def test_window_before_the_data_starts_is_too_little_data():
    series = {"t": flat(10, 40), "c": flat(10, 15)}
    result = compute_uplift(series, ["t"], {"t": ["c"]}, START, END, (date(2026, 10, 5), date(2026, 11, 25)))
    assert result.status == TOO_LITTLE_DATA and result.uplift is None
    assert "2026-10-01" in str(result.message) and "2026-10-05" in str(result.message)


def test_window_after_the_last_data_is_too_little_data():
    series = {"t": flat(10, 40), "c": flat(10, 15)}
    result = compute_uplift(series, ["t"], {"t": ["c"]}, START, END, (date(2026, 9, 1), date(2026, 10, 15)))
    assert result.status == TOO_LITTLE_DATA
    # The data ends before the window does: the advice points earlier (or to waiting), never "later".
    message = str(result.message)
    assert ("lebih awal" in message or "earlier" in message) and "later" not in message and "akhir" not in message


def test_no_participation_at_all_is_too_little_data():
    result = compute_uplift({}, ["t"], {"t": ["c1", "c2"]}, START, END, SPAN)
    assert result.status == TOO_LITTLE_DATA and result.uplift is None


def test_single_comparison_unit_gives_a_figure_without_interval():
    series = {"t": flat(10, 40), "c": flat(10, 15)}
    result = compute_uplift(series, ["t"], {"t": ["c"]}, START, END, SPAN)
    assert result.uplift == pytest.approx(25)
    assert result.low is None and result.units[0].low is None


def _noisy(seed: int):
    rng = random.Random(seed)
    series, comparison = {}, {}
    for i in range(6):
        base = rng.uniform(5, 20)
        series[f"t{i}"] = {d: v + rng.gauss(0, 3) for d, v in flat(base, base + 30).items()}
    for i in range(10):
        base = rng.uniform(5, 20)
        series[f"c{i}"] = {d: v + rng.gauss(0, 3) for d, v in flat(base, base + 5).items()}
    for i in range(6):
        comparison[f"t{i}"] = [f"c{j}" for j in range(10)]
    return series, [f"t{i}" for i in range(6)], comparison


def test_bootstrap_interval_is_reproducible_and_covers_the_estimate():
    series, treated, comparison = _noisy(7)
    first = compute_uplift(series, treated, comparison, START, END, SPAN, seed=11)
    again = compute_uplift(series, treated, comparison, START, END, SPAN, seed=11)
    assert (first.low, first.high) == (again.low, again.high)
    assert first.low < first.uplift < first.high
    assert first.low < 25 < first.high
    assert first.high - first.low < 10


def test_a_different_seed_gives_a_slightly_different_interval():
    series, treated, comparison = _noisy(7)
    one = compute_uplift(series, treated, comparison, START, END, SPAN, seed=1)
    two = compute_uplift(series, treated, comparison, START, END, SPAN, seed=2)
    assert (one.low, one.high) != (two.low, two.high)
    assert one.uplift == two.uplift


def test_missing_days_count_as_zero():
    series = {"t": {START: 100}, "c1": {}, "c2": {START - timedelta(days=1): 10}}
    result = compute_uplift(series, ["t"], {"t": ["c1", "c2"]}, START, END, SPAN)
    assert result.units[0].post_mean == pytest.approx(10)
    assert result.comparison_change == pytest.approx((0 + -1) / 2)


@pytest.mark.parametrize("size", [1, 2, 3, 40, 199, 200, 500, 1001])
def test_the_interval_ends_are_numpys_percentiles_to_the_last_bit(size):
    """The ranking's intervals were np.percentile's; its own interpolation must give the same floats, so
    no rounded range on a page moves."""
    import numpy as np

    from outreach.metrics.uplift import _interval

    rng = np.random.default_rng(size)
    for _ in range(200):
        draws = rng.normal(size=size) * rng.uniform(0.1, 100)
        if rng.random() < 0.3:
            draws = np.round(draws)  # ties, as counts give
        assert _interval(draws) == tuple(float(x) for x in np.percentile(draws, [2.5, 97.5]))
