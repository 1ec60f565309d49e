"""Running totals and per-level rows of respondent counts stay in step with the counts: the services that
write counts (and move areas) refresh them explicitly, in the same transaction."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from outreach.areas.models import Area
from outreach.areas.services import AreaError, move_area
from outreach.extensions import db as _db
from outreach.links.models import CITY_UNIT, ScanLevelDaily
from outreach.metrics import refresh
from outreach.metrics.respondent_totals import rebuild_levels, rebuild_totals
from outreach.metrics.respondents import RespondentSeries
from outreach.participation.imports import import_counts
from outreach.participation.models import RespondentCount, RespondentLevelDaily, RespondentTotal
from outreach.participation.services import record_count
from tests.factories import AreaFactory, LinkFactory, ScanFactory
from tests.participation.conftest import add_daily

D = date(2026, 9, 1)


ROWS = select(
    RespondentTotal.area_id,
    RespondentTotal.opd_id,
    RespondentTotal.audience,
    RespondentTotal.day,
    RespondentTotal.daily,
    RespondentTotal.total,
)


def stored() -> set[tuple]:
    return set(_db.session.execute(ROWS))


def rebuilt() -> set[tuple]:
    """What a rebuild from the counts alone gives (rolled back: the kept rows stay as they were)."""
    with _db.engine.connect() as conn:
        rebuild_totals(conn)
        rows = set(conn.execute(ROWS))
        conn.rollback()
    return rows


def straight_sum(unit, first: date, last: date, audience="eksternal") -> int:
    column = RespondentCount.area_id if unit.__class__.__name__ == "Area" else RespondentCount.opd_id
    return sum(
        _db.session.scalars(
            select(RespondentCount.daily).where(
                column == unit.id, RespondentCount.audience == audience, RespondentCount.day.between(first, last)
            )
        )
    )


def test_counts_written_get_dense_running_totals(tree, db):
    add_daily(db, tree["a1"], D, [3, 0, 4])
    add_daily(db, tree["dinkes"], D + timedelta(days=1), [2], audience="internal")
    rows = {(r[0], r[1], r[3]): (r[4], r[5]) for r in stored()}
    a1, dinkes = tree["a1"].id, tree["dinkes"].id
    assert rows == {
        (a1, None, D): (3, 3),
        (a1, None, D + timedelta(days=1)): (0, 3),
        (a1, None, D + timedelta(days=2)): (4, 7),
        (None, dinkes, D + timedelta(days=1)): (2, 2),
        (None, dinkes, D + timedelta(days=2)): (0, 2),  # carried to the last counted day
    }


def test_later_earlier_and_corrected_counts_keep_the_totals_exact(tree, db):
    add_daily(db, tree["a1"], D, (10, 2))
    add_daily(db, tree["b1"], D + timedelta(days=3), (4, 5), source="OPD")
    add_daily(db, tree["dinkes"], D + timedelta(days=20), [7], audience="internal")  # a later day: others carried on
    add_daily(db, tree["a2"], D - timedelta(days=5), [1, 1])  # before everything else
    record_count(D + timedelta(days=4), tree["a1"], "eksternal", "daily", 9, "KPK")  # a correction
    record_count(D + timedelta(days=4), tree["a1"], "eksternal", "daily", 6, "OPD")  # a second source
    db.session.commit()
    assert stored() == rebuilt()
    assert straight_sum(tree["a1"], D, D + timedelta(days=9)) == 2 * 9 + 9 + 6
    sums = RespondentSeries._unit_sums([(D, D + timedelta(days=9)), (D + timedelta(days=4), D + timedelta(days=30))])
    by_unit = {(area, opd, aud): values for area, opd, aud, values in sums}
    assert by_unit[(tree["a1"].id, None, "eksternal")] == [2 * 9 + 15, 15 + 2 * 5]
    assert by_unit[(None, tree["dinkes"].id, "internal")] == [0, 7]


def test_a_cumulative_import_and_its_correction_move_the_totals(tree, db):
    csv = (
        "date,unit,audience,count,kind\n"
        "2026-09-01,dinkes,internal,10,cumulative\n"
        "2026-09-03,dinkes,internal,25,cumulative\n"
    )
    import_counts(csv.encode(), today=date(2026, 9, 30))
    db.session.commit()
    fix = "date,unit,audience,count,kind\n2026-09-02,dinkes,internal,12,cumulative\n"
    import_counts(fix.encode(), today=date(2026, 9, 30))
    db.session.commit()
    assert stored() == rebuilt()
    totals = {r[3]: r[5] for r in stored()}
    assert totals == {D: 10, D + timedelta(days=1): 12, D + timedelta(days=2): 25}


def test_deleted_counts_leave_the_totals(tree, db):
    add_daily(db, tree["a1"], D, (5, 1))
    add_daily(db, tree["a2"], D, (8, 1))
    last = db.session.scalar(
        select(RespondentCount).where(RespondentCount.area_id == tree["a2"].id).order_by(RespondentCount.day.desc())
    )
    db.session.delete(last)
    refresh.respondent_counts_written([tree["a2"].id], [], last.day)
    db.session.commit()
    assert stored() == rebuilt()
    assert max(r[3] for r in stored()) == D + timedelta(days=6)
    db.session.expire_all()
    for count in db.session.scalars(select(RespondentCount).where(RespondentCount.area_id == tree["a1"].id)):
        db.session.delete(count)
    refresh.respondent_counts_written([tree["a1"].id], [], D)
    db.session.commit()
    assert stored() == rebuilt()
    assert {r[0] for r in stored()} == {tree["a2"].id}


def test_a_count_deleted_after_a_commit_leaves_the_totals(tree, db):
    add_daily(db, tree["a1"], D, (3, 2))
    add_daily(db, tree["dinkes"], D, (5, 1), audience="internal")
    count = db.session.scalar(select(RespondentCount).where(RespondentCount.area_id == tree["a1"].id))
    db.session.commit()  # expires the count
    db.session.delete(count)
    refresh.respondent_counts_written([tree["a1"].id], [], D)
    db.session.commit()
    assert stored() == rebuilt()
    assert sum(r[4] for r in stored() if r[0] == tree["a1"].id) == 4


def test_a_rolled_back_write_leaves_the_totals_as_they_were(tree, db):
    add_daily(db, tree["a1"], D, (3, 1))
    before = stored()
    record_count(D + timedelta(days=1), tree["a1"], "eksternal", "daily", 50, "KPK")
    db.session.flush()
    assert stored() != before  # kept in the same transaction as the count ...
    db.session.rollback()
    assert stored() == before  # ... so undone with it


@pytest.mark.parametrize("bulk", [False, True])
def test_rebuild_totals_repairs_a_table_out_of_step(tree, db, bulk):
    add_daily(db, tree["a1"], D, (4, 2))
    expected = stored()
    if bulk:
        db.session.execute(delete(RespondentTotal))
    else:
        db.session.execute(RespondentTotal.__table__.update().values(total=0))
    rebuild_totals(db.session.connection())
    db.session.commit()
    assert stored() == expected


# The per-level rows (respondent_level_daily): what a dashboard sums for each unit, computed here in
# Python straight from the counts and the area tree, independently of the SQL that keeps the table.


def stored_levels() -> set[tuple]:
    table = RespondentLevelDaily
    columns = (table.level, table.unit_id, table.parent_id, table.audience, table.day, table.n)
    return set(_db.session.execute(select(*columns)))


def expected_levels() -> set[tuple]:
    """A kecamatan: its own counts and its kelurahan's; a kelurahan (with its kecamatan); an OPD; the city:
    KPK's city total for an audience that has one, else every count of the audience."""
    areas = {a.id: a for a in _db.session.scalars(select(Area))}
    city = next(a.id for a in areas.values() if a.level == "kota")
    counts = _db.session.execute(
        select(
            RespondentCount.area_id,
            RespondentCount.opd_id,
            RespondentCount.audience,
            RespondentCount.day,
            RespondentCount.daily,
        )
    ).all()
    reported = {audience for area, _opd, audience, _day, _n in counts if area == city}
    sums: Counter = Counter()
    for area_id, opd_id, audience, day, n in counts:
        if opd_id is not None:
            sums["opd", opd_id, None, audience, day] += n
        elif areas[area_id].level == "kecamatan":
            sums["kecamatan", area_id, None, audience, day] += n
        elif areas[area_id].level == "kelurahan":
            parent = areas[area_id].parent_id
            sums["kecamatan", parent, None, audience, day] += n
            sums["kelurahan", area_id, parent, audience, day] += n
        if audience not in reported or area_id == city:
            sums["kota", CITY_UNIT, None, audience, day] += n
    return {(*key, n) for key, n in sums.items()}


