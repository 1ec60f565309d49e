"""Our scans as a series source, promoter and drive rankings, and a promoter's own numbers."""

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event

from outreach.metrics.figures import area_rows, city_figures, make_period, opd_rows
from outreach.metrics.rankings import drive_ranking, own_daily, promoter_ranking
from outreach.metrics.respondents import get_source
from outreach.metrics.scans import refresh_scan_rollups
from tests.factories import AreaFactory, DriveFactory, LinkFactory, PromoterFactory, ScanFactory, SurveyTargetFactory

SEP1 = date(2026, 9, 1)


def _at(day: date, hour_wib: int = 10) -> datetime:
    """A UTC moment at the given WIB hour of a day."""
    return datetime(day.year, day.month, day.day, hour_wib, tzinfo=UTC) - timedelta(hours=7)


def _scans(db, link, when: datetime, n: int, visitors: int | None = None, bots: int = 0):
    """n human scans by `visitors` distinct visitors (n by default) plus `bots` bot scans."""
    visitors = visitors or n
    rows = [
        ScanFactory.build(link_id=link.id, created_at=when, visitor_hash=f"{link.id}-{i % visitors}") for i in range(n)
    ]
    rows += [
        ScanFactory.build(link_id=link.id, created_at=when, visitor_hash=f"bot{i}", device_class="other", is_bot=True)
        for i in range(bots)
    ]
    db.session.add_all(rows)


def test_scans_count_for_the_links_area_its_kecamatan_and_opd_without_bots(db, tree):
    eks = SurveyTargetFactory(audience="eksternal")
    in_a1 = LinkFactory(area=tree["a1"], target=eks)
    in_kec_a = LinkFactory(area=tree["kec_a"], target=eks)
    in_b1 = LinkFactory(area=tree["b1"], target=eks)
    opd_link = LinkFactory(area=tree["a2"], opd=tree["dinkes"], target=SurveyTargetFactory(audience="internal"))
    db.session.flush()
    _scans(db, in_a1, _at(SEP1), 5, bots=3)
    _scans(db, in_a1, _at(SEP1 + timedelta(days=1)), 2)
    _scans(db, in_kec_a, _at(SEP1), 4)
    _scans(db, in_b1, _at(SEP1), 7)
    _scans(db, opd_link, _at(SEP1), 6, bots=2)
    db.session.flush()
    units = [tree["a1"], tree["a2"], tree["kec_a"], tree["kec_b"], tree["dinkes"]]
    series = get_source("scans").daily(units, SEP1, SEP1 + timedelta(days=3))
    assert series[tree["a1"]] == {SEP1: 5, SEP1 + timedelta(days=1): 2}
    assert series[tree["kec_a"]] == {SEP1: 5 + 4 + 6, SEP1 + timedelta(days=1): 2}  # own, a1's and a2's
    assert series[tree["kec_b"]] == {SEP1: 7}
    assert series[tree["dinkes"]] == {SEP1: 6}
    eksternal = get_source("scans").daily(units, SEP1, SEP1 + timedelta(days=3), audience="eksternal")
    assert eksternal[tree["dinkes"]] == {} and eksternal[tree["a2"]] == {}
    assert eksternal[tree["kec_a"]] == {SEP1: 9, SEP1 + timedelta(days=1): 2}


