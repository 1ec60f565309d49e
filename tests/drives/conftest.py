"""Fixtures for drive tests: a small area tree of two kecamatan."""

import pytest

from tests import factories


@pytest.fixture
def tree(db):
    """Kecamatan Kedaton with kelurahan Surabaya and Sidodadi, and Kecamatan Enggal with kelurahan Pelita."""
    kedaton = factories.AreaFactory(code="18.71.01", name="Kedaton", level="kecamatan")
    surabaya = factories.AreaFactory(code="18.71.01.1004", name="Surabaya", parent=kedaton)
    sidodadi = factories.AreaFactory(code="18.71.01.1006", name="Sidodadi", parent=kedaton)
    enggal = factories.AreaFactory(code="18.71.17", name="Enggal", level="kecamatan")
    pelita = factories.AreaFactory(code="18.71.17.1002", name="Pelita", parent=enggal)
    db.session.commit()
    return {"kedaton": kedaton, "surabaya": surabaya, "sidodadi": sidodadi, "enggal": enggal, "pelita": pelita}