@pytest.fixture
def level_counts(tree, db):
    """KPK's city total for eksternal only; a kecamatan's own counts; kelurahan with two sources on a
    day; an RW (counted for the city only); OPDs in both audiences."""
    rw = AreaFactory(code="18.71.01.1001.001", name="RW 001", level="rw", parent=tree["a1"])
    add_daily(db, tree["kota"], D, (5, 100))
    add_daily(db, tree["kec_a"], D, (5, 2))
    add_daily(db, tree["a1"], D, [1, 2, 3, 4, 5])
    add_daily(db, tree["a1"], D + timedelta(days=2), [5, 5], source="OPD")
    add_daily(db, tree["a2"], D, (5, 3), audience="internal")
    add_daily(db, tree["b1"], D + timedelta(days=1), (3, 7))
    add_daily(db, rw, D, (5, 4), audience="internal")
    add_daily(db, tree["dinkes"], D, (5, 6))
    add_daily(db, tree["dinkes"], D, (5, 9), audience="internal")
    db.session.commit()
    return tree


def test_every_level_holds_what_its_counts_add_up_to(level_counts):
    assert stored_levels() == expected_levels()
    city = {(r[3], r[4]): r[5] for r in stored_levels() if r[0] == "kota"}
    assert city[("eksternal", D)] == 100  # KPK's total, not the sum of the units
    assert city[("internal", D)] == 3 + 4 + 9  # no city total: every internal count
    kedaton = {(r[3], r[4]): r[5] for r in stored_levels() if r[:2] == ("kecamatan", level_counts["kec_a"].id)}
    assert kedaton[("eksternal", D + timedelta(days=2))] == 2 + 3 + 5