def test_scans_of_a_link_at_an_rt_count_for_its_kelurahan_kecamatan_and_the_city_live_and_rolled(db, tree, spi_round):
    rw = AreaFactory(code="18.71.01.1001.003", name="RW 003", level="rw", parent=tree["a1"])
    rt = AreaFactory(code="18.71.01.1001.003.002", name="RT 002", level="rt", parent=rw)
    at_the_rt = LinkFactory(area=rt, target=SurveyTargetFactory(audience="eksternal"))
    db.session.flush()
    _scans(db, at_the_rt, _at(SEP1 + timedelta(days=1)), 4, bots=1)
    db.session.flush()
    period = make_period(spi_round, SEP1, SEP1 + timedelta(days=6))

    def figures():
        kecamatan = {row.unit: row.range_count for row in area_rows(period, "eksternal", source_key="scans")}
        kelurahan = {row.unit: row.range_count for row in area_rows(period, "eksternal", tree["kec_a"], "scans")}
        city = city_figures(period, "eksternal", "scans")[0].range_count
        return kecamatan[tree["kec_a"]], kecamatan[tree["kec_b"]], kelurahan[tree["a1"]], kelurahan[tree["a2"]], city

    assert figures() == (4, 0, 4, 0, 4)
    refresh_scan_rollups(now=_at(SEP1 + timedelta(days=3)))
    assert figures() == (4, 0, 4, 0, 4)


def test_unique_visitors_are_selectable_and_rolled_and_live_days_agree(db, tree):
    link = LinkFactory(area=tree["a1"])
    db.session.flush()
    _scans(db, link, _at(SEP1), 10, visitors=4, bots=2)
    db.session.flush()
    refresh_scan_rollups(now=_at(SEP1 + timedelta(days=2)))
    _scans(db, link, _at(SEP1 + timedelta(days=2), 12), 3, visitors=1)
    db.session.flush()
    window = (SEP1, SEP1 + timedelta(days=2))
    assert get_source("visitors").daily([tree["a1"]], *window)[tree["a1"]] == {SEP1: 4, window[1]: 1}
    assert get_source("scans").daily([tree["a1"]], *window)[tree["a1"]] == {SEP1: 10, window[1]: 3}
    assert get_source("scans").span() == (SEP1, window[1])


def test_a_scan_at_midnight_wib_counts_for_the_new_wib_day(db, tree):
    link = LinkFactory(area=tree["a1"])
    db.session.flush()
    last_minute = datetime(2026, 9, 1, 16, 59, tzinfo=UTC)  # 23:59 WIB on 1 September
    midnight = datetime(2026, 9, 1, 17, 0, tzinfo=UTC)  # 00:00 WIB on 2 September
    _scans(db, link, last_minute, 1)
    _scans(db, link, midnight, 2)
    db.session.flush()
    live = get_source("scans").daily([tree["a1"]], SEP1, SEP1 + timedelta(days=1))[tree["a1"]]
    refresh_scan_rollups(now=datetime(2026, 9, 5, tzinfo=UTC))
    rolled = get_source("scans").daily([tree["a1"]], SEP1, SEP1 + timedelta(days=1))[tree["a1"]]
    assert live == rolled == {SEP1: 1, SEP1 + timedelta(days=1): 2}


def test_dashboard_tables_sum_scans_per_kecamatan_and_opd_without_targets(db, tree, spi_round):
    from outreach.participation.models import Target

    db.session.add(Target(round=spi_round, area=tree["a1"], audience="eksternal", target=100))
    link = LinkFactory(area=tree["a1"], target=SurveyTargetFactory(audience="eksternal"))
    opd_link = LinkFactory(area=tree["b1"], opd=tree["disdik"], target=SurveyTargetFactory(audience="internal"))
    db.session.flush()
    for offset in range(10):
        _scans(db, link, _at(SEP1 + timedelta(days=offset)), 3, bots=1)
        _scans(db, opd_link, _at(SEP1 + timedelta(days=offset)), 1)
    db.session.flush()
    period = make_period(spi_round, SEP1, SEP1 + timedelta(days=9))
    kecamatan = {r.unit: r for r in area_rows(period, "eksternal", source_key="scans")}
    assert kecamatan[tree["kec_a"]].range_count == 30 and kecamatan[tree["kec_b"]].range_count == 0
    assert kecamatan[tree["kec_a"]].spark == [3] * 10
    kelurahan = {r.unit: r for r in area_rows(period, "eksternal", tree["kec_a"], source_key="scans")}
    assert kelurahan[tree["a1"]].range_count == 30 and kelurahan[tree["a1"]].target is None
    respondents = {r.unit: r for r in area_rows(period, "eksternal", tree["kec_a"])}
    assert respondents[tree["a1"]].target == 100 and respondents[tree["a1"]].range_count == 0
    internal = {r.unit: r for r in opd_rows(period, "internal", "scans")}
    assert internal[tree["disdik"]].range_count == 10
    # A summary or a CSV asks without sparklines: the same figures, no sparkline read.
    bare = {r.unit: r for r in area_rows(period, "eksternal", source_key="scans", sparks=False)}
    assert bare[tree["kec_a"]].spark == [] and bare[tree["kec_a"]].range_count == 30
    assert [replace(r, spark=[]) for r in bare.values()] == [replace(r, spark=[]) for r in kecamatan.values()]
    bare_opds = opd_rows(period, "internal", "scans", sparks=False)
    assert [r.range_count for r in bare_opds] == [r.range_count for r in internal.values()]
    assert all(r.spark == [] for r in bare_opds)


