"""Demo participation data: the SPI 2026 round, 2025 baselines, targets and daily respondent counts.

The round runs 1 September - 11 December 2026. KPK's collection window has moved from year to
year (2022: 1 Jul-30 Sep; 2023: 17 Jul-31 Oct), and a round still running on the demo's "today"
(late November 2026) shows what leadership uses the dashboard for: progress, pace, forecast and
whether each unit is on track. Counts run to 25 November 2026 (fixed, so re-runs add nothing);
the demo drives seeded before them leave a fading bump in their areas and OPDs.
Every population, employee count, baseline, target and count here is synthetic.
"""

import math
import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from outreach.areas.models import Area, Opd
from outreach.clock import day_range, wib_days
from outreach.drives.models import CANCELLED, Drive
from outreach.extensions import db
from outreach.metrics import refresh
from outreach.participation.models import Baseline, RespondentCount, SurveyRound, Target

ROUND: dict[str, Any] = {
    "year": 2026,
    "name": "SPI 2026",
    "starts_on": date(2026, 9, 1),
    "deadline": date(2026, 12, 11),
}
LAST_DAY = date(2026, 11, 25)
# Extra respondents per day on a drive's first day, fading over BUMP_DAYS, so drives show up.
BUMP_PER_DAY = {"roadshow_bus": 22, "public_event": 14, "door_to_door": 9, "whatsapp_broadcast": 4, "opd_session": 6}
BUMP_DAYS = 5
# A door-to-door round from a rollout plan leaves RT heads reminding their neighbours: a lasting rise of
# this many respondents a day from its day on (the demo rollout's effect for its report to estimate).
ROLLOUT_LIFT = 3.0
WEEKDAY = (1.1, 1.1, 1.05, 1.0, 0.95, 0.75, 0.55)  # Monday .. Sunday
CUMULATIVE_SOURCE, DAILY_SOURCE = "laporan OPD", "progres KPK"


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth for small means, normal approximation for large ones)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _drive_bumps() -> dict[tuple, dict[date, float]]:
    """Extra expected respondents per (area id, OPD id, audience) and day from the demo drives."""
    bumps: dict[tuple, dict[date, float]] = {}
    drives = db.session.scalars(select(Drive).where(Drive.status != CANCELLED).order_by(Drive.id))
    for drive in drives:
        first = wib_days(drive.starts_at, drive.ends_at)[0]
        size = BUMP_PER_DAY.get(drive.kind, 5)
        keys: list[tuple[int | None, int | None, str]] = [(None, opd.id, drive.audience) for opd in drive.opds]
        for area in drive.areas:
            if area.level == "kecamatan":
                kelurahan = [a for a in area.children if a.level == "kelurahan"]
                keys += [(k.id, None, "eksternal") for k in kelurahan]
            else:
                keys.append((area.id, None, "eksternal"))
        lasting = (LAST_DAY - first).days + 1 if drive.rollout_slot_id is not None else 0
        for key in keys:
            for i in range(lasting):
                day = first + timedelta(days=i)
                bumps.setdefault(key, {})[day] = bumps.get(key, {}).get(day, 0) + ROLLOUT_LIFT
            for i in range(BUMP_DAYS):
                day = first + timedelta(days=i)
                bumps.setdefault(key, {})[day] = bumps.get(key, {}).get(day, 0) + size * (1 - i / BUMP_DAYS)
    return bumps


def _round_to(value: float, step: int = 10) -> int:
    return max(step, int(round(value / step)) * step)


def seed_participation() -> int:
    """Add the demo round, baselines, targets and counts that are missing; return rows added."""
    rng = random.Random("participation-demo-2026")
    added = 0
    round_ = db.session.scalar(select(SurveyRound).where(SurveyRound.year == ROUND["year"]))
    if round_ is None:
        round_ = SurveyRound(**ROUND)
        db.session.add(round_)
        db.session.flush()
        added += 1
    kelurahan = list(db.session.scalars(select(Area).where(Area.level == "kelurahan").order_by(Area.code)))
    opds = list(db.session.scalars(select(Opd).order_by(Opd.code)))
    have_targets = {(t.area_id, t.opd_id, t.audience) for t in db.session.scalars(select(Target))}
    have_baselines = {(b.area_id, b.opd_id, b.audience) for b in db.session.scalars(select(Baseline))}
    have_counts = set(
        db.session.execute(
            select(RespondentCount.area_id, RespondentCount.opd_id, RespondentCount.audience, RespondentCount.day)
        ).all()
    )
    days = day_range(ROUND["starts_on"], LAST_DAY)
    period_days = (ROUND["deadline"] - ROUND["starts_on"]).days + 1
    rows: list[RespondentCount] = []
    plans: list[tuple[Area | None, Opd | None, str, float, int | None, bool]] = []
    for kel in kelurahan:
        residents = rng.randint(6000, 18000)
        plans.append((kel, None, "eksternal", residents * rng.uniform(0.00025, 0.0006), residents, False))
    for office in opds:
        employees = rng.randint(40, 700)
        running_total = rng.random() < 0.35
        plans.append((None, office, "internal", employees * rng.uniform(0.004, 0.009), employees, running_total))
        if office.kind in ("dinas", "rsud", "badan") and rng.random() < 0.6:
            plans.append((None, office, "eksternal", rng.uniform(1.5, 6), None, False))
    bumps = _drive_bumps()
    for area, opd, audience, rate, population, cumulative in plans:
        expected = rate * period_days
        baseline = int(expected * rng.uniform(0.55, 0.95))
        target = _round_to(baseline * rng.uniform(1.15, 1.45))
        key = (area.id if area else None, opd.id if opd else None, audience)
        extra = bumps.get(key, {})
        if key not in have_baselines:
            db.session.add(
                Baseline(
                    round=round_, area=area, opd=opd, audience=audience, respondents=baseline, population=population
                )
            )
            added += 1
        if key not in have_targets:
            db.session.add(Target(round=round_, area=area, opd=opd, audience=audience, target=target))
            added += 1
        total = 0
        for i, day in enumerate(days):
            ramp = 0.6 + 0.8 * i / period_days
            mean = rate * ramp * WEEKDAY[day.weekday()] + extra.get(day, 0)
            count = _poisson(rng, mean)
            total += count
            if key + (day,) in have_counts:
                continue
            rows.append(
                RespondentCount(
                    day=day,
                    area=area,
                    opd=opd,
                    audience=audience,
                    kind="cumulative" if cumulative else "daily",
                    reported=total if cumulative else count,
                    daily=count,
                    source=CUMULATIVE_SOURCE if cumulative else DAILY_SOURCE,
                )
            )
    db.session.add_all(rows)
    db.session.flush()
    refresh.respondents()
    return added + len(rows)
