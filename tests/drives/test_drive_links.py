"""Generating a drive's links, its flyer batch, and drive links in the links pages."""

import datetime

import pytest
from sqlalchemy import select

from outreach.audit.models import AuditEvent
from outreach.links.models import Link
from tests.conftest import PASSWORD, csrf_token
from tests.drives.helpers import make_drive
from tests.factories import (
    AssignmentFactory,
    LinkFactory,
    OpdFactory,
    PromoterFactory,
    SurveyTargetFactory,
    UserFactory,
)
from tests.links.test_views import decode_qr_codes, follow_scan, render_pdf

SINCE = datetime.date(2026, 7, 1)


@pytest.fixture
def setup(db, tree):
    """A Roadshow Bus stop in Surabaya with two promoters (one assigned in Sidodadi) and one who stays home."""
    target = SurveyTargetFactory()
    internal = SurveyTargetFactory(
        name="SPI internal", audience="internal", url="https://spi.kpk.go.id/survei/internal"
    )
    home = AssignmentFactory(area=tree["surabaya"], start_date=SINCE).promoter
    visitor = AssignmentFactory(area=tree["sidodadi"], start_date=SINCE).promoter
    absent = AssignmentFactory(area=tree["surabaya"], start_date=SINCE).promoter
    drive = make_drive(
        "2026-10-01 08:00", "2026-10-01 14:00", areas=[tree["surabaya"]], promoters=[home, visitor], kind="roadshow_bus"
    )
    db.session.commit()
    return {"target": target, "internal": internal, "home": home, "visitor": visitor, "absent": absent, "drive": drive}


def _generate(client, setup, channels, target=None):
    data = {"target": (target or setup["target"]).id, "channels": channels}
    return client.post(f"/drives/{setup['drive'].id}/links", data=data)


def _drive_links(drive) -> list[Link]:
    from outreach.extensions import db

    return list(db.session.scalars(select(Link).where(Link.drive_id == drive.id)))


def test_generating_links_makes_one_per_participating_promoter_and_channel(coordinator_client, setup, tree):
    response = _generate(coordinator_client, setup, ["bus", "flyer"])
    assert response.status_code == 302
    links = _drive_links(setup["drive"])
    pairs = sorted((link.promoter_id, link.channel) for link in links)
    home, visitor = setup["home"].id, setup["visitor"].id
    assert pairs == sorted([(home, "bus"), (home, "flyer"), (visitor, "bus"), (visitor, "flyer")])
    assert setup["absent"].id not in {link.promoter_id for link in links}
    # The visiting promoter's own area lies outside the drive, so the link counts for the drive's area.
    assert {link.area_id for link in links} == {tree["surabaya"].id}
    assert all(link.target_id == setup["target"].id and link.label == setup["drive"].title for link in links)


def test_generating_links_twice_adds_only_the_new_channels(coordinator_client, setup, db):
    _generate(coordinator_client, setup, ["bus", "flyer"])
    again = _generate(coordinator_client, setup, ["bus", "flyer"])
    assert again.status_code == 302
    assert len(_drive_links(setup["drive"])) == 4
    page = coordinator_client.get(again.headers["Location"]).get_data(as_text=True)
    assert "0 tautan dibuat, 4 dilewati" in page
    _generate(coordinator_client, setup, ["flyer", "whatsapp"])
    assert (
        sorted(link.channel for link in _drive_links(setup["drive"]))
        == ["bus", "bus", "flyer", "flyer"] + ["whatsapp"] * 2
    )


def test_generating_links_is_audited_per_drive_and_per_link(coordinator_client, setup, db):
    _generate(coordinator_client, setup, ["flyer"])
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    drive_events = [e for e in events if e.action == "drive.generate_links"]
    assert len(drive_events) == 1 and drive_events[0].object_id == setup["drive"].id
    assert drive_events[0].user_id == coordinator_client.user.id
    assert drive_events[0].changes["created"] == 2 and drive_events[0].changes["channels"] == "flyer"
    link_events = [e for e in events if e.action == "link.create"]
    assert len(link_events) == 2 and all(e.changes["drive"] == setup["drive"].id for e in link_events)


