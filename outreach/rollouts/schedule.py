"""Randomised stepped-wedge rollout schedules: which unit gets its drive in which week, drawn from a seed.

Pure (no database, no Flask) so the planner, the demo and randomisation inference in the estimator draw
the very same schedule from a stored design and seed. A unit is a generic key ("kelurahan:1871011001",
"opd:<code>"); a week is the Monday that starts it.

The draw: sort the units (so the stored order of rows never matters), shuffle them with
`random.Random(seed)`, then give each unit in that order the earliest week that still has room and is not
blocked for it. With no blocked pairs the k-th unit drawn gets week k // per_week. When blocked pairs leave
a unit no free week, earlier units are moved along an augmenting path (bipartite matching), so a schedule
is found whenever one exists; otherwise ValueError says what is missing.
"""

import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

# Seeds are stored in a signed 64-bit column (BIGINT), so they stay below 2**63.
SEED_LIMIT = 2**63


@dataclass(frozen=True)
class Design:
    """What a schedule is drawn from: the units, the weeks available (Mondays), room per week, forbidden slots."""

    units: tuple[str, ...]
    weeks: tuple[date, ...]
    per_week: int
    blocked: frozenset[tuple[str, date]] = field(default_factory=frozenset)


def new_seed() -> int:
    """A fresh unpredictable seed for a plan (stored with it, so its schedule can be drawn again)."""
    return secrets.randbelow(SEED_LIMIT)


def monday_of(day: date) -> date:
    """The Monday that starts the week of a day."""
    return day - timedelta(days=day.weekday())


def weeks_from(start: date, count: int) -> tuple[date, ...]:
    """`count` consecutive weeks (their Mondays), the first being the week of `start`."""
    first = monday_of(start)
    return tuple(first + timedelta(weeks=i) for i in range(count))


def check_design(design: Design) -> None:
    """Raise ValueError naming the first problem that makes a design impossible to schedule."""
    if not design.units:
        raise ValueError("units: no units to schedule")
    if len(set(design.units)) != len(design.units):
        duplicates = sorted({u for u in design.units if design.units.count(u) > 1})
        raise ValueError(f"units: listed more than once: {', '.join(duplicates)}")
    if not design.weeks:
        raise ValueError("weeks: no weeks available")
    if len(set(design.weeks)) != len(design.weeks):
        raise ValueError("weeks: a week is listed more than once")
    not_mondays = [w.isoformat() for w in design.weeks if w.weekday() != 0]
    if not_mondays:
        raise ValueError(f"weeks: each week is given by its Monday; not a Monday: {', '.join(not_mondays)}")
    if design.per_week < 1:
        raise ValueError(f"per_week: must be at least 1, got {design.per_week}")
    room = design.per_week * len(design.weeks)
    if len(design.units) > room:
        raise ValueError(
            f"per_week/weeks: {len(design.units)} units do not fit in {len(design.weeks)} weeks "
            f"at {design.per_week} per week (room for {room})"
        )
    units, weeks = set(design.units), set(design.weeks)
    strangers = sorted(f"{u} {w.isoformat()}" for u, w in design.blocked if u not in units or w not in weeks)
    if strangers:
        raise ValueError(f"blocked: pairs name a unit or week not in the design: {', '.join(strangers)}")
    stuck = sorted(u for u in design.units if all((u, w) in design.blocked for w in design.weeks))
    if stuck:
        raise ValueError(f"blocked: every week is blocked for {', '.join(stuck)}")


def draw_order(design: Design, seed: int) -> list[str]:
    """The random order of the units for a seed (independent of the order the units were listed in)."""
    order = sorted(design.units)
    random.Random(seed).shuffle(order)
    return order


def draw_schedule(design: Design, seed: int) -> dict[str, date]:
    """The schedule of a design for a seed: each unit's week (its Monday). Same design and seed, same schedule.

    Raises ValueError naming the problem when no schedule respects the design.
    """
    check_design(design)
    weeks = sorted(design.weeks)
    placed: dict[str, date] = {}
    occupants: dict[date, list[str]] = {w: [] for w in weeks}
    for unit in draw_order(design, seed):
        if not _place(unit, design, weeks, placed, occupants):
            raise ValueError(
                f"blocked/per_week: no schedule gives {unit} a week; the blocked weeks and {design.per_week} "
                "per week leave too little room"
            )
    return placed


def _allowed(unit: str, week: date, blocked: frozenset[tuple[str, date]]) -> bool:
    """True when the unit may have its drive that week."""
    return (unit, week) not in blocked


def _place(
    unit: str, design: Design, weeks: list[date], placed: dict[str, date], occupants: dict[date, list[str]]
) -> bool:
    """Give a unit the earliest free allowed week, else make room by moving units already placed."""
    for week in weeks:
        if _allowed(unit, week, design.blocked) and len(occupants[week]) < design.per_week:
            _assign(unit, week, placed, occupants)
            return True
    return _augment(unit, design, weeks, placed, occupants, visited=set())


def _augment(
    unit: str,
    design: Design,
    weeks: list[date],
    placed: dict[str, date],
    occupants: dict[date, list[str]],
    visited: set[date],
) -> bool:
    """Kuhn's augmenting path over full weeks: move an occupant elsewhere so `unit` takes its place."""
    for week in _candidate_weeks(unit, weeks, design.blocked, visited):
        visited.add(week)
        if len(occupants[week]) < design.per_week:
            _assign(unit, week, placed, occupants)
            return True
        for other in list(occupants[week]):
            occupants[week].remove(other)
            if _augment(other, design, weeks, placed, occupants, visited):
                _assign(unit, week, placed, occupants)
                return True
            occupants[week].append(other)
            occupants[week].sort()
            placed[other] = week
    return False


def _candidate_weeks(
    unit: str, weeks: Iterable[date], blocked: frozenset[tuple[str, date]], visited: set[date]
) -> list[date]:
    """The allowed weeks not yet visited on this augmenting path, earliest first."""
    return [w for w in weeks if w not in visited and _allowed(unit, w, blocked)]


def _assign(unit: str, week: date, placed: dict[str, date], occupants: dict[date, list[str]]) -> None:
    """Record a unit in a week."""
    placed[unit] = week
    occupants[week].append(unit)
    occupants[week].sort()
