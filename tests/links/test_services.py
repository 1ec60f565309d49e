"""Links services: codes, targets, bulk creation, sharing texts, visitor hashes and rollups."""

import io
import runpy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from outreach.audit.models import AuditEvent
from outreach.imports.writing import safe_cell
from outreach.links import scanning, services, visitors
from outreach.links.codes import ALPHABET, generate_code, normalise_code
from outreach.links.export import write_links_csv
from outreach.links.models import Link, Scan, ScanDaily, ScanPromoterDaily, SurveyTarget
from outreach.metrics.rankings import promoter_ranking
from outreach.metrics.respondents import get_source
from outreach.metrics.scans import SAFETY_MARGIN, daily_series, refresh_scan_rollups, totals_by_link, totals_for
from tests.factories import (
    AreaFactory,
    AssignmentFactory,
    LinkFactory,
    OpdFactory,
    PromoterFactory,
    SurveyTargetFactory,
)

PHONE = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Mobile Safari/537.36"
)


# --- codes


def test_generated_codes_use_only_unambiguous_characters():
    codes = [generate_code(length) for length in (6, 7, 8) for _ in range(200)]
    assert all(set(code) <= set(ALPHABET) for code in codes)
    assert not set("01OIL") & set("".join(codes))
    assert {len(code) for code in codes} == {6, 7, 8}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("abc234", "ABC234"), (" ab-c2 34 ", "ABC234"), ("ＡＢＣ２３４", "ABC234"), ("xyz23456", "XYZ23456")],
)
def test_normalise_code_ignores_case_spaces_and_full_width_characters(typed, expected):
    assert normalise_code(typed) == expected


@pytest.mark.parametrize("typed", ["", None, "ABC23", "ABC234567", "ABC0O1", "ABCIL2", "ABC23!"])
def test_normalise_code_rejects_what_cannot_be_a_code(typed):
    assert normalise_code(typed) is None


# --- survey targets


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://spi.kpk.go.id/x", "https"),
        ("https://evil.example/spi", "allowlist"),
        ("https://spi.kpk.go.id.evil.example/", "allowlist"),
        ("https://user:pw@spi.kpk.go.id/", "user name"),
        ("https://spi.kpk.go.id:8443/", "port"),
        ("javascript:alert(1)", "https"),
    ],
)
def test_survey_target_url_must_be_https_on_an_allowlisted_host(app, url, problem):
    with pytest.raises(services.LinkError) as error:
        services.create_target("SPI", "eksternal", url)
    assert problem in str(error.value) and str(error.value).startswith("url:")


@pytest.mark.parametrize(
    "url",
    [
        "https://spi.kpk.go.id/survei\r\nSet-Cookie: x=1",
        "https://spi.kpk.go.id/survei eksternal",
        "https://spi.kpk.go.id/\tx",
        "https://spi.kpk.go.id/\x00",
        "https://spi.kpk.go.id/\u00a0x",
        "https://spi.kpk.go.id/x\ny",
    ],
)
def test_survey_target_url_with_whitespace_or_control_characters_is_refused(db, url):
    with pytest.raises(services.LinkError, match="spaces, line breaks or control characters"):
        services.create_target("SPI", "eksternal", url)
    assert db.session.scalar(select(func.count()).select_from(SurveyTarget)) == 0


def test_survey_target_url_is_stored_normalised(db):
    target = services.create_target("SPI", "eksternal", "  https://SPI.KPK.go.id/survei/ekstérnal?x=ä  ")
    assert target.url == "https://spi.kpk.go.id/survei/ekst%C3%A9rnal?x=%C3%A4"
    services.update_target(target, "SPI", "eksternal", " https://Survei.KPK.go.id/b ", True)
    assert target.url == "https://survei.kpk.go.id/b"


def test_survey_target_on_an_allowlisted_subdomain_is_saved_and_audited(db):
    target = services.create_target("SPI eksternal", "eksternal", "https://survei.jaga.id/spi")
    assert target.id
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_type == "survey_target")) == (
        "survey_target.create"
    )


def test_survey_target_audience_must_be_eksternal_or_internal(app):
    with pytest.raises(services.LinkError, match="audience"):
        services.create_target("SPI", "eksper", "https://spi.kpk.go.id/")


