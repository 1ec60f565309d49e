"""The respondent source's window sums (one grouped query per request, rolled up to each level in
Python) against the general path (a SQL query per level that joins every count to its area)."""

from datetime import date

import pytest

from outreach.links.models import CITY_UNIT
from outreach.participation.series import RespondentSeries, level_window_sums
from tests.factories import AreaFactory
from tests.participation.conftest import add_daily

D = date(2026, 9, 1)
WINDOWS = (
    (date(2026, 9, 8), date(2026, 9, 14)),
    (D, date(2026, 9, 7)),
    (D, date(2026, 9, 14)),
    (date(2026, 9, 12), date(2026, 9, 14)),
)


@pytest.fixture
def counts(tree, db):
    """Counts at every kind of unit: KPK's city total for eksternal only, kecamatan's own rows,
    kelurahan with two sources on a day, an RW, OPDs in both audiences, and rows outside the windows."""
    rw = AreaFactory(code="18.71.01.1001.001", name="RW 001", level="rw", parent=tree["a1"])
    add_daily(db, tree["kota"], D, (14, 100))
    add_daily(db, tree["kec_a"], D, (14, 2))
    add_daily(db, tree["a1"], D, list(range(14)))
    add_daily(db, tree["a1"], date(2026, 9, 10), [5, 5], source="OPD")
    add_daily(db, tree["a2"], D, (14, 3), audience="internal")
    add_daily(db, tree["b1"], date(2026, 9, 5), (3, 7))
    add_daily(db, tree["b2"], date(2026, 8, 25), (30, 1))  # starts before and ends after the windows
    add_daily(db, rw, D, (14, 4), audience="internal")
    add_daily(db, tree["dinkes"], D, (14, 6))
    add_daily(db, tree["dinkes"], D, (14, 9), audience="internal")
    add_daily(db, tree["disdik"], date(2026, 9, 13), [3, 11], audience="internal")
    return tree


@pytest.mark.parametrize(
    ("level", "parent"),
    [("kota", None), ("kecamatan", None), ("kelurahan", None), ("kelurahan", "kec_a"), ("opd", None)],
)
def test_respondent_window_sums_match_the_general_path_at_every_level(counts, level, parent):
    source = RespondentSeries()
    parent_id = counts[parent].id if parent else None
    assert source.window_sums(level, WINDOWS, parent_id) == level_window_sums(source, level, WINDOWS, parent_id)


def test_respondent_window_sums_have_the_known_answers(counts):
    source = RespondentSeries()
    city = source.window_sums("kota", WINDOWS)[CITY_UNIT]
    assert city["eksternal"] == [700, 700, 1400, 300]  # KPK's reported total alone
    # Internal has no city total: every unit's counts (Sidodadi 3, the RW 4 and Dinkes 9 a day, Disdik 3 + 11).
    assert city["internal"] == [16 * 7 + 14, 16 * 7, 16 * 14 + 14, 16 * 3 + 14]
    kecamatan = source.window_sums("kecamatan", WINDOWS)
    # Kedaton: its own 2 a day, Surabaya's 0..13 and 5 + 5 from a second source; the RW is no kelurahan.
    assert kecamatan[counts["kec_a"].id] == {
        "eksternal": [14 + 70 + 10, 14 + 21, 28 + 91 + 10, 6 + 36],
        "internal": [21, 21, 42, 9],
    }
    assert kecamatan[counts["kec_b"].id] == {"eksternal": [7, 21 + 7, 21 + 14, 3]}
    kelurahan = source.window_sums("kelurahan", WINDOWS, counts["kec_b"].id)
    assert set(kelurahan) == {counts["b1"].id, counts["b2"].id}
    assert source.window_sums("opd", WINDOWS)[counts["disdik"].id] == {"internal": [14, 0, 14, 14]}
