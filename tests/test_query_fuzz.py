"""Any query string on any UI page (staff pages as an admin, public pages anonymously) never gives a 5xx.

Hostile values: numbers past 32 bits, dates at the ends of the calendar, control characters, bidi
overrides and plain junk, sent in the parameters the pages read. A sweep sends each hostile value in
every parameter of every page at once; Hypothesis then mixes parameters and values at random.
"""

import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.participation.models import SurveyRound
from tests.factories import DriveFactory, LinkFactory, OpdFactory, PromoterFactory, make_area_tree

# Every query parameter a UI page reads (request.args and the GET filter forms).
PARAMS = (
    "page", "q", "role", "opd", "active", "unassigned", "kecamatan", "kelurahan", "kind", "status", "when",
    "year", "month", "layout", "size", "scope", "start", "end", "audience", "source", "drive", "format", "units",
    "comparison", "compare", "user", "object_id", "object_type", "action", "since", "until", "what", "next",
    "target", "channel", "area", "code",
)  # fmt: skip
HOSTILE = (
    "2147483648", "-2147483649", "9223372036854775808", "99999999999999999999999", "-1", "0", "1e309", "NaN",
    "0001-01-01", "9999-12-31", "10000-01-01", "2026-02-30", "0000-00-00", "2026-10-01T25:00",
    "\x00", "a\x00b", "\x1b[31m", "\r\nX-Injected: 1", "\u202eevil", "\u2066x\u2069", "\ufeff", "%00", "'\"<>",
    "", " ", "x" * 3000,
)  # fmt: skip
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def pages(app, db):
    """A small world, and the GET pages of the UI with each id and code filled in from it."""
    tree = make_area_tree()
    opd = OpdFactory(code="dinkes")
    promoter = PromoterFactory()
    link = LinkFactory(area=tree["18.71.01.1001"], promoter=promoter)
    drive = DriveFactory(areas=[tree["18.71.01.1001"]])
    db.session.add(SurveyRound(name="SPI 2026", year=2026, starts_on=date(2026, 9, 1), deadline=date(2026, 12, 11)))
    db.session.commit()
    values = {
        "area_id": tree["18.71.01.1001"].id,
        "opd_id": opd.id,
        "drive_id": drive.id,
        "link_id": link.id,
        "target_id": link.target_id,
        "promoter_id": promoter.id,
        "kelurahan_id": tree["18.71.01.1001"].id,
        "area_code": "18.71.01",
        "code": "18.71.01",
        "table": "opd-internal",
        "token": "x",
        "rule_id": 1,
    }
    staff, public = [], []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api", "/static", "/s/")):
            continue
        if rule.endpoint in ("auth.login", "main.healthz", "drives.feed_ics") or rule.endpoint.startswith("public."):
            public.append(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).format(**values))
        else:
            path = rule.rule
            for name, value in values.items():
                path = path.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
            staff.append(path)
    return sorted(staff), sorted(public)


def _assert_no_server_error(client, path, query):
    response = client.get(path, query_string=query)
    assert response.status_code < 500, (path, query, response.status_code)


def _fill(path: str) -> str:
    return path.replace("{area_code}", "18.71.01").replace("{token}", "x")


def test_every_hostile_value_in_every_parameter_of_every_page(admin_client, client, pages):
    staff, public = pages
    for value in HOSTILE:
        query = dict.fromkeys(PARAMS, value)
        for path in staff:
            _assert_no_server_error(admin_client, path, query)
        for path in public:
            _assert_no_server_error(client, _fill(path), query)


@FUZZ
@given(data=st.data())
def test_random_query_strings_never_give_a_server_error(admin_client, client, pages, data):
    staff, public = pages
    anonymous = data.draw(st.booleans())
    path = _fill(data.draw(st.sampled_from(public if anonymous else staff)))
    value = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20), st.integers().map(str))
    query = data.draw(st.dictionaries(st.sampled_from(PARAMS), value, max_size=5))
    _assert_no_server_error(client if anonymous else admin_client, path, query)
