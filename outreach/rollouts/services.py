"""Rollout plans: draw a schedule from a seed, accept it, move a unit with a recorded reason, make its drive."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from outreach import clock
from outreach.areas.models import Area, Opd
from outreach.audit.services import record_event
from outreach.auth.models import User
from outreach.campaign import AUDIENCES
from outreach.clock import wib_to_utc
from outreach.drives.models import DRIVE_KINDS
from outreach.extensions import db
from outreach.rollouts.models import ACCEPTED, DRAFT, LEVELS, RolloutChange, RolloutPlan, RolloutSlot
from outreach.rollouts.schedule import Design, check_design, draw_schedule, monday_of, new_seed

# A drive made from a plan starts on its week's Monday morning until the coordinator sets the day.
DRIVE_HOURS = (time(9, 0), time(12, 0))


class PlanError(ValueError):
    """A plan or a change that cannot be saved as given; the message names the field."""


@dataclass
class PlanData:
    """What a coordinator enters for a plan: plain values and loaded units."""

    name: str
    level: str
    kind: str
    audience: str
    first_week: date
    weeks: int
    per_week: int
    units: Sequence[Area | Opd] = field(default_factory=list)
    blocked: dict[int, list[date]] = field(default_factory=dict)  # unit id -> Mondays it cannot take
    notes: str = ""
    seed: int | None = None  # drawn fresh when None


def unit_key(level: str, unit: Area | Opd) -> str:
    """The schedule's name for a unit."""
    return f"{level}:{unit.code}"


def check_plan_data(data: PlanData, deadline: date | None) -> None:
    """Raise PlanError naming the first field that is wrong."""
    if not data.name.strip():
        raise PlanError(_("Name of the plan: give the plan a name."))
    if data.level not in LEVELS:
        raise PlanError(f"level: must be one of {', '.join(LEVELS)}, not {data.level!r}")
    if data.kind not in DRIVE_KINDS:
        raise PlanError(f"kind: must be one of {', '.join(DRIVE_KINDS)}, not {data.kind!r}")
    if data.audience not in AUDIENCES:
        raise PlanError(f"audience: must be one of {', '.join(AUDIENCES)}, not {data.audience!r}")
    wrong = [u.code for u in data.units if (data.level == "opd") != isinstance(u, Opd)]
    wrong += [u.code for u in data.units if isinstance(u, Area) and u.level != "kelurahan"]
    if wrong:
        raise PlanError(f"units: not a {data.level}: {', '.join(wrong)}")
    if len(data.units) < 2:
        raise PlanError(_("Choose at least two units, so units whose drive comes later can serve as comparison."))
    if data.weeks < 2:
        raise PlanError(_("Weeks available: at least two, so drives can start in different weeks."))
    last_day = monday_of(data.first_week) + timedelta(weeks=data.weeks, days=-1)
    if deadline is not None and monday_of(data.first_week) + timedelta(weeks=data.weeks - 1) > deadline:
        raise PlanError(
            _(
                "Weeks available: the last week would start after the survey closes on %(deadline)s (the plan would"
                " run to %(end)s). Plan fewer weeks or start earlier.",
                deadline=deadline.isoformat(),
                end=last_day.isoformat(),
            )
        )


def _design(data: PlanData, weeks: tuple[date, ...]) -> Design:
    keys = {u.id: unit_key(data.level, u) for u in data.units}
    blocked = frozenset((keys[uid], w) for uid, days in data.blocked.items() if uid in keys for w in days)
    return Design(tuple(keys.values()), weeks, data.per_week, blocked)


