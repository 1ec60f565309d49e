"""A drive's effect in plain words: more, fewer, no clear difference, or not known yet.

One small function over the existing uplift figures (`figures.drive_uplift`), so the home and OPD pages
can say what a drive did without claiming precision it does not have. The estimator behind it is being
rebuilt; when it is, only `drive_effect` changes.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from outreach.drives.models import Drive
from outreach.metrics.figures import drive_uplift, drive_window, drives_between
from outreach.metrics.progress import data_span
from outreach.metrics.uplift import UpliftResult, claim

# Enough resamples for a rounded interval on a summary page; the uplift page draws the full 2,000.
SUMMARY_RESAMPLES = 300


class Effect(StrEnum):
    """What a drive most likely did, compared with similar units without one."""

    MORE = "more"  # the whole interval lies above zero
    FEWER = "fewer"  # the whole interval lies below zero
    UNCLEAR = "unclear"  # the interval includes zero, or there is no interval
    UNKNOWN = "unknown"  # no comparison or too little data yet


@dataclass(frozen=True)
class DriveEffect:
    """One drive's effect, per treated unit per day, rounded for words: `indicative` when there was no
    interval (too few treated or comparison units), so the sentence gives a direction only."""

    drive: Drive
    effect: Effect
    per_day: int | None = None
    low: int | None = None
    high: int | None = None
    indicative: bool = False


def _effect_of(drive: Drive, result: UpliftResult | None) -> DriveEffect:
    """The drive's effect as `uplift.claim` allows it to be said (one rule for every page): a direction
    only when the whole range lies on one side of zero; with too few units, indicative and no claim."""
    c = claim(result)
    if c.kind == "unknown":
        return DriveEffect(drive, Effect.UNKNOWN)
    if c.indicative:
        return DriveEffect(drive, Effect.UNCLEAR, indicative=True)
    if c.kind == "more":
        return DriveEffect(drive, Effect.MORE, c.per_day, c.low, c.high)
    if c.kind == "fewer":  # signed, as the sentences expect: fewer is a negative difference
        per_day = None if c.per_day is None else -c.per_day
        low = None if c.high is None else -c.high
        high = None if c.low is None else -c.low
        return DriveEffect(drive, Effect.FEWER, per_day, low, high)
    return DriveEffect(drive, Effect.UNCLEAR, c.per_day, c.low, c.high)


def drive_effect(drive: Drive, resamples: int = SUMMARY_RESAMPLES) -> DriveEffect:
    """The drive's effect on respondents per treated unit per day against similar units without a drive
    (its OPDs' result on an OPD drive, else its areas')."""
    report = drive_uplift(drive, "respondents", resamples)
    result = report.opds if report.opds is not None and not drive.areas else report.areas or report.opds
    return _effect_of(drive, result)


def measured_drives(span_end: date | None = None) -> list[Drive]:
    """Drives whose windows (the before window and the follow-up days) lie inside the respondent data,
    latest first: the ones whose effect can be said."""
    span = data_span("respondents", None)
    if span is None:
        return []
    found = []
    for drive in drives_between(span[0], span_end or span[1]):
        start, end = drive_window(drive)
        if end <= span[1] and start - timedelta(days=(end - start).days + 1) >= span[0]:
            found.append(drive)
    return sorted(found, key=lambda d: d.starts_at, reverse=True)


@dataclass(frozen=True)
class EffectSummary:
    """How many of the latest measured drives brought more, fewer, or no clear difference."""

    effects: list[DriveEffect]

    def count(self, effect: Effect) -> int:
        """How many of the drives had this effect."""
        return sum(1 for e in self.effects if e.effect == effect)


def latest_effects(drives: Sequence[Drive] | None = None, n: int = 3) -> EffectSummary:
    """The effects of the `n` latest drives that can be measured (or of the drives given)."""
    chosen = list(drives) if drives is not None else measured_drives()[:n]
    return EffectSummary([drive_effect(d) for d in chosen])
