"""What drives did, estimated by `staggered` on a weekly panel of respondent counts.

**Panel.** Each unit's respondents per day, averaged over each week (Monday to Sunday, WIB), up to the
last day KPK's counts reach: a week cut short by the reporting lag is averaged over the days it has,
the same days for every unit, so the lag moves no unit against another.

**A rollout plan** (`plan_report`): the plan's units, from four weeks before its first week. A unit is
treated from the week its first drive made from the plan started. When every unit's drive came in the
week its seed drew (or its week has not come yet), the interval is randomisation inference over the
plan's own design, re-drawn with other seeds: what the stored randomisation justifies. Once a unit has
moved, the timing is partly chosen and the estimate is indicative.

**Every drive** (`drive_effects`): all kelurahan (eksternal respondents) or all OPDs (internal), from the
round's start. A unit is treated from its first drive; the effect of one kind of drive, one kecamatan's
drives or one drive counts only its units as treated, and every drive, whatever its kind, ends a unit's
time as a comparison. Drives placed by choice: indicative, with a direction only when placebo re-draws
of the timing rarely give an estimate as large.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np

from outreach.areas.models import Area, Opd
from outreach.clock import wib_day, wib_day_start
from outreach.drives.models import CANCELLED, Drive
from outreach.extensions import db
from outreach.metrics.figures import current_round, drive_units
from outreach.metrics.progress import data_reach, data_span
from outreach.metrics.respondents import Unit, get_source
from outreach.metrics.staggered import NEVER, Bools, Estimate, Floats, Ints, Redraw, estimate
from outreach.rollouts.models import RolloutPlan, RolloutSlot
from outreach.rollouts.schedule import SEED_LIMIT, draw_schedule, monday_of

PRE_WEEKS = 4  # weeks of counts before a plan's first week, so the first drives have a before
DRAWS = 999
# Drives placed by choice get a direction only (indicative, no range): 199 placebo re-draws are enough
# to tell a p-value below 0.05 (the smallest possible is 1/200), at a fifth of the cost per group.
PLACEBO_DRAWS = 199
WIDE, NARROW = 20.0, 3.0  # a range wider than this is rounded to fives / to whole respondents


@dataclass(frozen=True)
class Panel:
    """Respondents per day per unit, averaged per week: units × weeks."""

    units: list[Unit]
    weeks: list[date]  # Mondays
    counts: Floats
    last_day: date

    def period_of(self, week: date | None) -> int:
        """The index of a week in the panel, or NEVER when it is absent or after the panel's end."""
        if week is None or week > self.weeks[-1]:
            return NEVER
        return max(0, (week - self.weeks[0]).days // 7)


def weekly_panel(units: Sequence[Unit], audience: str | None, start: date, last_day: date) -> Panel:
    """Each unit's respondents per day, averaged over each week from `start`'s Monday (or the week the data
    starts in, if later) to `last_day`. A week the data covers only in part is averaged over the days it
    covers, the same days for every unit: a day before the first count is not a day without answers."""
    span = data_span("respondents", audience)
    first_day = max(start, span[0]) if span else start
    first = monday_of(first_day)
    weeks = [first + timedelta(weeks=i) for i in range((last_day - first).days // 7 + 1)]
    daily = get_source("respondents").daily(list(units), first_day, last_day, audience)
    counts = np.zeros((len(units), len(weeks)))
    days_in = np.array(
        [(min(last_day, w + timedelta(days=6)) - max(first_day, w)).days + 1 for w in weeks], dtype=np.float64
    )
    for row, unit in enumerate(units):
        for day, n in daily.get(unit, {}).items():
            counts[row, (day - first).days // 7] += n
    return Panel(list(units), weeks, counts / days_in[None, :], last_day)


@dataclass(frozen=True)
class Said:
    """An estimate as words may state it: the direction and numbers rounded to what the interval supports.

    `kind` is "more" or "fewer" when the interval lies wholly on one side of zero, "unclear" when it
    includes zero, "unknown" without an estimate. `indicative` when the interval rests on more than the
    design guarantees (drives placed by choice) or there is none (too few units): then no range is given.
    `size` is never negative; `kind` gives the direction.
    """

    kind: str
    size: float | None = None
    low: float | None = None
    high: float | None = None
    indicative: bool = False
    step: float = 1.0
    n_treated: int = 0
    n_comparison: int = 0
    reason: str = ""  # why indicative: "few_units" or "not_randomised"

    @property
    def decimals(self) -> int:
        """Digits to show: one when rounded to tenths."""
        return 1 if self.step < 1 else 0


def _round(value: float, step: float) -> float:
    return round(round(value / step) * step, 1)


def _step(width: float, size: float) -> float:
    """Fives for a range wider than WIDE, whole respondents above NARROW, tenths below; never a step
    larger than the estimate itself, so rounding cannot inflate it."""
    step = 5.0 if width > WIDE else 1.0 if width > NARROW else 0.1
    for finer in (5.0, 1.0, 0.1):
        if finer <= step and finer <= size:
            return finer
    return 0.1


def say(est: Estimate | None) -> Said:
    """What may be said of an estimate (per unit per day)."""
    if est is None or est.effect is None:
        return Said("unknown", n_treated=est.n_treated if est else 0, n_comparison=est.n_comparison if est else 0)
    width = (est.high - est.low) if est.low is not None and est.high is not None else abs(est.effect) * 2
    step = _step(width, abs(est.effect))
    size = _round(abs(est.effect), step)
    # Without a range, one unit's own swings are in the estimate: a direction needs a whole respondent.
    direction = "unclear" if abs(est.effect) < 1.0 else "more" if est.effect > 0 else "fewer"
    reason = "few_units"
    if est.low is not None and est.high is not None:
        direction = "more" if est.low > 0 else "fewer" if est.high < 0 else "unclear"
        reason = "" if est.randomised else "not_randomised"
    if reason:  # no range may be claimed: a direction at most
        shown = size if direction != "unclear" else None
        n_treated, n_comparison = est.n_treated, est.n_comparison
        return Said(direction, shown, None, None, True, step, n_treated, n_comparison, reason)
    assert est.low is not None and est.high is not None
    # The ends are rounded outward, so the range said is never narrower than the one computed.
    low, high = round(math.floor(est.low / step) * step, 1), round(math.ceil(est.high / step) * step, 1)
    if direction == "fewer":
        low, high = -high, -low
    shown = size if direction != "unclear" else _round(est.effect, step)
    return Said(direction, shown, low, high, step=step, n_treated=est.n_treated, n_comparison=est.n_comparison)


# ---- a rollout plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotState:
    """One unit of a plan: drawn week, week now, the week its drive really started, and how they compare."""

    slot: RolloutSlot
    realised: date | None
    state: str  # "followed", "shifted", "waiting", "missed"
    drive: Drive | None


def slot_state(slot: RolloutSlot, today: date) -> SlotState:
    """Whether the unit's drive came in the week drawn for it."""
    drives = slot.live_drives
    realised = slot.realised_week
    if realised is not None:
        state = "followed" if realised == slot.drawn_week else "shifted"
    else:
        state = "waiting" if slot.week + timedelta(days=6) >= today else "missed"
    return SlotState(slot, realised, state, drives[0] if drives else None)


@dataclass
class PlanReport:
    """A plan's schedule as drawn, as planned now and as realised, and the effect it measured so far."""

    plan: RolloutPlan
    slots: list[SlotState]
    last_day: date | None
    estimate: Estimate | None = None
    said: Said = field(default_factory=lambda: Said("unknown"))
    randomised: bool = False
    weeks_observed: int = 0

    @property
    def followed(self) -> int:
        """Units whose drive came in the week drawn for them."""
        return sum(1 for s in self.slots if s.state == "followed")

    @property
    def departures(self) -> int:
        """Units whose drive came in another week than drawn, or whose week passed without one."""
        return sum(1 for s in self.slots if s.state in ("shifted", "missed"))


def _followed_draw(states: Sequence[SlotState], today: date) -> bool:
    """True when the observed timing is the drawn one: every drive came in its drawn week, and no drawn
    week has passed without its drive."""
    for s in states:
        if s.realised is not None and s.realised != s.slot.drawn_week:
            return False
        if s.realised is None and s.slot.drawn_week + timedelta(days=6) < today:
            return False
    return True


def plan_report(plan: RolloutPlan, today: date, draws: int = DRAWS) -> PlanReport:
    """The plan's slots with their states, and its effect per unit per day on respondents so far (no
    estimate with `draws` 0: the states alone, for lists)."""
    slots = sorted(plan.slots, key=lambda s: (s.drawn_week, s.name))
    states = [slot_state(s, today) for s in slots]
    reach = data_reach("respondents", plan.audience, today)
    report = PlanReport(plan, states, reach.last_day)
    if draws == 0 or reach.last_day is None or reach.last_day < plan.first_week:
        return report
    panel = weekly_panel(
        [s.unit for s in slots], plan.audience, plan.first_week - timedelta(weeks=PRE_WEEKS), reach.last_day
    )
    report.randomised = _followed_draw(states, today)
    # While the draw was followed, units are treated from their drawn week (what every re-draw assigns),
    # including a drawn week still under way; otherwise from the week their drive really started.
    weeks = [s.slot.drawn_week if report.randomised else s.realised for s in states]
    first = np.array([panel.period_of(w) for w in weeks], dtype=np.int64)
    report.weeks_observed = len(panel.weeks)
    redraw = _plan_redraw(plan, [s.key for s in slots], panel) if report.randomised else None
    report.estimate = estimate(panel.counts, first, redraw, report.randomised, draws=draws, seed=plan.seed % 2**32)
    said = say(report.estimate)
    if said.reason == "not_randomised":
        said = replace(said, reason="off_schedule")  # the weeks were partly chosen, not the places
    report.said = said
    return report


def _plan_redraw(plan: RolloutPlan, keys: list[str], panel: Panel) -> Redraw:
    """Re-draws of the plan's own design with other seeds, as periods of the panel."""
    design = plan.design()

    def redraw(rng: np.random.Generator) -> Ints:
        schedule = draw_schedule(design, int(rng.integers(SEED_LIMIT)))
        return np.array([panel.period_of(schedule[k]) for k in keys], dtype=np.int64)

    return redraw


# ---- every drive ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    """The effect of one group of drives (a kind, a kecamatan's, one OPD's, one drive)."""

    group: str  # "kind", "kecamatan", "opd", "drive", "plan"
    key: str  # the kind, the kecamatan or OPD code, the drive id
    label: str
    estimate: Estimate
    said: Said


@dataclass
class Effects:
    """Every group's effect, with what the panel covered."""

    last_day: date | None
    weeks: int = 0
    units: int = 0
    rows: list[Effect] = field(default_factory=list)

    def of(self, group: str) -> list[Effect]:
        """The rows of one group, in order."""
        return [r for r in self.rows if r.group == group]


def _first_drives(units: Sequence[Unit], drives: Sequence[Drive]) -> dict[int, Drive]:
    """Each unit's first drive (by index in `units`), from drives in the order they started; a kecamatan
    drive reaches all its kelurahan (`figures.drive_units`)."""
    index = {unit: i for i, unit in enumerate(units)}
    first: dict[int, Drive] = {}
    for drive in drives:
        for unit in drive_units(drive):
            if unit in index:
                first.setdefault(index[unit], drive)
    return first


def drive_effects(today: date, level: str = "kelurahan", draws: int = PLACEBO_DRAWS) -> Effects:
    """The effect of each kind of drive, each kecamatan's drives and each drive on its units' respondents
    per day (kelurahan: eksternal respondents; OPDs: internal), from the round's start to the last data day."""
    audience = "internal" if level == "opd" else "eksternal"
    round_ = current_round(today)
    reach = data_reach("respondents", audience, today)
    effects = Effects(reach.last_day)
    if round_ is None or reach.last_day is None or reach.last_day < round_.starts_on + timedelta(weeks=2):
        return effects
    units: list[Unit] = _units(level)
    panel = weekly_panel(units, audience, round_.starts_on, reach.last_day)
    drives = list(
        db.session.scalars(
            db.select(Drive)
            .where(Drive.status != CANCELLED, Drive.starts_at >= wib_day_start(round_.starts_on))
            .order_by(Drive.starts_at, Drive.id)
        )
    )
    firsts = _first_drives(units, [d for d in drives if wib_day(d.starts_at) <= reach.last_day])
    first = np.full(len(units), NEVER, dtype=np.int64)
    for i, drive in firsts.items():
        first[i] = panel.period_of(monday_of(wib_day(drive.starts_at)))
    effects.weeks, effects.units = len(panel.weeks), len(units)

    def add(group: str, key: str, label: str, focus: Bools) -> None:
        est = estimate(panel.counts, first, focus=focus, draws=draws, seed=2026)
        if est.n_treated:
            effects.rows.append(Effect(group, key, label, est, say(est)))

    for kind in sorted({d.kind for d in firsts.values()}):
        add("kind", kind, kind, np.array([i in firsts and firsts[i].kind == kind for i in range(len(units))]))
    if level == "kelurahan":
        parents = {u.parent_id for u in units if isinstance(u, Area)}
        for kecamatan in db.session.scalars(db.select(Area).where(Area.id.in_(parents)).order_by(Area.code)):
            focus = np.array(
                [i in firsts and getattr(u, "parent_id", None) == kecamatan.id for i, u in enumerate(units)]
            )
            add("kecamatan", kecamatan.code, kecamatan.name, focus)
    else:
        for i in sorted(firsts, key=lambda i: units[i].code):
            add("opd", units[i].code, units[i].name, np.arange(len(units)) == i)
    for drive in sorted({d.id: d for d in firsts.values()}.values(), key=lambda d: d.starts_at):
        add("drive", str(drive.id), drive.title, np.array([firsts.get(i) is drive for i in range(len(units))]))
    return effects


def _units(level: str) -> list[Unit]:
    if level == "opd":
        return list(db.session.scalars(db.select(Opd).where(Opd.active.is_(True)).order_by(Opd.code)))
    return list(
        db.session.scalars(db.select(Area).where(Area.level == "kelurahan", Area.active.is_(True)).order_by(Area.code))
    )
