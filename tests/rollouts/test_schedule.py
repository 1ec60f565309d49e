"""A rollout's schedule is drawn from its seed: the same design and seed give the same schedule, every
constraint holds, and an impossible design is refused with a message naming what is wrong."""

import re
from collections import Counter
from datetime import date

import pytest

from outreach.rollouts.schedule import Design, draw_order, draw_schedule, new_seed, weeks_from

WEEKS = weeks_from(date(2026, 9, 2), 4)  # Mondays 31 Aug .. 21 Sep
UNITS = tuple(f"kelurahan:18.71.01.{1000 + n}" for n in range(15))


def test_the_same_seed_draws_the_same_schedule_whatever_the_order_units_were_listed_in():
    design = Design(UNITS, WEEKS, per_week=4)
    shuffled = Design(tuple(reversed(UNITS)), WEEKS, per_week=4)
    assert draw_schedule(design, 42) == draw_schedule(design, 42) == draw_schedule(shuffled, 42)
    assert draw_schedule(design, 42) != draw_schedule(design, 43)


def test_every_unit_gets_one_monday_within_the_weeks_and_no_week_takes_more_than_its_room():
    for seed in range(50):
        schedule = draw_schedule(Design(UNITS, WEEKS, per_week=4), seed)
        assert set(schedule) == set(UNITS) and set(schedule.values()) <= set(WEEKS)
        assert sorted(Counter(schedule.values()).values()) == [3, 4, 4, 4]


def test_the_order_is_a_stepped_wedge_the_kth_unit_drawn_goes_in_week_k_by_room():
    design = Design(UNITS, WEEKS, per_week=4)
    schedule = draw_schedule(design, 7)
    assert [schedule[u] for u in draw_order(design, 7)] == [WEEKS[k // 4] for k in range(15)]


def test_blocked_weeks_are_respected_even_when_units_must_be_moved_to_make_room():
    busy = UNITS[0]
    blocked = frozenset((busy, w) for w in WEEKS[:3])  # its promoters are free only in the last week
    tight = Design(UNITS[:8], WEEKS[:2] + WEEKS[3:], per_week=3, blocked=frozenset((busy, w) for w in WEEKS[:2]))
    for seed in range(30):
        assert draw_schedule(Design(UNITS, WEEKS, per_week=4, blocked=blocked), seed)[busy] == WEEKS[3]
        assert draw_schedule(tight, seed)[busy] == WEEKS[3]


@pytest.mark.parametrize(
    ("design", "message"),
    [
        (Design((), WEEKS, 4), "units: no units"),
        (Design(UNITS[:2] + UNITS[:1], WEEKS, 4), "units: listed more than once"),
        (Design(UNITS, (), 4), "weeks: no weeks"),
        (Design(UNITS, (date(2026, 9, 1),), 20), "not a Monday: 2026-09-01"),
        (Design(UNITS, WEEKS, 0), "per_week: must be at least 1"),
        (Design(UNITS, WEEKS, 3), "15 units do not fit in 4 weeks at 3 per week (room for 12)"),
        (Design(UNITS, WEEKS, 4, frozenset({("opd:x", WEEKS[0])})), "not in the design: opd:x"),
        (Design(UNITS, WEEKS, 4, frozenset((UNITS[1], w) for w in WEEKS)), "every week is blocked for"),
    ],
)
def test_an_impossible_design_is_refused_with_the_field_and_the_reason(design, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        draw_schedule(design, 1)


def test_a_new_seed_fits_a_bigint_column():
    assert all(0 <= new_seed() < 2**63 for _ in range(100))
