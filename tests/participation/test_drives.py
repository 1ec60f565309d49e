"""Drives in the measurement: kept out of comparison groups, marked on charts, measured and ranked."""

import re
from datetime import UTC, date, datetime

import pytest

from outreach.metrics.figures import comparison_groups, drive_markers, drive_window, units_with_drives
from outreach.metrics.rankings import drive_ranking
from tests.factories import AreaFactory, DriveFactory
from tests.participation.conftest import add_daily


def _drive(db, areas=(), opds=(), day=11, cost=None, status="done", **kw):
    drive = DriveFactory(
        areas=list(areas),
        opds=list(opds),
        starts_at=datetime(2026, 10, day, 1, 0, tzinfo=UTC),
        ends_at=datetime(2026, 10, day, 4, 0, tzinfo=UTC),
        cost=cost,
        status=status,
        **kw,
    )
    db.session.commit()
    return drive


def test_units_with_a_drive_are_not_comparison_units(tree, db):
    _drive(db, [tree["a2"]], day=12)
    groups = comparison_groups([tree["a1"]], "kecamatan", [], date(2026, 10, 11), date(2026, 10, 17))
    assert groups[tree["a1"]] == [tree["a3"]]


def test_a_drive_in_the_window_before_also_rules_a_unit_out(tree, db):
    _drive(db, [tree["a3"]], day=5)
    groups = comparison_groups([tree["a1"]], "kecamatan", [], date(2026, 10, 11), date(2026, 10, 17))
    assert groups[tree["a1"]] == [tree["a2"]]


def test_cancelled_drives_do_not_count(tree, db):
    _drive(db, [tree["a2"]], day=12, status="cancelled")
    assert units_with_drives(date(2026, 10, 11), date(2026, 10, 17)) == set()


def test_a_kecamatan_drive_reaches_all_its_kelurahan(tree, db):
    _drive(db, [tree["kec_b"]], day=12)
    assert units_with_drives(date(2026, 10, 12), date(2026, 10, 12)) == {tree["kec_b"], tree["b1"], tree["b2"]}


def test_drive_window_follows_wib_days(tree, db):
    late = DriveFactory(
        areas=[tree["a1"]],
        starts_at=datetime(2026, 10, 1, 16, 0, tzinfo=UTC),  # 23:00 WIB
        ends_at=datetime(2026, 10, 1, 18, 0, tzinfo=UTC),  # 01:00 WIB on 2 October
    )
    assert drive_window(late) == (date(2026, 10, 1), date(2026, 10, 8))


def test_markers_sit_on_the_drives_wib_day_and_filter_by_kecamatan(tree, db):
    drive = _drive(db, [tree["b1"]], day=12)
    assert drive_markers(date(2026, 10, 1), date(2026, 10, 31)) == [(date(2026, 10, 12), drive.title)]
    assert drive_markers(date(2026, 10, 1), date(2026, 10, 31), within=tree["kec_b"]) == [
        (date(2026, 10, 12), drive.title)
    ]
    assert drive_markers(date(2026, 10, 1), date(2026, 10, 31), within=tree["kec_a"]) == []


def _known_drive(db, tree):
    """A drive in a1 on 11 October: a1 goes 10 -> 40 a day, its neighbours +5 a day."""
    start = date(2026, 10, 4)
    add_daily(db, tree["a1"], start, [10] * 7 + [40] * 7)
    add_daily(db, tree["a2"], start, [10] * 7 + [15] * 7)
    add_daily(db, tree["a3"], start, [20] * 7 + [25] * 7)
    return _drive(db, [tree["a1"]], day=11, cost=700_000)


def test_drive_page_measures_the_drive_and_its_cost_per_respondent(leadership_client, tree, spi_round, db):
    drive = _known_drive(db, tree)
    response = leadership_client.get(f"/participation/drives/{drive.id}")
    assert response.status_code == 302 and "/participation/uplift" in response.headers["Location"]
    leadership_client.post("/lang", data={"lang": "en"})
    html = leadership_client.get(response.headers["Location"]).get_data(as_text=True)
    assert drive.title in html
    assert "+25.0" in html  # the estimate, in the line below the sentence
    # One kelurahan against two: a direction, no range, no additional respondents or cost per respondent.
    assert (
        "Indicative only: after the drive in Kelurahan Surabaya, about 25 more respondents a day than similar areas"
        " without a drive." in html
    )
    assert "Too few units for a range (1 with the drive, 2 to compare)." in html
    assert "Cost per additional respondent: Rp" not in html and "extra respondents over the" not in html
    assert "No cost per additional respondent" in html
    assert 'class="comparison"' in html and 'class="treated"' in html  # the before/after chart


