"""A coordinator draws a rollout plan, accepts it or moves a unit with a reason, and makes drives from it;
the schedule is the one its stored seed draws, and every change is kept."""

import csv
import io
from collections import Counter
from datetime import date

from sqlalchemy import select

from outreach.audit.models import AuditEvent
from outreach.drives.models import Drive
from outreach.rollouts.models import ACCEPTED, DRAFT, RolloutChange, RolloutPlan
from outreach.rollouts.schedule import draw_schedule
from tests.factories import OpdFactory
from tests.rollouts.conftest import make_plan, realise


def _form(units, **changes):
    data = {
        "name": "Door-to-door bergilir Kedaton",
        "kind": "door_to_door",
        "audience": "eksternal",
        "first_week": "2026-10-07",  # a Wednesday: the plan starts on its Monday
        "weeks": "6",
        "per_week": "2",
        "units": [f"kelurahan:{u.code}" for u in units],
        "blocked": "",
        "notes": "",
    }
    data.update(changes)
    return data


def test_a_coordinator_draws_a_plan_whose_schedule_is_the_one_its_seed_draws(coordinator_client, city, db):
    response = coordinator_client.post("/rollouts/new", data=_form(city))
    assert response.status_code == 302
    plan = db.session.scalar(select(RolloutPlan))
    assert response.headers["Location"].endswith(f"/rollouts/{plan.id}")
    assert (
        plan.status == DRAFT
        and plan.first_week == date(2026, 10, 5)
        and plan.created_by_id == coordinator_client.user.id
    )
    drawn = {slot.key: slot.drawn_week for slot in plan.slots}
    assert drawn == draw_schedule(plan.design(), plan.seed)  # reproducible from the stored seed
    assert all(slot.week == slot.drawn_week for slot in plan.slots)
    assert sorted(Counter(drawn.values()).values()) == [2] * 6  # two a week, every week used
    assert (
        db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_type == "rollout_plan")) == "rollout.create"
    )
    page = coordinator_client.get(f"/rollouts/{plan.id}").get_data(as_text=True)
    assert "Terima jadwal" in page and city[0].name in page


def test_two_plans_of_the_same_units_get_different_seeds(coordinator_client, city, db):
    for _ in range(2):
        assert coordinator_client.post("/rollouts/new", data=_form(city)).status_code == 302
    seeds = db.session.scalars(select(RolloutPlan.seed)).all()
    assert len(set(seeds)) == 2


def test_blocked_weeks_are_kept_and_respected(coordinator_client, city, db):
    busy = city[0]
    blocked = "\n".join(f"{busy.code}, 2026-10-{d:02d}" for d in (5, 12, 19, 26)) + f"\n{busy.code}, 2026-11-02"
    assert coordinator_client.post("/rollouts/new", data=_form(city, blocked=blocked)).status_code == 302
    plan = db.session.scalar(select(RolloutPlan))
    slot = next(s for s in plan.slots if s.area_id == busy.id)
    assert slot.week == date(2026, 11, 9) and len(slot.blocked_weeks) == 5


def test_bad_plans_are_refused_with_a_message_naming_what_is_wrong(coordinator_client, city, db):
    OpdFactory(code="dinkes", name="Dinas Kesehatan")
    db.session.commit()
    cases = [
        (_form(city[:1]), "setidaknya dua"),
        (_form(city, weeks="12"), "2026-12-11"),  # the last week would start after the deadline
        (_form(city, blocked="18.71.01.1001 2026-10-05"), "Baris 1"),
        (_form(city, blocked="18.71.01.1001, 2026-10-06"), "bukan hari Senin"),
        (_form(city, per_week="1"), "12 unit tidak muat dalam 6 minggu"),
        ({**_form(city), "units": ["kelurahan:18.71.01.1001", "opd:nope"]}, "opd:nope"),
        ({**_form(city), "units": [f"kelurahan:{city[0].code}", "opd:dinkes"]}, "jangan keduanya"),
    ]
    for data, message in cases:
        response = coordinator_client.post("/rollouts/new", data=data)
        assert response.status_code == 400, message
        assert message in response.get_data(as_text=True), message
    assert db.session.scalar(select(RolloutPlan)) is None  # nothing half-written


def test_moving_a_unit_needs_a_reason_room_and_is_recorded(coordinator_client, city, db):
    plan = make_plan(city, accept=False)
    slot = plan.slots[0]
    other_week = next(w for w in plan.week_list if w != slot.week)
    url = f"/rollouts/{plan.id}/move"
    no_reason = coordinator_client.post(url, data={"slot": slot.id, "week": other_week.isoformat(), "reason": ""})
    assert no_reason.status_code == 400 and "Sebutkan alasan" in no_reason.get_data(as_text=True)
    full = coordinator_client.post(url, data={"slot": slot.id, "week": other_week.isoformat(), "reason": "Lurah cuti"})
    assert full.status_code == 400 and "sudah berisi 2 kegiatan" in full.get_data(as_text=True)
    plan.per_week = 3  # a third team joins: every week has room for one more
    db.session.commit()
    moved = coordinator_client.post(url, data={"slot": slot.id, "week": other_week.isoformat(), "reason": "Lurah cuti"})
    assert moved.status_code == 302
    db.session.refresh(slot)
    assert slot.week == other_week and slot.drawn_week != other_week and slot.moved
    change = db.session.scalar(select(RolloutChange))
    assert (change.from_week, change.to_week, change.reason, change.user_id) == (
        slot.drawn_week,
        other_week,
        "Lurah cuti",
        coordinator_client.user.id,
    )
    page = coordinator_client.get(f"/rollouts/{plan.id}").get_data(as_text=True)
    assert "Lurah cuti" in page


