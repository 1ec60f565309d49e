"""Bad input: any bytes to the CSV imports and any text to the main forms never give a 500.

Imports answer with a clear message and write nothing unless the file is accepted; forms that are
refused write nothing. Each Hypothesis example posts through the HTTP client as a browser would.
"""

import io
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from outreach.areas.models import Area
from outreach.drives.models import Drive
from outreach.links.models import Link
from outreach.participation.models import RespondentCount, SurveyRound, Target
from outreach.promoters.models import Promoter
from tests.factories import AreaFactory, OpdFactory, PromoterFactory, SurveyTargetFactory

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
CELL = st.one_of(
    TEXT,
    st.sampled_from(
        [
            "",
            "1",
            "0",
            "-1",
            "x",
            "18.71.01.1001",
            "18.71.01",
            "dinkes",
            "eksternal",
            "internal",
            "2026-10-01",
            "31/02/2026",
            "99999999999999999999",
            "1e309",
            "NaN",
            "=1+1",
            "0812-3456-7890",
            "pamong",
            "rt",
            "\x00",
            "\ufeff",
        ]
    ),
)
DELIMITER = st.sampled_from([",", ";", "\t", "|"])


def csv_bytes(columns: dict[str, list[str]]):
    """CSV with the given header (sometimes mangled), cells mostly from each column's plausible values; or any bytes."""
    names = list(columns)

    @st.composite
    def build(draw):
        delimiter = draw(DELIMITER)
        header = draw(st.one_of(st.just(names), st.lists(st.one_of(st.sampled_from(names), TEXT), max_size=6)))
        rows = []
        for _ in range(draw(st.integers(0, 5))):
            row = [draw(st.one_of(st.sampled_from(columns[name]), CELL)) for name in names]
            rows.append(row[: draw(st.integers(0, len(row)))] if draw(st.booleans()) and draw(st.booleans()) else row)
        text = "\n".join(delimiter.join(cells) for cells in [header, *rows])
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
        return text.encode(encoding, "replace")

    return st.one_of(build(), build(), st.binary(max_size=300))


def _count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _explains(html: str) -> bool:
    return 'role="alert"' in html or "flash-error" in html or "error" in html


@pytest.fixture
def world(app, db):
    """A kelurahan, an OPD, a promoter, a survey target and a round; imports not rate-limited."""
    kota = AreaFactory(code="18.71", name="Bandar Lampung", level="kota")
    kec = AreaFactory(code="18.71.01", name="Kedaton", level="kecamatan", parent=kota)
    kel = AreaFactory(code="18.71.01.1001", name="Surabaya", parent=kec)
    opd = OpdFactory(code="dinkes", name="Dinas Kesehatan")
    promoter = PromoterFactory()
    target = SurveyTargetFactory()
    db.session.add(SurveyRound(name="SPI 2026", year=2026, starts_on=date(2026, 9, 1), deadline=date(2026, 12, 11)))
    db.session.commit()
    original = app.config["RATELIMIT_IMPORT"]
    app.config["RATELIMIT_IMPORT"] = "100000 per hour"
    yield {"kel": kel, "opd": opd, "promoter": promoter, "target": target}
    app.config["RATELIMIT_IMPORT"] = original


def _preview_and_confirm(client, db, path: str, model, content: bytes):
    before = _count(db, model)
    response = client.post(path, data={"file": (io.BytesIO(content), "data.csv")}, content_type="multipart/form-data")
    assert response.status_code in (200, 400, 422)
    event(f"preview {response.status_code}")
    html = response.get_data(as_text=True)
    if response.status_code != 200:
        assert _explains(html)
        assert _count(db, model) == before
        return
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html)
    assert token, "an accepted file offers the confirm button"
    confirmed = client.post(path + "/confirm", data={"token": token.group(1)})
    assert confirmed.status_code in (302, 422)
    event(f"confirm {confirmed.status_code}")
    if confirmed.status_code == 422:
        assert _count(db, model) == before


@FUZZ
@given(
    content=csv_bytes(
        {
            "kelurahan_code": ["18.71.01.1001"],
            "rw": ["1", "2"],
            "rt": ["", "1", "3"],
            "name": ["", "Gang Mawar"],
            "active": ["1", "0", ""],
        }
    )
)
def test_area_import_survives_any_file(coordinator_client, db, world, content):
    _preview_and_confirm(coordinator_client, db, "/areas/import", Area, content)


@FUZZ
@given(
    content=csv_bytes(
        {
            "name": ["Siti Aminah", "Budi"],
            "role": ["pamong", "rt", "linmas"],
            "phone": ["0812-3456-7890", "081298765432"],
            "opd_code": ["", "dinkes"],
            "area_codes": ["", "18.71.01.1001"],
            "active": ["1", ""],
        }
    )
)
def test_promoter_import_survives_any_file(coordinator_client, db, world, content):
    _preview_and_confirm(coordinator_client, db, "/promoters/import", Promoter, content)