def test_a_deactivated_drive_link_is_not_made_again(coordinator_client, setup, db):
    _generate(coordinator_client, setup, ["flyer"])
    first = _drive_links(setup["drive"])[0]
    first.active = False
    db.session.commit()
    _generate(coordinator_client, setup, ["flyer"])
    assert len(_drive_links(setup["drive"])) == 2


@pytest.mark.parametrize(
    ("kind", "checked", "unchecked"),
    [
        ("roadshow_bus", ["bus", "banner", "flyer"], ["whatsapp"]),
        ("whatsapp_broadcast", ["whatsapp"], ["bus", "flyer"]),
        ("door_to_door", ["flyer", "whatsapp"], ["bus"]),
    ],
)
def test_the_link_form_suggests_channels_by_drive_kind(coordinator_client, setup, db, kind, checked, unchecked):
    setup["drive"].kind = kind
    db.session.commit()
    page = coordinator_client.get(f"/drives/{setup['drive'].id}").get_data(as_text=True)
    for channel in checked:
        assert f'checked id="channels-{["flyer", "whatsapp", "banner", "bus", "other"].index(channel)}"' in page
    for channel in unchecked:
        assert f'checked id="channels-{["flyer", "whatsapp", "banner", "bus", "other"].index(channel)}"' not in page


def test_the_link_form_offers_only_surveys_of_the_drive_audience(coordinator_client, setup):
    page = coordinator_client.get(f"/drives/{setup['drive'].id}").get_data(as_text=True)
    assert setup["target"].name in page and "SPI internal" not in page


def test_generating_links_without_a_channel_says_so(coordinator_client, setup):
    response = _generate(coordinator_client, setup, [])
    assert response.status_code == 400
    assert "Pilih minimal satu saluran." in response.get_data(as_text=True)
    assert _drive_links(setup["drive"]) == []


def test_a_survey_of_another_audience_is_refused(coordinator_client, setup):
    response = _generate(coordinator_client, setup, ["flyer"], target=setup["internal"])
    assert response.status_code == 400  # not among the form's choices
    assert _drive_links(setup["drive"]) == []


def test_a_cancelled_drive_gets_no_links(coordinator_client, setup, db):
    setup["drive"].status = "cancelled"
    db.session.commit()
    response = _generate(coordinator_client, setup, ["flyer"])
    assert response.status_code == 302
    page = coordinator_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "a cancelled drive gets no links" in page
    assert _drive_links(setup["drive"]) == []


def test_an_opd_session_links_count_for_the_opd(coordinator_client, db, tree):
    target = SurveyTargetFactory(audience="internal", url="https://spi.kpk.go.id/survei/internal")
    opd = OpdFactory(area=tree["kedaton"])
    promoter = PromoterFactory(opd=opd)
    drive = make_drive("2026-10-02 09:00", "2026-10-02 11:00", opds=[opd], promoters=[promoter], audience="internal")
    db.session.commit()
    response = coordinator_client.post(
        f"/drives/{drive.id}/links", data={"target": target.id, "channels": ["whatsapp"]}
    )
    assert response.status_code == 302
    [link] = _drive_links(drive)
    assert (link.opd_id, link.area_id, link.promoter_id) == (opd.id, tree["kedaton"].id, promoter.id)


@pytest.mark.parametrize("role_client", ["leadership_client", "promoter_client"])
def test_only_editors_generate_links(request, setup, role_client):
    client = request.getfixturevalue(role_client)
    assert _generate(client, setup, ["flyer"]).status_code == 403
    assert _drive_links(setup["drive"]) == []


def test_anonymous_visitors_are_sent_to_sign_in(client, setup):
    response = _generate(client, setup, ["flyer"])
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_generating_links_needs_the_csrf_token(csrf_client, setup, db):
    user = UserFactory(role="coordinator")
    db.session.commit()
    page = csrf_client.get("/auth/login").get_data(as_text=True)
    data = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(page)}
    assert csrf_client.post("/auth/login", data=data).status_code == 302
    assert _generate(csrf_client, setup, ["flyer"]).status_code == 400
    token = csrf_token(csrf_client.get(f"/drives/{setup['drive'].id}").get_data(as_text=True))
    data = {"csrf_token": token, "target": setup["target"].id, "channels": ["flyer"]}
    assert csrf_client.post(f"/drives/{setup['drive'].id}/links", data=data).status_code == 302
    assert len(_drive_links(setup["drive"])) == 2


