"""Recording respondent counts, targets and baselines: the checks every way in shares, and the writes.

The imports (`participation.imports`) check their rows with the same helpers and write counts through
`plan_counts` and `write_counts`, as the form and the API do through `save_counts`.
"""

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from outreach.areas.models import Area, Opd
from outreach.audit.services import diff, record_event
from outreach.clock import WIB, wib_day
from outreach.extensions import db
from outreach.imports.problems import ImportProblem as Problem
from outreach.imports.problems import ImportRefused as CsvError
from outreach.inputs import INT_MAX
from outreach.metrics import refresh
from outreach.metrics.figures import unit_label
from outreach.participation.models import COUNT_LEVELS, RespondentCount, SurveyRound, Target

log = logging.getLogger(__name__)

Unit = Area | Opd

AUDIENCE_WORDS = {"eksternal": "eksternal", "external": "eksternal", "internal": "internal"}
KIND_WORDS = {
    "daily": "daily",
    "harian": "daily",
    "cumulative": "cumulative",
    "kumulatif": "cumulative",
    "total": "cumulative",
}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
MAX_SOURCE = 60


class CountError(ValueError):
    """A single count (from the form) cannot be recorded; the message says why."""


@dataclass(frozen=True)
class CountInput:
    """One respondent count to record, already parsed and checked."""

    line: int
    day: date
    unit: Unit
    audience: str
    kind: str
    value: int
    source: str


@dataclass
class ImportResult:
    """What an import changed."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    recalculated: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Rows read from the input."""
        return self.added + self.updated + self.unchanged


def units_by_code() -> dict[str, Unit]:
    """Areas that may carry counts, and OPDs, keyed by their code."""
    units: dict[str, Unit] = {o.code.lower(): o for o in db.session.scalars(select(Opd))}
    for area in db.session.scalars(select(Area).where(Area.level.in_(COUNT_LEVELS))):
        units[area.code.lower()] = area
    return units


def parse_day(raw: str) -> date:
    """A WIB day from a date (2026-10-01, 01/10/2026) or a moment (ISO; without offset it is WIB)."""
    raw = raw.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(str(_l("%(value)s is not a date; use YYYY-MM-DD", value=repr(raw)))) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WIB)
    return wib_day(moment)


def parse_int(raw: str, minimum: int) -> int:
    """A whole number of at least `minimum` that fits the 32-bit columns (1.234 and 1 234 read as 1234)."""
    if not re.fullmatch(r"\d+", raw.replace(".", "").replace(" ", "")) or not raw:
        raise ValueError(str(_l("%(value)s is not a whole number", value=repr(raw))))
    value = int(raw.replace(".", "").replace(" ", ""))
    if value < minimum:
        raise ValueError(str(_l("must be at least %(minimum)s", minimum=minimum)))
    if value > INT_MAX:  # the columns are 32-bit: PostgreSQL would refuse it only on saving
        raise ValueError(str(_l("must be at most %(maximum)s", maximum=INT_MAX)))
    return value


def check_unit(raw: str, units: dict[str, Unit]) -> Unit:
    """The unit (from `units_by_code`) a code names; ValueError saying so when none does."""
    unit = units.get(raw.strip().lower())
    if unit is None:
        raise ValueError(
            str(_l("%(code)s is not the code of a kelurahan, kecamatan, the city or an OPD", code=repr(raw)))
        )
    return unit


def check_choice(raw: str, words: dict[str, str], allowed: tuple[str, ...]) -> str:
    """The value a word stands for ('harian' -> 'daily'); ValueError naming the allowed ones otherwise."""
    value = words.get(raw.strip().lower())
    if value is None:
        raise ValueError(str(_l("%(value)s is not one of: %(allowed)s", value=repr(raw), allowed=", ".join(allowed))))
    return value


def _series_key(unit: Unit, audience: str, source: str) -> tuple:
    return ("area" if isinstance(unit, Area) else "opd", unit.id, audience, source)


def _stored_series(inputs: list[CountInput]) -> dict[tuple, list[RespondentCount]]:
    """Stored rows of every series the inputs touch, by series key."""
    area_ids = {i.unit.id for i in inputs if isinstance(i.unit, Area)}
    opd_ids = {i.unit.id for i in inputs if isinstance(i.unit, Opd)}
    wanted = {_series_key(i.unit, i.audience, i.source) for i in inputs}
    stored: dict[tuple, list[RespondentCount]] = defaultdict(list)
    query = select(RespondentCount).where(
        or_(RespondentCount.area_id.in_(area_ids), RespondentCount.opd_id.in_(opd_ids))
    )
    for row in db.session.scalars(query):
        key = (
            ("area", row.area_id, row.audience, row.source)
            if row.area_id
            else ("opd", row.opd_id, row.audience, row.source)
        )
        if key in wanted:
            stored[key].append(row)
    return stored


