"""The OPD pages: the list sorted by how far each OPD is behind its path, and one page per OPD with its
progress per audience, drives and their effect, links with visits and (coordinators only) its promoters.
Kecamatan are OPDs too: their area page and OPD page link both ways.

Today is 4 December 2026; counts reach 25 November (86 of the round's 102 days), so a target of 500
expects 500 × 86/102 ≈ 422 and one of 100 expects ≈ 84.
"""

from datetime import UTC, date, datetime

import pytest

from outreach.metrics.scans import refresh_scan_rollups
from outreach.participation.models import Target
from tests.factories import DriveFactory, LinkFactory, OpdFactory, PromoterFactory, ScanFactory
from tests.participation.conftest import add_daily

SEP1 = date(2026, 9, 1)
DAYS = 86


@pytest.fixture
def opds(db, tree, spi_round, frozen):
    """Dinas Kesehatan at 172 of an expected 422 (behind, 0.41), Disdik at 86 of an expected 84 (on track),
    the Kedaton kecamatan office at 340 of an expected 337 (on track); Dinkes has a link with 3 visits, a
    promoter and a drive."""
    kec_office = OpdFactory(code="kec_kedaton", name="Kecamatan Kedaton", kind="kecamatan", area=tree["kec_a"])
    for opd, per_day, target in ((tree["dinkes"], 2, 500), (tree["disdik"], 1, 100), (kec_office, 4, 400)):
        add_daily(db, opd, SEP1, (DAYS, per_day), audience="internal")
        db.session.add(Target(round=spi_round, opd=opd, audience="internal", target=target))
    link = LinkFactory(opd=tree["dinkes"], label="Loket Dinkes")
    for _ in range(3):
        ScanFactory(link_id=link.id)
    PromoterFactory(name="Budi Pegawai Dinkes", opd=tree["dinkes"])
    DriveFactory(
        title="Sosialisasi pegawai Dinkes",
        kind="opd_session",
        areas=[],
        opds=[tree["dinkes"]],
        audience="internal",
        starts_at=datetime(2026, 12, 8, 2, 0, tzinfo=UTC),
        ends_at=datetime(2026, 12, 8, 4, 0, tzinfo=UTC),
    )
    db.session.commit()
    refresh_scan_rollups(full=True)
    db.session.commit()
    return {**tree, "kec_office": kec_office, "link": link}


def test_opd_list_puts_the_most_behind_first_with_status_in_words(opds, leadership_client):
    body = leadership_client.get("/participation/opds/").get_data(as_text=True)
    listing = body.split('id="opd-list"', 1)[1]
    assert listing.index("Dinas Kesehatan") < listing.index("Kecamatan Kedaton")
    assert listing.index("Dinas Kesehatan") < listing.index(opds["disdik"].name)
    dinkes = listing.split("Dinas Kesehatan", 1)[1].split("</li>", 1)[0]
    assert "tertinggal" in dinkes and "172 / 500" in dinkes
    assert 'href="/participation/opds/dinkes"' in listing


def test_opd_page_shows_progress_drives_links_and_promoters_to_a_coordinator(opds, coordinator_client):
    body = coordinator_client.get("/participation/opds/dinkes").get_data(as_text=True)
    assert "<h1>Dinas Kesehatan" in body
    assert "Data responden KPK sampai 25 Nov 2026" in body
    assert "172</span> dari 500 responden" in body
    assert "Yang diharapkan sampai 25 Nov 2026 pada jalur menuju sasaran: 422." in body
    assert "Sosialisasi pegawai Dinkes" in body and "Belum dilaksanakan." in body
    links = body.split("Tautan dan kunjungannya", 1)[1].split("</ul>", 1)[0]
    assert opds["link"].code in links and "3 kunjungan oleh 3 pengunjung" in links
    assert "Budi Pegawai Dinkes" in body


def test_leadership_sees_an_opd_page_without_its_promoters(opds, leadership_client):
    body = leadership_client.get("/participation/opds/dinkes").get_data(as_text=True)
    assert "Tautan dan kunjungannya" in body
    assert "Budi Pegawai Dinkes" not in body and "Promotor</h2>" not in body


def test_a_kecamatan_s_area_page_and_its_opd_page_link_both_ways(opds, coordinator_client):
    area_page = coordinator_client.get(f"/areas/{opds['kec_a'].id}").get_data(as_text=True)
    assert 'href="/participation/opds/kec_kedaton"' in area_page
    opd_page = coordinator_client.get("/participation/opds/kec_kedaton").get_data(as_text=True)
    assert f'href="/areas/{opds["kec_a"].id}"' in opd_page
    assert 'href="/participation/kecamatan/18.71.01"' in opd_page


def test_the_dashboard_s_opd_names_open_the_opd_page_not_another_kind_of_comparison(opds, leadership_client):
    body = leadership_client.get("/participation/?audience=internal").get_data(as_text=True)
    opd_tables = body.split("OPD, internal", 1)[1]
    assert 'href="/participation/opds/dinkes"' in opd_tables
    assert "units=dinkes" not in body


def test_unknown_opd_is_not_found_and_promoters_and_visitors_are_kept_out(
    opds, leadership_client, promoter_client, client
):
    assert leadership_client.get("/participation/opds/tidak-ada").status_code == 404
    for path in ("/participation/opds/", "/participation/opds/dinkes"):
        assert promoter_client.get(path).status_code == 403
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
