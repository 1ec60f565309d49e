"""Promoter records: phone normalisation, create/edit/deactivate, area and OPD assignment, logins."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import phonenumbers
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import selectinload

from outreach import clock
from outreach.areas.models import Area, Opd, subtree_ids
from outreach.audit.services import diff, record_event
from outreach.campaign import PROMOTER_ROLES
from outreach.extensions import db
from outreach.promoters.models import Assignment, Promoter, current_clause

log = logging.getLogger(__name__)

EDITABLE_FIELDS = ("name", "role", "phone", "opd", "active")


class PhoneError(ValueError):
    """A phone number that is not a valid Indonesian (or international) number."""


class PromoterError(ValueError):
    """A change to a promoter that is not allowed; the message says why."""


class DuplicatePhoneError(PromoterError):
    """The phone already belongs to another promoter, who is kept in `existing` (the UI links to them)."""

    def __init__(self, existing: Promoter):
        super().__init__(_l("This phone number already belongs to %(name)s.", name=existing.name))
        self.existing = existing


def normalise_phone(raw: str, region: str = "ID") -> str:
    """Return the number in E.164, reading local input such as `0812-3456-7890` as Indonesian."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError("phone number is empty")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(f"{raw!r} is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """Show a stored number the way Indonesians write it, e.g. 0812-3456-7890."""
    number = phonenumbers.parse(e164, "ID")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def find_promoter_by_phone(phone: str) -> Promoter | None:
    """The promoter with this E.164 phone, if any."""
    return db.session.scalar(select(Promoter).where(Promoter.phone == phone))


def snapshot(promoter: Promoter) -> dict:
    """The audited fields of a promoter as plain values (OPD by code)."""
    return {
        "name": promoter.name,
        "role": promoter.role,
        "phone": promoter.phone,
        "opd": promoter.opd.code if promoter.opd else None,
        "active": promoter.active,
    }


def _check(name: str, role: str) -> str:
    name = (name or "").strip()
    if not name:
        raise PromoterError(_l("The name is empty."))
    if role not in PROMOTER_ROLES:
        raise PromoterError(_l("Role must be one of %(roles)s.", roles=", ".join(PROMOTER_ROLES)))
    return name


def create_promoter(name: str, role: str, phone: str, opd: Opd | None = None, actor=None) -> Promoter:
    """Create a promoter after normalising the phone; a duplicate phone is refused (DuplicatePhoneError)."""
    name = _check(name, role)
    e164 = normalise_phone(phone)
    existing = find_promoter_by_phone(e164)
    if existing:
        raise DuplicatePhoneError(existing)
    promoter = Promoter(name=name, role=role, phone=e164, opd=opd, active=True)
    db.session.add(promoter)
    db.session.flush()
    record_event(actor, "promoter.create", promoter, diff({}, snapshot(promoter)))
    log.info("created promoter %s (%s)", promoter.id, role)
    return promoter


def update_promoter(promoter: Promoter, name: str, role: str, phone: str, opd: Opd | None, actor=None) -> dict:
    """Change a promoter's details; returns the audited changes ({} when nothing changed)."""
    name = _check(name, role)
    e164 = normalise_phone(phone)
    existing = find_promoter_by_phone(e164)
    if existing is not None and existing.id != promoter.id:
        raise DuplicatePhoneError(existing)
    before = snapshot(promoter)
    promoter.name, promoter.role, promoter.phone, promoter.opd = name, role, e164, opd
    changes = diff(before, snapshot(promoter))
    if changes:
        record_event(actor, "promoter.update", promoter, changes)
        log.info("updated promoter %s: %s", promoter.id, ", ".join(changes))
    return changes


