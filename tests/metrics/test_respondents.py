"""The sources' window sums and sparkline buckets (read from running totals, or for respondents one
grouped query per request rolled up to each level in Python) against the general path: a SQL query
per level over every row of its `level_rows()`, plus the live rows."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import case, func, select

from outreach.clock import wib_day
from outreach.extensions import db as _db
from outreach.links.models import CITY_UNIT, Link, Scan, ScanLevelDaily
from outreach.metrics.respondents import (
    RespondentSeries,
    SeriesSource,
    add_live,
    get_source,
    grouped_buckets,
)
from outreach.metrics.scans import SAFETY_MARGIN, live_level_rows, refresh_scan_rollups, rollup_cut
from tests.factories import AreaFactory, LinkFactory, ScanFactory, SurveyTargetFactory
from tests.participation.conftest import add_daily


def window_case_sums(day, value, windows: Sequence[tuple[date, date]]) -> list:
    """SQL: the sum of `value` over the rows whose `day` lies in each (first, last) window."""
    return [func.coalesce(func.sum(case((day.between(first, last), value), else_=0)), 0) for first, last in windows]


def level_window_sums(
    source: SeriesSource, level: str, windows: Sequence[tuple[date, date]], parent_id: int | None = None
) -> dict[int, dict[str, list[int]]]:
    """`SeriesSource.window_sums()` from `level_rows()` and `live()`, every audience in one query."""
    first, last = min(w[0] for w in windows), max(w[1] for w in windows)
    rows, params = source.level_rows(level, first, last, None, parent_id)
    query = select(rows.c.unit_id, rows.c.audience, *window_case_sums(rows.c.day, rows.c.n, windows)).group_by(
        rows.c.unit_id, rows.c.audience
    )
    sums: dict[int, dict[str, list[int]]] = {}
    for unit_id, audience, *values in _db.session.execute(query, params):
        sums.setdefault(unit_id, {})[audience] = [int(v) for v in values]
    return add_live(sums, source.live(level, first, last, None, parent_id), windows)


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


@pytest.fixture
def scanned(tree, db):
    """Scans over three weeks at a kelurahan, an RT, a kecamatan's own link and an OPD, both audiences,
    rolled up in two refreshes (the second from the first cut's day on) with a live tail after it."""
    eks, internal = SurveyTargetFactory(audience="eksternal"), SurveyTargetFactory(audience="internal")
    rt = AreaFactory(code="18.71.02.1001.001.001", name="RT 001", level="rt", parent=tree["b1"])
    links = [
        LinkFactory(area=tree["a1"], target=eks),
        LinkFactory(area=rt, target=eks),
        LinkFactory(area=tree["kec_a"], target=eks),
        LinkFactory(area=tree["a2"], opd=tree["dinkes"], target=internal),
    ]
    db.session.flush()

    def at(day: date, hour: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=7)

    def scan(days: range) -> None:
        for n in days:
            day = date(2026, 8, 28) + timedelta(days=n)
            for i, link in enumerate(links):
                if (n + i) % 3:  # days without scans in between
                    for k in range(n % 4 + i + 1):
                        ScanFactory(link_id=link.id, created_at=at(day, 9 + k % 8), visitor_hash=f"v{k % 3}")

    scan(range(0, 10))
    db.session.flush()
    refresh_scan_rollups(now=at(date(2026, 9, 6), 12))
    scan(range(10, 20))
    db.session.flush()
    refresh_scan_rollups(now=at(date(2026, 9, 15), 12))
    scan(range(20, 22))  # left live
    db.session.flush()
    return tree


@pytest.mark.parametrize("key", ["scans", "visitors"])
@pytest.mark.parametrize(
    ("level", "parent"),
    [("kota", None), ("kecamatan", None), ("kelurahan", None), ("kelurahan", "kec_b"), ("opd", None)],
)
def test_scan_window_sums_from_running_totals_match_the_general_path(scanned, key, level, parent):
    source = get_source(key)
    parent_id = scanned[parent].id if parent else None
    windows = (*WINDOWS, (date(2026, 9, 12), date(2026, 9, 30)), (date(2026, 8, 20), date(2026, 8, 30)))
    sums = source.window_sums(level, windows, parent_id)
    assert sums == level_window_sums(source, level, windows, parent_id)
    assert any(any(values) for audiences in sums.values() for values in audiences.values())


def test_an_incremental_refresh_keeps_the_same_running_totals_as_a_full_one(scanned, db):
    def rows() -> set:
        return set(
            db.session.execute(
                select(
                    ScanLevelDaily.level,
                    ScanLevelDaily.unit_id,
                    ScanLevelDaily.parent_id,
                    ScanLevelDaily.audience,
                    ScanLevelDaily.day,
                    ScanLevelDaily.human_scans,
                    ScanLevelDaily.total_human_scans,
                    ScanLevelDaily.total_unique_visitors,
                )
            )
        )

    incremental = rows()
    refresh_scan_rollups(full=True, now=rollup_cut() + SAFETY_MARGIN)
    assert rows() == incremental
    # Dense: Surabaya has a row on every day from its first scan to the cut's, scans or not.
    a1 = sorted(r for r in incremental if r[0] == "kelurahan" and r[1] == scanned["a1"].id)
    assert [r[4] for r in a1] == [date(2026, 8, 29) + timedelta(days=n) for n in range(18)]
    assert [r[5] for r in a1][:4] == [2, 3, 0, 1]


@pytest.mark.parametrize("key", ["scans", "visitors"])
@pytest.mark.parametrize("size", [2, 3])
@pytest.mark.parametrize(("level", "parent"), [("kecamatan", None), ("kelurahan", "kec_b"), ("opd", None)])
def test_scan_sparkline_buckets_from_running_totals_match_the_grouped_rows(scanned, key, size, level, parent):
    source = get_source(key)
    parent_id = scanned[parent].id if parent else None
    start, end = date(2026, 8, 27), date(2026, 9, 24)  # before the first scan, past the live tail
    expected = grouped_buckets(source, level, start, end, size, parent_id)
    buckets = source.buckets(level, start, end, size, parent_id)
    assert {u: {a: v for a, v in auds.items() if any(v)} for u, auds in buckets.items()} == expected
    assert expected


@pytest.mark.parametrize("key", ["respondents", "scans", "visitors"])
@pytest.mark.parametrize("level", ["kecamatan", "opd"])
def test_daily_sparklines_of_the_dashboard_levels_match_the_general_path(counts, scanned, key, level):
    # A range of a month has a point per day: read packed straight from the level's daily rows.
    source = get_source(key)
    start, end = date(2026, 8, 27), date(2026, 9, 24)
    days = [(start + timedelta(days=n),) * 2 for n in range((end - start).days + 1)]
    expected = {
        unit: {audience: values for audience, values in audiences.items() if any(values)}
        for unit, audiences in level_window_sums(source, level, days).items()
    }
    buckets = source.buckets(level, start, end, 1)
    assert {u: {a: v for a, v in auds.items() if any(v)} for u, auds in buckets.items()} == expected
    assert any(expected.values())


@pytest.mark.parametrize("level", ["kota", "kecamatan", "kelurahan", "opd"])
def test_the_live_tail_is_one_row_per_unit_audience_and_day_summing_its_links(scanned, level):
    # Two links of Kedaton (Surabaya's and the kecamatan's own) are scanned on the tail's days.
    tail = live_level_rows(level, date(2026, 8, 1), date(2026, 10, 1))
    keys = [(unit, audience, day) for unit, audience, day, _human, _unique in tail]
    assert len(keys) == len(set(keys))
    expected: dict[tuple[int, str, date], int] = {}
    links_of: dict[tuple[int, str, date], set[int]] = {}
    for link_id, created_at in _db.session.execute(
        select(Scan.link_id, Scan.created_at).where(Scan.created_at >= rollup_cut(), Scan.is_bot.is_(False))
    ):
        link = _db.session.get(Link, link_id)
        unit = {"kota": CITY_UNIT, "opd": link.opd_id}.get(level)
        if level in ("kecamatan", "kelurahan"):
            area = link.area
            while area is not None and area.level != level:
                area = area.parent
            unit = area.id if area is not None else None
        if unit is not None:
            key = (unit, link.target.audience, wib_day(created_at))
            expected[key] = expected.get(key, 0) + 1
            links_of.setdefault(key, set()).add(link_id)
    assert {(unit, audience, day): human for unit, audience, day, human, _unique in tail} == expected
    if level in ("kota", "kecamatan"):
        assert any(len(links) > 1 for links in links_of.values()), "rows where several links meet"
