"""Staff and promoter pages for links: roles, forms, QR codes, flyers and WhatsApp sharing."""

import subprocess
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from outreach.links.models import Link, Scan, SurveyTarget
from tests.conftest import PASSWORD, csrf_token
from tests.factories import (
    AreaFactory,
    AssignmentFactory,
    LinkFactory,
    OpdFactory,
    PromoterFactory,
    SurveyTargetFactory,
    UserFactory,
)
from tests.links.conftest import TARGET


def decode_qr_codes(image_path) -> list[str]:
    """Every QR code zbar finds in an image."""
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image_path)], capture_output=True, text=True
    )
    return [line for line in result.stdout.splitlines() if line]


def render_pdf(pdf: bytes, tmp_path, dpi: int = 110) -> list:
    """Render every page of a PDF to PNG with pdftoppm, without anti-aliasing as a printer does."""
    source = tmp_path / "flyer.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-aa", "no", "-aaVector", "no", "-r", str(dpi), "-png", str(source), str(tmp_path / "page")],
        check=True,
    )
    return sorted(tmp_path.glob("page*.png"))


def follow_scan(client, qr_text: str):
    """Open what a phone camera read, through the test client (the public base URL is ours)."""
    parts = urlsplit(qr_text)
    assert f"{parts.scheme}://{parts.netloc}" == "https://spi.example.test"
    return client.get(f"{parts.path}?{parts.query}", headers={"User-Agent": "Mozilla/5.0 (Linux; Android 13) Mobile"})


STAFF_PAGES = ["/links/", "/links/{id}", "/links/{id}/qr.png", "/links/{id}/qr.svg", "/links/{id}/flyer.pdf"]
EDITOR_PAGES = ["/links/new", "/links/bulk", "/links/flyers"]
ADMIN_PAGES = ["/links/targets", "/links/targets/new", "/links/targets/{target}/edit"]