def set_promoter_active(promoter: Promoter, active: bool, actor=None) -> None:
    """Activate or deactivate a promoter; a deactivated promoter's login stops working too.

    Deactivation also ends their sessions and withdraws their unused sign-in links, so reactivating
    them later brings back neither an old cookie nor a link sent before.
    """
    from outreach.auth.models import User
    from outreach.auth.services import revoke_sign_in_links

    if promoter.active == active:
        return
    before = snapshot(promoter)
    promoter.active = active
    user = db.session.scalar(select(User).where(User.promoter_id == promoter.id))
    if user is not None:
        user.active = active
        if not active:
            user.new_session_token()
            revoke_sign_in_links(user, actor)
    record_event(actor, "promoter.update", promoter, diff(before, snapshot(promoter)))
    log.info("promoter %s active=%s", promoter.id, active)


def set_promoter_opd(promoter: Promoter, opd: Opd | None, actor=None) -> None:
    """Attach the promoter to an OPD (or detach with None)."""
    before = snapshot(promoter)
    promoter.opd = opd
    changes = diff(before, snapshot(promoter))
    if changes:
        record_event(actor, "promoter.update", promoter, changes)


def assign_promoter(promoter: Promoter, area: Area, start: date | None = None, actor=None) -> Assignment:
    """Start an assignment of the promoter to the area (history is never overwritten)."""
    if not promoter.active:
        raise PromoterError(_l("%(name)s is not active.", name=promoter.name))
    if not area.active:
        raise PromoterError(_l("%(name)s is not active.", name=area.label))
    start = start or clock.today()
    for current in promoter.current_assignments(start):
        if current.area_id == area.id:
            return current
    assignment = Assignment(promoter=promoter, area=area, start_date=start)
    db.session.add(assignment)
    db.session.flush()
    record_event(actor, "promoter.assign", promoter, {"area": [None, area.code], "start_date": [None, str(start)]})
    log.info("assigned promoter %s to area %s", promoter.id, area.code)
    return assignment


def unassign_promoter(assignment: Assignment, end: date | None = None, actor=None) -> Assignment:
    """End an assignment on a day, keeping it in the history."""
    end = end or clock.today()
    if end < assignment.start_date:
        raise PromoterError(_l("The end date is before the start date."))
    assignment.end_date = end
    record_event(
        actor,
        "promoter.unassign",
        assignment.promoter,
        {"area": [assignment.area.code, None], "end_date": [None, str(end)]},
    )
    return assignment


def bulk_assign(promoters: Iterable[Promoter], area: Area, start: date | None = None, actor=None) -> int:
    """Assign many promoters to one area; returns how many got a new assignment (others already had it)."""
    added = 0
    for promoter in promoters:
        before = len(promoter.assignments)
        assign_promoter(promoter, area, start, actor=actor)
        added += len(promoter.assignments) > before
    return added


def plan_rt_heads(kelurahan: Area, choices: dict[int, Promoter]) -> list[tuple[Area, Promoter]]:
    """Check {rt area id: promoter} for one kelurahan and return (RT, promoter) pairs in RT order."""
    rts = {rt.id: rt for rt in rts_of_kelurahan(kelurahan)}
    planned = []
    for rt_id, promoter in choices.items():
        rt = rts.get(rt_id)
        if rt is None:
            raise PromoterError(_l("That area is not an RT of %(name)s.", name=kelurahan.name))
        if promoter.role != "rt":
            raise PromoterError(_l("%(name)s is not an RT head.", name=promoter.name))
        planned.append((rt, promoter))
    return sorted(planned, key=lambda pair: pair[0].code)


def assign_rt_heads(kelurahan: Area, choices: dict[int, Promoter], start: date | None = None, actor=None) -> int:
    """Assign RT heads to the RTs of one kelurahan in one step: {rt area id: promoter}; returns new assignments.

    Besides each promoter's own history, the kelurahan gets one audit entry listing the whole step.
    """
    added = 0
    done = []
    for rt, promoter in plan_rt_heads(kelurahan, choices):
        before = len(promoter.assignments)
        assign_promoter(promoter, rt, start, actor=actor)
        if len(promoter.assignments) > before:
            added += 1
            done.append(f"{rt.code}={promoter.id}")
    if done:
        record_event(actor, "kelurahan.assign_rt_heads", kelurahan, {"rt_heads": [None, " ".join(done)]})
    return added