def create_plan(data: PlanData, deadline: date | None, actor: User | None) -> RolloutPlan:
    """Draw the plan's schedule from its seed and add the plan as a draft; raise PlanError if impossible."""
    check_plan_data(data, deadline)
    first = monday_of(data.first_week)
    weeks = tuple(first + timedelta(weeks=i) for i in range(data.weeks))
    strays = sorted({w for days in data.blocked.values() for w in days} - set(weeks))
    if strays:
        raise PlanError(
            _(
                "Weeks a unit cannot take: %(weeks)s is not a Monday of the plan's weeks.",
                weeks=", ".join(w.isoformat() for w in strays),
            )
        )
    room = data.per_week * data.weeks
    if len(data.units) > room:
        raise PlanError(
            _(
                "%(units)s units do not fit in %(weeks)s weeks at %(per_week)s drives a week (room for %(room)s):"
                " add weeks or drives a week.",
                units=len(data.units),
                weeks=data.weeks,
                per_week=data.per_week,
                room=room,
            )
        )
    design = _design(data, weeks)
    seed = new_seed() if data.seed is None else data.seed
    try:
        check_design(design)
        schedule = draw_schedule(design, seed)
    except ValueError as error:
        raise PlanError(str(error)) from error
    plan = RolloutPlan(
        name=data.name.strip(),
        level=data.level,
        kind=data.kind,
        audience=data.audience,
        first_week=first,
        weeks=data.weeks,
        per_week=data.per_week,
        seed=seed,
        status=DRAFT,
        notes=data.notes.strip(),
        created_by_id=getattr(actor, "id", None),
    )
    for unit in sorted(data.units, key=lambda u: u.code):
        week = schedule[unit_key(data.level, unit)]
        blocked = ",".join(w.isoformat() for w in sorted(data.blocked.get(unit.id, ())))
        slot = RolloutSlot(drawn_week=week, week=week, blocked=blocked)
        if isinstance(unit, Opd):
            slot.opd = unit
        else:
            slot.area = unit
        plan.slots.append(slot)
    db.session.add(plan)
    db.session.flush()
    record_event(actor, "rollout.create", plan, {"seed": str(seed), "units": len(data.units), "weeks": data.weeks})
    return plan


def accept_plan(plan: RolloutPlan, actor: User | None) -> None:
    """Accept the schedule as it stands; drives can then be made from it."""
    if plan.status == ACCEPTED:
        raise PlanError(_("The plan is already accepted."))
    plan.status = ACCEPTED
    plan.accepted_at = clock.now()
    plan.accepted_by_id = getattr(actor, "id", None)
    record_event(actor, "rollout.accept", plan, {"moved": sum(1 for s in plan.slots if s.moved)})


def move_slot(slot: RolloutSlot, week: date, reason: str, actor: User | None) -> RolloutChange:
    """Move a unit to another week of its plan, recording who, when and why; raise PlanError if not allowed."""
    plan = slot.plan
    if not reason.strip():
        raise PlanError(_("Say why the unit moves: every change weakens the estimate."))
    if week == slot.week:
        raise PlanError(
            _("%(unit)s is already planned for the week of %(week)s.", unit=slot.name, week=week.isoformat())
        )
    if week not in plan.week_list:
        raise PlanError(_("%(week)s is not a Monday of this plan's weeks.", week=week.isoformat()))
    if week in slot.blocked_weeks:
        raise PlanError(
            _("%(unit)s cannot take the week of %(week)s (marked unavailable).", unit=slot.name, week=week.isoformat())
        )
    taken = Counter(s.week for s in plan.slots if s is not slot)
    if taken[week] >= plan.per_week:
        raise PlanError(
            _(
                "The week of %(week)s already has %(n)s drives, all the promoters can run: move one of them first.",
                week=week.isoformat(),
                n=plan.per_week,
            )
        )
    change = RolloutChange(
        plan=plan,
        slot=slot,
        from_week=slot.week,
        to_week=week,
        reason=reason.strip(),
        user_id=getattr(actor, "id", None),
        created_at=clock.now(),
    )
    slot.week = week
    db.session.add(change)
    db.session.flush()
    record_event(actor, "rollout.move", plan, {"unit": slot.key, "from": change.from_week, "to": week})
    return change


def slot_drive_times(slot: RolloutSlot) -> tuple[datetime, datetime]:
    """The UTC start and end a drive made from this slot gets first: its week's Monday morning, WIB."""
    start, end = DRIVE_HOURS
    return wib_to_utc(datetime.combine(slot.week, start)), wib_to_utc(datetime.combine(slot.week, end))


def visible_plans() -> list[RolloutPlan]:
    """Every plan, newest first."""
    return list(db.session.scalars(select(RolloutPlan).order_by(RolloutPlan.first_week.desc(), RolloutPlan.id.desc())))
