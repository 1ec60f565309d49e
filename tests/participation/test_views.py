"""Participation pages through the HTTP client: roles, dashboard, drill-down, exports, uplift, imports."""

from datetime import date

import pytest
from sqlalchemy import func, select

from outreach.participation.models import RespondentCount, SurveyRound, Target
from tests.factories import OpdFactory
from tests.participation.conftest import add_daily

SEP1 = date(2026, 9, 1)
RANGE = {"start": "2026-09-01", "end": "2026-09-30"}


def english(client):
    client.post("/lang", data={"lang": "en"})
    return client


def _count(db):
    return db.session.scalar(select(func.count()).select_from(RespondentCount))


@pytest.mark.parametrize("path", ["/participation/", "/participation/uplift", "/participation/export/kecamatan.csv"])
def test_staff_see_the_dashboard_pages(path, admin_client, coordinator_client, leadership_client, tree, spi_round):
    for client in (admin_client, coordinator_client, leadership_client):
        assert client.get(path).status_code == 200, client.user.role


@pytest.mark.parametrize(
    "path", ["/participation/", "/participation/uplift", "/participation/export/kecamatan.csv", "/participation/counts"]
)
def test_promoters_are_refused_and_anonymous_sent_to_login(path, promoter_client, client, spi_round):
    assert promoter_client.get(path).status_code == 403
    response = client.get(path)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_leadership_cannot_change_counts_or_targets(leadership_client, tree, spi_round, db):
    assert leadership_client.get("/participation/counts").status_code == 403
    assert leadership_client.get("/participation/plan").status_code == 403


def test_dashboard_shows_city_progress_and_kecamatan(leadership_client, tree, spi_round, db):
    add_daily(db, tree["a1"], SEP1, (30, 10))
    db.session.add(Target(round=spi_round, area=tree["a1"], audience="eksternal", target=1200))
    db.session.commit()
    html = leadership_client.get("/participation/", query_string=RANGE).get_data(as_text=True)
    assert "SPI 2026" in html and "Kedaton" in html and "Sukarame" in html
    assert "300" in html and "1.200" in html  # count and target, Indonesian digit grouping
    assert "25%" in html
    assert "<svg" in html and 'class="chart"' in html and 'class="spark"' in html


def test_dashboard_rows_follow_new_counts_and_targets_between_views(leadership_client, tree, spi_round, db):
    """The dashboard keeps each row's HTML by the values it shows: a count or target that lands between
    two views is on the second one."""
    add_daily(db, tree["a1"], SEP1, (30, 10))
    target = Target(round=spi_round, area=tree["a1"], audience="eksternal", target=1200)
    db.session.add(target)
    db.session.commit()

    def kedaton_row():
        html = leadership_client.get("/participation/", query_string=RANGE).get_data(as_text=True)
        return html.split(">Kedaton</a>", 1)[1].split("</tr>", 1)[0]

    assert "300 / 1.200 · 25%" in kedaton_row()
    assert "300 / 1.200 · 25%" in kedaton_row()
    add_daily(db, tree["a2"], SEP1, (30, 20))
    target.target = 1800
    db.session.commit()
    assert "900 / 1.800 · 50%" in kedaton_row()


def test_dashboard_without_a_round_says_so(leadership_client, tree):
    html = english(leadership_client).get("/participation/").get_data(as_text=True)
    assert "No survey round is set up yet" in html


def test_date_range_filters_the_counts(leadership_client, tree, spi_round, db):
    add_daily(db, tree["a1"], SEP1, (30, 10))
    html = leadership_client.get(
        "/participation/kecamatan/18.71.01", query_string={"start": "2026-09-01", "end": "2026-09-03"}
    ).get_data(as_text=True)
    row = html[html.index("Surabaya") :][:400]
    assert ">30<" in row


def test_drill_down_lists_the_kelurahan_of_one_kecamatan(coordinator_client, tree, spi_round):
    html = coordinator_client.get("/participation/kecamatan/18.71.01").get_data(as_text=True)
    assert "Surabaya" in html and "Penengahan" in html and "Way Dadi" not in html
    assert coordinator_client.get("/participation/kecamatan/18.71.01.1001").status_code == 404


def test_csv_export_is_formula_safe(leadership_client, tree, spi_round, db):
    evil = OpdFactory(code="evil", name='=HYPERLINK("http://x.invalid","klik")')
    add_daily(db, evil, SEP1, (3, 4), audience="internal")
    response = leadership_client.get("/participation/export/opd-internal.csv", query_string=RANGE)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    assert text.lstrip("\ufeff").startswith("code,name,audience")
    assert ",12," in text


