"""The integrity signals read from their derived tables and the live tail: the same signals as straight
from the scans wherever the rollup cut falls, tables equal to a rebuild, and a page that shows the top."""

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from config import Config
from outreach.clock import to_wib, wib_day, wib_day_start
from outreach.links.models import Scan
from outreach.links.retention import purge_old_scans
from outreach.metrics.integrity import Thresholds, integrity_report
from outreach.metrics.models import NIGHT_END_INDEXED, ScanDeviceDaily, ScanHourly, ScanRepeatDaily
from outreach.metrics.scans import SAFETY_MARGIN, refresh_scan_rollups
from tests.factories import LinkFactory

NOW = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)  # 12:00 WIB on 20 November
FIRST = wib_day_start(wib_day(NOW) - timedelta(days=3))  # 00:00 WIB on 17 November
# Low thresholds, so a few links make every kind of signal, and several of each.
LOW = Thresholds(
    lookback_days=3,
    repeat_scans=3,
    burst_scans=6,
    burst_factor=2.0,
    night_start=0,
    night_end=5,
    night_scans=2,
    device_scans=6,
    device_share=0.8,
)
# Nights that start after midnight: the scans before them are subtracted.
LATE = replace(LOW, night_start=2, night_end=6)
TABLES = (ScanHourly, ScanDeviceDaily, ScanRepeatDaily)


def _scan(link_id, moment, visitor, device="mobile", bot=False):
    return {
        "link_id": link_id,
        "created_at": moment,
        "visitor_hash": visitor,
        "device_class": device,
        "is_bot": bot,
        "source": "qr",
    }


@pytest.fixture
def scans(db):
    """Four WIB days of scans of eight links up to NOW: some visitors come back, some hours burst, some
    nights are busy, some links are scanned from computers, a few scans are bots."""
    rng = random.Random(22)
    links = [LinkFactory() for _ in range(8)]
    db.session.flush()
    rows = []
    for n, link in enumerate(links):
        device = "desktop" if n % 4 == 3 else "mobile"
        for _ in range(40 + 10 * n):
            moment = FIRST + timedelta(seconds=rng.randrange(int((NOW - FIRST).total_seconds())))
            visitor = f"v{rng.randrange(12)}"
            other = "tablet" if rng.random() < 0.1 else device
            rows.append(_scan(link.id, moment, visitor, other, bot=rng.random() < 0.05))
        for day in range(4):  # a burst in a random hour of some days, partly by one visitor
            if rng.random() < 0.5:
                hour = FIRST + timedelta(days=day, hours=rng.randrange(24))
                if hour < NOW:
                    rows += [_scan(link.id, hour + timedelta(minutes=m), f"b{m % 3}", device) for m in range(0, 60, 6)]
    db.session.execute(insert(Scan), rows)
    db.session.commit()
    return links


