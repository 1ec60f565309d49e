"""Fixtures for participation: a small area tree, OPDs, a round, and a request context for messages."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from outreach.areas.models import Area
from outreach.metrics import refresh
from outreach.participation.models import RespondentCount, SurveyRound
from tests.factories import AreaFactory, OpdFactory


@pytest.fixture(autouse=True)
def request_ctx(app):
    """Messages are translated lazily; a request context lets tests read them (in Bahasa Indonesia)."""
    with app.test_request_context():
        yield


@pytest.fixture
def frozen():
    """4 December 2026, 10:00 WIB: KPK's counts in the tests that use it reach 25 November, nine days before."""
    with time_machine.travel(datetime(2026, 12, 4, 3, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def tree(db):
    """Kota, two kecamatan (A with kelurahan a1-a3, B with b1-b2) and two OPDs."""
    kota = AreaFactory(code="18.71", name="Bandar Lampung", level="kota")
    kec_a = AreaFactory(code="18.71.01", name="Kedaton", level="kecamatan", parent=kota)
    kec_b = AreaFactory(code="18.71.02", name="Sukarame", level="kecamatan", parent=kota)
    kel = {
        "a1": AreaFactory(code="18.71.01.1001", name="Surabaya", parent=kec_a),
        "a2": AreaFactory(code="18.71.01.1002", name="Sidodadi", parent=kec_a),
        "a3": AreaFactory(code="18.71.01.1003", name="Penengahan", parent=kec_a),
        "b1": AreaFactory(code="18.71.02.1001", name="Way Dadi", parent=kec_b),
        "b2": AreaFactory(code="18.71.02.1002", name="Korpri Jaya", parent=kec_b),
    }
    opds = {"dinkes": OpdFactory(code="dinkes", name="Dinas Kesehatan"), "disdik": OpdFactory(code="disdik")}
    db.session.commit()
    return {"kota": kota, "kec_a": kec_a, "kec_b": kec_b, **kel, **opds}


@pytest.fixture
def spi_round(db):
    """SPI 2026 from 1 September to 11 December 2026."""
    round_ = SurveyRound(name="SPI 2026", year=2026, starts_on=date(2026, 9, 1), deadline=date(2026, 12, 11))
    db.session.add(round_)
    db.session.commit()
    return round_


def add_daily(db, unit, start: date, values, audience="eksternal", source="KPK"):
    """Store one daily count per day from `start` (a list of values, or (days, value))."""
    if isinstance(values, tuple):
        values = [values[1]] * values[0]
    for i, value in enumerate(values):
        db.session.add(
            RespondentCount(
                day=start + timedelta(days=i),
                area=unit if isinstance(unit, Area) else None,
                opd=None if isinstance(unit, Area) else unit,
                audience=audience,
                kind="daily",
                reported=value,
                daily=value,
                source=source,
            )
        )
    # What the services that write counts do (participation.services.write_counts).
    ids = [unit.id] if isinstance(unit, Area) else [], [] if isinstance(unit, Area) else [unit.id]
    refresh.respondent_counts_written(*ids, start)
    db.session.commit()