def test_sparklines_of_long_ranges_sum_buckets_of_days_rolled_and_live(db, tree, spi_round):
    link = LinkFactory(area=tree["a1"], target=SurveyTargetFactory(audience="eksternal"))
    db.session.flush()
    for offset in range(62):  # day n gets n % 3 scans
        _scans(db, link, _at(SEP1 + timedelta(days=offset)), offset % 3)
    db.session.flush()
    period = make_period(spi_round, SEP1, SEP1 + timedelta(days=61))  # 62 days: 31 points of 2 days
    expected = [(2 * n) % 3 + (2 * n + 1) % 3 for n in range(31)]

    def spark():
        return {r.unit: r.spark for r in area_rows(period, "eksternal", source_key="scans")}[tree["kec_a"]]

    assert spark() == expected
    refresh_scan_rollups(now=_at(SEP1 + timedelta(days=40)))  # the rest stays live
    assert spark() == expected
    short = make_period(spi_round, SEP1, SEP1 + timedelta(days=30))  # 31 days: one point a day
    assert {r.unit: r.spark for r in area_rows(short, "eksternal", source_key="scans")}[tree["kec_a"]] == [
        n % 3 for n in range(31)
    ]


def test_promoters_are_ranked_by_scans_of_their_links_without_bots(db, tree):
    busy, quiet, idle = PromoterFactory(name="Busy"), PromoterFactory(name="Quiet"), PromoterFactory(name="Idle")
    links = [LinkFactory(area=tree["a1"], promoter=busy), LinkFactory(area=tree["b1"], promoter=busy)]
    quiet_link = LinkFactory(area=tree["a2"], promoter=quiet)
    LinkFactory(area=tree["a3"], promoter=idle)
    db.session.flush()
    _scans(db, links[0], _at(SEP1), 4, visitors=2)
    _scans(db, links[1], _at(SEP1), 3)
    _scans(db, quiet_link, _at(SEP1), 2, bots=20)
    _scans(db, quiet_link, _at(SEP1 + timedelta(days=5)), 50)  # outside the range
    db.session.flush()
    ranks = promoter_ranking(SEP1, SEP1 + timedelta(days=2))
    assert [(r.promoter.name, r.scans, r.unique_visitors, r.links) for r in ranks] == [
        ("Busy", 7, 5, 2),
        ("Quiet", 2, 2, 1),
    ]