def expected(thresholds: Thresholds, now: datetime, db):
    """The signals and totals of the report straight from the raw scans, in Python: what the derived tables
    and the live tail must give."""
    t = thresholds
    since_day = wib_day(now) - timedelta(days=t.lookback_days - 1)
    human = [
        (scan.id, scan.link_id, to_wib(scan.created_at), scan.visitor_hash, scan.device_class)
        for scan in db.session.scalars(
            select(Scan).where(Scan.is_bot.is_(False), Scan.created_at >= wib_day_start(since_day))
        )
    ]
    groups: dict[tuple, list[int]] = {}
    for scan_id, link_id, moment, visitor, device in human:
        day = moment.date()
        groups.setdefault(("visitor", link_id, day, visitor), []).append(scan_id)
        groups.setdefault(("hour", link_id, day, moment.hour), []).append(scan_id)
        groups.setdefault(("link", link_id), []).append(scan_id)
        groups.setdefault(("day", link_id, day), []).append(scan_id)
        groups.setdefault(("class", link_id, device), []).append(scan_id)
        if t.night_start <= moment.hour < t.night_end:
            groups.setdefault(("night", link_id, day), []).append(scan_id)
    hours = Counter(key[1] for key in groups if key[0] == "hour")
    signals, flagged = set(), {}
    for key, ids in groups.items():
        kind, link_id = key[0], key[1]
        n, total = len(ids), len(groups[("link", link_id)])
        found = None
        if kind == "visitor" and n >= t.repeat_scans:
            found, ids = ("repeat", link_id, key[2], n - 1, len(groups[("day", link_id, key[2])])), sorted(ids)[1:]
        elif kind == "hour" and n >= t.burst_scans and n * (hours[link_id] - 1) >= t.burst_factor * (total - n):
            found = ("burst", link_id, (key[2], key[3]), n, len(groups[("day", link_id, key[2])]))
        elif kind == "night" and n >= t.night_scans:
            found = ("night", link_id, key[2], n, len(groups[("day", link_id, key[2])]))
        elif (
            kind == "class"
            and key[2] not in t.device_ignore
            and total >= t.device_scans
            and n >= t.device_share * total
        ):
            found = ("device", link_id, key[2], n, total)
        if found:
            signals.add(found)
            flagged.setdefault(link_id, set()).update(ids)
    links = {link_id: (len(groups[("link", link_id)]), len(ids)) for link_id, ids in flagged.items()}
    return signals, links, len(human), sum(len(ids) for ids in flagged.values())


def found(report):
    """The report as `expected()` puts it."""
    signals = set()
    for s in report.signals:
        key = {
            "repeat": s.detail["day"],
            "burst": (s.detail["day"], to_wib(s.start).hour),
            "night": s.detail["day"],
            "device": s.detail.get("device_class"),
        }[s.kind]
        signals.add((s.kind, s.link_id, key, s.flagged, s.window_scans))
    links = {row.link_id: (row.scans, row.flagged) for row in report.links}
    return signals, links, report.scans, report.flagged


@pytest.mark.parametrize("thresholds", [LOW, LATE], ids=["from-midnight", "late-night"])
def test_signals_are_the_same_from_the_tables_and_the_tail_wherever_the_cut_falls(scans, db, thresholds):
    want = expected(thresholds, NOW, db)
    assert {kind for kind, *_rest in want[0]} == {"repeat", "burst", "night", "device"}
    assert found(integrity_report(thresholds, now=NOW)) == want  # nothing rolled up yet: every scan is live
    # Cuts in the night, mid-morning, just after midnight WIB and after the last scan; incremental refreshes
    # and full rebuilds alike.
    for hours_back, full in ((50, False), (28, False), (12.1, True), (11.9, False), (3, False), (-1, True)):
        refresh_scan_rollups(full=full, now=NOW - timedelta(hours=hours_back) + SAFETY_MARGIN)
        db.session.commit()
        assert found(integrity_report(thresholds, now=NOW)) == want, (hours_back, full)


def _top(report, top):
    """A full report's `top` signals of each kind and `top` links, as the page ranks them."""
    signals = []
    for kind in ("repeat", "burst", "night", "device"):
        ranked = sorted(report.of_kind(kind), key=lambda s: (-s.flagged, s.start, s.code))
        signals += ranked[:top]
    links = sorted(report.links, key=lambda row: (-row.flagged, row.code))[:top]
    return signals, links


