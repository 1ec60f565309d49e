"""Figures for the home pages by role: what leadership and coordinators come to ask, answered first.

Leadership: the city against its target per audience, the projection at the deadline with its range,
how far the data reaches, the units furthest behind with what is planned there, and what the latest
drives did. Coordinators: units behind with nothing planned, the drives of the coming week with their
promoters, and stale data. Statuses and paths come from `metrics.progress`; nothing is re-derived here.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from outreach import clock
from outreach.campaign import AUDIENCES, EKSTERNAL, INTERNAL
from outreach.drives.models import Drive
from outreach.metrics.effects import EffectSummary, latest_effects
from outreach.metrics.figures import (
    UnitProgress,
    by_path,
    city_progress,
    current_round,
    drives_between,
    unit_progress,
    with_drives,
)
from outreach.metrics.progress import DataReach, Status, data_reach

BEHIND = (Status.BEHIND, Status.ATTENTION)
WEEK_DAYS = 7


def units_behind(today: date | None = None) -> list[UnitProgress]:
    """Kecamatan (eksternal) and OPDs (internal) behind or needing attention, most behind first.

    Kecamatan are measured with the public (eksternal), OPDs with their own employees (internal): the
    two audiences the campaign sets targets for. `by_path` merges them by count as a share of the
    expected count, so a small OPD and a large kecamatan compare fairly.
    """
    return by_path(
        [
            p
            for level, audience in (("kecamatan", EKSTERNAL), ("opd", INTERNAL))
            for p in unit_progress(level, audience, today=today)
            if p.status in BEHIND
        ]
    )


@dataclass
class LeadershipHome:
    """What the leadership home page shows."""

    reach: DataReach
    days_left: int = 0  # from today to the deadline (the figures' own days_left count from the last data day)
    city: dict[str, UnitProgress] = field(default_factory=dict)
    behind: list[UnitProgress] = field(default_factory=list)
    behind_total: int = 0
    effects: EffectSummary | None = None


def leadership_home(today: date | None = None, shown: int = 5) -> LeadershipHome | None:
    """The city per audience, the `shown` units furthest behind with their next drive, and the latest
    drives' effect; None before any survey round exists."""
    today = today or clock.today()
    round_ = current_round(today)
    if round_ is None:
        return None
    home = LeadershipHome(reach=data_reach(today=today), days_left=max(0, (round_.deadline - today).days))
    home.city = {aud: p for aud in AUDIENCES if (p := city_progress(aud, today=today)) is not None}
    behind = units_behind(today)
    home.behind = with_drives(behind[:shown], round_, today)  # each with its next drive (or none)
    home.behind_total = len(behind)
    home.effects = latest_effects()
    return home


@dataclass
class CoordinatorHome:
    """What the coordinator home page shows: today's work."""

    reach: DataReach
    unplanned: list[UnitProgress] = field(default_factory=list)
    unplanned_total: int = 0
    week: list[Drive] = field(default_factory=list)
    week_end: date | None = None


def coordinator_home(today: date | None = None, shown: int = 6) -> CoordinatorHome | None:
    """Units behind with no drive planned (the `shown` most behind), the drives of the next seven days
    with their promoters; None before any survey round exists."""
    today = today or clock.today()
    round_ = current_round(today)
    if round_ is None:
        return None
    week_end = today + timedelta(days=WEEK_DAYS - 1)
    home = CoordinatorHome(reach=data_reach(today=today), week_end=week_end)
    unplanned = [p for p in with_drives(units_behind(today), round_, today) if p.next_drive is None]
    home.unplanned, home.unplanned_total = unplanned[:shown], len(unplanned)
    home.week = drives_between(today, week_end)  # within the round, read already by `with_drives`
    return home
