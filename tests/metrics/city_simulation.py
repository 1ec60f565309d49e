"""A simulated city with a randomised, staggered rollout of drives and a known effect.

Thirty kelurahan of very different sizes (from a handful to about forty respondents a day), each with
its own trend over the round, city-wide weekly swings (holidays, pay days, news), Poisson noise in the
daily counts, and KPK's reporting lag: of twelve weeks, the last two are not reported yet. Twenty-four
kelurahan get a drive, three a week from week 3 to week 10, in an order drawn at random (a stepped
wedge); six get none in the weeks observed. A drive adds `effect` respondents a day from its week on.
"""

from dataclasses import dataclass

import numpy as np

from outreach.metrics.staggered import NEVER, Estimate, estimate, permute_timing

UNITS = 30
WEEKS = 12
REPORTED_WEEKS = 10  # the last two weeks are not reported by KPK yet
FIRST_WAVE, PER_WEEK, WAVES = 2, 3, 8  # drives in weeks 3..10 (indices 2..9), three a week


@dataclass(frozen=True)
class Simulated:
    counts: np.ndarray  # respondents per day, units × reported weeks
    first: np.ndarray  # first week of each unit's drive, or NEVER
    effect: float


def simulate(seed: int, effect: float) -> Simulated:
    """One city: counts per day per week for the reported weeks, and the drawn rollout."""
    rng = np.random.default_rng(seed)
    size = rng.lognormal(mean=np.log(10), sigma=0.7, size=UNITS)  # respondents a day at the start
    trend = rng.normal(0.0, 0.04, size=UNITS)  # change per week, as a share of the size
    weekly = rng.normal(0.0, 0.1, size=WEEKS)  # city-wide swings
    weeks = np.arange(WEEKS)
    rate = size[:, None] * np.clip(1 + trend[:, None] * weeks[None, :] + weekly[None, :], 0.05, None)
    slots = np.full(UNITS, NEVER)
    slots[: PER_WEEK * WAVES] = np.repeat(np.arange(FIRST_WAVE, FIRST_WAVE + WAVES), PER_WEEK)
    first = rng.permutation(slots)
    on = weeks[None, :] >= np.where(first == NEVER, WEEKS, first)[:, None]
    counts = rng.poisson(7 * (rate + effect * on)) / 7  # a week's respondents, per day
    reported = counts[:, :REPORTED_WEEKS]
    first = np.where(first >= REPORTED_WEEKS, NEVER, first)
    return Simulated(reported, first, effect)


def run(seed: int, effect: float, draws: int = 499) -> Estimate:
    """The estimate and its randomisation interval for one simulated city."""
    city = simulate(seed, effect)
    # The rollout was drawn as a random order of the same slots: a re-draw permutes them again.
    return estimate(city.counts, city.first, permute_timing(city.first), randomised=True, draws=draws, seed=seed)


@dataclass(frozen=True)
class Summary:
    seeds: int
    effect: float
    coverage: float  # share of intervals that contain the true effect
    mean_estimate: float
    claimed: float  # share of intervals that exclude zero
    mean_width: float


def summarise(seeds: range, effect: float, draws: int = 499) -> Summary:
    """Coverage, mean estimate and how often an effect is claimed, over many simulated cities."""
    found = [run(seed, effect, draws) for seed in seeds]
    assert all(e.effect is not None and e.low is not None and e.high is not None for e in found)
    covered = [e.low <= effect <= e.high for e in found]  # type: ignore[operator]
    return Summary(
        len(found),
        effect,
        float(np.mean(covered)),
        float(np.mean([e.effect for e in found])),
        float(np.mean([e.excludes_zero for e in found])),
        float(np.mean([e.high - e.low for e in found])),  # type: ignore[operator]
    )
