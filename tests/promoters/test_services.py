"""Phone normalisation, promoter creation and assignment history."""

from datetime import date

import pytest
from sqlalchemy import select

from outreach.audit.models import AuditEvent
from outreach.promoters.services import (
    DuplicatePhoneError,
    PhoneError,
    PromoterError,
    assign_promoter,
    create_promoter,
    format_phone,
    normalise_phone,
    unassign_promoter,
)
from tests.factories import AreaFactory, PromoterFactory


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("0812 3456 7890", "+6281234567890"),
        ("081234567890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("62812-3456-7890", "+6281234567890"),
        ("(0721) 123456", "+62721123456"),
    ],
)
def test_indonesian_input_is_normalised_to_e164(raw, e164):
    assert normalise_phone(raw) == e164


@pytest.mark.parametrize("raw", ["", "   ", "abc", "0812", "12345", "0812-3456-7890-1234-5"])
def test_invalid_phone_is_rejected_with_a_message(raw):
    with pytest.raises(PhoneError) as excinfo:
        normalise_phone(raw)
    assert "phone" in str(excinfo.value) or repr(raw) in str(excinfo.value)


def test_stored_phone_is_shown_the_indonesian_way():
    assert format_phone("+6281234567890") == "0812-3456-7890"


def test_create_promoter_stores_e164_and_audits(db):
    promoter = create_promoter("Siti Rahmawati", "linmas", "0812-3456-7890")
    db.session.commit()
    assert promoter.phone == "+6281234567890"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "promoter.create"))
    assert event.object_id == promoter.id


def test_duplicate_phone_is_refused(db):
    existing = PromoterFactory(phone="+6281234567890")
    with pytest.raises(DuplicatePhoneError) as excinfo:
        create_promoter("Budi", "rt", "0812 3456 7890")
    assert excinfo.value.existing == existing


def test_unknown_role_is_refused(db):
    with pytest.raises(PromoterError, match="pamong, linmas, rt"):
        create_promoter("Budi", "lurah", "081234567890")


def test_assignment_history_is_kept_when_reassigned(db):
    promoter = PromoterFactory()
    first, second = AreaFactory(), AreaFactory()
    old = assign_promoter(promoter, first, start=date(2026, 7, 1))
    unassign_promoter(old, end=date(2026, 8, 1))
    assign_promoter(promoter, second, start=date(2026, 8, 1))
    db.session.commit()
    assert [(a.area_id, a.end_date) for a in promoter.assignments] == [
        (first.id, date(2026, 8, 1)),
        (second.id, None),
    ]
    assert [a.area_id for a in promoter.current_assignments(date(2026, 7, 15))] == [first.id]
    assert [a.area_id for a in promoter.current_assignments(date(2026, 8, 15))] == [second.id]


def test_assigning_the_same_area_twice_keeps_one_assignment(db):
    promoter, area = PromoterFactory(), AreaFactory()
    assert assign_promoter(promoter, area, date(2026, 7, 1)) is assign_promoter(promoter, area, date(2026, 7, 2))