@dataclass
class AssignmentMove:
    """Moving a promoter's current areas to another promoter: which areas move, which the other already has."""

    source: Promoter
    target: Promoter
    moving: list[Assignment]
    already: list[Area]


def plan_move(source: Promoter, target: Promoter, on: date | None = None) -> AssignmentMove:
    """Check a move of every current assignment of `source` to `target` (active, same role, not the same)."""
    on = on or clock.today()
    if source.id == target.id:
        raise PromoterError(_l("Choose another promoter to take over the areas."))
    if not target.active:
        raise PromoterError(_l("%(name)s is not active.", name=target.name))
    if source.role != target.role:
        raise PromoterError(
            _l("%(name)s has another role; areas move only between promoters of the same role.", name=target.name)
        )
    moving = source.current_assignments(on)
    if not moving:
        raise PromoterError(_l("%(name)s has no current area to move.", name=source.name))
    held = {a.area_id for a in target.current_assignments(on)}
    return AssignmentMove(source, target, moving, [a.area for a in moving if a.area_id in held])


def move_assignments(source: Promoter, target: Promoter, on: date | None = None, actor=None) -> AssignmentMove:
    """End the source's current assignments on a day and start the same areas for the target, with one audit entry."""
    on = on or clock.today()
    plan = plan_move(source, target, on)
    held = {a.id for a in plan.already}
    for assignment in plan.moving:
        assignment.end_date = max(on, assignment.start_date)
        if assignment.area_id not in held:
            db.session.add(Assignment(promoter=target, area=assignment.area, start_date=on))
    db.session.flush()
    codes = " ".join(sorted(a.area.code for a in plan.moving))
    record_event(actor, "promoter.move_assignments", source, {"areas": [codes, None], "moved_to": [None, target.id]})
    log.info("moved %d assignments of promoter %s to %s", len(plan.moving), source.id, target.id)
    return plan


def rts_of_kelurahan(kelurahan: Area) -> list[Area]:
    """Active RT units below a kelurahan, in code order."""
    return list(
        db.session.scalars(
            select(Area)
            .where(Area.level == "rt", Area.active.is_(True), Area.id.in_(subtree_ids([kelurahan])))
            .order_by(Area.code)
        )
    )


def rt_heads_by_rt(kelurahan: Area) -> dict[int, list[Promoter]]:
    """Current active RT heads per RT area id in a kelurahan."""
    rows = db.session.execute(
        select(Assignment.area_id, Promoter)
        .join(Promoter, Promoter.id == Assignment.promoter_id)
        .where(
            current_clause(),
            Promoter.active.is_(True),
            Promoter.role == "rt",
            Assignment.area_id.in_(subtree_ids([kelurahan])),
        )
    ).all()
    found: dict[int, list[Promoter]] = {}
    for area_id, promoter in rows:
        found.setdefault(area_id, []).append(promoter)
    return found


def rt_head_candidates(kelurahan: Area) -> list[Promoter]:
    """Active RT heads who have no area yet or already work in this kelurahan, by name."""
    in_kelurahan = select(Assignment.promoter_id).where(
        current_clause(), Assignment.area_id.in_(subtree_ids([kelurahan]))
    )
    return list(
        db.session.scalars(
            select(Promoter)
            .where(
                Promoter.active.is_(True),
                Promoter.role == "rt",
                or_(~_has_current_assignment(), Promoter.id.in_(in_kelurahan)),
            )
            .order_by(Promoter.name)
        )
    )


