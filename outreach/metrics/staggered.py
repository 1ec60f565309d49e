"""The effect of drives that start in different weeks, compared with units whose drive has not started yet.

**Estimate.** Callaway and Sant'Anna's group-time average treatment effect with not-yet-treated
comparison units (J. Econometrics 2021): for each cohort g (the units whose drive starts in period g)
and each later period t, the cohort's change from period g-1 to t minus the same change of the units
whose drive starts after t (or never). The cells are averaged with the cohort's size as weight. No unit
serves as a comparison once its own drive has started, so the staggered drives of a rollout do not
contaminate each other (the bias two-way fixed effects would have).

**Interval.** When the timing was drawn at random (a rollout plan with its stored seed), randomisation
inference: the estimate is recomputed for many re-draws of the same plan, and the 95% interval is
every effect τ that a test of "the drive added exactly τ a day" at the 5% level does not reject
(Fisher's exact test, inverted). It is honest with few units because it uses only the randomisation
that happened, not a large-sample approximation. Without a random plan the same re-draws are made by
permuting the start weeks among the units (placebo timings); the interval is then marked indicative,
because drives placed by choice may differ from the others in ways no arithmetic removes.

The estimator is linear in the counts, so each re-draw is computed once for the counts and once for
the drive indicator, and the test for every τ on a grid is a vector operation.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

NEVER = -1  # a unit without a drive within the periods observed
LEVEL = 0.05
# Fewer units than this on either side leaves too few distinct re-draws for a 95% interval.
MIN_TREATED = 2
MIN_NOT_YET_TREATED = 2
MIN_DRAWS = 40  # distinct assignments needed for a p-value below 0.05 to be possible

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]
Redraw = Callable[[np.random.Generator], Ints]


@dataclass(frozen=True)
class Estimate:
    """An effect per unit per day, with its 95% interval when the data supports one."""

    effect: float | None  # None: no cohort had a not-yet-treated comparison
    low: float | None = None
    high: float | None = None
    n_treated: int = 0  # units whose drive started within the periods observed, with a comparison
    n_comparison: int = 0  # units that served as not-yet-treated comparisons
    cells: int = 0  # (cohort, period) pairs behind the estimate
    randomised: bool = False
    draws: int = 0

    @property
    def indicative(self) -> bool:
        """True when the interval rests on assumptions the design does not guarantee, or there is none."""
        return self.low is None or not self.randomised

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly above or below zero (a claimed effect)."""
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


def _weights(first: Ints, periods: int, focus: Bools | None = None) -> tuple[Floats, Floats, int, int]:
    """The weight of each (unit, period) count in the estimate, for many assignments at once.

    `first` is (draws, units): each unit's first treated period or NEVER. `focus` (draws, units), when
    given, keeps only those units as treated: the others still stop serving as comparisons once their
    own drive starts (one kind of drive, or one kecamatan's drives, measured among all drives). Returns
    weights (draws, units, periods) such that the estimate of each draw is `(weights * counts).sum((1,
    2))`, each draw's total cell weight (0 when no cell had both sides), and for the first draw the
    number of treated and comparison units used.
    """
    draws, units = first.shape
    if focus is None:
        focus = np.ones(first.shape, dtype=bool)
    weights = np.zeros((draws, units, periods))
    total = np.zeros(draws)
    treated_used = np.zeros((draws, units), dtype=bool)
    control_used = np.zeros((draws, units), dtype=bool)
    later = np.where(first == NEVER, periods, first)  # never treated: treated "after the end"
    for g in range(1, periods):
        cohort = (first == g) & focus  # (draws, units)
        n_cohort = cohort.sum(1)
        if not n_cohort.any():
            continue
        for t in range(g, periods):
            control = later > t
            n_control = control.sum(1)
            ok = (n_cohort > 0) & (n_control > 0)
            if not ok.any():
                continue
            # cell = mean over cohort of (y_t - y_{g-1}) - mean over controls of (y_t - y_{g-1}), weighted by n_cohort.
            share_t = np.where(ok[:, None], cohort / np.maximum(n_cohort, 1)[:, None], 0.0)
            share_c = np.where(ok[:, None], control / np.maximum(n_control, 1)[:, None], 0.0)
            w = (share_t - share_c) * np.where(ok, n_cohort, 0)[:, None]
            weights[:, :, t] += w
            weights[:, :, g - 1] -= w
            total += np.where(ok, n_cohort, 0)
            treated_used |= cohort & ok[:, None]
            control_used |= control & ok[:, None]
    return weights, total, int(treated_used[0].sum()), int(control_used[0].sum())


