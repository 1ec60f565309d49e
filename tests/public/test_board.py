"""The public participation board: ranking by improvement, small-number suppression, no promoter
names, caching, and staying off the scan tables."""

import re
from datetime import date, timedelta

import pytest

from outreach import clock
from outreach.metrics.board import board
from outreach.participation.models import SurveyRound, Target
from tests.factories import AreaFactory, LinkFactory, PromoterFactory
from tests.participation.conftest import add_daily

TODAY = date(2026, 10, 20)


@pytest.fixture
def tree(db):
    """Kota, kecamatan Kedaton (kelurahan Surabaya, Sidodadi) and Sukarame (Way Dadi, Korpri Jaya)."""
    kota = AreaFactory(code="18.71", name="Bandar Lampung", level="kota")
    kec_a = AreaFactory(code="18.71.01", name="Kedaton", level="kecamatan", parent=kota)
    kec_b = AreaFactory(code="18.71.02", name="Sukarame", level="kecamatan", parent=kota)
    areas = {
        "a1": AreaFactory(code="18.71.01.1001", name="Surabaya", parent=kec_a),
        "a2": AreaFactory(code="18.71.01.1002", name="Sidodadi", parent=kec_a),
        "b1": AreaFactory(code="18.71.02.1001", name="Way Dadi", parent=kec_b),
        "b2": AreaFactory(code="18.71.02.1002", name="Korpri Jaya", parent=kec_b),
    }
    db.session.commit()
    return {"kota": kota, "kec_a": kec_a, "kec_b": kec_b, **areas}


def a_round(db, today: date) -> SurveyRound:
    round_ = SurveyRound(
        name="SPI 2026", year=today.year, starts_on=today - timedelta(days=40), deadline=today + timedelta(days=40)
    )
    db.session.add(round_)
    db.session.commit()
    return round_


def two_weeks(db, unit, today: date, last_week: int, this_week: int) -> None:
    """A daily count for the two weeks up to yesterday: `last_week`, then `this_week` per day."""
    add_daily(db, unit, today - timedelta(days=14), [last_week] * 7 + [this_week] * 7)


def test_board_ranks_by_improvement_over_last_week_not_by_level(db, tree):
    round_ = a_round(db, TODAY)
    two_weeks(db, tree["a1"], TODAY, last_week=50, this_week=50)  # high and flat
    two_weeks(db, tree["b1"], TODAY, last_week=2, this_week=6)  # low but climbing
    db.session.add(Target(round=round_, area=tree["kec_a"], audience="eksternal", target=2000))
    db.session.commit()
    result = board(5, today=TODAY)
    assert [row.name for row in result.rows] == ["Sukarame", "Kedaton"]
    sukarame, kedaton = result.rows
    assert (sukarame.last_week, sukarame.this_week, sukarame.to_date) == (14, 42, 56)
    assert sukarame.change == pytest.approx(2.0)
    assert (kedaton.change, kedaton.progress) == (0.0, pytest.approx(700 / 2000))
    assert (result.city.this_week, result.city.last_week) == (392, 364)


def test_board_drills_down_to_the_kelurahan_of_a_kecamatan(db, tree):
    a_round(db, TODAY)
    two_weeks(db, tree["b1"], TODAY, last_week=10, this_week=8)
    two_weeks(db, tree["b2"], TODAY, last_week=3, this_week=9)
    result = board(5, parent=tree["kec_b"], today=TODAY)
    assert [row.name for row in result.rows] == ["Korpri Jaya", "Way Dadi"]
    assert result.city is None


def test_counts_below_the_threshold_are_shown_as_less_than_it(app, client, db, tree):
    today = clock.today()
    round_ = a_round(db, today)
    add_daily(db, tree["b2"], today - timedelta(days=3), [1, 1, 1])  # 3 respondents in Korpri Jaya
    two_weeks(db, tree["b1"], today, last_week=10, this_week=20)
    db.session.add(Target(round=round_, area=tree["b2"], audience="eksternal", target=30))
    db.session.commit()
    body = client.get("/papan/18.71.02").get_data(as_text=True)
    korpri = re.search(r"Korpri Jaya.*?</li>", body, re.S).group(0)
    assert "<strong>&lt; 5</strong> / 30" in korpri
    assert "%" not in korpri.replace("▲", "")  # 3 of 30 would give the count away as 10%
    way_dadi = re.search(r"Way Dadi.*?</li>", body, re.S).group(0)
    assert "<strong>210</strong>" in way_dadi and "+100%" in way_dadi
    app.config["BOARD_MIN_COUNT"] = 2
    app.extensions["public_board_cache"].clear()
    try:
        body = client.get("/papan/18.71.02").get_data(as_text=True)
    finally:
        app.config["BOARD_MIN_COUNT"] = 5
    assert "<strong>3</strong> / 30" in re.search(r"Korpri Jaya.*?</li>", body, re.S).group(0)


def test_board_refreshes_itself_and_reads_on_a_phone(client, db, tree):
    a_round(db, clock.today())
    body = client.get("/papan").get_data(as_text=True)
    assert 'data-refresh-seconds="120"' in body
    assert "/static/js/board-refresh.js" in body
    assert 'class="refresh-toggle" aria-pressed="false"' in body  # people can pause the updates
    assert 'name="viewport"' in body
    assert 'href="/papan/18.71.01"' in body  # drill-down per kecamatan


def test_unknown_kecamatan_board_is_404(client, db, tree):
    assert client.get("/papan/99.99").status_code == 404
    assert client.get(f"/papan/{tree['a1'].code}").status_code == 404  # a kelurahan has no board of its own


def test_no_promoter_name_appears_on_public_pages(client, db, tree):
    today = clock.today()
    a_round(db, today)
    promoter = PromoterFactory(name="Sutrisno Wiryaatmadja")
    LinkFactory(code="QWE234", promoter=promoter, area=tree["b1"])
    two_weeks(db, tree["b1"], today, last_week=10, this_week=20)
    db.session.commit()
    client.get("/s/QWE234")  # the promoter's link has scans
    pages = [client.get(path) for path in ("/", "/kode", "/papan", "/papan/18.71.02", "/papan/18.71.01")]
    pages.append(client.post("/kode", data={"code": "QWE234X"}))
    pages.append(client.post("/kode", data={"code": "QWE 23"}))
    for page in pages:
        body = page.get_data(as_text=True)
        assert "Sutrisno" not in body and "Wiryaatmadja" not in body


def test_board_is_cached_and_never_touches_the_scan_tables(client, db, tree, statements):
    today = clock.today()
    a_round(db, today)
    two_weeks(db, tree["a1"], today, last_week=10, this_week=20)
    statements.clear()
    first = client.get("/papan")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert statements, "the first request renders the board"
    assert not [s for s in statements if re.search(r"\bscan(_daily|_rollup_mark)?\b", s, re.I)]
    assert not [s for s in statements if re.match(r"\s*(INSERT|UPDATE|DELETE)", s, re.I)]
    # New counts arrive; within the cache time the board is served again without a query.
    add_daily(db, tree["a2"], today - timedelta(days=2), [100])
    statements.clear()
    second = client.get("/papan")
    assert statements == []
    assert second.get_data() == first.get_data()
