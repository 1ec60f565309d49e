"""Figures stay true when KPK's latest days are missing, and each unit's status against its expected path.

The round runs 1 September to 11 December 2026 (102 days). Today is 4 December; KPK's respondent counts
reach 25 November, nine days before. Expected paths are computed by hand in each test.
"""

from datetime import date, timedelta

import pytest

from outreach.metrics.board import board
from outreach.metrics.figures import city_progress, make_period, unit_progress
from outreach.metrics.progress import STALE_DAYS, Status, curve_from_daily, data_reach, expected_share, status_of
from outreach.participation.models import SurveyRound, Target
from tests.participation.conftest import add_daily

SEP1 = date(2026, 9, 1)
NOV25 = date(2026, 11, 25)
TODAY = date(2026, 12, 4)
DAYS_TO_NOV25 = 86  # 1 September .. 25 November


def _target(db, round_, unit, value, audience="eksternal"):
    db.session.add(Target(round=round_, area=unit, audience=audience, target=value))
    db.session.commit()


@pytest.fixture
def lagging(db, tree, spi_round):
    """Three kelurahan of Kedaton reported up to 25 November at 10, 8 and 5 a day, each with a target of 1,000."""
    for code, per_day in (("a1", 10), ("a2", 8), ("a3", 5)):
        add_daily(db, tree[code], SEP1, (DAYS_TO_NOV25, per_day))
        _target(db, spi_round, tree[code], 1000)
    return tree


def test_respondent_data_reaches_the_last_imported_day_and_scans_reach_today(lagging):
    reach = data_reach(today=TODAY)
    assert (reach.last_day, reach.lag_days, reach.stale) == (NOV25, 9, True)
    assert data_reach(today=NOV25 + timedelta(days=STALE_DAYS)).stale is False
    scans = data_reach("scans", today=TODAY)
    assert (scans.last_day, scans.lag_days, scans.live, scans.stale) == (TODAY, 0, True, False)


def test_without_any_respondent_count_nothing_is_marked_behind(db, tree, spi_round):
    _target(db, spi_round, tree["a1"], 1000)
    reach = data_reach(today=TODAY)
    assert (reach.last_day, reach.lag_days, reach.stale) == (None, None, True)
    rows = unit_progress("kelurahan", "eksternal", today=TODAY)
    assert {r.label: r.status for r in rows}["Surabaya"] is Status.NO_DATA


def test_statuses_and_order_follow_the_linear_path_up_to_the_last_data_day(lagging):
    rows = unit_progress("kelurahan", "eksternal", today=TODAY)
    expected = 1000 * DAYS_TO_NOV25 / 102  # 843.1 expected by 25 November on a straight line to 1,000
    by_name = {r.label: r for r in rows}
    assert by_name["Surabaya"].expected == pytest.approx(expected)
    # 860 ≥ 95% of 843 → on track; 688 is 81.6% → needs attention; 430 is 51% → behind.
    assert [(r.label, r.to_date, r.status) for r in rows[:3]] == [
        ("Penengahan", 430, Status.BEHIND),
        ("Sidodadi", 688, Status.ATTENTION),
        ("Surabaya", 860, Status.ON_TRACK),
    ]
    assert by_name["Penengahan"].gap == pytest.approx(430 - expected)
    # Units without a target come last, whatever their counts.
    assert [r.status for r in rows[3:]] == [Status.NO_TARGET, Status.NO_TARGET]


def test_pace_and_forecast_use_only_days_with_data(lagging):
    row = next(r for r in unit_progress("kelurahan", "eksternal", today=TODAY) if r.label == "Surabaya")
    assert row.as_of == NOV25
    assert row.pace == pytest.approx(10)  # not 0 for the nine unreported days
    assert row.days_left == 16  # 26 November .. 11 December
    assert row.forecast == pytest.approx(860 + 10 * 16)
    assert (row.forecast_low, row.forecast_high) == (pytest.approx(1020), pytest.approx(1020))  # a steady pace


def test_counting_unreported_days_as_zero_would_have_called_an_on_track_unit_behind(lagging, spi_round):
    """What the dashboard did before: figures as of yesterday, nine days past the data."""
    blind = make_period(spi_round, None, None, today=TODAY)  # no reach: as of 3 December
    assert blind.as_of == date(2026, 12, 3)
    assert status_of(860, 1000 * expected_share(spi_round, blind.as_of), 1000) is Status.ATTENTION
    aware = make_period(spi_round, None, None, today=TODAY, reach=data_reach(today=TODAY))
    assert (aware.end, aware.as_of) == (NOV25, NOV25)
    assert status_of(860, 1000 * expected_share(spi_round, aware.as_of), 1000) is Status.ON_TRACK


