"""Dashboard figures: progress, pace, forecast, derived targets, the city figure, series and uplift."""

from datetime import date

import pytest

from outreach.metrics.cache import forget
from outreach.metrics.figures import (
    area_rows,
    city_daily,
    city_figures,
    comparison_groups,
    make_period,
    opd_rows,
    uplift_report,
    with_moving_average,
)
from outreach.metrics.respondents import get_source
from outreach.participation.models import Baseline, Target
from tests.participation.conftest import add_daily

SEP1 = date(2026, 9, 1)


def _target(db, round_, unit, value, audience="eksternal"):
    is_area = unit.__tablename__ == "area"
    db.session.add(
        Target(
            round=round_, area=unit if is_area else None, opd=None if is_area else unit, audience=audience, target=value
        )
    )
    db.session.commit()


def test_progress_pace_and_forecast_of_a_kelurahan(tree, spi_round, db):
    add_daily(db, tree["a1"], SEP1, (30, 10))  # 10 a day for September
    _target(db, spi_round, tree["a1"], 1000)
    period = make_period(spi_round, SEP1, date(2026, 9, 30))
    [row] = [r for r in area_rows(period, "eksternal", tree["kec_a"]) if r.unit == tree["a1"]]
    assert row.to_date == 300 and row.range_count == 300
    assert row.pace == pytest.approx(10)
    assert period.days_left == 72  # 1 Oct .. 11 Dec
    assert row.forecast == pytest.approx(300 + 10 * 72)
    assert row.progress == pytest.approx(0.3)
    assert row.on_track is True


def test_default_range_is_the_last_four_weeks_up_to_yesterday_within_the_round(spi_round):
    period = make_period(spi_round, None, None, today=date(2026, 11, 26))
    assert (period.start, period.end, period.as_of) == (date(2026, 10, 29), date(2026, 11, 25), date(2026, 11, 25))
    early = make_period(spi_round, None, None, today=date(2026, 9, 10))
    assert (early.start, early.end) == (SEP1, date(2026, 9, 9))
    after = make_period(spi_round, None, None, today=date(2027, 1, 5))
    assert (after.end, after.days_left) == (date(2026, 12, 11), 0)


def test_a_unit_slower_than_needed_is_behind(tree, spi_round, db):
    add_daily(db, tree["a1"], SEP1, (30, 5))
    _target(db, spi_round, tree["a1"], 1000)
    period = make_period(spi_round, None, date(2026, 9, 30))
    row = next(r for r in area_rows(period, "eksternal", tree["kec_a"]) if r.unit == tree["a1"])
    assert row.forecast == pytest.approx(150 + 5 * 72) and row.on_track is False


def test_pace_is_the_mean_of_the_last_seven_days(tree, spi_round, db):
    add_daily(db, tree["a1"], SEP1, [0] * 23 + [7, 0, 14, 0, 0, 0, 28])  # last 7 days: 49
    period = make_period(spi_round, None, date(2026, 9, 30))
    row = next(r for r in area_rows(period, "eksternal", tree["kec_a"]) if r.unit == tree["a1"])
    assert row.pace == pytest.approx(49 / 7)


def test_kecamatan_target_is_derived_from_its_kelurahan_unless_set(tree, spi_round, db):
    _target(db, spi_round, tree["a1"], 100)
    _target(db, spi_round, tree["a2"], 200)
    _target(db, spi_round, tree["b1"], 50)
    _target(db, spi_round, tree["kec_b"], 400)
    period = make_period(spi_round, None, date(2026, 9, 30))
    rows = {r.unit: r for r in area_rows(period, "eksternal")}
    assert (rows[tree["kec_a"]].target, rows[tree["kec_a"]].target_derived) == (300, True)
    assert (rows[tree["kec_b"]].target, rows[tree["kec_b"]].target_derived) == (400, False)


def test_kecamatan_count_includes_its_kelurahan(tree, spi_round, db):
    add_daily(db, tree["a1"], SEP1, (3, 10))
    add_daily(db, tree["a2"], SEP1, (3, 5))
    add_daily(db, tree["b1"], SEP1, (3, 1))
    period = make_period(spi_round, None, date(2026, 9, 3))
    rows = {r.unit: r.to_date for r in area_rows(period, "eksternal")}
    assert rows[tree["kec_a"]] == 45 and rows[tree["kec_b"]] == 3
    series = get_source("respondents").daily([tree["kec_a"], tree["a1"]], SEP1, date(2026, 9, 3))
    assert series[tree["kec_a"]] == {date(2026, 9, d): 15 for d in (1, 2, 3)}


def test_city_uses_the_reported_city_total_when_there_is_one(tree, spi_round, db):
    add_daily(db, tree["a1"], SEP1, (3, 10))
    add_daily(db, tree["dinkes"], SEP1, (3, 2))
    period = make_period(spi_round, None, date(2026, 9, 3))
    summed, reported = city_figures(period, "eksternal")
    assert (summed.to_date, reported) == (36, False)
    add_daily(db, tree["kota"], SEP1, (3, 50))
    official, reported = city_figures(period, "eksternal")
    assert (official.to_date, reported) == (150, True)


