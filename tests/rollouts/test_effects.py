"""The effect a rollout plan measured, from the database: randomisation inference over the plan's own seed
when it was followed, indicative once a unit moved; the report, its CSV and the API say the same."""

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from outreach import clock
from outreach.campaign import LEADERSHIP, PROMOTER
from outreach.metrics.rollouts import plan_report, say, weekly_panel
from outreach.metrics.staggered import Estimate
from outreach.participation.models import RespondentCount
from tests.api.conftest import bearer
from tests.factories import UserFactory
from tests.rollouts.conftest import LAST_DAY, LIFT, ROUND_START, add_counts, make_plan, realise, unit_of


def _followed_plan(city, lift=LIFT):
    plan = make_plan(city)
    for slot in plan.slots:
        realise(slot)
    add_counts(city, {unit_of(s).id: s.week + timedelta(days=1) for s in plan.slots}, lift=lift)
    return plan


def test_a_followed_plan_is_estimated_by_randomisation_inference_and_covers_the_lift(frozen, city, db):
    plan = _followed_plan(city)
    report = plan_report(plan, clock.today())
    est = report.estimate
    assert report.randomised and report.followed == 12 and report.departures == 0
    assert report.last_day == LAST_DAY
    assert est.randomised and est.draws >= 900
    assert est.low < LIFT < est.high and est.low > 0  # the interval covers the truth and excludes zero
    assert abs(est.effect - LIFT) < 2
    # Not-yet-treated comparisons only: the last week's pair never has one, so 10 units are treated.
    assert (est.n_treated, est.n_comparison) == (10, 10)
    assert report.said.kind == "more" and not report.said.indicative


def test_without_a_lift_the_followed_plan_claims_nothing(frozen, city, db):
    plan = _followed_plan(city, lift=0)
    report = plan_report(plan, clock.today())
    assert report.estimate.low < 0 < report.estimate.high
    assert report.said.kind == "unclear"


def test_a_drive_in_another_week_than_drawn_makes_the_estimate_indicative(frozen, city, db):
    plan = make_plan(city)
    slots = sorted(plan.slots, key=lambda s: s.week)
    for slot in slots[1:]:
        realise(slot)
    realise(slots[0], week=slots[0].week + timedelta(weeks=1))  # a week late, by choice
    add_counts(city, {unit_of(s).id: s.week + timedelta(days=1) for s in plan.slots})
    report = plan_report(plan, clock.today())
    assert not report.randomised and report.departures == 1
    assert report.said.indicative and report.said.reason == "off_schedule"
    assert report.said.low is None  # no range is claimed for timing partly chosen


def test_weeks_cut_short_by_the_lag_or_the_rounds_start_are_averaged_over_their_days(city, db):
    unit = city[0]
    add_counts([unit], {}, lift=0)
    panel = weekly_panel([unit], "eksternal", ROUND_START, LAST_DAY)
    # 25 Nov 2026 is a Wednesday: the last week has three days, averaged over three, not seven.
    assert panel.weeks[-1].isoformat() == "2026-11-23"
    last_three = db.session.scalars(
        select(RespondentCount.daily).where(RespondentCount.day >= panel.weeks[-1], RespondentCount.area_id == unit.id)
    ).all()
    assert panel.counts[0, -1] == pytest.approx(sum(last_three) / 3)
    # 1 September 2026 is a Tuesday: the first week has six days of data, averaged over six.
    assert panel.weeks[0].isoformat() == "2026-08-31"
    first_six = db.session.scalars(
        select(RespondentCount.daily).where(RespondentCount.day < panel.weeks[1], RespondentCount.area_id == unit.id)
    ).all()
    assert len(first_six) == 6 and panel.counts[0, 0] == pytest.approx(sum(first_six) / 6)


@pytest.mark.parametrize(
    ("est", "kind", "size", "low", "high", "indicative"),
    [
        (Estimate(4.24, 2.84, 5.59, 12, 12, 40, True, 999), "more", 4.2, 2.8, 5.6, False),
        (Estimate(-6.0, -9.0, -2.6, 12, 12, 40, True, 999), "fewer", 6.0, 2.0, 9.0, False),  # whole, ends outward
        (Estimate(0.8, -1.2, 1.7, 12, 12, 40, True, 999), "unclear", 0.8, -1.2, 1.7, False),
        (Estimate(31.0, 12.0, 52.0, 12, 12, 40, True, 999), "more", 30.0, 10.0, 55.0, False),  # wide: fives
        (Estimate(1.2, 0.3, 22.9, 12, 12, 40, True, 999), "more", 1.0, 0.0, 23.0, False),  # never above the estimate
        (Estimate(3.3, 2.4, 4.2, 19, 100, 40, False, 999), "more", 3.3, None, None, True),  # chosen: no range
        (Estimate(4.0, None, None, 1, 100, 10, False), "more", 4.0, None, None, True),  # one unit: no range
        (Estimate(0.2, None, None, 1, 100, 10, False), "unclear", None, None, None, True),
        (None, "unknown", None, None, None, False),
    ],
)
def test_what_may_be_said_is_rounded_to_what_the_interval_supports(est, kind, size, low, high, indicative):
    said = say(est)
    assert (said.kind, said.size, said.low, said.high, said.indicative) == (kind, size, low, high, indicative)