@pytest.mark.parametrize(
    "thresholds",
    [LOW, LATE, replace(LOW, repeat_scans=10**6, burst_scans=10**6, device_scans=10**6)],
    ids=["from-midnight", "late-night", "nights-only"],
)
def test_a_report_of_the_top_shows_the_top_of_the_full_report_and_counts_every_signal(scans, db, thresholds):
    """The nights are ranked and summed in SQL, with the live tail merged in: the same top and totals as a
    report of every signal, and those the same as straight from the scans, wherever the cut falls (nights
    in the tail lift or replace stored ones). With nights alone, each link's flagged scans are their sum."""
    for hours_back in (50, 28, 12.1, 9.5, 8, 3, -1):  # 9.5 and 8: cuts in the night of NOW
        refresh_scan_rollups(now=NOW - timedelta(hours=hours_back) + SAFETY_MARGIN)
        db.session.commit()
        full = integrity_report(thresholds, now=NOW)
        want = expected(thresholds, NOW, db)
        assert found(full) == want, hours_back
        # One signal per night, hour or device class of a link (repeats of one link-day may look alike).
        for kind in ("burst", "night", "device"):
            assert full.found[kind] == sum(signal[0] == kind for signal in want[0]), (hours_back, kind)
        assert full.found["night"] > 5, hours_back
        for top in (1, 2, 5):
            report = integrity_report(thresholds, now=NOW, top=top)
            signals, links = _top(full, top)
            assert [(s.kind, s.link_id, s.start, s.flagged, s.window_scans) for s in report.signals] == [
                (s.kind, s.link_id, s.start, s.flagged, s.window_scans) for s in signals
            ], (hours_back, top)
            assert [(row.link_id, row.scans, row.flagged) for row in report.links] == [
                (row.link_id, row.scans, row.flagged) for row in links
            ]
            assert (report.found, report.links_found, report.scans, report.flagged) == (
                full.found,
                full.links_found,
                full.scans,
                full.flagged,
            )


def test_the_default_thresholds_agree_too(scans, db):
    refresh_scan_rollups(now=NOW - timedelta(hours=7) + SAFETY_MARGIN)
    db.session.commit()
    t = Thresholds(lookback_days=3, burst_scans=10)
    assert found(integrity_report(t, now=NOW)) == expected(t, NOW, db)


