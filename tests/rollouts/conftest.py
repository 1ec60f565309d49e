"""A city of 12 kelurahan with KPK counts to 25 November, and a rollout plan over them."""

import random
from datetime import date, datetime, time, timedelta

import pytest

from outreach.areas.models import Area
from outreach.clock import wib_to_utc
from outreach.drives.models import DONE
from outreach.drives.services import DriveData, create_drive
from outreach.extensions import db as _db
from outreach.metrics import refresh
from outreach.participation.models import RespondentCount, SurveyRound
from outreach.rollouts.models import RolloutPlan, RolloutSlot
from outreach.rollouts.services import PlanData, accept_plan, create_plan
from tests.factories import make_area_tree
from tests.participation.conftest import frozen  # noqa: F401 - 4 Dec 2026, 10:00 WIB; KPK's counts reach 25 Nov

FIRST_WEEK, WEEKS, PER_WEEK, SEED = date(2026, 10, 5), 6, 2, 424242
ROUND_START, LAST_DAY, DEADLINE = date(2026, 9, 1), date(2026, 11, 25), date(2026, 12, 11)
LIFT = 5.0  # respondents a day a drive adds, from its week on


@pytest.fixture
def city(db):
    """Two kecamatan of six kelurahan each, and the SPI 2026 round."""
    made = make_area_tree(kecamatan=2, kelurahan=6, rw=0)
    db.session.add(SurveyRound(name="SPI 2026", year=2026, starts_on=ROUND_START, deadline=DEADLINE))
    db.session.commit()
    return sorted((a for a in made.values() if a.level == "kelurahan"), key=lambda a: a.code)


def make_plan(units, seed: int = SEED, accept: bool = True) -> RolloutPlan:
    """A door-to-door plan over the units, two a week for six weeks from 5 October."""
    data = PlanData(
        "Uji bergilir", "kelurahan", "door_to_door", "eksternal", FIRST_WEEK, WEEKS, PER_WEEK, units, seed=seed
    )
    plan = create_plan(data, DEADLINE, actor=None)
    if accept:
        accept_plan(plan, actor=None)
    _db.session.commit()
    return plan


def realise(slot: RolloutSlot, week: date | None = None) -> None:
    """The unit's drive, on the Tuesday of its week (or of `week`), done."""
    day = (week or slot.week) + timedelta(days=1)
    starts_at = wib_to_utc(datetime.combine(day, time(15, 30)))
    create_drive(
        DriveData(
            kind="door_to_door",
            title=f"Door-to-door {slot.name}",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=3),
            audience="eksternal",
            areas=[slot.area],
            status=DONE,
            rollout_slot_id=slot.id,
        )
    )
    _db.session.commit()


def add_counts(units, drive_day: dict[int, date], lift: float = LIFT, seed: int = 1) -> None:
    """Daily eksternal counts from the round's start to LAST_DAY: each unit its own level and trend, Poisson-ish
    noise, and `lift` more a day from its drive day on."""
    rng = random.Random(seed)
    rows = []
    for n, unit in enumerate(units):
        level, trend = 4 + 2 * n, rng.uniform(-0.02, 0.06)
        day, i = ROUND_START, 0
        while day <= LAST_DAY:
            mean = level + trend * i + (lift if unit.id in drive_day and day >= drive_day[unit.id] else 0)
            value = max(0, round(rng.gauss(mean, mean**0.5)))
            rows.append(
                RespondentCount(
                    day=day, area=unit, audience="eksternal", kind="daily", reported=value, daily=value, source="KPK"
                )
            )
            day, i = day + timedelta(days=1), i + 1
    _db.session.add_all(rows)
    _db.session.flush()
    refresh.respondents()
    _db.session.commit()


def unit_of(slot: RolloutSlot) -> Area:
    assert slot.area is not None
    return slot.area
