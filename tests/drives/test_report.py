"""The drive report: scans before, during and after a drive on WIB days, by its links and its areas' links."""

import datetime
import re

import pytest

from outreach.links.models import Scan
from outreach.metrics.drives import Window, report_windows
from outreach.metrics.scans import refresh_scan_rollups
from tests.drives.helpers import make_drive, wib
from tests.factories import AssignmentFactory, LinkFactory, OpdFactory, PromoterFactory
from tests.participation.conftest import add_daily

OWN = "Kunjungan lewat tautan yang dibuat untuk kegiatan ini"
AREA = "Kunjungan lewat setiap tautan di wilayah sasaran (beserta wilayah di bawahnya) dan OPD sasaran"


def table(html: str, caption: str) -> dict[str, list[int]]:
    """{window: [scans by people, unique visitors, bots]} of the report table with that caption."""
    section = html.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", section, re.S)[1:]
    names = ["before", "during", "after", "post"]
    result = {}
    for name, row in zip(names, rows, strict=True):
        result[name] = [int(n.replace(".", "")) for n in re.findall(r'<td class="num[^"]*">(?:<strong>)?([\d.]+)', row)]
    return result


def add_scans(db, link, *moments: str, bot: bool = False, visitor: str | None = None) -> None:
    """Scans of a link at WIB wall-clock moments; each a new visitor unless one is given."""
    for n, moment in enumerate(moments):
        db.session.add(
            Scan(
                link_id=link.id,
                created_at=wib(moment),
                visitor_hash=visitor or f"{link.id}-{moment}-{n}",
                device_class="mobile",
                is_bot=bot,
                source="qr",
            )
        )


def build(db, tree, home):
    """A door-to-door round in Surabaya, 1 Oct 2026 15:30–18:30 WIB, with scans around it.

    Windows: before 24–30 Sep, during 1 Oct, after 2–7 Oct (WIB days).
    """
    visitor = PromoterFactory()
    drive = make_drive("2026-10-01 15:30", "2026-10-01 18:30", areas=[tree["surabaya"]], promoters=[home, visitor])
    mine = LinkFactory(drive=drive, promoter=home, area=tree["surabaya"])
    theirs = LinkFactory(drive=drive, promoter=visitor, area=tree["surabaya"], channel="whatsapp")
    rt = AssignmentFactory(area=tree["surabaya"]).area  # a link of the area made before and outside the drive
    area_link = LinkFactory(area=rt, channel="banner")
    elsewhere = LinkFactory(area=tree["pelita"])
    db.session.flush()
    add_scans(db, mine, "2026-09-30 23:30")  # before: the last minutes of the WIB day before
    add_scans(db, mine, "2026-10-01 16:00", "2026-10-01 17:00", visitor="repeat")
    add_scans(db, mine, "2026-10-01 18:00")
    add_scans(db, mine, "2026-10-01 17:30", bot=True)
    add_scans(db, mine, "2026-10-07 23:30")  # after: still 7 Oct in WIB (16:30 UTC)
    add_scans(db, mine, "2026-10-08 00:30")  # outside: 8 Oct in WIB although 7 Oct in UTC
    add_scans(db, theirs, "2026-10-01 16:10")
    add_scans(db, theirs, "2026-10-02 09:00", bot=True)
    add_scans(db, area_link, "2026-09-24 00:10")  # before: 24 Sep in WIB although 23 Sep in UTC
    add_scans(db, area_link, "2026-09-23 23:50")  # outside: the day before the window
    add_scans(db, area_link, "2026-10-03 10:00")
    add_scans(db, elsewhere, "2026-10-01 16:00", "2026-10-02 16:00")
    db.session.commit()
    return drive


def test_report_windows_are_wib_days_with_an_equal_window_before(db, tree):
    drive = make_drive("2026-10-01 15:30", "2026-10-01 18:30", areas=[tree["surabaya"]])
    windows = report_windows(drive)
    day = datetime.date
    assert windows.during == Window(day(2026, 10, 1), day(2026, 10, 1))
    assert windows.after == Window(day(2026, 10, 2), day(2026, 10, 7))
    assert windows.before == Window(day(2026, 9, 24), day(2026, 9, 30))
    assert windows.before.days == windows.post.days == 7


