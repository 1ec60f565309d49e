"""Integrity signals on constructed scans: repeat visitors, bursts, night scans and one device class;
flagged scans stay counted, and the page shows figures with and without them."""

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import func, insert, select

from outreach.clock import wib_day, wib_day_start
from outreach.links.models import Scan
from outreach.metrics.integrity import Thresholds, integrity_report
from outreach.metrics.scans import refresh_scan_rollups, totals_for
from tests.factories import LinkFactory, PromoterFactory

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAY = datetime(2026, 11, 19, tzinfo=UTC) - timedelta(hours=7)  # 00:00 WIB on 19 November, in UTC
_visitors = count()


def add_scans(db, link, wib_hour: int, n: int, visitor: str | None = None, device: str = "mobile", minutes=None):
    """`n` human scans of `link` in the given WIB hour of 19 November (one visitor, or a fresh one each)."""
    for i in range(n):
        moment = DAY + timedelta(hours=wib_hour, minutes=(minutes if minutes is not None else i % 60))
        db.session.add(
            Scan(
                link_id=link.id,
                created_at=moment,
                visitor_hash=visitor or f"v{next(_visitors):031d}",
                device_class=device,
                is_bot=False,
                source="qr",
            )
        )
    db.session.commit()


def report():
    return integrity_report(Thresholds(), now=NOW)


def test_one_visitor_scanning_one_link_many_times_is_flagged_after_the_first_scan(db):
    link = LinkFactory(promoter=PromoterFactory(name="Bu Ratna"))
    db.session.commit()
    add_scans(db, link, 10, 12, visitor="same" * 8)
    add_scans(db, link, 11, 5)
    [signal] = report().signals
    assert (signal.kind, signal.code, signal.promoter) == ("repeat", link.code, "Bu Ratna")
    assert (signal.start, signal.end) == (DAY, DAY + timedelta(days=1))
    assert (signal.flagged, signal.window_scans, signal.without_flagged) == (11, 17, 6)
    assert signal.detail["scans"] == 12


def test_a_visitor_below_the_threshold_is_no_signal(db):
    link = LinkFactory()
    db.session.commit()
    add_scans(db, link, 10, 9, visitor="same" * 8)
    assert report().signals == []


def test_an_hour_far_above_the_link_s_usual_pace_is_a_burst(db):
    link = LinkFactory()
    db.session.commit()
    for hour in (8, 9, 10, 11, 12):
        add_scans(db, link, hour, 2)
    add_scans(db, link, 15, 40)
    [signal] = report().signals
    assert signal.kind == "burst"
    assert (signal.start, signal.end) == (DAY + timedelta(hours=15), DAY + timedelta(hours=16))
    assert (signal.flagged, signal.window_scans, signal.without_flagged) == (40, 50, 10)
    assert signal.detail["usual"] == pytest.approx(2.0)


def test_a_busy_hour_at_the_link_s_usual_pace_is_no_burst(db):
    link = LinkFactory()
    db.session.commit()
    for hour in (8, 9, 10, 11, 12, 13):
        add_scans(db, link, hour, 35)  # a busy Roadshow Bus day, evenly busy
    assert report().of_kind("burst") == []


def test_scans_at_night_are_flagged_per_night(db):
    link = LinkFactory()
    db.session.commit()
    add_scans(db, link, 2, 4)  # 02:00 WIB
    add_scans(db, link, 9, 6)
    add_scans(db, link, 5, 3)  # 05:00 WIB is morning already
    [signal] = report().signals
    assert signal.kind == "night"
    assert (signal.start, signal.end) == (DAY, DAY + timedelta(hours=5))
    assert (signal.flagged, signal.window_scans, signal.without_flagged) == (4, 13, 9)


def test_a_link_scanned_almost_only_from_computers_is_flagged_but_one_only_from_phones_is_not(db):
    desktop_link, phone_link = LinkFactory(), LinkFactory()
    db.session.commit()
    for hour in (8, 9, 10, 11, 12):
        add_scans(db, desktop_link, hour, 5, device="desktop")
        add_scans(db, phone_link, hour, 6)
    add_scans(db, desktop_link, 13, 1)
    [signal] = report().signals
    assert (signal.kind, signal.link_id) == ("device", desktop_link.id)
    assert signal.detail["device_class"] == "desktop"
    assert signal.detail["share"] == pytest.approx(25 / 26)
    assert (signal.flagged, signal.window_scans, signal.without_flagged) == (25, 26, 1)