def test_corrected_moved_and_deleted_counts_move_the_level_rows(level_counts, db):
    tree = level_counts
    count = db.session.scalar(select(RespondentCount).where(RespondentCount.area_id == tree["a1"].id))
    count.area_id = tree["b2"].id  # recorded for the wrong kelurahan
    later = db.session.scalar(select(RespondentCount).where(RespondentCount.area_id == tree["b1"].id))
    later.day = D - timedelta(days=3)  # and on the wrong day
    db.session.delete(db.session.scalar(select(RespondentCount).where(RespondentCount.opd_id == tree["dinkes"].id)))
    record_count(D + timedelta(days=9), tree["a3"], "eksternal", "daily", 12, "KPK")
    refresh.respondent_counts_written([tree["a1"].id, tree["b1"].id, tree["b2"].id], [tree["dinkes"].id], later.day)
    db.session.commit()
    assert stored_levels() == expected_levels()


def test_the_first_city_total_for_an_audience_makes_the_city_rows_of_every_day(level_counts, db):
    record_count(D + timedelta(days=4), level_counts["kota"], "internal", "daily", 50, "KPK")
    db.session.commit()
    assert stored_levels() == expected_levels()
    city = {r[4]: r[5] for r in stored_levels() if r[0] == "kota" and r[3] == "internal"}
    assert city == {D + timedelta(days=4): 50}  # the units' earlier internal counts no longer make the city's


def test_a_kelurahan_moved_to_another_kecamatan_takes_its_counts_along(level_counts, db):
    move_area(level_counts["a1"], level_counts["kec_b"])
    db.session.commit()
    assert stored_levels() == expected_levels()
    moved = {r for r in stored_levels() if r[0] == "kelurahan" and r[1] == level_counts["a1"].id}
    assert moved and {r[2] for r in moved} == {level_counts["kec_b"].id}


def test_a_moved_area_takes_its_scans_along_and_the_check_stays_equal(level_counts, db, runner):
    link = LinkFactory(area=level_counts["a1"])
    ScanFactory(link_id=link.id, created_at=datetime(2026, 9, 2, 3, 0, tzinfo=UTC))
    db.session.commit()
    runner.invoke(args=["links", "refresh-rollups"])
    kecamatan = select(ScanLevelDaily.unit_id).where(
        ScanLevelDaily.level == "kecamatan", ScanLevelDaily.human_scans > 0
    )
    assert set(db.session.scalars(kecamatan)) == {level_counts["kec_a"].id}
    move_area(level_counts["a1"], level_counts["kec_b"], actor=None)
    db.session.commit()
    assert set(db.session.scalars(kecamatan)) == {level_counts["kec_b"].id}
    result = runner.invoke(args=["metrics", "refresh", "--check"])
    assert result.exit_code == 0, result.output


def test_an_area_cannot_be_moved_under_a_unit_of_the_wrong_level(level_counts, db):
    with pytest.raises(AreaError):
        move_area(level_counts["a1"], level_counts["a2"])
    assert level_counts["a1"].parent_id == level_counts["kec_a"].id


def test_a_rolled_back_write_leaves_the_level_rows_as_they_were(level_counts, db):
    before = stored_levels()
    record_count(D + timedelta(days=1), level_counts["a1"], "eksternal", "daily", 50, "KPK")
    db.session.flush()
    assert stored_levels() != before
    db.session.rollback()
    assert stored_levels() == before


def test_rebuild_levels_repairs_a_table_out_of_step(level_counts, db):
    expected = stored_levels()
    db.session.execute(delete(RespondentLevelDaily))
    rebuild_levels(db.session.connection())
    db.session.commit()
    assert stored_levels() == expected