def test_a_drive_crossing_midnight_wib_spans_two_days(db, tree):
    drive = make_drive("2026-10-01 21:00", "2026-10-02 01:00", areas=[tree["surabaya"]])
    windows = report_windows(drive)
    day = datetime.date
    assert windows.during == Window(day(2026, 10, 1), day(2026, 10, 2))
    assert windows.after == Window(day(2026, 10, 3), day(2026, 10, 8))
    assert windows.before == Window(day(2026, 9, 23), day(2026, 9, 30))


@pytest.mark.parametrize("rolled_up", [False, True], ids=["live", "rolled-up"])
def test_staff_see_the_drive_links_and_all_area_links_per_window(coordinator_client, db, tree, rolled_up):
    drive = build(db, tree, PromoterFactory())
    if rolled_up:
        refresh_scan_rollups(full=True)
        db.session.commit()
    response = coordinator_client.get(f"/drives/{drive.id}/report")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # [scans by people, unique visitors (per day, summed), bots]
    assert table(html, OWN) == {
        "before": [1, 1, 0],
        "during": [4, 3, 1],
        "after": [1, 1, 1],
        "post": [5, 4, 2],
    }
    assert table(html, AREA) == {
        "before": [2, 2, 0],
        "during": [4, 3, 1],
        "after": [2, 2, 1],
        "post": [6, 5, 2],
    }
    # Headline: people only, bots left out; area change against the week before.
    assert re.search(r'<p class="big">5</p>', html) and re.search(r'<p class="big">6</p>', html)
    assert "+4 (+200%)" in html


def test_the_report_reads_each_scope_of_links_in_one_statement(coordinator_client, db, tree, statements):
    # Before, during, after and the chart come from one read of the daily totals per scope.
    drive = build(db, tree, PromoterFactory())
    refresh_scan_rollups(full=True)
    db.session.commit()
    statements.clear()
    assert coordinator_client.get(f"/drives/{drive.id}/report").status_code == 200
    assert len([s for s in statements if re.search(r"\bFROM scan_daily\b", s)]) == 2


def test_a_drive_crossing_midnight_counts_both_wib_days_as_during(coordinator_client, db, tree):
    drive = make_drive("2026-10-01 21:00", "2026-10-02 01:00", areas=[tree["surabaya"]])
    link = LinkFactory(drive=drive, area=tree["surabaya"])
    db.session.flush()
    add_scans(db, link, "2026-09-30 23:30")  # before
    add_scans(db, link, "2026-10-01 06:00", "2026-10-01 22:00", "2026-10-02 00:30")  # during (WIB days 1–2 Oct)
    add_scans(db, link, "2026-10-08 23:00")  # after
    add_scans(db, link, "2026-10-09 00:30", "2026-09-22 23:00")  # outside both windows
    db.session.commit()
    html = coordinator_client.get(f"/drives/{drive.id}/report").get_data(as_text=True)
    figures = table(html, OWN)
    assert [figures[w][0] for w in ("before", "during", "after", "post")] == [1, 3, 1, 4]


def test_opd_links_count_for_an_opd_session(coordinator_client, db, tree):
    opd = OpdFactory(area=tree["kedaton"])
    drive = make_drive("2026-10-01 09:00", "2026-10-01 11:00", opds=[opd], audience="internal")
    opd_link = LinkFactory(opd=opd, area=tree["kedaton"])
    other_opd = LinkFactory(opd=OpdFactory(), area=tree["kedaton"])
    db.session.flush()
    add_scans(db, opd_link, "2026-10-01 10:00", "2026-09-28 10:00")
    add_scans(db, other_opd, "2026-10-01 10:00")
    db.session.commit()
    html = coordinator_client.get(f"/drives/{drive.id}/report").get_data(as_text=True)
    figures = table(html, AREA)
    assert (figures["before"][0], figures["during"][0]) == (1, 1)


