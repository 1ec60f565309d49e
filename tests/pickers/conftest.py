"""A small area tree with promoters for picker tests."""

import pytest

from tests import factories


@pytest.fixture
def places(db):
    """Kedaton (Sidodadi with RW 001 / RT 002, Surabaya), Enggal (Pelita), and promoters assigned there."""
    kota = factories.AreaFactory(code="18.71", name="Kota Bandar Lampung", level="kota")
    kedaton = factories.AreaFactory(code="18.71.01", name="Kedaton", level="kecamatan", parent=kota)
    sidodadi = factories.AreaFactory(code="18.71.01.1006", name="Sidodadi", parent=kedaton)
    rw = factories.AreaFactory(code="18.71.01.1006.001", name="RW 001", level="rw", parent=sidodadi)
    rt = factories.AreaFactory(code="18.71.01.1006.001.002", name="RT 002", level="rt", parent=rw)
    surabaya = factories.AreaFactory(code="18.71.01.1004", name="Surabaya", parent=kedaton)
    enggal = factories.AreaFactory(code="18.71.17", name="Enggal", level="kecamatan", parent=kota)
    pelita = factories.AreaFactory(code="18.71.17.1002", name="Pelita", parent=enggal)
    budi = factories.AssignmentFactory(area=rt, promoter__name="Budi Santoso", promoter__role="rt").promoter
    dewi = factories.AssignmentFactory(area=pelita, promoter__name="Dewi Lestari", promoter__role="linmas").promoter
    bima = factories.AssignmentFactory(area=surabaya, promoter__name="Bima Saputra").promoter
    gone = factories.PromoterFactory(name="Budi Lama", active=False)
    db.session.commit()
    return {
        "kedaton": kedaton,
        "sidodadi": sidodadi,
        "rt": rt,
        "surabaya": surabaya,
        "pelita": pelita,
        "budi": budi,
        "dewi": dewi,
        "bima": bima,
        "gone": gone,
    }