# --- links


def test_created_links_get_distinct_valid_codes(db):
    target = SurveyTargetFactory()
    area = AreaFactory()
    links = [services.create_link(target, area, "flyer") for _ in range(50)]
    codes = [link.code for link in links]
    assert len(set(codes)) == 50
    assert all(normalise_code(code) == code for code in codes)


def test_link_channel_must_be_known(db):
    with pytest.raises(services.LinkError, match="channel"):
        services.create_link(SurveyTargetFactory(), AreaFactory(), "radio")


def test_bulk_creation_makes_one_link_per_active_promoter_of_a_kelurahan_per_channel(db):
    kec = AreaFactory(level="kecamatan", code="18.71.01", name="Kedaton")
    kel = AreaFactory(code="18.71.01.1001", parent=kec)
    rw = AreaFactory(level="rw", code="18.71.01.1001.001", name="RW 001", parent=kel)
    rt = AreaFactory(level="rt", code="18.71.01.1001.001.001", name="RT 001", parent=rw)
    other_kel = AreaFactory(code="18.71.01.1002", parent=kec)
    pamong = AssignmentFactory(area=kel).promoter
    rt_head = AssignmentFactory(area=rt, promoter=PromoterFactory(role="rt")).promoter
    AssignmentFactory(area=other_kel)
    AssignmentFactory(area=kel, promoter=PromoterFactory(active=False))
    AssignmentFactory(area=kel, end_date=date(2026, 8, 1))
    target = SurveyTargetFactory()

    result = services.bulk_create_links(target, kel, ["flyer", "whatsapp"])

    made = {(link.promoter_id, link.channel, link.area_id) for link in result.created}
    assert made == {
        (pamong.id, "flyer", kel.id),
        (pamong.id, "whatsapp", kel.id),
        (rt_head.id, "flyer", rt.id),
        (rt_head.id, "whatsapp", rt.id),
    }
    again = services.bulk_create_links(target, kel, ["flyer", "whatsapp"])
    assert again.created == [] and again.skipped == 4
    assert len(services.bulk_create_links(target, kec, ["flyer"]).created) == 1


def test_bulk_creation_for_an_opd_sets_the_opd_on_each_link(db):
    opd = OpdFactory()
    inside = PromoterFactory(opd=opd)
    AssignmentFactory(promoter=inside)
    PromoterFactory()
    AreaFactory(level="kota", code="18.71", name="Bandar Lampung")
    unassigned = PromoterFactory(opd=opd)
    result = services.bulk_create_links(SurveyTargetFactory(), opd, ["banner"])
    assert {link.promoter_id for link in result.created} == {inside.id, unassigned.id}
    assert {link.opd_id for link in result.created} == {opd.id}
    city_link = next(link for link in result.created if link.promoter_id == unassigned.id)
    assert city_link.area.level == "kota"


def test_bulk_creation_needs_a_channel(db):
    with pytest.raises(services.LinkError, match="channels"):
        services.bulk_create_links(SurveyTargetFactory(), AreaFactory(), [])


def test_deactivation_is_audited(db):
    link = LinkFactory()
    services.set_link_active(link, False)
    assert link.active is False
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_type == "link")) == "link.deactivate"


def test_links_in_scope_finds_links_below_a_kecamatan_only(db):
    kec = AreaFactory(level="kecamatan", code="18.71.02")
    kel = AreaFactory(code="18.71.02.1001", parent=kec)
    inside = LinkFactory(area=kel)
    LinkFactory(area=AreaFactory(code="18.71.020.1001"))
    LinkFactory(area=kel, active=False)
    assert services.links_in_scope(kec) == [inside]


# --- sharing


def test_whatsapp_message_is_indonesian_and_carries_the_short_url(app, db):
    link = LinkFactory(code="ABC234")
    message = services.whatsapp_message(link)
    assert "https://spi.example.test/s/ABC234" in message
    assert "sukarela dan rahasia" in message and "KPK" in message
    share = services.whatsapp_share_url(message)
    assert share.startswith("https://wa.me/?text=")
    assert "https%3A%2F%2Fspi.example.test%2Fs%2FABC234" in share and " " not in share