def test_csv_export_is_formula_safe_for_semicolon_readers(leadership_client, tree, spi_round, db):
    from tests.imports.test_reading import assert_no_live_formula

    evil = OpdFactory(code="evil", name="Budi;=SUM(7*6);")
    add_daily(db, evil, SEP1, (3, 4), audience="internal")
    response = leadership_client.get("/participation/export/opd-internal.csv", query_string=RANGE)
    text = response.get_data(as_text=True)
    assert '"Budi;\'=SUM(7*6);"' in text
    assert_no_live_formula(text)


def test_export_of_an_unknown_table_is_404(leadership_client, spi_round):
    assert leadership_client.get("/participation/export/secrets.csv").status_code == 404


def _uplift_data(db, tree):
    pre = date(2026, 10, 1)
    add_daily(db, tree["a1"], pre, [10] * 10 + [40] * 10)
    add_daily(db, tree["a2"], pre, [10] * 10 + [15] * 10)
    add_daily(db, tree["a3"], pre, [20] * 10 + [25] * 10)
    add_daily(db, tree["b1"], SEP1, [1])
    add_daily(db, tree["b1"], date(2026, 11, 1), [1])


def test_uplift_page_gives_the_known_answer(leadership_client, tree, spi_round, db):
    _uplift_data(db, tree)
    query = {"start": "2026-10-11", "end": "2026-10-20", "units": "18.71.01.1001", "comparison": "kecamatan"}
    html = english(leadership_client).get("/participation/uplift", query_string=query).get_data(as_text=True)
    assert "+25.0" in html
    assert "1 treated units, 2 comparison units" in html
    assert "How this is calculated" in html
    csv_text = leadership_client.get("/participation/uplift", query_string={**query, "format": "csv"}).get_data(
        as_text=True
    )
    assert "25.0" in csv_text and "18.71.01.1001" in csv_text  # CSV keeps a decimal point for spreadsheets


def test_uplift_page_writes_decimals_the_indonesian_way(leadership_client, tree, spi_round, db):
    _uplift_data(db, tree)
    query = {"start": "2026-10-11", "end": "2026-10-20", "units": "18.71.01.1001", "comparison": "kecamatan"}
    html = leadership_client.get("/participation/uplift", query_string=query).get_data(as_text=True)
    assert "+25,0" in html and "+25.0" not in html


def test_uplift_without_comparison_units_is_explained(leadership_client, tree, spi_round, db):
    _uplift_data(db, tree)
    query = {"start": "2026-10-11", "end": "2026-10-20", "units": ["18.71.01.1001", "18.71.01.1002", "18.71.01.1003"]}
    html = english(leadership_client).get("/participation/uplift", query_string=query).get_data(as_text=True)
    assert "No comparison group" in html
    assert "+25.0" not in html and "+0.0 <small>" not in html


def test_uplift_method_is_explained_in_indonesian(leadership_client, spi_round):
    html = leadership_client.get("/participation/uplift").get_data(as_text=True)
    assert "selisih" in html.lower()


def test_uplift_with_a_backwards_window_is_refused(leadership_client, tree, spi_round):
    query = {"start": "2026-10-20", "end": "2026-10-11", "units": "18.71.01.1001"}
    response = english(leadership_client).get("/participation/uplift", query_string=query)
    assert response.status_code == 400
    assert "on or after the start date" in response.get_data(as_text=True)


def test_one_count_through_the_form(coordinator_client, tree, db):
    data = {"day": "2026-10-01", "unit": "18.71.01.1001", "audience": "eksternal", "kind": "daily", "count": "0"}
    response = coordinator_client.post("/participation/counts", data={**data, "source": "KPK"})
    assert response.status_code == 302 and _count(db) == 1
    future = coordinator_client.post("/participation/counts", data={**data, "day": "2099-01-01", "source": "KPK"})
    assert future.status_code == 400 and _count(db) == 1


def test_round_through_the_plan_page(admin_client, tree, db):
    bad = admin_client.post(
        "/participation/rounds",
        data={"name": "SPI 2026", "year": "2026", "starts_on": "2026-09-01", "deadline": "2026-08-01"},
    )
    assert bad.status_code == 400
    ok = admin_client.post(
        "/participation/rounds",
        data={"name": "SPI 2026", "year": "2026", "starts_on": "2026-09-01", "deadline": "2026-12-11"},
    )
    assert ok.status_code == 302
    assert db.session.scalar(select(SurveyRound.deadline)) == date(2026, 12, 11)
