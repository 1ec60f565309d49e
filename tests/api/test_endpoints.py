"""Every /api/v1 endpoint through the HTTP client: results, role denials, promoter isolation, errors."""

import datetime
import io
import re

import pytest
from sqlalchemy import select

from outreach.extensions import db
from outreach.links.models import Link
from outreach.models import utcnow
from outreach.participation.models import RespondentCount
from outreach.promoters.models import Assignment
from tests import factories

PROBLEM = "application/problem+json"


def assert_problem(response, status: int):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["status"] == status and body["title"] and body["type"] == "about:blank"
    return body


# --- authentication and errors -----------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic dXNlcjpwYXNz", "Bearer "])
def test_missing_or_wrong_token_gets_401_problem(client, header):
    headers = {"Authorization": header} if header else {}
    assert_problem(client.get("/api/v1/areas", headers=headers), 401)


def test_unknown_path_and_wrong_method_get_problems(client, as_role):
    _user, headers = as_role("coordinator")
    assert_problem(client.get("/api/v1/areas/999999", headers=headers), 404)
    assert_problem(client.delete("/api/v1/areas", headers=headers), 405)


def test_validation_error_names_the_field(client, as_role):
    _user, headers = as_role("coordinator")
    body = assert_problem(client.get("/api/v1/areas?page_size=1000", headers=headers), 422)
    assert {"location": "query", "field": "page_size", "messages": body["errors"][0]["messages"]} in body["errors"]
    body = assert_problem(client.post("/api/v1/links", json={"channel": "fax"}, headers=headers), 422)
    fields = {item["field"] for item in body["errors"]}
    assert {"channel", "target_id", "area_id"} <= fields