def test_qr_url_carries_the_qr_marker(app):
    assert services.qr_url("ABC234") == "https://spi.example.test/s/ABC234?q=1"


# --- visitor hash and classification


def test_visitor_hash_is_one_value_per_visitor_and_day_key():
    monday, tuesday = visitors.day_key(b"m" * 32), visitors.day_key(b"t" * 32)
    first = visitors.visitor_hash("198.51.100.7", PHONE, monday)
    assert visitors.visitor_hash("198.51.100.7", PHONE, monday) == first
    assert visitors.visitor_hash("198.51.100.7", PHONE, tuesday) != first
    assert visitors.visitor_hash("198.51.100.8", PHONE, monday) != first
    assert "198.51.100.7" not in first and len(first) == 32


def test_the_salt_rotates_at_wib_midnight_not_utc_midnight():
    before = datetime(2026, 11, 26, 16, 59, tzinfo=UTC)  # 23:59 WIB
    after = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)  # 00:00 WIB next day
    assert scanning.wib_day(before) == date(2026, 11, 26)
    assert scanning.wib_day(after) == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("agent", "device", "bot"),
    [
        (PHONE, "mobile", False),
        (
            "Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1",
            "tablet",
            False,
        ),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", "desktop", False),
        ("WhatsApp/2.23.20.0 A", "other", True),
        ("curl/8.0", "other", True),
    ],
)
def test_user_agents_are_reduced_to_a_device_class_and_a_bot_flag(agent, device, bot):
    assert visitors.classify_user_agent(agent) == (device, bot)


def _meta(**kwargs):
    values = {"method": "GET", "ip": "198.51.100.1", "user_agent": PHONE}
    values.update(kwargs)
    return scanning.RequestMeta(**values)


def test_record_scan_skips_head_and_prefetch(app, db):
    link = LinkFactory()
    db.session.commit()
    assert services.record_scan(link, _meta(method="HEAD")) is False
    assert services.record_scan(link, _meta(purpose="prefetch")) is False
    assert services.record_scan(link, _meta(source="qr")) is True
    with pytest.raises(ValueError, match="source"):
        services.record_scan(link, _meta(source="sms"))
    assert [s.source for s in db.session.scalars(select(Scan))] == ["qr"]


# --- rollups


def _scan(link, when: datetime, visitor: str = "v1", bot: bool = False, source: str = "qr"):
    db_row = Scan(
        link_id=link.id, created_at=when, visitor_hash=visitor, device_class="mobile", is_bot=bot, source=source
    )
    return db_row


def test_rollup_counts_per_wib_day_with_uniques_bots_and_sources(db):
    link = LinkFactory()
    late_evening_utc = datetime(2026, 11, 10, 16, 30, tzinfo=UTC)  # 23:30 WIB on the 10th
    just_after_midnight = datetime(2026, 11, 10, 17, 30, tzinfo=UTC)  # 00:30 WIB on the 11th
    db.session.add_all(
        [
            _scan(link, late_evening_utc, "a"),
            _scan(link, late_evening_utc, "a", source="direct"),
            _scan(link, late_evening_utc, "b"),
            _scan(link, late_evening_utc, "bot", bot=True),
            _scan(link, just_after_midnight, "a"),
        ]
    )
    db.session.flush()
    refresh_scan_rollups(now=datetime(2026, 11, 12, tzinfo=UTC))
    rows = {r.day: r for r in db.session.scalars(select(ScanDaily))}
    assert set(rows) == {date(2026, 11, 10), date(2026, 11, 11)}
    tenth = rows[date(2026, 11, 10)]
    assert (tenth.scans, tenth.unique_visitors, tenth.bot_scans, tenth.qr_scans, tenth.direct_scans) == (4, 2, 1, 2, 1)
    assert rows[date(2026, 11, 11)].scans == 1