def test_a_drive_measured_on_enough_units_is_stated_with_its_range_and_cost(leadership_client, tree, spi_round, db):
    """Two kelurahan with the drive and five without: the whole range lies above zero, so the page says
    how many more respondents a day, the range, and the cost per additional respondent."""
    extra = [AreaFactory(code=f"18.71.01.20{n:02d}", name=f"Pembanding {n}", parent=tree["kec_a"]) for n in range(4)]
    db.session.commit()
    start = date(2026, 10, 4)
    add_daily(db, tree["a1"], start, [10] * 7 + [40] * 7)
    add_daily(db, tree["a2"], start, [12] * 7 + [44] * 7)
    for unit, (before, after) in zip(
        [tree["a3"], *extra], [(20, 25), (8, 12), (15, 21), (9, 13), (11, 15)], strict=True
    ):
        add_daily(db, unit, start, [before] * 7 + [after] * 7)
    drive = _drive(db, [tree["a1"], tree["a2"]], day=11, cost=1_050_000)
    leadership_client.post("/lang", data={"lang": "en"})
    location = leadership_client.get(f"/participation/drives/{drive.id}").headers["Location"]
    html = leadership_client.get(location).get_data(as_text=True)
    # a1 +30 and a2 +32 against a mean change of +4.6: about 26 more a day per unit.
    assert "After the drive in Kelurahan Surabaya, Kelurahan Sidodadi: about 26 more respondents a day" in html
    assert "Indicative" not in html and "Cost per additional respondent: Rp" in html
    ranking = leadership_client.get("/participation/drives").get_data(as_text=True)
    row = ranking.split(drive.title, 1)[1].split("</tr>", 1)[0]
    assert "+26/day" in row and "indicative" not in row


def test_drives_are_ranked_with_what_may_be_claimed(leadership_client, tree, spi_round, db):
    drive = _known_drive(db, tree)
    html = leadership_client.get("/participation/drives").get_data(as_text=True)
    row = html.split(drive.title, 1)[1].split("</tr>", 1)[0]
    assert "≈ +25/hari" in row and "indikatif" in row
    assert ">175<" not in row  # no additional respondents claimed from one kelurahan


def test_the_ranking_keeps_each_drives_neighbours_with_a_drive_out_of_its_comparison(
    leadership_client, tree, spi_round, db
):
    # a1's drive on 11 October and a3's on 6 October touch each other's windows: each is compared
    # with a2 alone. a1: 10 -> 40 a day; a3: 20 -> 45 from the 6th; a2: 10 -> 15 from the 11th.
    start = date(2026, 9, 27)
    add_daily(db, tree["a1"], start, [10] * 14 + [40] * 7)
    add_daily(db, tree["a2"], start, [10] * 14 + [15] * 7)
    add_daily(db, tree["a3"], start, [20] * 9 + [45] * 12)
    _drive(db, [tree["a1"]], day=11, title="Surabaya")
    _drive(db, [tree["a3"]], day=6, title="Penengahan")
    html = leadership_client.get("/participation/drives").get_data(as_text=True)
    rows = {title: html.split(title, 1)[1].split("</tr>", 1)[0] for title in ("Surabaya", "Penengahan")}
    # a1: +30 against a2's +5 = 25 a day (with a3 in the group it would be 24).
    assert "≈ +25/hari" in rows["Surabaya"]
    # a3: +25 against a2's (5 x 10 + 2 x 15) / 7 - 10 = 10/7 a day: 23.6 (with a1 in the group, 20).
    assert "≈ +24/hari" in rows["Penengahan"]