def test_drives_are_made_from_an_accepted_plan_and_link_back(frozen, coordinator_client, city, db):
    plan = make_plan(city, accept=False)
    slot = plan.slots[0]
    early = coordinator_client.get(f"/rollouts/{plan.id}/slots/{slot.id}/drive")
    assert early.status_code == 302 and early.headers["Location"].endswith(f"/rollouts/{plan.id}")
    assert coordinator_client.post(f"/rollouts/{plan.id}/accept").status_code == 302
    db.session.refresh(plan)
    assert plan.status == ACCEPTED and plan.accepted_by_id == coordinator_client.user.id
    go = coordinator_client.get(f"/rollouts/{plan.id}/slots/{slot.id}/drive")
    assert go.status_code == 302 and f"rollout_slot={slot.id}" in go.headers["Location"]
    form = coordinator_client.get(go.headers["Location"]).get_data(as_text=True)
    assert slot.area.name in form and f'value="{slot.id}"' in form
    day = slot.week  # its Monday
    saved = coordinator_client.post(
        "/drives/new",
        data={
            "kind": "door_to_door",
            "title": f"Door-to-door {slot.area.name}",
            "starts_at": f"{day.isoformat()}T09:00",
            "ends_at": f"{day.isoformat()}T12:00",
            "audience": "eksternal",
            "areas": [slot.area.id],
            "status": "done",
            "rollout_slot": str(slot.id),
            "confirm": "1",
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    drive = db.session.scalar(select(Drive))
    assert drive.rollout_slot_id == slot.id
    page = coordinator_client.get(f"/rollouts/{plan.id}").get_data(as_text=True)
    assert f"/drives/{drive.id}" in page and "✓ sesuai undian" in page
    drive_page = coordinator_client.get(f"/drives/{drive.id}").get_data(as_text=True)
    assert f"/rollouts/{plan.id}" in drive_page and "Rencana bergilir" in drive_page


def test_a_drive_opened_from_a_slot_must_reach_its_unit_and_only_once(frozen, coordinator_client, city, db):
    plan = make_plan(city)
    slot = plan.slots[0]
    other = next(a for a in city if a.id != slot.area_id)
    form = {
        "kind": "door_to_door",
        "title": "Door-to-door",
        "starts_at": f"{slot.week.isoformat()}T09:00",
        "ends_at": f"{slot.week.isoformat()}T12:00",
        "audience": "eksternal",
        "status": "done",
        "rollout_slot": str(slot.id),
        "confirm": "1",
    }
    elsewhere = coordinator_client.post("/drives/new", data={**form, "areas": [other.id]})
    assert elsewhere.status_code == 400 and "tetap jadikan" in elsewhere.get_data(as_text=True)
    realise(slot)
    again = coordinator_client.post("/drives/new", data={**form, "areas": [slot.area_id]})
    assert again.status_code == 400 and "sudah mendapat kegiatannya" in again.get_data(as_text=True)
    assert len(db.session.scalars(select(Drive)).all()) == 1


def test_a_drive_for_a_slot_of_a_draft_plan_is_not_linked(coordinator_client, city, db):
    plan = make_plan(city, accept=False)
    form = coordinator_client.get(f"/drives/new?rollout_slot={plan.slots[0].id}").get_data(as_text=True)
    assert 'name="rollout_slot" type="hidden" value=""' in form and "Door-to-door bergilir" not in form


def test_leadership_reads_plans_but_cannot_change_them_and_promoters_see_none(
    leadership_client, promoter_client, city, db
):
    plan = make_plan(city, accept=False)
    assert leadership_client.get("/rollouts/").status_code == 200
    assert leadership_client.get(f"/rollouts/{plan.id}").status_code == 200
    assert leadership_client.get("/rollouts/new").status_code == 403
    assert leadership_client.post(f"/rollouts/{plan.id}/accept").status_code == 403
    move = {"slot": plan.slots[0].id, "week": plan.week_list[-1].isoformat(), "reason": "x"}
    assert leadership_client.post(f"/rollouts/{plan.id}/move", data=move).status_code == 403
    db.session.refresh(plan)
    assert plan.status == DRAFT and not plan.changes
    for url in ("/rollouts/", f"/rollouts/{plan.id}", "/rollouts/effects", f"/rollouts/{plan.id}.csv"):
        assert promoter_client.get(url).status_code == 403, url


def test_the_plan_csv_lists_drawn_planned_and_realised_weeks(frozen, leadership_client, city, db):
    plan = make_plan(city)
    realise(plan.slots[0])
    response = leadership_client.get(f"/rollouts/{plan.id}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 12
    done = next(r for r in rows if r["unit_code"] == plan.slots[0].area.code)
    assert done["drawn_week"] == done["planned_week"] == done["realised_week"] == plan.slots[0].week.isoformat()
    assert done["state"] == "followed" and done["drive_id"]
    assert {r["state"] for r in rows if r is not done} == {"missed"}  # their weeks passed without a drive
