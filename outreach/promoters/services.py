"""Promoter records: phone normalisation, creation and area assignment."""

import logging
from datetime import date

import phonenumbers
from sqlalchemy import select

from outreach.areas.models import Area, Opd
from outreach.audit.services import record_event
from outreach.extensions import db
from outreach.promoters.models import PROMOTER_ROLES, Assignment, Promoter

log = logging.getLogger(__name__)


class PhoneError(ValueError):
    """A phone number that is not a valid Indonesian (or international) number."""


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


def create_promoter(name: str, role: str, phone: str, opd: Opd | None = None, actor=None) -> Promoter:
    """Create a promoter after normalising the phone; a duplicate phone is refused."""
    if role not in PROMOTER_ROLES:
        raise ValueError(f"role must be one of {', '.join(PROMOTER_ROLES)}, not {role!r}")
    e164 = normalise_phone(phone)
    if find_promoter_by_phone(e164):
        raise ValueError(f"phone {e164} already belongs to another promoter")
    promoter = Promoter(name=name.strip(), role=role, phone=e164, opd=opd)
    db.session.add(promoter)
    db.session.flush()
    record_event(actor, "promoter.create", promoter, {"name": promoter.name, "role": role})
    return promoter


def assign_promoter(promoter: Promoter, area: Area, start: date | None = None, actor=None) -> Assignment:
    """Start an assignment of the promoter to the area (history is never overwritten)."""
    start = start or date.today()
    for current in promoter.current_assignments(start):
        if current.area_id == area.id:
            return current
    assignment = Assignment(promoter=promoter, area=area, start_date=start)
    db.session.add(assignment)
    db.session.flush()
    record_event(actor, "promoter.assign", promoter, {"area": area.code, "start_date": str(start)})
    log.info("assigned promoter %s to area %s", promoter.id, area.code)
    return assignment


def unassign_promoter(assignment: Assignment, end: date | None = None, actor=None) -> Assignment:
    """End an assignment on a day, keeping it in the history."""
    assignment.end_date = end or date.today()
    record_event(
        actor,
        "promoter.unassign",
        assignment.promoter,
        {"area": assignment.area.code, "end_date": str(assignment.end_date)},
    )
    return assignment
