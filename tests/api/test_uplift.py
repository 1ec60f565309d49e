"""GET /api/v1/participation/uplift: the same difference-in-differences as the uplift page."""

from datetime import date

from outreach.extensions import db
from tests.api.test_endpoints import assert_problem
from tests.factories import AreaFactory
from tests.participation.conftest import add_daily


def _tree():
    kota = AreaFactory(code="18.71", name="Bandar Lampung", level="kota")
    kec = AreaFactory(code="18.71.01", name="Kedaton", level="kecamatan", parent=kota)
    return {
        name: AreaFactory(code=f"18.71.01.100{i}", name=name, parent=kec)
        for i, name in enumerate(("Surabaya", "Sidodadi", "Penengahan"), start=1)
    }


def test_uplift_gives_the_known_answer(client, as_role):
    units = _tree()
    pre = date(2026, 10, 1)
    add_daily(db, units["Surabaya"], pre, [10] * 10 + [40] * 10)
    add_daily(db, units["Sidodadi"], pre, [10] * 10 + [15] * 10)
    add_daily(db, units["Penengahan"], pre, [20] * 10 + [25] * 10)
    db.session.commit()
    _user, headers = as_role("leadership")
    response = client.get(
        "/api/v1/participation/uplift?start=2026-10-11&end=2026-10-20&units=18.71.01.1001", headers=headers
    )
    assert response.status_code == 200, response.json
    areas = response.json["areas"]
    assert areas["uplift"] == 25.0 and areas["n_treated"] == 1 and areas["n_comparison"] == 2
    assert areas["units"][0]["unit"] == "18.71.01.1001" and response.json["opds"] is None
    assert response.json["extra_total"] == 250.0


def test_uplift_refuses_unknown_units_and_backwards_or_long_windows(client, as_role):
    _tree()
    _user, headers = as_role("coordinator")
    unknown = assert_problem(
        client.get("/api/v1/participation/uplift?start=2026-10-11&end=2026-10-20&units=zz", headers=headers), 422
    )
    assert unknown["errors"][0]["field"] == "units"
    backwards = assert_problem(
        client.get("/api/v1/participation/uplift?start=2026-10-11&end=2026-10-01&units=18.71.01.1001", headers=headers),
        422,
    )
    assert backwards["errors"][0]["field"] == "end"
    long = assert_problem(
        client.get("/api/v1/participation/uplift?start=2025-01-01&end=2026-10-01&units=18.71.01.1001", headers=headers),
        422,
    )
    assert long["errors"][0]["field"] == "end"


def test_promoter_gets_no_uplift(client, as_role):
    _user, headers = as_role("promoter")
    assert_problem(
        client.get("/api/v1/participation/uplift?start=2026-10-11&end=2026-10-20&units=x", headers=headers), 403
    )