def test_the_drive_flyer_batch_holds_every_active_printed_drive_link(coordinator_client, client, setup, db, tmp_path):
    _generate(coordinator_client, setup, ["bus", "flyer", "whatsapp"])
    shared = [link for link in _drive_links(setup["drive"]) if link.channel == "whatsapp"]
    links = [link for link in _drive_links(setup["drive"]) if link.channel != "whatsapp"]
    assert shared and links  # WhatsApp links are shared by message, never printed
    links[0].active = False
    LinkFactory(area=setup["drive"].areas[0])  # a link of the area, not of the drive
    db.session.commit()
    response = coordinator_client.get(f"/drives/{setup['drive'].id}/flyers.pdf?layout=4")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    pages = render_pdf(response.data, tmp_path, dpi=150)
    decoded = [text for page in pages for text in decode_qr_codes(page)]
    assert sorted(decoded) == sorted(f"https://spi.example.test/s/{link.code}?q=1" for link in links[1:])
    assert follow_scan(client, decoded[0]).status_code == 302


@pytest.mark.parametrize("channels", [[], ["whatsapp"]])
def test_a_drive_without_links_for_print_has_no_flyers_yet(coordinator_client, setup, channels):
    if channels:
        _generate(coordinator_client, setup, channels)
    response = coordinator_client.get(f"/drives/{setup['drive'].id}/flyers.pdf")
    assert response.status_code == 302
    page = coordinator_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kegiatan ini belum punya tautan aktif untuk dicetak (tautan WhatsApp tidak dicetak)." in page


def test_flyer_batch_layouts_are_checked(coordinator_client, setup):
    assert coordinator_client.get(f"/drives/{setup['drive'].id}/flyers.pdf?layout=3").status_code == 404


@pytest.mark.parametrize("role_client", ["leadership_client", "promoter_client"])
def test_only_editors_download_the_flyer_batch(request, setup, role_client):
    client = request.getfixturevalue(role_client)
    assert client.get(f"/drives/{setup['drive'].id}/flyers.pdf").status_code == 403


def test_the_links_list_filters_by_drive(coordinator_client, setup, db):
    _generate(coordinator_client, setup, ["flyer"])
    other = LinkFactory(area=setup["drive"].areas[0])
    db.session.commit()
    page = coordinator_client.get(f"/links/?drive={setup['drive'].id}&status=all").get_data(as_text=True)
    for link in _drive_links(setup["drive"]):
        assert link.code in page
    assert other.code not in page
    assert other.code in coordinator_client.get("/links/?status=all").get_data(as_text=True)


def test_the_link_page_shows_its_drive(coordinator_client, setup):
    _generate(coordinator_client, setup, ["flyer"])
    link = _drive_links(setup["drive"])[0]
    page = coordinator_client.get(f"/links/{link.id}").get_data(as_text=True)
    assert setup["drive"].title in page and f"/drives/{setup['drive'].id}" in page


def test_a_promoter_sees_only_their_own_drive_links(coordinator_client, promoter_client, setup, db):
    me = promoter_client.user.promoter
    AssignmentFactory(promoter=me, area=setup["drive"].areas[0], start_date=SINCE)
    setup["drive"].promoters = [*setup["drive"].promoters, me]
    db.session.commit()
    _generate(coordinator_client, setup, ["flyer"])
    links = {link.promoter_id: link for link in _drive_links(setup["drive"])}
    page = promoter_client.get(f"/drives/{setup['drive'].id}").get_data(as_text=True)
    assert links[me.id].code in page
    assert links[setup["home"].id].code not in page and links[setup["visitor"].id].code not in page
    assert "Buat tautan kegiatan" not in page