@pytest.mark.parametrize("path", STAFF_PAGES + EDITOR_PAGES + ADMIN_PAGES + ["/links/mine"])
def test_anonymous_visitors_are_sent_to_login(client, link, path):
    response = client.get(path.format(id=link.id, target=link.target_id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize("path", EDITOR_PAGES + ADMIN_PAGES)
def test_leadership_cannot_create_or_configure(leadership_client, link, path):
    assert leadership_client.get(path.format(id=link.id, target=link.target_id)).status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_coordinators_cannot_manage_survey_targets(coordinator_client, link, path):
    assert coordinator_client.get(path.format(id=link.id, target=link.target_id)).status_code == 403


@pytest.mark.parametrize("path", ["/links/", "/links/{id}"])
def test_leadership_can_read_links_and_stats(leadership_client, link, path):
    assert leadership_client.get(path.format(id=link.id)).status_code == 200


@pytest.mark.parametrize("path", STAFF_PAGES + EDITOR_PAGES + ADMIN_PAGES)
def test_promoters_cannot_open_other_peoples_links_or_staff_pages(promoter_client, link, path):
    assert promoter_client.get(path.format(id=link.id, target=link.target_id)).status_code == 403


@pytest.mark.parametrize("path", ["/links/{id}/deactivate", "/links/{id}/activate"])
def test_promoters_and_leadership_cannot_switch_links(promoter_client, leadership_client, link, path):
    for client in (promoter_client, leadership_client):
        assert client.post(path.format(id=link.id)).status_code == 403


def test_staff_see_no_link_pages_for_staff_only_when_promoter(coordinator_client):
    assert coordinator_client.get("/links/mine").status_code == 403


def test_links_list_shows_stats_and_filters(coordinator_client, db, link):
    other = LinkFactory(code="XYZ234", channel="whatsapp")
    db.session.add_all(
        [
            Scan(link_id=link.id, visitor_hash=h, device_class="mobile", is_bot=bot, source="qr")
            for h, bot in (("a", False), ("a", False), ("b", False), ("c", True))
        ]
    )
    db.session.commit()
    page = coordinator_client.get("/links/").get_data(as_text=True)
    assert "ABC234" in page and "XYZ234" in page
    filtered = coordinator_client.get("/links/?channel=whatsapp").get_data(as_text=True)
    assert "XYZ234" in filtered and "ABC234" not in filtered
    searched = coordinator_client.get("/links/?q=abc-234").get_data(as_text=True)
    assert "ABC234" in searched and other.code not in searched
    row = page[page.index("ABC234") :].split("</tr>")[0]
    assert '<td class="num">3</td>' in row and '<td class="num">2</td>' in row and '<td class="num">1</td>' in row


def test_coordinator_creates_a_link_for_a_promoter_in_the_promoters_area(coordinator_client, db):
    target = SurveyTargetFactory()
    assignment = AssignmentFactory()
    db.session.commit()
    response = coordinator_client.post(
        "/links/new",
        data={"target": target.id, "channel": "whatsapp", "promoter": assignment.promoter_id, "area": 0, "opd": 0},
    )
    assert response.status_code == 302
    link = db.session.scalar(select(Link))
    assert response.headers["Location"] == f"/links/{link.id}"
    assert (link.promoter_id, link.area_id, link.channel, link.created_by_id) == (
        assignment.promoter_id,
        assignment.area_id,
        "whatsapp",
        coordinator_client.user.id,
    )


def test_creating_a_link_without_area_or_promoter_names_the_field(coordinator_client, db):
    target = SurveyTargetFactory()
    db.session.commit()
    response = coordinator_client.post(
        "/links/new", data={"target": target.id, "channel": "flyer", "promoter": 0, "area": 0, "opd": 0}
    )
    assert response.status_code == 200
    assert "Pilih wilayah" in response.get_data(as_text=True)
    assert db.session.scalar(select(Link)) is None


def test_bulk_form_creates_links_for_every_promoter_of_a_kelurahan(coordinator_client, db):
    kel = AreaFactory()
    promoters = [AssignmentFactory(area=kel).promoter for _ in range(3)]
    target = SurveyTargetFactory()
    db.session.commit()
    response = coordinator_client.post(
        "/links/bulk", data={"target": target.id, "scope": f"area:{kel.id}", "channels": ["flyer", "whatsapp"]}
    )
    assert response.status_code == 302
    links = list(db.session.scalars(select(Link)))
    assert len(links) == 6 and {link.promoter_id for link in links} == {p.id for p in promoters}


def test_bulk_form_without_channel_says_so(coordinator_client, db):
    kel = AreaFactory()
    target = SurveyTargetFactory()
    db.session.commit()
    response = coordinator_client.post("/links/bulk", data={"target": target.id, "scope": f"area:{kel.id}"})
    assert response.status_code == 200 and "Pilih minimal satu saluran" in response.get_data(as_text=True)


def test_deactivate_needs_post_and_csrf_then_the_code_answers_410(app, csrf_client, db, link):
    user = UserFactory(role="coordinator")
    db.session.commit()
    token = csrf_token(csrf_client.get("/auth/login").get_data(as_text=True))
    signed_in = csrf_client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    page = csrf_client.get(f"/links/{link.id}")
    assert csrf_client.get(f"/links/{link.id}/deactivate").status_code == 405
    assert csrf_client.post(f"/links/{link.id}/deactivate").status_code == 400
    response = csrf_client.post(
        f"/links/{link.id}/deactivate", data={"csrf_token": csrf_token(page.get_data(as_text=True))}
    )
    assert response.status_code == 302
    assert db.session.get(Link, link.id).active is False
    assert csrf_client.get("/s/ABC234").status_code == 410


def test_admin_adds_a_survey_target_and_a_foreign_host_is_refused_with_its_name(admin_client, db):
    refused = admin_client.post(
        "/links/targets/new", data={"name": "X", "audience": "eksternal", "url": "https://evil.example/form"}
    )
    assert refused.status_code == 200
    assert "evil.example" in refused.get_data(as_text=True)
    saved = admin_client.post(
        "/links/targets/new", data={"name": "SPI internal", "audience": "internal", "url": "https://spi.kpk.go.id/i"}
    )
    assert saved.status_code == 302
    assert db.session.scalar(select(SurveyTarget.url)) == "https://spi.kpk.go.id/i"


def test_qr_png_decodes_to_the_short_url_with_the_qr_marker(coordinator_client, link, tmp_path):
    for size in ("screen", "print"):
        response = coordinator_client.get(f"/links/{link.id}/qr.png?size={size}")
        assert response.status_code == 200 and response.mimetype == "image/png"
        image = tmp_path / f"{size}.png"
        image.write_bytes(response.data)
        assert decode_qr_codes(image) == ["https://spi.example.test/s/ABC234?q=1"]
    svg = coordinator_client.get(f"/links/{link.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data


def test_printed_flyer_qr_leads_through_the_scan_to_the_survey(coordinator_client, client, db, link, tmp_path):
    response = coordinator_client.get(f"/links/{link.id}/flyer.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    [page] = render_pdf(response.data, tmp_path)
    [decoded] = decode_qr_codes(page)
    scan = follow_scan(client, decoded)
    assert scan.status_code == 302 and scan.headers["Location"] == TARGET
    assert [s.source for s in db.session.scalars(select(Scan))] == ["qr"]


@pytest.mark.parametrize("layout", [4, 8])
def test_batch_flyers_for_a_kecamatan_hold_every_active_printed_link(coordinator_client, client, db, tmp_path, layout):
    kec = AreaFactory(level="kecamatan", code="18.71.03")
    kel = AreaFactory(code="18.71.03.1001", parent=kec)
    links = [LinkFactory(area=kel, promoter=PromoterFactory()) for _ in range(layout + 1)]
    LinkFactory(area=kel, active=False)
    LinkFactory(area=kel, channel="whatsapp")  # shared by message: a scan of paper must not count for it
    db.session.commit()
    response = coordinator_client.get(f"/links/flyers?scope=area:{kec.id}&layout={layout}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = render_pdf(response.data, tmp_path, dpi=150)
    assert len(pages) == 3  # the kelurahan's cover sheet, then its flyers
    decoded = [text for page in pages for text in decode_qr_codes(page)]
    assert sorted(decoded) == sorted(f"https://spi.example.test/s/{link.code}?q=1" for link in links)
    assert follow_scan(client, decoded[0]).status_code == 302


@pytest.mark.parametrize("channel", [None, "whatsapp"])
def test_batch_flyers_for_a_scope_without_links_for_print_say_so(coordinator_client, db, channel):
    kel = AreaFactory()
    if channel:
        LinkFactory(area=kel, channel=channel)
    db.session.commit()
    response = coordinator_client.get(f"/links/flyers?scope=area:{kel.id}&layout=4")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Belum ada tautan aktif untuk dicetak di sana (tautan WhatsApp tidak dicetak)." in page


def test_promoter_sees_only_their_own_links_and_counts(promoter_client, db, link):
    own = LinkFactory(code="MYC234", promoter=promoter_client.user.promoter, channel="whatsapp")
    others = LinkFactory(code="NOT234", promoter=PromoterFactory())
    db.session.add_all(
        [Scan(link_id=own.id, visitor_hash=f"v{i}", device_class="mobile", is_bot=False, source="qr") for i in range(7)]
        + [Scan(link_id=others.id, visitor_hash="w", device_class="mobile", is_bot=False, source="qr")]
    )
    db.session.commit()
    page = promoter_client.get("/links/mine").get_data(as_text=True)
    assert "MYC234" in page and "NOT234" not in page and "ABC234" not in page
    assert "<dd>7</dd>" in page
    assert "https://wa.me/?text=" in page and "data-copy-target" in page
    assert 'src="/static/js/copy.js"' in page and "<script>" not in page
    for path in ("", "/qr.png", "/qr.svg", "/flyer.pdf"):
        assert promoter_client.get(f"/links/{own.id}{path}").status_code == 200
        assert promoter_client.get(f"/links/{others.id}{path}").status_code == 403


def test_promoter_detail_page_has_no_staff_controls(promoter_client, db):
    own = LinkFactory(promoter=promoter_client.user.promoter)
    db.session.commit()
    page = promoter_client.get(f"/links/{own.id}").get_data(as_text=True)
    assert "/deactivate" not in page


def test_navigation_offers_links_per_role(coordinator_client, promoter_client, admin_client):
    assert 'href="/links/"' in coordinator_client.get("/").get_data(as_text=True)
    assert 'href="/links/mine"' in promoter_client.get("/").get_data(as_text=True)
    assert 'href="/links/targets"' in admin_client.get("/").get_data(as_text=True)


def _rt_link(db, kecamatan):
    """A link of a new promoter and OPD, in an RT of a new RW of a new kelurahan of `kecamatan`."""
    kelurahan = AreaFactory(parent=kecamatan)
    rw = AreaFactory(level="rw", name="RW 001", code=f"{kelurahan.code}.001", parent=kelurahan)
    rt = AreaFactory(level="rt", name="RT 002", code=f"{rw.code}.002", parent=rw)
    promoter = AssignmentFactory(area=rt).promoter
    return LinkFactory(area=rt, promoter=promoter, opd=OpdFactory())


@pytest.mark.parametrize("path", ["/links/", "/links/new"])
def test_link_pages_read_the_same_statements_however_many_rows_they_show(coordinator_client, db, statements, path):
    # Each row names its promoter, OPD, survey and RT with RW and kelurahan: read with the rows, not
    # one by one (the demo city has about two thousand RT).
    kecamatan = AreaFactory(level="kecamatan", code="18.71.99", name="Uji")
    _rt_link(db, kecamatan)
    db.session.commit()

    def read() -> int:
        statements.clear()
        assert coordinator_client.get(path).status_code == 200
        return len(statements)

    one = read()
    for _ in range(4):
        _rt_link(db, kecamatan)
    db.session.commit()
    assert read() == one


def test_a_survey_address_with_a_space_is_refused_by_the_form(admin_client, db):
    refused = admin_client.post(
        "/links/targets/new", data={"name": "X", "audience": "eksternal", "url": "https://spi.kpk.go.id/a b"}
    )
    assert refused.status_code == 200
    assert "spaces, line breaks or control characters" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SurveyTarget)) == 0