def test_flagged_scans_are_never_removed_and_totals_show_both(db):
    link, clean = LinkFactory(), LinkFactory()
    db.session.commit()
    add_scans(db, link, 2, 4)  # night
    add_scans(db, link, 10, 12, visitor="same" * 8)  # repeat
    add_scans(db, clean, 10, 7)
    before = db.session.scalar(select(func.count()).select_from(Scan))
    result = report()
    assert db.session.scalar(select(func.count()).select_from(Scan)) == before == 23
    assert totals_for([link.id]).human_scans == 16  # dashboards still count every scan
    assert {s.kind for s in result.signals} == {"night", "repeat"}
    [row] = result.links
    assert (row.link_id, row.scans, row.flagged, row.without_flagged) == (link.id, 16, 15, 1)
    assert (result.scans, result.flagged, result.without_flagged) == (23, 15, 8)


@pytest.mark.parametrize("rolled_up", [False, True], ids=["live", "rolled-up"])
def test_a_scan_two_signals_flag_counts_once(db, rolled_up):
    link, other = LinkFactory(), LinkFactory()
    db.session.commit()
    add_scans(db, link, 2, 12, visitor="same" * 8)  # one visitor at night: 11 repeats, 12 night scans
    add_scans(db, link, 11, 3)
    add_scans(db, other, 3, 5)  # night only
    if rolled_up:  # the totals come from the daily rollup then, the signals still from the scans
        refresh_scan_rollups(full=True)
        db.session.commit()
    result = report()
    assert {(s.link_id, s.kind, s.flagged) for s in result.signals} == {
        (link.id, "repeat", 11),
        (link.id, "night", 12),
        (other.id, "night", 5),
    }
    rows = {row.link_id: (row.scans, row.flagged, row.without_flagged) for row in result.links}
    assert rows == {link.id: (15, 12, 3), other.id: (5, 5, 0)}
    assert (result.scans, result.flagged) == (20, 17)


def test_scans_before_the_look_back_period_are_not_signalled(db):
    link = LinkFactory()
    db.session.commit()
    add_scans(db, link, 2, 4)
    assert integrity_report(Thresholds(lookback_days=14), now=NOW + timedelta(days=20)).signals == []


def test_thresholds_come_from_the_config(app):
    app.config["INTEGRITY_NIGHT_SCANS"] = 7
    try:
        assert Thresholds.from_config(app.config).night_scans == 7
    finally:
        app.config["INTEGRITY_NIGHT_SCANS"] = 3


def test_signals_page_names_link_promoter_and_window_for_coordinators(coordinator_client, db):
    link = LinkFactory(promoter=PromoterFactory(name="Pak Darmawan"))
    db.session.commit()
    yesterday_10_wib = wib_day_start(wib_day(datetime.now(UTC)) - timedelta(days=1)) + timedelta(hours=10)
    for i in range(12):
        db.session.add(
            Scan(
                link_id=link.id,
                created_at=yesterday_10_wib + timedelta(minutes=i),
                visitor_hash="x" * 32,
                device_class="mobile",
                is_bot=False,
                source="qr",
            )
        )
    db.session.commit()
    body = coordinator_client.get("/integrity/").get_data(as_text=True)
    assert "Pola kunjungan janggal" in body
    assert link.code in body and "Pak Darmawan" in body
    assert "12 kunjungan oleh satu pengunjung" in body
    assert "tanpa kunjungan yang ditandai" in body


@pytest.mark.parametrize("who", ["promoter_client", "leadership_client"])
def test_signals_page_is_for_coordinators_and_admins_only(request, who):
    assert request.getfixturevalue(who).get("/integrity/").status_code == 403


def test_signals_page_groups_thousands_as_the_rest_of_the_app(coordinator_client, db):
    link = LinkFactory()
    db.session.commit()
    yesterday_10_wib = wib_day_start(wib_day(datetime.now(UTC)) - timedelta(days=1)) + timedelta(hours=10)
    rows = [
        {
            "link_id": link.id,
            "created_at": yesterday_10_wib + timedelta(seconds=i),
            "visitor_hash": "y" * 32,
            "device_class": "mobile",
            "is_bot": False,
            "source": "qr",
        }
        for i in range(1234)
    ]
    db.session.execute(insert(Scan), rows)
    db.session.commit()
    body = coordinator_client.get("/integrity/").get_data(as_text=True)
    summary = body.split('class="big"', 3)
    # One visitor in one hour: a repeat (1,233 after the first) and a burst (all 1,234), counted once.
    assert [part.split(">", 1)[1].split("<", 1)[0] for part in summary[1:]] == ["1.234", "1.234", "0"]
    row = body.split(f"<code>{link.code}</code>", 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">1.234</td><td class="num">1.234</td><td class="num">0</td>' in row