@FUZZ
@given(
    content=csv_bytes(
        {
            "date": ["2026-10-01", "2026-10-02"],
            "unit": ["dinkes", "18.71.01.1001"],
            "audience": ["eksternal", "internal"],
            "count": ["0", "5", "12"],
            "kind": ["daily", ""],
            "source": ["", "KPK"],
        }
    ),
    source=st.one_of(st.just("laporan"), TEXT),
)
def test_count_import_survives_any_file(coordinator_client, db, world, content, source):
    before = _count(db, RespondentCount)
    response = coordinator_client.post(
        "/participation/counts/import",
        data={"file": (io.BytesIO(content), "counts.csv"), "source": source},
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 400, 422)
    event(f"status {response.status_code}")
    if response.status_code != 200:
        assert _explains(response.get_data(as_text=True))
    assert _count(db, RespondentCount) == before  # a preview writes nothing


@FUZZ
@given(
    content=csv_bytes(
        {"unit": ["dinkes", "18.71.01.1001"], "audience": ["eksternal", "internal"], "target": ["10", "250"]}
    )
)
def test_target_import_survives_any_file(coordinator_client, db, world, content):
    before = _count(db, Target)
    response = coordinator_client.post(
        "/participation/plan/targets/import",
        data={"targets-file": (io.BytesIO(content), "targets.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 400, 422)
    event(f"status {response.status_code}")
    if response.status_code != 200:
        assert _explains(response.get_data(as_text=True))
    assert _count(db, Target) == before  # a preview writes nothing


BAD_ID = st.sampled_from(["", "0", "-1", "abc", "99999999999999999999", "1.5", "\x00"])


def ids(*valid: int):
    """A valid id as text, or something that is not one."""
    return st.one_of(st.sampled_from([str(v) for v in valid]), BAD_ID, TEXT)


def maybe(valid: list[str]):
    return st.one_of(st.sampled_from(valid), TEXT)


@FUZZ
@given(data=st.data())
def test_promoter_form_never_fails(coordinator_client, db, world, data):
    form = {
        "name": data.draw(maybe(["Siti Aminah", "Budi Santoso"])),
        "role": data.draw(maybe(["pamong", "rt", "linmas"])),
        "phone": data.draw(maybe(["0812-3456-7890", "+62 812 9876 5432", "0721 123456"])),
        "opd_id": data.draw(ids(0, world["opd"].id)),
    }
    before = _count(db, Promoter)
    response = coordinator_client.post("/promoters/new", data=form)
    assert response.status_code in (200, 302, 400, 422)
    event(f"status {response.status_code}")
    if response.status_code != 302:
        assert _count(db, Promoter) == before


DATETIME = maybe(["2026-10-01T09:00", "2026-10-01T12:00", "2026-13-40T25:61", ""])
NUMBER = maybe(["", "5", "-5", "1e309", "nan", "inf", "12.000.000", "Rp 1.000", "-6.4"])


@FUZZ
@given(data=st.data())
def test_drive_form_never_fails(coordinator_client, db, world, data):
    form = {
        "kind": data.draw(maybe(["sosialisasi", "other", "pelayanan"])),
        "title": data.draw(maybe(["Sosialisasi SPI di Kedaton"])),
        "starts_at": data.draw(DATETIME),
        "ends_at": data.draw(DATETIME),
        "areas": data.draw(st.lists(ids(world["kel"].id), min_size=1, max_size=2)),
        "opds": data.draw(st.lists(ids(world["opd"].id), max_size=2)),
        "audience": data.draw(maybe(["eksternal", "internal", "both"])),
        "place_name": data.draw(TEXT),
        "latitude": data.draw(NUMBER),
        "longitude": data.draw(NUMBER),
        "promoters": data.draw(st.lists(ids(world["promoter"].id), max_size=2)),
        "cost": data.draw(NUMBER),
        "status": data.draw(maybe(["planned", "done", "cancelled"])),
        "attendance": data.draw(NUMBER),
        "notes": data.draw(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)),
    }
    before = _count(db, Drive)
    response = coordinator_client.post("/drives/new", data=form)
    assert response.status_code in (200, 302, 400, 422)
    event(f"status {response.status_code}")
    if response.status_code != 302:
        assert _count(db, Drive) == before


@FUZZ
@given(data=st.data())
def test_link_form_never_fails(coordinator_client, db, world, data):
    form = {
        "target": data.draw(ids(world["target"].id)),
        "channel": data.draw(maybe(["flyer", "bus", "whatsapp"])),
        "promoter": data.draw(ids(0, world["promoter"].id)),
        "area": data.draw(ids(world["kel"].id)),
        "opd": data.draw(ids(0, world["opd"].id)),
        "label": data.draw(TEXT),
    }
    before = _count(db, Link)
    response = coordinator_client.post("/links/new", data=form)
    assert response.status_code in (200, 302, 400, 422)
    event(f"status {response.status_code}")
    if response.status_code != 302:
        assert _count(db, Link) == before