def test_promoter_ranking_over_any_range_is_the_same_from_raw_scans_and_from_running_totals(db, tree):
    early, late = PromoterFactory(name="Early"), PromoterFactory(name="Late")
    early_link = LinkFactory(area=tree["a1"], promoter=early)
    late_link = LinkFactory(area=tree["a2"], promoter=late)
    db.session.flush()
    day = [SEP1 + timedelta(days=n) for n in range(8)]
    _scans(db, early_link, _at(day[0]), 3)
    _scans(db, early_link, _at(day[4]), 2)
    _scans(db, late_link, _at(day[2]), 4, visitors=1)
    _scans(db, late_link, _at(day[7]), 1)  # after the refresh below: read live
    db.session.flush()
    ranges = [
        (day[0], day[0]),
        (day[1], day[3]),
        (day[1], day[7]),
        (day[3], day[4]),
        (day[5], day[6]),
        (day[0], day[7]),
    ]

    def ranked():
        return {
            (first, last): [(r.promoter.name, r.scans, r.unique_visitors) for r in promoter_ranking(first, last)]
            for first, last in ranges
        }

    expected = {
        (day[0], day[0]): [("Early", 3, 3)],
        (day[1], day[3]): [("Late", 4, 1)],
        (day[1], day[7]): [("Late", 5, 2), ("Early", 2, 2)],
        (day[3], day[4]): [("Early", 2, 2)],
        (day[5], day[6]): [],
        (day[0], day[7]): [("Early", 5, 5), ("Late", 5, 2)],
    }
    assert ranked() == expected  # nothing rolled up yet: all live
    refresh_scan_rollups(now=_at(day[6], 23))
    assert ranked() == expected


def test_the_top_ten_counts_scans_since_the_last_rollup_too(db, tree):
    promoters = [PromoterFactory(name=f"P{n:02d}") for n in range(13)]
    links = [LinkFactory(area=tree["a1"], promoter=p) for p in promoters]
    db.session.flush()
    for n, link in enumerate(links[:12]):
        _scans(db, link, _at(SEP1), n + 1)  # P00 has 1 scan ... P11 has 12
    db.session.flush()
    refresh_scan_rollups(now=_at(SEP1 + timedelta(days=1)))
    _scans(db, links[0], _at(SEP1 + timedelta(days=1), 12), 20)  # the last rolled now leads: 21
    _scans(db, links[12], _at(SEP1 + timedelta(days=1), 12), 7)  # P12 had none rolled up: 7
    db.session.flush()
    ranks = promoter_ranking(SEP1, SEP1 + timedelta(days=1))
    assert [(r.promoter.name, r.scans) for r in ranks] == [
        ("P00", 21),
        ("P11", 12),
        ("P10", 11),
        ("P09", 10),
        ("P08", 9),
        ("P07", 8),
        ("P06", 7),
        ("P12", 7),
        ("P05", 6),
        ("P04", 5),
    ]


def test_staff_see_promoter_and_drive_rankings_on_the_dashboard(
    db, tree, spi_round, admin_client, coordinator_client, leadership_client
):
    promoter = PromoterFactory(name="Rina Promotor")
    link = LinkFactory(area=tree["a1"], promoter=promoter)
    DriveFactory(
        title="Sosialisasi Kedaton",
        starts_at=_at(SEP1, 9),
        ends_at=_at(SEP1, 12),
        audience="eksternal",
        areas=[tree["kec_a"]],
    )
    db.session.flush()
    _scans(db, link, _at(SEP1), 12)
    db.session.commit()
    query = {"start": "2026-09-01", "end": "2026-09-10", "source": "scans"}
    for client in (admin_client, coordinator_client, leadership_client):
        html = client.get("/participation/", query_string=query).get_data(as_text=True)
        ranking = html[html.index("Rina Promotor") :][:300]
        assert ">12<" in ranking, client.user.role
        drives = html[html.index("Sosialisasi Kedaton</td>") :][:400]
        assert ">12<" in drives
    csv = coordinator_client.get("/participation/export/promoters.csv", query_string=query).get_data(as_text=True)
    assert "Rina Promotor" in csv and ",12," in csv