@dataclass
class SeriesPlan:
    """What recording figures does to one series (unit, audience, source): each day's new increment.

    `items` are the figures given by day, `stored` the series' rows already recorded by day, `daily` the
    increment of every day of the series once the figures are recorded.
    """

    kind: str
    items: dict[date, CountInput]
    stored: dict[date, RespondentCount]
    daily: dict[date, int]

    def outcome(self, day: date) -> str:
        """What recording the figure of `day` does: 'added', 'updated' or 'unchanged'."""
        row = self.stored.get(day)
        if row is None:
            return "added"
        return "updated" if row.reported != self.items[day].value else "unchanged"

    def recalculated(self) -> int:
        """Stored days whose figure stays but whose increment changes (a running total's next day)."""
        return sum(
            1
            for day, row in self.stored.items()
            if row.daily != self.daily[day] and (day not in self.items or row.reported == self.items[day].value)
        )

    def first_changed(self) -> date | None:
        """The earliest day whose stored row changes (None: the series stays as it is)."""
        return min(
            (
                day
                for day, increment in self.daily.items()
                if (row := self.stored.get(day)) is None
                or row.daily != increment
                or (day in self.items and row.reported != self.items[day].value)
            ),
            default=None,
        )


@dataclass
class CountPlan:
    """What recording a batch of counts would do, checked against the stored series; nothing written yet.

    `problems` lists every reason the batch cannot be recorded (a repeated day, a falling running
    total, kinds mixed in a series); a plan with problems must not be written.
    """

    series: list[SeriesPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def result(self) -> ImportResult:
        """The rows writing the plan adds, updates and leaves, and the stored days it recalculates."""
        result = ImportResult()
        for plan in self.series:
            for day in plan.items:
                outcome = plan.outcome(day)
                setattr(result, outcome, getattr(result, outcome) + 1)
            result.recalculated += plan.recalculated()
        return result


def plan_counts(inputs: list[CountInput]) -> CountPlan:
    """Check counts against each other and the stored series, and work out every day's increment.

    Counts are keyed by (day, unit, audience, source); the first figure of a running total counts as
    reached on its day. A running total that falls is a problem, as is mixing daily and running-total
    figures in one series or giving one day twice.
    """
    plan = CountPlan()
    by_series = _group_series(inputs, plan.problems)
    stored = _stored_series(inputs)
    for key, items in by_series.items():
        existing = {row.day: row for row in stored.get(key, [])}
        kinds = {i.kind for i in items.values()} | {row.kind for row in existing.values()}
        if len(kinds) > 1:
            plan.problems.append(_mixed_kinds_problem(items))
            continue
        kind = kinds.pop()
        reported = {day: row.reported for day, row in existing.items()}
        reported.update({day: item.value for day, item in items.items()})
        plan.series.append(SeriesPlan(kind, items, existing, _daily_increments(kind, reported, items, plan.problems)))
    plan.problems.sort(key=lambda p: p.line or 0)
    return plan


def write_counts(plan: CountPlan, actor=None) -> ImportResult:
    """Write a plan without problems: add or update every series' rows, then refresh the derived totals."""
    if plan.problems:
        raise ValueError("counts with problems cannot be written")
    result = plan.result()
    first = min((day for s in plan.series if (day := s.first_changed()) is not None), default=None)
    for series in plan.series:
        _write_series(series)
    db.session.flush()
    if first is not None:
        units = [item.unit for s in plan.series for item in s.items.values()]
        refresh.respondent_counts_written(
            (u.id for u in units if isinstance(u, Area)), (u.id for u in units if isinstance(u, Opd)), first
        )
    record_event(
        actor,
        "respondent_count.import",
        "respondent_count",
        {"added": result.added, "updated": result.updated, "unchanged": result.unchanged},
    )
    log.info("respondent counts: +%d, ~%d, =%d", result.added, result.updated, result.unchanged)
    return result


def save_counts(inputs: list[CountInput], actor=None) -> ImportResult:
    """Record counts all or nothing: raise CsvError with every problem found, else write them all."""
    plan = plan_counts(inputs)
    if plan.problems:
        raise CsvError(plan.problems)
    return write_counts(plan, actor)


def _group_series(inputs: list[CountInput], problems: list[Problem]) -> dict[tuple, dict[date, CountInput]]:
    """The inputs by series and day; a second figure for the same day and series is a problem."""
    by_series: dict[tuple, dict[date, CountInput]] = defaultdict(dict)
    for item in inputs:
        key = _series_key(item.unit, item.audience, item.source)
        earlier = by_series[key].get(item.day)
        if earlier is not None:
            problems.append(
                Problem(
                    item.line,
                    "date",
                    _l("repeats line %(line)s (same day, unit, audience and source)", line=earlier.line),
                )
            )
            continue
        by_series[key][item.day] = item
    return by_series


def _mixed_kinds_problem(items: dict[date, CountInput]) -> Problem:
    """The problem of a series that mixes daily counts and running totals, on its first line."""
    first = min(items.values(), key=lambda i: i.line)
    return Problem(
        first.line,
        "kind",
        _l(
            "%(unit)s (%(audience)s, source %(source)s) mixes daily counts and running totals; use one kind per series",
            unit=unit_label(first.unit),
            audience=first.audience,
            source=first.source,
        ),
    )


def _daily_increments(
    kind: str, reported: dict[date, int], items: dict[date, CountInput], problems: list[Problem]
) -> dict[date, int]:
    """Each day's increment: the figure itself, or for a running total the rise since the day before."""
    daily: dict[date, int] = {}
    previous: tuple[date, int] | None = None
    for day in sorted(reported):
        value = reported[day]
        if kind == "cumulative" and previous is not None and value < previous[1]:
            culprit = items.get(day) or items[previous[0]]
            problems.append(
                Problem(
                    culprit.line,
                    "count",
                    _l(
                        "the running total of %(unit)s falls from %(before)s on %(day_before)s to %(after)s on "
                        "%(day)s; a cumulative count cannot decrease",
                        unit=unit_label(culprit.unit),
                        before=previous[1],
                        day_before=previous[0].isoformat(),
                        after=value,
                        day=day.isoformat(),
                    ),
                )
            )
        daily[day] = value - previous[1] if kind == "cumulative" and previous else value
        previous = (day, value)
    return daily


def _write_series(plan: SeriesPlan) -> None:
    """Add or update one series' rows (increments of days not given may change too)."""
    for day, increment in plan.daily.items():
        item = plan.items.get(day)
        row = plan.stored.get(day)
        if row is None:
            assert item is not None  # a day without a stored row was given
            db.session.add(
                RespondentCount(
                    day=day,
                    area=item.unit if isinstance(item.unit, Area) else None,
                    opd=item.unit if isinstance(item.unit, Opd) else None,
                    audience=item.audience,
                    kind=plan.kind,
                    reported=item.value,
                    daily=increment,
                    source=item.source,
                )
            )
            continue
        if item is not None and row.reported != item.value:
            row.reported = item.value
        if row.daily != increment:
            row.daily = increment


def record_count(day: date, unit: Unit, audience: str, kind: str, value: int, source: str, actor=None) -> ImportResult:
    """Record one count from the form (same rules as an import); raise CountError when refused."""
    try:
        return save_counts([CountInput(1, day, unit, audience, kind, value, source.strip())], actor)
    except CsvError as exc:
        raise CountError("; ".join(str(p.message) for p in exc.problems)) from None


def set_target(round_: SurveyRound, unit: Unit, audience: str, target: int, actor=None) -> Target:
    """Set (or change) one unit's target for a round and audience."""
    if target < 1:
        raise CountError(str(_l("a target must be at least 1")))
    row = db.session.scalar(
        select(Target).where(
            Target.round_id == round_.id,
            Target.audience == audience,
            (Target.area_id == unit.id) if isinstance(unit, Area) else (Target.opd_id == unit.id),
        )
    )
    before = row.target if row else None
    if row is None:
        row = Target(
            round=round_,
            area=unit if isinstance(unit, Area) else None,
            opd=unit if isinstance(unit, Opd) else None,
            audience=audience,
            target=target,
        )
        db.session.add(row)
    row.target = target
    db.session.flush()
    record_event(actor, "participation_target.set", row, {"target": [before, target], "unit": unit.code})
    return row


def recent_counts(limit: int = 50) -> list[RespondentCount]:
    """The most recently recorded counts, newest first."""
    return list(
        db.session.scalars(
            select(RespondentCount).order_by(RespondentCount.updated_at.desc(), RespondentCount.id.desc()).limit(limit)
        )
    )


def save_round(name: str, year: int, starts_on: date, deadline: date, actor=None) -> SurveyRound:
    """Create the round of `year`, or change its name and period."""
    if deadline < starts_on:
        raise CountError(str(_l("The deadline must be on or after the start.")))
    round_ = db.session.scalar(select(SurveyRound).where(SurveyRound.year == year))
    before = {"name": round_.name, "starts_on": round_.starts_on, "deadline": round_.deadline} if round_ else {}
    if round_ is None:
        round_ = SurveyRound(year=year, name=name, starts_on=starts_on, deadline=deadline)
        db.session.add(round_)
    round_.name, round_.starts_on, round_.deadline = name, starts_on, deadline
    db.session.flush()
    after = {"name": name, "starts_on": starts_on, "deadline": deadline}
    record_event(actor, "survey_round.save", round_, diff(before, after))
    return round_


def count_unit_choices(levels: tuple[str, ...] = COUNT_LEVELS) -> list[tuple[str, str, str]]:
    """(code, label, group) of every unit a count can be recorded for: areas of `levels`, then OPDs."""
    areas = db.session.scalars(select(Area).where(Area.level.in_(levels)).order_by(Area.code))
    opds = db.session.scalars(select(Opd).where(Opd.active.is_(True)).order_by(Opd.name))
    return [(a.code, f"{a.code} {a.label}", a.level) for a in areas] + [(o.code, o.name, "opd") for o in opds]