def test_the_plan_page_opens_on_the_effect_in_words(frozen, leadership_client, city, db):
    plan = _followed_plan(city)
    page = leadership_client.get(f"/rollouts/{plan.id}").get_data(as_text=True)
    said = plan_report(plan, clock.today()).said
    low, high = (f"{v:.{said.decimals}f}".replace(".", ",") for v in (said.low, said.high))
    assert f"responden lebih banyak per hari dibanding unit yang belum mendapat giliran (rentang {low}–{high})" in page
    assert page.index("Dampak kegiatan") < page.index("Jadwal: undian, rencana, pelaksanaan")
    assert "12 dari 12 unit mendapat kegiatan pada minggu undiannya" in page
    assert "Data responden KPK sampai 25 Nov 2026" in page


def test_the_effects_report_and_its_csv_show_the_plan_and_every_kind(frozen, leadership_client, city, db):
    plan = _followed_plan(city)
    page = leadership_client.get("/rollouts/effects").get_data(as_text=True)
    assert plan.name in page and "Sosialisasi door-to-door" in page and "Per kecamatan" in page
    response = leadership_client.get("/rollouts/effects.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    plan_row = next(r for r in rows if r["group"] == "plan")
    est = plan_report(plan, clock.today()).estimate
    assert float(plan_row["effect_per_unit_per_day"]) == pytest.approx(est.effect, abs=1e-3)
    assert plan_row["randomised"] == "1" and plan_row["said"] == "more" and plan_row["data_as_of"] == "2026-11-25"
    kind = next(r for r in rows if r["group"] == "kind" and r["key"] == "door_to_door")
    # The city-wide panel treats every drive as placed by choice; only the plan's own report uses its draw.
    assert kind["indicative"] == "1" and int(kind["n_treated"]) == 10  # the last pair has no one left to compare


def test_the_api_gives_the_plan_its_seed_schedule_and_estimate(frozen, client, city, db):
    plan = _followed_plan(city)
    headers = bearer(UserFactory(role=LEADERSHIP))
    listed = client.get("/api/v1/rollouts", headers=headers).get_json()
    assert [p["id"] for p in listed] == [plan.id] and listed[0]["followed"] == 12
    found = client.get(f"/api/v1/rollouts/{plan.id}", headers=headers).get_json()
    assert found["seed"] == plan.seed and len(found["slots"]) == 12
    assert {s["state"] for s in found["slots"]} == {"followed"}
    assert all(s["drawn_week"] == s["planned_week"] == s["realised_week"] for s in found["slots"])
    est = plan_report(plan, clock.today()).estimate
    assert found["estimate"]["effect"] == pytest.approx(est.effect)
    assert found["estimate"]["randomised"] is True and found["estimate"]["said"] == "more"
    effects = client.get("/api/v1/effects?panel=kelurahan", headers=headers).get_json()
    assert any(e["group"] == "kind" and e["key"] == "door_to_door" for e in effects)
    assert client.get("/api/v1/effects?panel=rt", headers=headers).status_code == 422


def test_promoters_get_no_plan_or_effect_from_the_api(client, city, db):
    plan = make_plan(city)
    headers = bearer(UserFactory(role=PROMOTER))
    for url in ("/api/v1/rollouts", f"/api/v1/rollouts/{plan.id}", "/api/v1/effects"):
        assert client.get(url, headers=headers).status_code == 403, url
        assert client.get(url).status_code == 401, url


def test_a_drawn_week_still_under_way_keeps_the_plan_randomised_until_it_passes(city, db):
    plan = make_plan(city)
    last_week = max(s.week for s in plan.slots)
    for slot in plan.slots:
        if slot.week != last_week:
            realise(slot)
    add_counts(city, {unit_of(s).id: s.week + timedelta(days=1) for s in plan.slots if s.week != last_week})
    during = plan_report(plan, last_week + timedelta(days=3))
    assert during.randomised and {s.state for s in during.slots if s.slot.week == last_week} == {"waiting"}
    after = plan_report(plan, last_week + timedelta(days=8))
    assert not after.randomised and {s.state for s in after.slots if s.slot.week == last_week} == {"missed"}