def test_patterns_begun_before_the_cut_and_completed_after_it_are_found(db):
    """Each kind of signal with scans on both sides of a cut: rolled up in part, live in part."""
    burst, night, device, repeat = (link.id for link in [LinkFactory() for _ in range(4)])
    db.session.commit()
    wib = wib_day_start(wib_day(NOW))  # 00:00 WIB on 20 November
    at = lambda hours, minutes=0: wib + timedelta(hours=hours, minutes=minutes)  # noqa: E731
    rows = [_scan(burst, at(hour, 10), f"p{hour}") for hour in range(5, 10)]  # its usual pace: one an hour
    rows += [_scan(burst, at(10, m // 2), f"q{m}") for m in range(35)]  # before the cut at 10:30 ...
    rows += [_scan(burst, at(11, m), f"r{m}") for m in range(40)]  # ... and a bigger hour after it, which
    # lifts the usual pace so far that 10:00 is no burst any more
    rows += [_scan(night, at(hour), f"n{hour}") for hour in (1, 2, 3)]  # the cut at 02:30 falls in the night
    rows += [_scan(device, at(9, m), f"d{m}", "desktop") for m in range(18)]
    rows += [_scan(device, at(11, m), f"e{m}", "desktop") for m in range(2)]
    rows += [_scan(repeat, at(10, m), "same") for m in range(9)] + [_scan(repeat, at(11), "same")]
    db.session.execute(insert(Scan), rows)
    db.session.commit()
    for cut in (at(2, 30), at(10, 30)):
        refresh_scan_rollups(now=cut + SAFETY_MARGIN)
        db.session.commit()
        want = expected(Thresholds(), NOW, db)
        assert {(kind, link_id) for kind, link_id, *_rest in want[0]} == {
            ("burst", burst),
            ("night", night),
            ("device", device),
            ("repeat", repeat),
        }
        assert found(integrity_report(Thresholds(), now=NOW)) == want, cut


def test_a_scan_after_the_last_refresh_shows_in_the_signals(db):
    link = LinkFactory()
    db.session.commit()
    ten_wib = wib_day_start(wib_day(NOW)) + timedelta(hours=10)
    db.session.execute(insert(Scan), [_scan(link.id, ten_wib + timedelta(minutes=m), "same") for m in range(9)])
    db.session.execute(insert(Scan), [_scan(link.id, ten_wib + timedelta(minutes=m), f"n{m}") for m in range(2)])
    db.session.commit()
    refresh_scan_rollups(now=ten_wib + timedelta(minutes=30) + SAFETY_MARGIN)
    db.session.commit()
    assert integrity_report(Thresholds(), now=NOW).signals == []  # nine scans by one visitor: no repeat yet
    db.session.add(Scan(**_scan(link.id, ten_wib + timedelta(minutes=45), "same")))
    db.session.commit()
    report = integrity_report(Thresholds(), now=NOW)
    [signal] = report.signals
    assert (signal.kind, signal.flagged, signal.detail["scans"], signal.window_scans) == ("repeat", 9, 10, 12)
    assert (report.scans, report.flagged) == (12, 9)


def test_check_finds_the_integrity_tables_equal_to_a_rebuild_and_names_one_out_of_step(scans, db, runner):
    refresh_scan_rollups(now=NOW - timedelta(hours=5) + SAFETY_MARGIN)
    db.session.commit()
    result = runner.invoke(args=["links", "refresh-rollups"])  # the cron command, with its own cut
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["metrics", "refresh", "--check"])
    assert result.exit_code == 0, result.output
    for model in TABLES:
        assert f"{model.__tablename__}: equal" in result.output
    assert db.session.scalar(select(ScanHourly).limit(1)) is not None
    db.session.execute(update(ScanHourly).where(ScanHourly.hour == 3).values(human_scans=ScanHourly.human_scans + 1))
    db.session.commit()
    result = runner.invoke(args=["metrics", "refresh", "--check"])
    assert result.exit_code == 1
    assert "scan_hourly: " in result.output and "scan_hourly: equal" not in result.output
    assert "scan_repeat_daily: equal" in result.output
    assert runner.invoke(args=["metrics", "refresh"]).exit_code == 0
    assert runner.invoke(args=["metrics", "refresh", "--check"]).exit_code == 0


def test_the_retention_drops_the_purged_days_from_the_integrity_tables(scans, db, runner):
    refresh_scan_rollups(now=NOW)
    db.session.commit()
    purge_old_scans(2, now=NOW)  # keeps 18 November (WIB) on
    db.session.commit()
    for model in TABLES:
        assert db.session.scalar(select(model.day).order_by(model.day).limit(1)) == wib_day(NOW) - timedelta(days=2)
    result = runner.invoke(args=["metrics", "refresh", "--check"])
    assert result.exit_code == 0, result.output


def test_the_page_shows_the_top_fifty_of_a_kind_and_says_how_many_more(coordinator_client, db):
    links = [LinkFactory() for _ in range(51)]
    db.session.commit()
    night = wib_day_start(wib_day(datetime.now(UTC)) - timedelta(days=1)) + timedelta(hours=2)  # 02:00 WIB yesterday
    rows = [_scan(link.id, night + timedelta(minutes=m), f"v{n}-{m}") for n, link in enumerate(links) for m in range(3)]
    rows += [_scan(links[0].id, night + timedelta(minutes=10 + m), f"w{m}") for m in range(2)]  # the most flagged
    db.session.execute(insert(Scan), rows)
    db.session.commit()
    refresh_scan_rollups()
    db.session.commit()
    body = coordinator_client.get("/integrity/").get_data(as_text=True)
    section = body.split('id="night"', 1)[1].split("</section>", 1)[0]
    assert section.count("<tr>") == 1 + 50  # the header and fifty signals
    assert "(51)" in section and "Dan 1 lagi tidak ditampilkan" in section
    assert f"<code>{links[0].code}</code>" in section.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert "Dan 1 tautan lagi tidak ditampilkan" in body.split('id="night"', 1)[0]
    summary = body.split('class="big"', 3)
    assert [part.split(">", 1)[1].split("<", 1)[0] for part in summary[1:]] == ["155", "155", "0"]


def test_the_default_night_ends_where_the_night_index_does():
    # The night signals read `ix_scan_hourly_nights` only for nights ending at its hour: a default that moved
    # alone would leave every season's integrity page reading the index of every hour.
    assert Config.INTEGRITY_NIGHT_END == NIGHT_END_INDEXED
    assert Thresholds().night_end == NIGHT_END_INDEXED
