"""Demo rollout: door-to-door rounds in 14 kelurahan of Panjang and Teluk Betung Timur, in an order drawn
at random from a stored seed (two a week from 5 October), each done in the week drawn for it.

Its drives are loaded before the respondent counts, which give each unit a lasting rise from its drive
on (`participation.ROLLOUT_LIFT`), so the rollout report has a randomised effect to estimate.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from outreach.areas.models import Area
from outreach.clock import wib_to_utc
from outreach.drives.models import DONE
from outreach.drives.services import DriveData, create_drive, promoters_in_areas
from outreach.extensions import db
from outreach.rollouts.models import ACCEPTED, RolloutPlan
from outreach.rollouts.services import PlanData, accept_plan, create_plan

NAME = "Door-to-door bergilir Panjang & Teluk Betung Timur"
KECAMATAN = ("18.71.04", "18.71.19")
FIRST_WEEK, WEEKS, PER_WEEK, SEED = date(2026, 10, 5), 7, 2, 5_082_026
DEADLINE = date(2026, 12, 11)


def seed_demo_rollout() -> int:
    """Add the demo rollout plan and its drives unless it is there; return rows added (plan and drives)."""
    if db.session.scalar(select(RolloutPlan.id).where(RolloutPlan.name == NAME)) is not None:
        return 0
    units = list(
        db.session.scalars(
            select(Area).where(Area.level == "kelurahan", Area.parent.has(Area.code.in_(KECAMATAN))).order_by(Area.code)
        )
    )
    if len(units) < 2:
        return 0
    data = PlanData(
        NAME,
        "kelurahan",
        "door_to_door",
        "eksternal",
        FIRST_WEEK,
        WEEKS,
        PER_WEEK,
        units,
        seed=SEED,
        notes="Urutan diundi; setiap kelurahan dikunjungi pada minggu undiannya.",
    )
    plan = create_plan(data, DEADLINE, actor=None)
    accept_plan(plan, actor=None)
    assert plan.status == ACCEPTED
    added = 1
    for slot in plan.slots:
        day = slot.week + timedelta(days=1)  # the Tuesday of its week
        kelurahan = slot.area
        assert kelurahan is not None
        starts_at = wib_to_utc(datetime.combine(day, time(15, 30)))
        promoters = sorted(promoters_in_areas([kelurahan], day), key=lambda p: p.id)[:4]
        create_drive(
            DriveData(
                kind="door_to_door",
                title=f"Door-to-door bergilir {kelurahan.name}",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=3),
                audience="eksternal",
                areas=[kelurahan],
                promoters=promoters,
                place_name=f"RT se-Kelurahan {kelurahan.name}",
                status=DONE,
                attendance=40 + (slot.id * 7) % 30,
                rollout_slot_id=slot.id,
            )
        )
        added += 1
    return added