def test_drive_ranking_counts_human_scans_rolled_up_and_live_in_the_drives_units(db, tree):
    eks = SurveyTargetFactory(audience="eksternal")
    in_a1, in_b1 = LinkFactory(area=tree["a1"], target=eks), LinkFactory(area=tree["b1"], target=eks)
    drive_day = SEP1 + timedelta(days=1)
    drive = DriveFactory(starts_at=_at(drive_day), ends_at=_at(drive_day, 12), areas=[tree["kec_a"]])
    db.session.flush()
    _scans(db, in_a1, _at(SEP1), 50)  # the day before the drive
    _scans(db, in_a1, _at(SEP1 + timedelta(days=1)), 5, bots=4)
    _scans(db, in_b1, _at(SEP1 + timedelta(days=2)), 9)  # not in the drive's kecamatan
    db.session.flush()
    refresh_scan_rollups(now=_at(SEP1 + timedelta(days=3)))
    _scans(db, in_a1, _at(SEP1 + timedelta(days=3), 12), 2)  # live: after the rollup's cut
    db.session.flush()
    [rank] = drive_ranking(SEP1, SEP1 + timedelta(days=9), "scans")
    assert (rank.drive, rank.start, rank.end, rank.count) == (
        drive,
        SEP1 + timedelta(days=1),
        SEP1 + timedelta(days=7),
        7,
    )


def test_promoters_never_see_rankings(db, tree, spi_round, promoter_client):
    link = LinkFactory(area=tree["a1"], promoter=PromoterFactory(name="Someone Else"))
    db.session.flush()
    _scans(db, link, _at(SEP1), 3)
    db.session.commit()
    for path in ("/participation/?source=scans", "/participation/export/promoters.csv"):
        response = promoter_client.get(path)
        assert response.status_code == 403 and b"Someone Else" not in response.data


def test_promoter_sees_only_their_own_daily_scans(db, tree, promoter_client):
    own = LinkFactory(area=tree["a1"], promoter=promoter_client.user.promoter)
    other = LinkFactory(area=tree["a1"], promoter=PromoterFactory())
    db.session.flush()
    today = datetime.now(UTC)
    _scans(db, own, today - timedelta(days=1), 4, bots=2)
    _scans(db, other, today - timedelta(days=1), 40)
    db.session.commit()
    wib_today = (today + timedelta(hours=7)).date()
    series = own_daily(promoter_client.user.promoter, 7, wib_today)
    assert [n for _d, n, _u in series] == [0, 0, 0, 0, 0, 4, 0]
    html = promoter_client.get("/links/mine").get_data(as_text=True)
    week = html.split('class="my-week"')[1].split("</section>")[0]
    assert '<strong class="big">4</strong>' in week and "40" not in week


def test_the_dashboard_reads_each_kind_of_figure_in_one_statement(db, tree, spi_round, coordinator_client):
    # On PostgreSQL a round trip costs more than the rows of a few levels: the city, kecamatan and OPD
    # window totals come in one statement, the kecamatan and OPD sparklines in one, every drive's daily
    # counts in one (however many levels and audiences its units span), drives with their units in one.
    eks, internal = SurveyTargetFactory(audience="eksternal"), SurveyTargetFactory(audience="internal")
    link = LinkFactory(area=tree["a1"], target=eks)
    LinkFactory(area=tree["b1"], opd=tree["dinkes"], target=internal)
    for areas, opds, audience in (([tree["kec_a"]], [], "eksternal"), ([tree["b1"]], [tree["dinkes"]], "internal")):
        DriveFactory(starts_at=_at(SEP1), ends_at=_at(SEP1, 12), areas=areas, opds=opds, audience=audience)
    db.session.flush()
    _scans(db, link, _at(SEP1), 12)
    refresh_scan_rollups(now=_at(SEP1 + timedelta(days=3)))
    db.session.commit()
    seen: list[str] = []

    def remember(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    query = {"start": "2026-09-01", "end": "2026-09-10", "source": "scans"}
    assert coordinator_client.get("/participation/", query_string=query).status_code == 200
    event.remove(db.engine, "before_cursor_execute", remember)
    tables = ("scan_level_daily", "drive")
    from_table = {name: [s for s in seen if re.search(rf"\bFROM {name}\b", s)] for name in tables}
    # Window totals, sparklines, the city's daily series and the drives' daily counts.
    assert len(from_table["scan_level_daily"]) == 4, from_table["scan_level_daily"]
    assert len(from_table["drive"]) == 1, from_table["drive"]
