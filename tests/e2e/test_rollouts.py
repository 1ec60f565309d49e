"""A coordinator on a phone draws a rollout plan, moves a unit with a reason, accepts it and plans a unit's
drive from it; leadership reads the plan on a desktop."""

from playwright.sync_api import expect
from sqlalchemy import select

from outreach.campaign import COORDINATOR, LEADERSHIP
from outreach.drives.models import Drive
from outreach.extensions import db as _db
from outreach.rollouts.models import RolloutChange, RolloutPlan
from tests.e2e.browser import axe_violations, describe, horizontal_overflow, make_user, new_context, shoot, sign_in
from tests.rollouts.conftest import city  # noqa: F401 - the fixture


def test_a_coordinator_draws_accepts_and_plans_a_rollout_on_a_phone(phone, browser, live_server, city):  # noqa: F811
    sign_in(phone, make_user(COORDINATOR).email)
    phone.goto("/rollouts/")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Rencana bergilir baru").click()
    phone.get_by_label("Nama rencana").fill("Door-to-door bergilir uji")
    phone.get_by_label("Minggu pertama").fill("2026-10-05")
    phone.get_by_label("Jumlah minggu tersedia").fill("6")
    phone.get_by_label("Kegiatan yang sanggup dijalankan promotor dalam seminggu").fill("2")
    for kecamatan in ("Kecamatan Uji 1", "Kecamatan Uji 2"):
        group = phone.locator("details").filter(has_text=kecamatan)
        group.locator("summary").click()
        for box in group.get_by_role("checkbox").all():
            box.check()
    assert horizontal_overflow(phone) == 0
    shoot(phone, "rollout-new-filled-phone")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Undi jadwal").click()
    expect(phone.get_by_role("status").first).to_contain_text("Jadwal sudah diundi")
    plan = _db.session.scalar(select(RolloutPlan))
    assert len(plan.slots) == 12 and plan.status == "draft"

    # One unit cannot take its week: move it, saying why (a third team makes room).
    plan.per_week = 3
    _db.session.commit()
    slot = min(plan.slots, key=lambda s: s.week)
    phone.reload()
    phone.get_by_label("Unit", exact=True).select_option(str(slot.id))
    phone.get_by_label("Minggu baru").select_option(plan.week_list[-1].isoformat())
    phone.get_by_label("Alasan dipindah").fill("Lurah cuti minggu itu")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Pindahkan dan catat alasannya").click()
    expect(phone.get_by_text("Lurah cuti minggu itu")).to_be_visible()
    assert _db.session.scalar(select(RolloutChange.reason)) == "Lurah cuti minggu itu"

    with phone.expect_navigation():
        phone.get_by_role("button", name="Terima jadwal").click()
    expect(phone.get_by_role("status").first).to_contain_text("Rencana diterima")
    assert horizontal_overflow(phone) == 0
    shoot(phone, "rollout-accepted-phone")
    with phone.expect_navigation():
        phone.get_by_role("link", name="Jadwalkan kegiatannya").first.click()
    expect(phone.get_by_label("Judul")).to_have_value(f"Sosialisasi door-to-door – {_first_name(plan)}")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Simpan kegiatan").click()
    if phone.get_by_role("button", name="Tetap simpan").count():  # e.g. no promoter assigned there yet
        with phone.expect_navigation():
            phone.get_by_role("button", name="Tetap simpan").click()
    drive = _db.session.scalar(select(Drive))
    assert drive is not None and drive.rollout_slot_id is not None
    assert phone.problems.take() == []

    boss_context = new_context(browser, live_server, bypass_csp=True)  # axe-core is injected inline
    try:
        boss = boss_context.new_page()
        sign_in(boss, make_user(LEADERSHIP).email)
        boss.goto(f"/rollouts/{plan.id}")
        expect(boss.get_by_role("heading", level=1)).to_have_text("Door-to-door bergilir uji")
        expect(boss.get_by_role("link", name=drive.title)).to_be_visible()
        expect(boss.get_by_role("button", name="Terima jadwal")).to_have_count(0)  # leadership reads only
        shoot(boss, "rollout-leadership-desktop")
        assert (found := axe_violations(boss)) == [], describe(found)
    finally:
        boss_context.close()


def _first_name(plan: RolloutPlan) -> str:
    """The unit whose 'plan its drive' link comes first: the earliest planned week, then by name."""
    _db.session.refresh(plan)
    first = min(plan.slots, key=lambda s: (s.week, s.name))
    return first.name