def test_a_drive_to_areas_and_opds_shows_both_results_in_the_ranking(leadership_client, tree, spi_round, db):
    # a1 10 -> 40 against a2 and a3 +5: +25 a day; Dinas Kesehatan 7 -> 17 against Disdik +2: +8 a day.
    start = date(2026, 10, 4)
    add_daily(db, tree["a1"], start, [10] * 7 + [40] * 7)
    add_daily(db, tree["a2"], start, [10] * 7 + [15] * 7)
    add_daily(db, tree["a3"], start, [20] * 7 + [25] * 7)
    add_daily(db, tree["dinkes"], start, [7] * 7 + [17] * 7)
    add_daily(db, tree["disdik"], start, [3] * 7 + [5] * 7)
    _drive(db, [tree["a1"]], [tree["dinkes"]], day=11, title="Surabaya dan Dinkes")
    html = leadership_client.get("/participation/drives").get_data(as_text=True)
    row = html.split("Surabaya dan Dinkes", 1)[1].split("</tr>", 1)[0]
    texts = [re.sub(r"<[^>]+>", " ", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    cells = [" ".join(text.split()) for text in texts]
    assert cells[1:3] == [
        "≈ +25/hari indikatif Wilayah ≈ +8/hari indikatif OPD",  # one unit each: no range
        "1 / 2 Wilayah 1 / 1 OPD",
    ]
    assert cells[3] == "–"  # nothing claimed as additional respondents


def test_further_drives_in_the_ranking_cost_no_further_statement(leadership_client, tree, spi_round, db, statements):
    # The units, the data span and the drives are read once per request, and every drive's units'
    # daily counts in one statement per audience.
    start = date(2026, 9, 27)
    for unit in ("a1", "a2", "a3", "b1", "b2"):
        add_daily(db, tree[unit], start, (30, 10))
    _drive(db, [tree["a1"]], day=11)
    _drive(db, [tree["b1"]], day=12)

    def ranking_statements() -> int:
        statements.clear()
        assert leadership_client.get("/participation/drives").status_code == 200
        return len(statements)

    two = ranking_statements()
    _drive(db, [tree["a2"]], day=13)
    _drive(db, [tree["b2"]], day=14)
    assert ranking_statements() == two


@pytest.mark.parametrize("path", ["/participation/drives", "/participation/drives/1"])
def test_promoters_cannot_see_drive_uplift(promoter_client, path):
    assert promoter_client.get(path).status_code == 403


def test_dashboard_chart_marks_drives(leadership_client, tree, spi_round, db):
    _known_drive(db, tree)
    html = leadership_client.get("/participation/", query_string={"start": "2026-10-01", "end": "2026-10-20"}).get_data(
        as_text=True
    )
    assert 'class="marker"' in html


def test_drive_ranking_counts_each_drives_units_over_its_window_cut_at_the_range_end(tree, db):
    # Daily respondents from 1 October: kelurahan a1 10 and a2 3 (kecamatan A), b1 4 eksternal and
    # 100 internal, Dinas Kesehatan 7 internal.
    for unit, value, audience in (("a1", 10, "eksternal"), ("a2", 3, "eksternal"), ("b1", 4, "eksternal")):
        add_daily(db, tree[unit], date(2026, 10, 1), (20, value), audience=audience)
    add_daily(db, tree["b1"], date(2026, 10, 1), (20, 100), audience="internal")
    add_daily(db, tree["dinkes"], date(2026, 10, 1), (20, 7), audience="internal")
    kedaton = _drive(db, [tree["kec_a"], tree["a1"]], day=3, title="Kedaton")  # a1 counts once, in A
    way_dadi = _drive(db, [tree["b1"]], day=5, title="Way Dadi")  # eksternal only, cut on the 10th
    dinkes = _drive(db, opds=[tree["dinkes"]], day=2, title="Dinkes", audience="internal")
    _drive(db, [tree["b2"]], day=4, status="cancelled")
    ranks = drive_ranking(date(2026, 10, 1), date(2026, 10, 10), "respondents")
    assert [(r.drive, r.start, r.end, r.count) for r in ranks] == [
        (kedaton, date(2026, 10, 3), date(2026, 10, 9), (10 + 3) * 7),
        (dinkes, date(2026, 10, 2), date(2026, 10, 8), 7 * 7),
        (way_dadi, date(2026, 10, 5), date(2026, 10, 10), 4 * 6),
    ]