def test_refreshing_twice_changes_nothing(db):
    link = LinkFactory()
    db.session.add_all([_scan(link, datetime(2026, 11, d, 3, tzinfo=UTC), f"v{d}") for d in range(1, 6)])
    db.session.flush()
    refresh_scan_rollups(now=datetime(2026, 11, 6, tzinfo=UTC))
    first = sorted((r.day, r.scans, r.unique_visitors) for r in db.session.scalars(select(ScanDaily)))
    refresh_scan_rollups(now=datetime(2026, 11, 6, 0, 5, tzinfo=UTC))
    refresh_scan_rollups(full=True, now=datetime(2026, 11, 6, 0, 6, tzinfo=UTC))
    assert sorted((r.day, r.scans, r.unique_visitors) for r in db.session.scalars(select(ScanDaily))) == first
    assert len(first) == 5


def _promoter_rows(db):
    rows = db.session.scalars(select(ScanPromoterDaily).order_by(ScanPromoterDaily.promoter_id, ScanPromoterDaily.day))
    return [
        (r.promoter_id, r.day, r.human_scans, r.unique_visitors, r.total_human_scans, r.total_unique_visitors)
        for r in rows
    ]


def test_promoter_rollup_is_dense_with_running_totals_and_an_increment_continues_them(db):
    ani, budi = PromoterFactory(), PromoterFactory()
    ani_link, budi_link = LinkFactory(promoter=ani), LinkFactory(promoter=budi)
    at = lambda d, h=3: datetime(2026, 11, d, h, tzinfo=UTC)  # noqa: E731 — 10:00 WIB on the day
    db.session.add_all(
        [
            _scan(ani_link, at(1), "a"),
            _scan(ani_link, at(1, 4), "a"),
            _scan(ani_link, at(1, 5), "b"),
            _scan(ani_link, at(3), "c"),
            _scan(ani_link, at(3, 4), "bot", bot=True),
            _scan(budi_link, at(2), "d"),
        ]
    )
    db.session.flush()
    refresh_scan_rollups(now=at(4, 12))  # the cut is on 4 November (WIB)
    nov = lambda d: date(2026, 11, d)  # noqa: E731
    ani_rows = [
        (ani.id, nov(1), 3, 2, 3, 2),
        (ani.id, nov(2), 0, 0, 3, 2),  # no scans: a row all the same, totals carried
        (ani.id, nov(3), 1, 1, 4, 3),  # the bot's scan is left out
        (ani.id, nov(4), 0, 0, 4, 3),
    ]
    budi_rows = [(budi.id, nov(2), 1, 1, 1, 1), (budi.id, nov(3), 0, 0, 1, 1), (budi.id, nov(4), 0, 0, 1, 1)]
    assert _promoter_rows(db) == ani_rows + budi_rows

    db.session.add_all([_scan(budi_link, at(6), "e"), _scan(budi_link, at(6, 4), "f")])
    db.session.flush()
    refresh_scan_rollups(now=at(7, 12))  # an increment from the last cut's day on
    increment = _promoter_rows(db)
    assert increment == [
        *ani_rows,
        *((ani.id, nov(d), 0, 0, 4, 3) for d in (5, 6, 7)),
        *budi_rows,
        (budi.id, nov(5), 0, 0, 1, 1),
        (budi.id, nov(6), 2, 2, 3, 3),
        (budi.id, nov(7), 0, 0, 3, 3),
    ]
    refresh_scan_rollups(
        full=True,
        now=at(
            7,
            12,
        ),
    )
    assert _promoter_rows(db) == increment  # a rebuild from raw rows agrees


def test_totals_add_the_live_tail_after_the_last_refresh(db):
    link = LinkFactory()
    now = datetime.now(UTC)
    db.session.add_all([_scan(link, now - timedelta(days=3), "old1"), _scan(link, now - timedelta(days=3), "old2")])
    db.session.flush()
    refresh_scan_rollups()
    db.session.add_all([_scan(link, now, "new"), _scan(link, now, "bot", bot=True)])
    db.session.flush()
    totals = totals_by_link([link.id])[link.id]
    assert (totals.scans, totals.human_scans, totals.bot_scans, totals.unique_visitors) == (4, 3, 1, 3)
    assert totals_for(select(Link.id)).scans == 4
    series = daily_series(link.id, days=5)
    assert [t.scans for _, t in series] == [0, 2, 0, 0, 2]