def test_a_promoter_sees_only_their_own_links_numbers(promoter_client, db, tree):
    drive = build(db, tree, promoter_client.user.promoter)
    response = promoter_client.get(f"/drives/{drive.id}/report")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Only their own link: the other promoter's scan and bot are not in it, and no area-wide table.
    assert table(html, OWN) == {
        "before": [1, 1, 0],
        "during": [3, 2, 1],
        "after": [1, 1, 0],
        "post": [4, 3, 1],
    }
    assert AREA not in html
    assert "/participation/drives/" not in html


def test_a_promoter_outside_the_drive_is_refused(promoter_client, db, tree):
    drive = build(db, tree, PromoterFactory())
    assert promoter_client.get(f"/drives/{drive.id}/report").status_code == 403


def test_leadership_reads_the_report_with_a_link_to_the_uplift(leadership_client, db, tree):
    drive = build(db, tree, PromoterFactory())
    html = leadership_client.get(f"/drives/{drive.id}/report").get_data(as_text=True)
    assert f"/participation/drives/{drive.id}" in html
    assert table(html, AREA)["post"][0] == 6


def test_the_report_asks_for_a_sign_in(client, db, tree):
    drive = build(db, tree, PromoterFactory())
    response = client.get(f"/drives/{drive.id}/report")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_cost_per_additional_respondent_is_not_claimed_from_one_kelurahan_against_one(coordinator_client, db, tree):
    # Surabaya goes 10 -> 40 respondents a day, Sidodadi (same kecamatan, no drive) 10 -> 15: +25 a day, but
    # one unit against one cannot tell the drive from chance, so no cost per respondent is claimed.
    add_daily(db, tree["surabaya"], datetime.date(2026, 10, 4), [10] * 7 + [40] * 7)
    add_daily(db, tree["sidodadi"], datetime.date(2026, 10, 4), [10] * 7 + [15] * 7)
    drive = make_drive("2026-10-11 15:30", "2026-10-11 18:30", areas=[tree["surabaya"]], cost=700_000)
    db.session.commit()
    html = coordinator_client.get(f"/drives/{drive.id}/report").get_data(as_text=True)
    assert "Biaya per responden tambahan" in html and "belum diketahui" in html
    assert "Rp 4.000" not in html  # what 700.000 / (25 a day x 7 days) claimed before


def test_cost_per_additional_respondent_says_when_it_is_not_known(coordinator_client, db, tree):
    drive = build(db, tree, PromoterFactory())
    drive.cost = 1_500_000
    db.session.commit()
    html = coordinator_client.get(f"/drives/{drive.id}/report").get_data(as_text=True)
    assert "Biaya per responden tambahan" in html and "belum diketahui" in html


def test_a_drive_without_cost_shows_no_cost_card(coordinator_client, db, tree):
    drive = build(db, tree, PromoterFactory())
    html = coordinator_client.get(f"/drives/{drive.id}/report").get_data(as_text=True)
    assert "Biaya per responden tambahan" not in html


def test_the_report_names_other_drives_in_the_same_areas_and_windows(coordinator_client, db, tree):
    drive = build(db, tree, PromoterFactory())
    earlier = make_drive("2026-09-26 15:30", "2026-09-26 18:30", areas=[tree["kedaton"]], title="Sweeping Kedaton")
    make_drive("2026-09-26 15:30", "2026-09-26 18:30", areas=[tree["pelita"]], title="Elsewhere")
    make_drive("2026-09-10 15:30", "2026-09-10 18:30", areas=[tree["surabaya"]], title="Long before")
    db.session.commit()
    html = coordinator_client.get(f"/drives/{drive.id}/report").get_data(as_text=True)
    assert f"/drives/{earlier.id}/report" in html and "Sweeping Kedaton" in html
    assert "Elsewhere" not in html and "Long before" not in html
