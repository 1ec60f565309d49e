"""The demo shows drives: past ones done with attendance, planned ones ahead, and loads only once."""

from sqlalchemy import func, select

from outreach import clock
from outreach.clock import to_wib
from outreach.drives.models import Drive
from outreach.models import utcnow


def test_seed_demo_adds_past_done_and_future_planned_drives_once(runner, db):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    drives = db.session.scalars(select(Drive)).all()
    assert {d.kind for d in drives} == {
        "roadshow_bus",
        "door_to_door",
        "opd_session",
        "public_event",
        "whatsapp_broadcast",
    }
    now = utcnow()
    past = [d for d in drives if d.ends_at < now and d.status != "cancelled"]
    assert past and all(d.status == "done" and d.attendance is not None for d in past)
    assert any(d.status == "planned" and d.starts_at > now for d in drives)
    assert any(d.status == "cancelled" for d in drives)
    assert any(to_wib(d.starts_at).date() != to_wib(d.ends_at).date() for d in drives)  # one runs past midnight
    bus = next(d for d in drives if d.title == "Bus Roadshow KPK di Tugu Adipura")
    assert bus.latitude is not None and bus.promoters and bus.cost
    assert bus.place_note.startswith("Bus parkir")  # the place says how to find it, coordinates are extra
    assert any(d.place_note and d.latitude is None for d in drives)
    assert to_wib(bus.starts_at).date() < clock.today()

    again = runner.invoke(args=["seed-demo"])
    assert "drives +0" in again.output
    assert db.session.scalar(select(func.count()).select_from(Drive)) == len(drives)


def test_demo_promoter_login_has_drives_to_see(runner, client, db):
    from outreach.demo import DEMO_LOGINS

    runner.invoke(args=["seed-demo"])
    email, password = DEMO_LOGINS["promoter"]
    client.post("/auth/login", data={"email": email, "password": password})
    page = client.get("/drives/?when=all").get_data(as_text=True)
    assert "Door-to-door RT Kelurahan Kedaton" in page and "Siaran WhatsApp ketua RT se-Kecamatan Kedaton" in page
    assert "Tugu Adipura" not in page


def test_seed_demo_gives_drives_their_links_and_past_ones_an_effect_once(runner, db):
    from outreach.links.models import Link
    from outreach.metrics.drives import own_link_ids, report_windows, scope_figures

    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    drives = db.session.scalars(select(Drive)).all()
    links = db.session.scalars(select(Link).where(Link.drive_id.is_not(None))).all()
    by_drive = {d.id: [link for link in links if link.drive_id == d.id] for d in drives}
    cancelled = [d for d in drives if d.status == "cancelled"]
    assert cancelled and all(not by_drive[d.id] for d in cancelled)
    bus = next(d for d in drives if d.title == "Bus Roadshow KPK di Tugu Adipura")
    assert {link.channel for link in by_drive[bus.id]} == {"bus", "banner", "flyer"}
    assert {link.promoter_id for link in by_drive[bus.id]} == {p.id for p in bus.promoters}
    door = next(d for d in drives if d.title == "Door-to-door RT Kelurahan Surabaya")
    figures = scope_figures(own_link_ids(door), report_windows(door))
    assert figures.during.human_scans > 0 and figures.post.human_scans > figures.before.human_scans

    again = runner.invoke(args=["seed-demo"])
    assert "drive_links +0, drive_scans +0" in again.output
    assert db.session.scalar(select(func.count()).select_from(Link).where(Link.drive_id.is_not(None))) == len(links)
