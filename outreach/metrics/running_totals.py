"""Dense daily running totals: what lets a dashboard sum any window with two lookups per unit.

A series (a unit and audience, say) gets a row for every day from its first day with data to the
last day kept for all series, zeros included, each carrying the totals up to and including that
day. The sum over a window of days is then the total on its last day minus the total on the day
before its first: both are equality lookups on the day, whatever the length of the window.
"""

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)
Values = tuple[int, ...]
ONE_DAY = timedelta(days=1)


def dense_rows(
    base: Mapping[K, Values], daily: Mapping[K, Mapping[date, Values]], first: date, last: date, width: int
) -> Iterator[tuple[K, date, Values, Values]]:
    """(key, day, the day's values, totals up to the day) for every key from `first` to `last`.

    `base` holds the totals on the day before `first` of the keys that had data by then; a key
    without a base starts on its first day in `daily`. `width` is the number of values per row.
    """
    zeros = (0,) * width
    for key in base.keys() | daily.keys():
        days = daily.get(key, {})
        if key in base:
            day, totals = first, base[key]
        else:
            day, totals = min(days), zeros
        while day <= last:
            values = days.get(day, zeros)
            totals = tuple(t + v for t, v in zip(totals, values, strict=True))
            yield key, day, values, totals
            day += ONE_DAY


def lookup_days(windows: Sequence[tuple[date, date]], last: date) -> set[date]:
    """The days whose totals give the sums over `windows` when rows end on `last`."""
    days: set[date] = set()
    for first, end in windows:
        if first <= last:
            days.update((min(end, last), first - ONE_DAY))
    return days


def window_sums(
    totals: Iterable[tuple[K, date, int]], windows: Sequence[tuple[date, date]], last: date
) -> dict[K, list[int]]:
    """{key: [sum over each (first, end) window]} from (key, day, total) rows read on `lookup_days()`.

    Rows are dense up to `last`, so a missing row before it means the key had no data yet (total 0);
    days after `last` have no data, so a window ending later ends on `last`.
    """
    # Keyed by `date | None`: a window after `last` looks up None, which no row has.
    found: dict[K, dict[date | None, int]] = {}
    for key, day, total in totals:
        found.setdefault(key, {})[day] = total
    # The two days of each window, worked out once rather than per key: a sparkline is 30 windows
    # over a hundred keys. A window after `last` reads a day no row has, so it sums to 0.
    edges = [(min(end, last), first - ONE_DAY) if first <= last else (None, None) for first, end in windows]
    return {key: [by_day.get(end, 0) - by_day.get(before, 0) for end, before in edges] for key, by_day in found.items()}


def add_into(sums: dict[Any, dict[str, list[int]]], unit: Hashable, audience: str, values: Sequence[int]) -> None:
    """Add `values` to `sums[unit][audience]` (a list of zeros until then): rolling several series up
    into one unit, as a kecamatan sums its kelurahan."""
    total = sums.setdefault(unit, {}).setdefault(audience, [0] * len(values))
    for n, value in enumerate(values):
        total[n] += value