def att(counts: Floats, first: Ints, focus: Bools | None = None) -> float | None:
    """The not-yet-treated estimate for one assignment (counts: units × periods, per day)."""
    weights, total, _t, _c = _weights(first[None, :], counts.shape[1], None if focus is None else focus[None, :])
    return None if total[0] == 0 else float((weights[0] * counts).sum() / total[0])


def treated_after(first: Ints, periods: int) -> Floats:
    """1 for each (unit, period) at or after the unit's first treated period, else 0."""
    start = np.where(first == NEVER, periods, first)
    return (np.arange(periods)[None, :] >= start[:, None]).astype(np.float64)


def permute_timing(first: Ints) -> Redraw:
    """Re-draws that give the observed start periods to the units in a random order (placebo timings)."""

    def redraw(rng: np.random.Generator) -> Ints:
        return rng.permutation(first)

    return redraw


def estimate(
    counts: Floats,
    first: Ints,
    redraw: Redraw | None = None,
    randomised: bool = False,
    draws: int = 999,
    seed: int = 2026,
    focus: Bools | None = None,
) -> Estimate:
    """The effect per unit per day with a randomisation-inference 95% interval.

    Args:
        counts: respondents per day, units × periods (a period is a week, say), only periods with data.
        first: each unit's first period with its drive under way, or NEVER.
        redraw: draws another assignment as the design would have (the rollout plan re-drawn with
            another seed); by default the observed start periods permuted among the units.
        randomised: whether the observed assignment was itself drawn at random by `redraw`'s design.
        focus: the units whose effect is wanted (default all); with the default re-draw, a unit's
            start period and its place in the focus move together.
    """
    periods, n_units = counts.shape[1], counts.shape[0]
    focus = np.ones(n_units, dtype=bool) if focus is None else focus
    weights, total, n_treated, n_control = _weights(first[None, :], periods, focus[None, :])
    if total[0] == 0:
        return Estimate(None, n_treated=n_treated, n_comparison=n_control)
    effect = float((weights[0] * counts).sum() / total[0])
    base = Estimate(effect, None, None, n_treated, n_control, int(total[0]), randomised)
    if n_treated < MIN_TREATED or n_control < MIN_NOT_YET_TREATED:
        return base
    rng = np.random.default_rng(seed)
    if redraw is None:
        orders = np.stack([rng.permutation(n_units) for _ in range(draws)])
        assignments, focuses = first[orders], focus[orders]
    else:
        assignments = np.stack([redraw(rng) for _ in range(draws)])
        focuses = np.broadcast_to(focus, assignments.shape)
    w, tot, _t, _c = _weights(assignments, periods, focuses)
    usable = tot > 0
    keys = {a.tobytes() + f.tobytes() for a, f in zip(assignments[usable], focuses[usable], strict=True)}
    if usable.sum() < MIN_DRAWS or len(keys) < MIN_DRAWS:
        return base
    w, tot = w[usable], tot[usable]
    # Linear in the counts: under "the drive added τ a day" to the focus units, their counts without it
    # are counts − τ·D, and a re-draw's estimate is a − τ·b.
    a = (w * counts).sum((1, 2)) / tot
    b = (w * (treated_after(first, periods) * focus[:, None])).sum((1, 2)) / tot
    low, high = _invert(effect, a, b)
    return Estimate(effect, low, high, n_treated, n_control, int(total[0]), randomised, int(usable.sum()))


def _invert(effect: float, a: Floats, b: Floats, points: int = 801) -> tuple[float | None, float | None]:
    """Every τ whose two-sided randomisation p-value exceeds LEVEL, as an interval on a fine grid."""
    spread = float(np.std(a - effect * b)) or 1.0
    grid = effect + np.linspace(-8 * spread, 8 * spread, points)
    observed = np.abs(effect - grid)  # the observed estimate under each τ (b is 1 for the observed draw)
    null = np.abs(a[None, :] - grid[:, None] * b[None, :])
    p = ((null >= observed[:, None] - 1e-12).sum(1) + 1) / (len(a) + 1)
    kept = grid[p > LEVEL]
    if kept.size == 0:
        return None, None
    return float(kept.min()), float(kept.max())