def give_login(promoter: Promoter, email: str, password: str, actor=None):
    """Create the promoter's own login (role promoter), which sees only their profile and assignments."""
    from outreach.auth.models import User
    from outreach.auth.services import create_user
    from outreach.campaign import PROMOTER

    if not promoter.active:
        raise PromoterError(_l("%(name)s is not active.", name=promoter.name))
    if db.session.scalar(select(User.id).where(User.promoter_id == promoter.id)):
        raise PromoterError(_l("%(name)s already has a login.", name=promoter.name))
    return create_user(email, password, PROMOTER, promoter=promoter, actor=actor)


def _has_current_assignment():
    return exists().where(Assignment.promoter_id == Promoter.id, current_clause())


def _covers(area: Area):
    """Promoter has a current assignment in the area or anywhere below it."""
    return exists().where(
        Assignment.promoter_id == Promoter.id,
        current_clause(),
        Assignment.area_id.in_(subtree_ids([area])),
    )


@dataclass
class PromoterFilters:
    """What the promoter list is narrowed to; None means no filter."""

    q: str | None = None
    role: str | None = None
    kecamatan: Area | None = None
    kelurahan: Area | None = None
    opd: Opd | None = None
    active: bool | None = True
    unassigned: bool = False


def promoter_query(filters: PromoterFilters) -> Select:
    """SELECT of promoters matching the filters, ordered by name."""
    stmt = select(Promoter)
    if filters.q:
        term = filters.q.strip()
        digits = "".join(ch for ch in term if ch.isdigit())
        conditions = [func.lower(Promoter.name).contains(term.lower(), autoescape=True)]
        if len(digits) >= 4:
            conditions.append(Promoter.phone.contains(digits.lstrip("0"), autoescape=True))
        stmt = stmt.where(or_(*conditions))
    if filters.role:
        stmt = stmt.where(Promoter.role == filters.role)
    if filters.opd is not None:
        stmt = stmt.where(Promoter.opd_id == filters.opd.id)
    if filters.active is not None:
        stmt = stmt.where(Promoter.active.is_(filters.active))
    for area in (filters.kelurahan, filters.kecamatan):
        if area is not None:
            stmt = stmt.where(_covers(area))
            break
    if filters.unassigned:
        stmt = stmt.where(~_has_current_assignment())
    return stmt.order_by(Promoter.name, Promoter.id)


def with_list_loading(stmt: Select) -> Select:
    """Load what the promoter list shows (OPD, assignments with their area, RW and kelurahan) in a few queries."""
    return stmt.options(
        selectinload(Promoter.opd),
        selectinload(Promoter.assignments)
        .selectinload(Assignment.area)
        .selectinload(Area.parent)
        .selectinload(Area.parent),
    )


def promoters_by_ids(ids: Iterable[int]) -> list[Promoter]:
    """The promoters with these ids (unknown ids are ignored)."""
    ids = list(ids)
    if not ids:
        return []
    return list(db.session.scalars(select(Promoter).where(Promoter.id.in_(ids)).order_by(Promoter.name)))


def login_of(promoter: Promoter):
    """The promoter's login, if they have one."""
    from outreach.auth.models import User

    return db.session.scalar(select(User).where(User.promoter_id == promoter.id))


def assignments_in(area: Area) -> list[Assignment]:
    """Current assignments directly to an area, with their promoters, by role and name."""
    return list(
        db.session.scalars(
            select(Assignment)
            .join(Promoter, Promoter.id == Assignment.promoter_id)
            .where(Assignment.area_id == area.id, current_clause())
            .order_by(Promoter.role, Promoter.name)
        )
    )


def assignment_history(promoter: Promoter) -> list[Assignment]:
    """All of a promoter's assignments, newest first (ended ones included)."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.promoter_id == promoter.id)
            .order_by(Assignment.start_date.desc(), Assignment.id.desc())
        )
    )


def list_opd_choices() -> list[Opd]:
    """Active OPDs by name, for menus."""
    return list(db.session.scalars(select(Opd).where(Opd.active.is_(True)).order_by(Opd.name)))