def test_incremental_refresh_only_rebuilds_recent_days(db):
    link = LinkFactory()
    db.session.add(_scan(link, datetime(2026, 11, 1, 3, tzinfo=UTC)))
    db.session.flush()
    refresh_scan_rollups(now=datetime(2026, 11, 20, tzinfo=UTC))
    db.session.add(_scan(link, datetime(2026, 11, 20, 1, tzinfo=UTC)))
    db.session.flush()
    result = refresh_scan_rollups(now=datetime(2026, 11, 20, 2, tzinfo=UTC))
    assert result.from_day == date(2026, 11, 20)
    assert db.session.scalar(select(func.sum(ScanDaily.scans))) == 2


def _figures(link):
    """(scans, human scans, unique visitors) of one link, and per promoter and per unit for its day."""
    totals = totals_by_link([link.id])[link.id]
    day = date(2026, 11, 20)
    ranking = promoter_ranking(day, day)
    visitors = get_source("visitors").daily([link.area], day, day)[link.area]
    return (totals.scans, totals.human_scans, totals.unique_visitors), ranking[0].unique_visitors, visitors


def test_a_refresh_mid_day_rolls_up_the_morning_and_the_afternoon_adds_only_new_visitors(db):
    link = LinkFactory(promoter=PromoterFactory())
    morning = datetime(2026, 11, 20, 1, tzinfo=UTC)  # 08:00 WIB
    afternoon = datetime(2026, 11, 20, 7, tzinfo=UTC)  # 14:00 WIB
    db.session.add_all([_scan(link, morning, "a"), _scan(link, morning, "b")])
    db.session.flush()
    refresh_scan_rollups(now=datetime(2026, 11, 20, 2, tzinfo=UTC))
    assert db.session.scalar(select(ScanDaily.scans)) == 2  # the morning is rolled up
    # "a" comes back after the cut: one more scan, not one more visitor; "c" is new; a bot is neither.
    db.session.add_all([_scan(link, afternoon, "a"), _scan(link, afternoon, "c"), _scan(link, afternoon, "x", True)])
    db.session.flush()
    expected = ((5, 4, 3), 3, {date(2026, 11, 20): 3})
    assert _figures(link) == expected
    refresh_scan_rollups(now=datetime(2026, 11, 20, 9, tzinfo=UTC))
    assert db.session.scalar(select(ScanDaily.unique_visitors)) == 3
    assert _figures(link) == expected


def test_a_scan_committed_late_is_caught_by_the_next_refresh(db):
    link = LinkFactory()
    cut = refresh_scan_rollups(now=datetime(2026, 11, 20, 5, tzinfo=UTC)).until
    # A scan timestamped just before that cut but committed only after the refresh (a slow worker).
    db.session.add(_scan(link, cut - timedelta(seconds=1)))
    db.session.flush()
    refresh_scan_rollups(now=cut + timedelta(minutes=1) + SAFETY_MARGIN)
    assert db.session.scalar(select(ScanDaily.scans)) == 1
    assert totals_by_link([link.id])[link.id].scans == 1


def test_the_commit_margin_outlasts_the_slowest_request(monkeypatch):
    # A scan commits within its request, which gunicorn ends after `timeout` seconds. A margin shorter than
    # that could fold a cut past a scan still committing: it would drop out of every figure until the next
    # refresh. Twice the timeout leaves room for a connection's wait and the clocks of several instances.
    monkeypatch.delenv("GUNICORN_TIMEOUT", raising=False)
    settings = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    assert SAFETY_MARGIN >= 2 * timedelta(seconds=settings["timeout"])


# --- export


def test_export_writes_formula_safe_csv(app, db):
    promoter = PromoterFactory(name='=HYPERLINK("http://x")')
    LinkFactory(code="ABC234", promoter=promoter, label="+62 812", channel="whatsapp")
    out = io.StringIO()
    assert write_links_csv(out) == 1
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("code,short_url,qr_url,active")
    assert "https://spi.example.test/s/ABC234" in lines[1]
    assert "'=HYPERLINK" in lines[1] and "'+62 812" in lines[1]


@pytest.mark.parametrize(("value", "expected"), [("=1+1", "'=1+1"), ("-2", "'-2"), ("@x", "'@x"), ("ok", "ok")])
def test_safe_cell_neutralises_formulas(value, expected):
    assert safe_cell(value) == expected