def test_post_needs_no_csrf_token_with_a_bearer_token(app, client, as_role):
    _user, headers = as_role("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(
            "/api/v1/survey-targets",
            headers=headers,
            json={"name": "SPI", "audience": "eksternal", "url": "https://spi.kpk.go.id/x"},
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 201


def test_openapi_document_lists_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    documented = {
        (path, method.upper()) for path, ops in spec["paths"].items() for method in ops if method != "parameters"
    }
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api_") and not rule.endpoint.startswith("api_docs."):
            path = re.sub(r"<[^:]+:(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in documented, f"{method} {path} missing from the spec"
    assert spec["components"]["responses"]["DEFAULT_ERROR"]["content"].keys() == {PROBLEM}


def test_docs_page_loads_vendored_swagger_without_inline_script(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html and "/static/js/api-docs.js" in html
    assert "<script>" not in html
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


# --- areas and OPDs ----------------------------------------------------------------------------


def test_areas_are_searched_paginated_and_ordered_by_id(client, as_role):
    tree = factories.make_area_tree(kecamatan=1, kelurahan=3, rw=0)
    _user, headers = as_role("leadership")
    response = client.get("/api/v1/areas?level=kelurahan&page_size=2", headers=headers)
    body = response.json
    assert response.status_code == 200 and body["total"] == 3 and len(body["items"]) == 2
    ids = [item["id"] for item in body["items"]]
    second = client.get("/api/v1/areas?level=kelurahan&page_size=2&page=2", headers=headers).json["items"]
    assert ids == sorted(ids) and second[0]["id"] > ids[-1]
    found = client.get("/api/v1/areas?q=Uji 1-2", headers=headers).json["items"]
    assert [a["code"] for a in found] == [tree["18.71.01.1002"].code]
    one = client.get(f"/api/v1/areas/{tree['18.71.01'].id}", headers=headers).json
    assert one["level"] == "kecamatan" and one["parent_id"] == tree["18.71"].id


def test_opds_list_and_detail(client, as_role):
    opd = factories.OpdFactory(name="Dinas Kominfo", kind="dinas")
    factories.OpdFactory(name="Badan Lain", kind="badan")
    _user, headers = as_role("coordinator")
    items = client.get("/api/v1/opds?kind=dinas", headers=headers).json["items"]
    assert [o["name"] for o in items] == ["Dinas Kominfo"]
    assert client.get(f"/api/v1/opds/{opd.id}", headers=headers).json["code"] == opd.code


@pytest.mark.parametrize(
    "path",
    ["/api/v1/areas", "/api/v1/opds", "/api/v1/promoters", "/api/v1/survey-targets", "/api/v1/participation/targets"],
)
def test_promoter_gets_403_on_staff_lists(client, as_role, path):
    _user, headers = as_role("promoter")
    assert_problem(client.get(path, headers=headers), 403)


# --- promoters and assignments -----------------------------------------------------------------


def test_phones_are_shown_to_editors_and_hidden_from_leadership(client, as_role):
    promoter = factories.PromoterFactory(phone="+6281355550001")
    _c, editor = as_role("coordinator")
    _l, leader = as_role("leadership")
    as_editor = client.get(f"/api/v1/promoters/{promoter.id}", headers=editor).json
    as_leader = client.get(f"/api/v1/promoters/{promoter.id}", headers=leader).json
    assert as_editor["phone"] == "+6281355550001" and as_leader["phone"] is None
    listed = client.get("/api/v1/promoters", headers=leader).json["items"]
    assert {p["phone"] for p in listed} == {None} and promoter.name in {p["name"] for p in listed}


def test_promoter_sees_only_themselves(client, as_role):
    user, headers = as_role("promoter")
    other = factories.PromoterFactory()
    db.session.commit()
    own = client.get(f"/api/v1/promoters/{user.promoter_id}", headers=headers)
    assert own.status_code == 200 and own.json["phone"] == user.promoter.phone
    assert_problem(client.get(f"/api/v1/promoters/{other.id}", headers=headers), 403)
    assert_problem(client.get(f"/api/v1/promoters/{other.id}/assignments", headers=headers), 403)


def test_editor_assigns_and_ends_an_assignment(client, as_role):
    promoter = factories.PromoterFactory()
    area = factories.AreaFactory()
    _user, headers = as_role("coordinator")
    made = client.post(
        f"/api/v1/promoters/{promoter.id}/assignments",
        headers=headers,
        json={"area_id": area.id, "start_date": "2026-08-01"},
    )
    assert made.status_code == 201 and made.json["area"]["id"] == area.id and made.json["end_date"] is None
    history = client.get(f"/api/v1/promoters/{promoter.id}/assignments", headers=headers).json
    assert [a["id"] for a in history] == [made.json["id"]]
    early = client.post(f"/api/v1/assignments/{made.json['id']}/end", headers=headers, json={"end_date": "2026-07-01"})
    assert assert_problem(early, 422)["detail"]
    ended = client.post(f"/api/v1/assignments/{made.json['id']}/end", headers=headers, json={"end_date": "2026-09-01"})
    assert ended.status_code == 200 and ended.json["end_date"] == "2026-09-01"
    assert db.session.get(Assignment, made.json["id"]).end_date == datetime.date(2026, 9, 1)


def test_leadership_cannot_assign(client, as_role):
    promoter = factories.PromoterFactory()
    area = factories.AreaFactory()
    _user, headers = as_role("leadership")
    response = client.post(f"/api/v1/promoters/{promoter.id}/assignments", headers=headers, json={"area_id": area.id})
    assert_problem(response, 403)
    assert db.session.scalar(select(Assignment.id)) is None


def test_assigning_to_an_unknown_area_names_the_field(client, as_role):
    promoter = factories.PromoterFactory()
    _user, headers = as_role("admin")
    body = assert_problem(
        client.post(f"/api/v1/promoters/{promoter.id}/assignments", headers=headers, json={"area_id": 987654}), 422
    )
    assert body["errors"][0]["field"] == "area_id"


# --- survey targets, links, scans --------------------------------------------------------------


def test_only_admin_creates_survey_targets_and_bad_hosts_are_refused(client, as_role):
    _a, admin = as_role("admin")
    _c, coordinator = as_role("coordinator")
    body = {"name": "SPI internal", "audience": "internal", "url": "https://spi.kpk.go.id/internal"}
    assert_problem(client.post("/api/v1/survey-targets", headers=coordinator, json=body), 403)
    assert client.post("/api/v1/survey-targets", headers=admin, json=body).status_code == 201
    bad = assert_problem(
        client.post("/api/v1/survey-targets", headers=admin, json=body | {"url": "https://evil.example/"}), 422
    )
    assert bad["errors"][0]["field"] == "url"
    listed = client.get("/api/v1/survey-targets", headers=coordinator).json
    assert [t["name"] for t in listed] == ["SPI internal"]


def test_editor_creates_and_deactivates_a_link(client, as_role):
    target = factories.SurveyTargetFactory()
    area = factories.AreaFactory()
    promoter = factories.PromoterFactory()
    _user, headers = as_role("coordinator")
    made = client.post(
        "/api/v1/links",
        headers=headers,
        json={
            "target_id": target.id,
            "area_id": area.id,
            "channel": "whatsapp",
            "promoter_id": promoter.id,
            "label": "Grup RT",
        },
    )
    assert made.status_code == 201 and made.json["short_url"].endswith("/s/" + made.json["code"])
    gone = client.post(f"/api/v1/links/{made.json['id']}/deactivate", headers=headers)
    assert gone.status_code == 200 and gone.json["active"] is False
    assert db.session.get(Link, made.json["id"]).active is False


def test_bulk_creates_one_link_per_promoter_and_skips_existing(client, as_role):
    target = factories.SurveyTargetFactory()
    tree = factories.make_area_tree(kecamatan=1, kelurahan=1, rw=0)
    kelurahan = tree["18.71.01.1001"]
    for _ in range(2):
        factories.AssignmentFactory(area=kelurahan)
    _user, headers = as_role("admin")
    body = {"target_id": target.id, "area_id": kelurahan.id, "channels": ["flyer"]}
    first = client.post("/api/v1/links/bulk", headers=headers, json=body)
    assert first.status_code == 201 and len(first.json["created"]) == 2 and first.json["skipped"] == 0
    again = client.post("/api/v1/links/bulk", headers=headers, json=body).json
    assert again["created"] == [] and again["skipped"] == 2
    both = assert_problem(client.post("/api/v1/links/bulk", headers=headers, json=body | {"opd_id": 1}), 422)
    assert both["errors"][0]["field"] == "area_id"


def _scan(link, when: datetime.datetime, source: str = "qr", bot: bool = False) -> None:
    factories.ScanFactory(
        link_id=link.id, created_at=when, visitor_hash=f"v{when.timestamp()}{source}", is_bot=bot, source=source
    )


def test_promoter_lists_and_counts_only_their_own_links(client, as_role):
    user, headers = as_role("promoter")
    mine = factories.LinkFactory(promoter=user.promoter)
    theirs = factories.LinkFactory(promoter=factories.PromoterFactory())
    now = utcnow()
    _scan(mine, now)
    _scan(theirs, now)
    _scan(theirs, now, "direct")
    db.session.commit()
    listed = client.get("/api/v1/links", headers=headers).json
    assert [link["id"] for link in listed["items"]] == [mine.id] and listed["total"] == 1
    assert_problem(client.get(f"/api/v1/links/{theirs.id}", headers=headers), 403)
    assert_problem(client.get(f"/api/v1/links/{theirs.id}/stats", headers=headers), 403)
    assert_problem(client.post(f"/api/v1/links/{mine.id}/deactivate", headers=headers), 403)
    stats = client.get(f"/api/v1/links/{mine.id}/stats?days=3", headers=headers).json
    assert stats["totals"]["scans"] == 1 and len(stats["days"]) == 3
    summary = client.get("/api/v1/scans/summary?by=promoter", headers=headers).json
    assert summary["rows"] == [
        {
            "key": user.promoter_id,
            "scans": 1,
            "unique_visitors": 1,
            "bot_scans": 0,
            "qr_scans": 1,
            "typed_scans": 0,
            "direct_scans": 0,
            "human_scans": 1,
        }
    ]


def _big_numbers(html: str) -> dict[str, int]:
    """The link page's headline figures: {caption: number}."""
    found = re.findall(r'<p class="big">(\d+)</p><small>([^<]+)</small>', html)
    return {caption: int(number) for number, caption in found}


def test_the_api_and_the_link_page_show_the_same_totals_typed_visits_included(client, as_role, coordinator_client):
    link = factories.LinkFactory()
    now = utcnow()
    for n, source in enumerate(["qr", "qr", "typed", "typed", "typed", "direct"]):
        _scan(link, now - datetime.timedelta(minutes=n), source)
    _scan(link, now, "qr", bot=True)
    db.session.commit()
    _user, headers = as_role("coordinator")
    api = client.get(f"/api/v1/links/{link.id}/stats", headers=headers).json
    page = _big_numbers(coordinator_client.get(f"/links/{link.id}").get_data(as_text=True))
    assert api["totals"]["typed_scans"] == page["di antaranya lewat kode yang diketik"] == 3
    assert api["totals"]["human_scans"] == page["kunjungan oleh orang"] == 6
    assert api["totals"]["qr_scans"] == page["di antaranya lewat QR"] == 2
    assert api["totals"]["direct_scans"] == page["di antaranya lewat tautan langsung"] == 1
    assert api["totals"]["bot_scans"] == page["akses bot dan pratinjau"] == 1
    by_link = client.get("/api/v1/scans/summary?by=link", headers=headers).json["rows"]
    assert [(row["key"], row["typed_scans"], row["human_scans"]) for row in by_link] == [(link.id, 3, 6)]


def test_scan_summary_groups_by_each_dimension_for_staff(client, as_role):
    first = factories.LinkFactory()
    second = factories.LinkFactory()
    day_one = datetime.datetime(2026, 9, 1, 3, 0, tzinfo=datetime.UTC)
    day_two = datetime.datetime(2026, 9, 2, 3, 0, tzinfo=datetime.UTC)
    _scan(first, day_one)
    _scan(first, day_two, "direct")
    _scan(second, day_two, bot=True)
    db.session.commit()
    _user, headers = as_role("leadership")

    def rows(by: str, extra: str = "") -> dict:
        response = client.get(f"/api/v1/scans/summary?by={by}{extra}", headers=headers)
        assert response.status_code == 200, response.json
        return {row["key"]: row for row in response.json["rows"]}

    by_link = rows("link")
    assert by_link[first.id]["scans"] == 2 and by_link[second.id]["bot_scans"] == 1
    assert rows("area")[first.area_id]["human_scans"] == 2
    by_day = rows("day")
    assert by_day["2026-09-02"]["scans"] == 2 and by_day["2026-09-01"]["qr_scans"] == 1
    assert list(rows("day", "&since=2026-09-02")) == ["2026-09-02"]
    assert sum(r["scans"] for r in rows("opd").values()) == 3
    assert_problem(client.get("/api/v1/scans/summary?by=visitor", headers=headers), 422)


# --- drives ------------------------------------------------------------------------------------


def test_drives_for_staff_and_only_own_drives_for_a_promoter(client, as_role):
    user, promoter_headers = as_role("promoter")
    own = factories.DriveFactory(promoters=[user.promoter])
    other = factories.DriveFactory()
    db.session.commit()
    _l, staff = as_role("leadership")
    assert client.get("/api/v1/drives", headers=staff).json["total"] == 2
    listed = client.get("/api/v1/drives", headers=promoter_headers).json
    assert [d["id"] for d in listed["items"]] == [own.id]
    assert client.get(f"/api/v1/drives/{own.id}", headers=promoter_headers).json["promoter_ids"] == [user.promoter_id]
    assert_problem(client.get(f"/api/v1/drives/{other.id}", headers=promoter_headers), 403)


# --- participation -----------------------------------------------------------------------------


def test_editor_records_a_count_and_lists_it(client, as_role):
    tree = factories.make_area_tree(kecamatan=1, kelurahan=1, rw=0)
    _user, headers = as_role("coordinator")
    made = client.post(
        "/api/v1/participation/counts",
        headers=headers,
        json={"day": "2026-09-01", "unit": "18.71.01", "audience": "eksternal", "count": 120},
    )
    assert made.status_code == 201 and made.json["added"] == 1
    listed = client.get("/api/v1/participation/counts", headers=headers).json["items"]
    assert listed[0]["unit"] == tree["18.71.01"].code and listed[0]["reported"] == 120
    unknown = assert_problem(
        client.post(
            "/api/v1/participation/counts",
            headers=headers,
            json={"day": "2026-09-01", "unit": "nowhere", "audience": "eksternal", "count": 1},
        ),
        422,
    )
    assert unknown["errors"][0]["field"] == "unit"


def test_leadership_cannot_record_counts(client, as_role):
    factories.make_area_tree(kecamatan=1, kelurahan=1, rw=0)
    _user, headers = as_role("leadership")
    response = client.post(
        "/api/v1/participation/counts",
        headers=headers,
        json={"day": "2026-09-01", "unit": "18.71.01", "audience": "eksternal", "count": 5},
    )
    assert_problem(response, 403)
    assert db.session.scalar(select(RespondentCount.id)) is None


def test_count_csv_import_is_all_or_nothing_and_names_line_and_column(client, as_role):
    factories.make_area_tree(kecamatan=1, kelurahan=1, rw=0)
    _user, headers = as_role("admin")
    good = b"date,unit,audience,count\n2026-09-01,18.71.01,eksternal,10\n2026-09-02,18.71.01,eksternal,15\n"
    response = client.post(
        "/api/v1/participation/counts/import",
        headers=headers,
        data={"file": (io.BytesIO(good), "counts.csv"), "source": "laporan"},
    )
    assert response.status_code == 201 and response.json["added"] == 2
    bad = b"date,unit,audience,count\n2026-09-03,18.71.01,eksternal,20\n2026-09-04,18.71.01,eksternal,abc\n"
    body = assert_problem(
        client.post(
            "/api/v1/participation/counts/import", headers=headers, data={"file": (io.BytesIO(bad), "counts.csv")}
        ),
        422,
    )
    assert body["errors"][0]["field"] == "line 3, column count"
    assert len(db.session.scalars(select(RespondentCount)).all()) == 2


def test_targets_list_for_staff(client, as_role):
    _user, headers = as_role("leadership")
    response = client.get("/api/v1/participation/targets", headers=headers)
    assert response.status_code == 200 and response.json["items"] == [] and response.json["total"] == 0


def test_too_many_calls_get_429_problem(app, client, as_role):
    from outreach.extensions import limiter

    _user, headers = as_role("coordinator")
    app.config["RATELIMIT_API"] = "2 per minute"
    try:
        statuses = [client.get("/api/v1/opds", headers=headers).status_code for _ in range(3)]
        last = client.get("/api/v1/opds", headers=headers)
    finally:
        app.config["RATELIMIT_API"] = "300 per minute"
        limiter.reset()
    assert statuses[:2] == [200, 200]
    assert_problem(last, 429)


def test_admin_manages_a_targets_destination_rules_and_others_only_read_them(client, as_role):
    target = factories.SurveyTargetFactory()
    next_year = factories.SurveyTargetFactory(name="SPI 2027", url="https://spi.kpk.go.id/2027")
    _a, admin = as_role("admin")
    _c, coordinator = as_role("coordinator")
    _p, promoter = as_role("promoter")
    rules = f"/api/v1/survey-targets/{target.id}/rules"
    body = {"kind": "target", "starts_on": "2027-07-01", "next_target_id": next_year.id}
    assert_problem(client.post(rules, headers=coordinator, json=body), 403)
    made = client.post(rules, headers=admin, json=body)
    assert made.status_code == 201, made.get_data(as_text=True)
    assert made.json | {"id": 0} == {
        "id": 0,
        "target_id": target.id,
        "kind": "target",
        "starts_on": "2027-07-01",
        "ends_on": None,
        "next_target_id": next_year.id,
        "url": "",
    }
    opening = client.post(rules, headers=admin, json={"kind": "opening", "ends_on": "2026-08-31"})
    assert opening.status_code == 201
    assert [r["kind"] for r in client.get(rules, headers=coordinator).json] == ["opening", "target"]
    assert_problem(client.get(rules, headers=promoter), 403)
    overlap = assert_problem(client.post(rules, headers=admin, json={"kind": "closed", "starts_on": "2027-07-05"}), 422)
    assert overlap["errors"][0]["field"] == "starts_on"
    foreign = assert_problem(
        client.post(
            rules, headers=admin, json={"kind": "url", "starts_on": "2026-01-01", "url": "https://evil.example/"}
        ),
        422,
    )
    assert foreign["errors"][0]["field"] == "url"
    assert_problem(client.delete(f"{rules}/{made.json['id']}", headers=coordinator), 403)
    assert client.delete(f"{rules}/{made.json['id']}", headers=admin).status_code == 204
    assert_problem(
        client.delete(f"/api/v1/survey-targets/{next_year.id}/rules/{opening.json['id']}", headers=admin), 404
    )
    assert [r["kind"] for r in client.get(rules, headers=admin).json] == ["opening"]


def test_counts_import_of_a_workbook_names_the_sheet_row_and_column(client, db, as_role):
    from openpyxl import Workbook

    factories.make_area_tree(kecamatan=1, kelurahan=1, rw=0)
    _user, headers = as_role("admin")
    book = Workbook()
    book.active.title = "Jumlah responden"
    for row in (["tanggal", "kode", "jenis_responden", "jumlah"], ["2026-09-03", "18.71.01", "eksternal", "banyak"]):
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    response = client.post(
        "/api/v1/participation/counts/import",
        headers=headers,
        data={"file": (io.BytesIO(data.getvalue()), "counts.xlsx")},
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["field"] == "sheet Jumlah responden, row 2, column jumlah"
    assert db.session.scalars(select(RespondentCount)).all() == []