def test_city_target_is_the_sum_of_kecamatan_and_opds_unless_set(tree, spi_round, db):
    _target(db, spi_round, tree["a1"], 100)
    _target(db, spi_round, tree["kec_b"], 400)
    _target(db, spi_round, tree["dinkes"], 50)
    period = make_period(spi_round, None, date(2026, 9, 3))
    assert city_figures(period, "eksternal")[0].target == 550
    _target(db, spi_round, tree["kota"], 2000)
    forget()  # the page after the write is another request
    fig = city_figures(period, "eksternal")[0]
    assert (fig.target, fig.target_derived) == (2000, False)


def test_rates_and_change_against_the_previous_round(tree, spi_round, db):
    add_daily(db, tree["dinkes"], SEP1, (10, 6), audience="internal")
    db.session.add(Baseline(round=spi_round, opd=tree["dinkes"], audience="internal", respondents=40, population=200))
    db.session.commit()
    period = make_period(spi_round, None, date(2026, 9, 10))
    [row] = opd_rows(period, "internal")
    assert row.rate == pytest.approx(60 / 200 * 100)
    assert row.vs_baseline == pytest.approx(60 / 40 - 1)


def test_seven_day_average_ignores_days_before_the_round(tree, spi_round, db):
    add_daily(db, tree["a1"], SEP1, (10, 7))
    period = make_period(spi_round, None, date(2026, 9, 10))
    points = with_moving_average(city_daily(period, None), period.start, period.end, spi_round.starts_on)
    assert points[0] == (SEP1, 7, 7.0)
    assert all(avg == pytest.approx(7) for _d, _c, avg in points)


def test_default_comparison_is_the_other_kelurahan_of_the_same_kecamatan(tree, db):
    groups = comparison_groups([tree["a1"]], "kecamatan", [], SEP1, SEP1)
    assert set(groups[tree["a1"]]) == {tree["a2"], tree["a3"]}
    city = comparison_groups([tree["a1"]], "city", [], SEP1, SEP1)
    assert set(city[tree["a1"]]) == {tree["a2"], tree["a3"], tree["b1"], tree["b2"]}
    opds = comparison_groups([tree["dinkes"]], "kecamatan", [], SEP1, SEP1)
    assert opds[tree["dinkes"]] == [tree["disdik"]]


def test_uplift_report_from_stored_counts(tree, spi_round, db):
    start = date(2026, 10, 11)
    pre = date(2026, 10, 1)
    add_daily(db, tree["a1"], pre, [10] * 10 + [40] * 10)
    add_daily(db, tree["a2"], pre, [10] * 10 + [15] * 10)
    add_daily(db, tree["a3"], pre, [20] * 10 + [25] * 10)
    add_daily(db, tree["a3"], date(2026, 9, 1), [1], source="bootstrap-span")
    add_daily(db, tree["a3"], date(2026, 11, 1), [1], source="bootstrap-span")
    report = uplift_report([tree["a1"]], start, date(2026, 10, 20), audience="eksternal", round_=spi_round)
    assert report.opds is None
    assert report.areas.uplift == pytest.approx(25)
    assert (report.areas.n_treated, report.areas.n_comparison) == (1, 2)
    assert [r.unit for r in report.baselines] == [tree["a1"]]


def test_uplift_report_without_comparison_units_says_so(tree, spi_round, db):
    add_daily(db, tree["a1"], date(2026, 9, 1), (60, 10))
    report = uplift_report([tree["a1"], tree["a2"], tree["a3"]], date(2026, 10, 1), date(2026, 10, 10))
    assert report.areas.status == "no_comparison" and report.areas.uplift is None


def test_table_rows_carry_their_uplift_against_the_other_rows(tree, spi_round, db):
    pre = date(2026, 10, 1)
    add_daily(db, tree["a1"], pre, [10] * 10 + [40] * 10)
    add_daily(db, tree["a2"], pre, [10] * 10 + [15] * 10)
    add_daily(db, tree["a3"], pre, [20] * 10 + [25] * 10)
    period = make_period(spi_round, date(2026, 10, 11), date(2026, 10, 20))
    rows = {r.unit: r.peer_uplift for r in area_rows(period, "eksternal", tree["kec_a"])}
    assert rows[tree["a1"]] == pytest.approx(25)
    assert rows[tree["a2"]] == pytest.approx(5 - (30 + 5) / 2)


def test_rows_have_no_uplift_when_the_window_before_lies_before_the_round(tree, spi_round, db):
    add_daily(db, tree["a1"], SEP1, (10, 10))
    period = make_period(spi_round, SEP1, date(2026, 9, 10))
    assert all(r.peer_uplift is None for r in area_rows(period, "eksternal", tree["kec_a"]))