def test_forecast_range_spans_the_slowest_and_fastest_of_the_last_three_weeks(db, tree, spi_round):
    # 4 a day, then a week of 6, then a week of 11 up to 25 November.
    add_daily(db, tree["a1"], SEP1, [4] * (DAYS_TO_NOV25 - 14) + [6] * 7 + [11] * 7)
    _target(db, spi_round, tree["a1"], 1000)
    row = next(r for r in unit_progress("kelurahan", "eksternal", today=TODAY) if r.label == "Surabaya")
    to_date = 4 * (DAYS_TO_NOV25 - 14) + 6 * 7 + 11 * 7
    assert row.to_date == to_date and row.pace == pytest.approx(11)
    assert row.forecast_low == pytest.approx(to_date + 4 * 16)  # the week before those two
    assert row.forecast_high == pytest.approx(to_date + 11 * 16)


def test_an_earlier_rounds_curve_shapes_the_path(db, tree, spi_round):
    """SPI 2025 got one answer a day in its first half and three in its second: by half time it had a
    quarter of its total. The same share is expected of 2026 by its half time, not a half."""
    earlier = SurveyRound(name="SPI 2025", year=2025, starts_on=date(2025, 9, 1), deadline=date(2025, 12, 11))
    db.session.add(earlier)
    db.session.commit()
    add_daily(db, tree["a1"], date(2025, 9, 1), [1] * 51 + [3] * 51)
    half_time = date(2026, 10, 21)  # day 51 of 102
    assert expected_share(spi_round, half_time) == pytest.approx(51 / 204)
    add_daily(db, tree["a2"], SEP1, (51, 5))  # 255 by half time
    _target(db, spi_round, tree["a2"], 1000)
    row = next(r for r in unit_progress("kelurahan", "eksternal", today=date(2026, 10, 22)) if r.label == "Sidodadi")
    assert row.expected == pytest.approx(250)
    assert row.status is Status.ON_TRACK  # a straight line would expect 500 and call it behind


def test_a_curve_interpolates_between_days():
    curve = curve_from_daily([1, 1, 2], "SPI 2025")  # shares 0.25, 0.5, 1.0 at thirds
    assert curve is not None
    assert curve.share_at(1 / 3) == pytest.approx(0.25)
    assert curve.share_at(0.5) == pytest.approx(0.375)  # halfway from 0.25 (at 1/3) to 0.5 (at 2/3)
    assert curve.share_at(1 / 6) == pytest.approx(0.125)
    assert curve.share_at(1.0) == 1.0 and curve.share_at(0) == 0.0
    assert curve_from_daily([0, 0], "empty") is None


def test_the_city_follows_the_same_rules(lagging, db, spi_round, tree):
    _target(db, spi_round, tree["kota"], 3000)
    city = city_progress("eksternal", today=TODAY)
    assert city is not None
    assert (city.to_date, city.as_of) == (860 + 688 + 430, NOV25)
    assert city.expected == pytest.approx(3000 * DAYS_TO_NOV25 / 102)
    assert city.path_ratio == pytest.approx(1978 / (3000 * DAYS_TO_NOV25 / 102))  # 78% of the path
    assert city.status is Status.BEHIND


def test_the_public_board_compares_the_last_two_reported_weeks(lagging):
    shown = board(1, today=TODAY)
    assert shown is not None
    assert (shown.as_of, shown.lag_days) == (NOV25, 9)
    # Steady counts: flat, not the ▼ that counting nine unreported days as zero gave.
    assert {row.trend for row in shown.rows} == {"flat"}
    assert shown.city is not None and shown.city.trend == "flat"


def test_the_dashboard_says_how_far_the_data_reaches_and_marks_nobody_behind_for_it(frozen, lagging, leadership_client):
    page = leadership_client.get("/participation/?audience=eksternal").get_data(as_text=True)
    assert "Data responden KPK sampai 25 Nov 2026 — 9 hari lalu." in page
    assert "hari-hari sesudahnya belum dilaporkan, bukan hari tanpa jawaban" in page
    assert "Impor jumlah responden terbaru" not in page  # leadership cannot import
    assert "Laju: 23,0 per hari (7 hari sampai 25 Nov 2026)." in page  # 10 + 8 + 5, not 0 for unreported days


def test_the_kecamatan_page_orders_kelurahan_most_behind_first(frozen, lagging, coordinator_client):
    page = coordinator_client.get("/participation/kecamatan/18.71.01?audience=eksternal").get_data(as_text=True)
    assert "Impor jumlah responden terbaru" in page  # stale data: the coordinator is shown the way to fix it
    order = [page.index(name) for name in ("Penengahan", "Sidodadi", "Surabaya")]
    assert order == sorted(order)
    assert "▼</span> tertinggal" in page and "!</span> perlu perhatian" in page and "✓</span> sesuai jalur" in page


def test_the_csv_keeps_every_column_with_the_path(frozen, lagging, coordinator_client):
    body = coordinator_client.get("/participation/export/kelurahan.csv?kecamatan=18.71.01&audience=eksternal")
    lines = body.get_data(as_text=True).splitlines()
    header = lines[0].split(",")
    for column in ("data_as_of", "expected_by_data_day", "gap_to_path", "status", "forecast_low", "forecast_high"):
        assert column in header
    row = dict(zip(header, next(line for line in lines if "Penengahan" in line).split(","), strict=False))
    assert (row["data_as_of"], row["status"]) == ("2026-11-25", "behind")
