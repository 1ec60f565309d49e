"""Recording respondent counts, targets and baselines, from a form or an all-or-nothing CSV import."""

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from outreach import clock
from outreach.areas.models import Area, Opd
from outreach.audit.services import diff, record_event
from outreach.campaign import AUDIENCES
from outreach.clock import WIB, wib_day
from outreach.extensions import db
from outreach.imports.problems import ImportProblem as Problem
from outreach.imports.problems import ImportRefused as CsvError
from outreach.imports.reading import Row, read_table
from outreach.inputs import INT_MAX
from outreach.metrics import refresh
from outreach.metrics.figures import unit_label
from outreach.participation.import_templates import BASELINE_TEMPLATE, COUNT_TEMPLATE, TARGET_TEMPLATE
from outreach.participation.models import COUNT_KINDS, COUNT_LEVELS, Baseline, RespondentCount, SurveyRound, Target

log = logging.getLogger(__name__)

Unit = Area | Opd

COUNT_COLUMNS = {
    "date": ("tanggal", "day", "hari"),
    "unit": ("kode", "code", "unit_code", "kode_unit", "wilayah"),
    "audience": ("audiens", "jenis_responden", "responden"),
    "count": ("jumlah", "responden_count", "respondents"),
    "kind": ("jenis", "tipe", "type"),
    "source": ("sumber",),
}
TARGET_COLUMNS = {"unit": COUNT_COLUMNS["unit"], "audience": COUNT_COLUMNS["audience"], "target": ("sasaran",)}
BASELINE_COLUMNS = {
    "unit": COUNT_COLUMNS["unit"],
    "audience": COUNT_COLUMNS["audience"],
    "respondents": ("responden", "jumlah"),
    "population": ("penduduk", "pegawai", "employees", "populasi"),
}
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


def _parse_int(raw: str, minimum: int) -> int:
    if not re.fullmatch(r"\d+", raw.replace(".", "").replace(" ", "")) or not raw:
        raise ValueError(str(_l("%(value)s is not a whole number", value=repr(raw))))
    value = int(raw.replace(".", "").replace(" ", ""))
    if value < minimum:
        raise ValueError(str(_l("must be at least %(minimum)s", minimum=minimum)))
    if value > INT_MAX:  # the columns are 32-bit: PostgreSQL would refuse it only on saving
        raise ValueError(str(_l("must be at most %(maximum)s", maximum=INT_MAX)))
    return value


def _check_unit(raw: str, units: dict[str, Unit]) -> Unit:
    unit = units.get(raw.strip().lower())
    if unit is None:
        raise ValueError(
            str(_l("%(code)s is not the code of a kelurahan, kecamatan, the city or an OPD", code=repr(raw)))
        )
    return unit


def _check_choice(raw: str, words: dict[str, str], allowed: tuple[str, ...]) -> str:
    value = words.get(raw.strip().lower())
    if value is None:
        raise ValueError(str(_l("%(value)s is not one of: %(allowed)s", value=repr(raw), allowed=", ".join(allowed))))
    return value


def parse_count_rows(rows: list[Row], default_source: str, today: date) -> list[CountInput]:
    """Check every row of a counts file; raise CsvError listing all problems found."""
    units = units_by_code()
    problems: list[Problem] = []
    inputs: list[CountInput] = []
    for row in rows:
        parsed: dict[str, Any] = {}
        checks = {
            "date": parse_day,
            "unit": lambda raw: _check_unit(raw, units),
            "audience": lambda raw: _check_choice(raw, AUDIENCE_WORDS, AUDIENCES),
            "count": lambda raw: _parse_int(raw, 0),
            "kind": lambda raw: _check_choice(raw or "daily", KIND_WORDS, COUNT_KINDS),
            "source": lambda raw: raw or default_source,
        }
        for column, check in checks.items():
            try:
                parsed[column] = check(row.values.get(column, ""))
            except ValueError as exc:
                problems.append(Problem(row.line, column, str(exc)))
        if "date" in parsed and parsed["date"] > today:
            problems.append(Problem(row.line, "date", _l("%(day)s is in the future", day=parsed["date"])))
        source = str(parsed.get("source", ""))
        if not source.strip() or len(source) > MAX_SOURCE:
            problems.append(Problem(row.line, "source", _l("give a source of at most %(n)s characters", n=MAX_SOURCE)))
        if len(parsed) == len(checks):
            inputs.append(
                CountInput(
                    line=row.line,
                    day=parsed["date"],
                    unit=parsed["unit"],
                    audience=parsed["audience"],
                    kind=parsed["kind"],
                    value=parsed["count"],
                    source=source.strip(),
                )
            )
    if problems:
        raise CsvError(problems)
    return inputs


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


def save_counts(inputs: list[CountInput], actor=None) -> ImportResult:
    """Upsert counts by (day, unit, audience, source); derive daily increments of running totals.

    All or nothing: every problem is collected (with its line) and nothing is written if there is
    one. The first figure of a running total counts as reached on its day. A running total that
    falls is refused, as is mixing daily and running-total figures in one series.
    """
    problems: list[Problem] = []
    by_series = _group_series(inputs, problems)
    stored = _stored_series(inputs)
    plans: list[tuple[tuple, dict[date, int], dict[date, RespondentCount], str]] = []
    for key, items in by_series.items():
        existing = {row.day: row for row in stored.get(key, [])}
        kinds = {i.kind for i in items.values()} | {row.kind for row in existing.values()}
        if len(kinds) > 1:
            problems.append(_mixed_kinds_problem(items))
            continue
        kind = kinds.pop()
        reported = {day: row.reported for day, row in existing.items()}
        reported.update({day: item.value for day, item in items.items()})
        plans.append((key, _daily_increments(kind, reported, items, problems), existing, kind))
    if problems:
        raise CsvError(sorted(problems, key=lambda p: p.line or 0))
    result = ImportResult()
    written = [_write_series(by_series[key], daily, existing, kind, result) for key, daily, existing, kind in plans]
    db.session.flush()
    first = min((day for day in written if day is not None), default=None)
    if first is not None:
        refresh.respondent_counts_written(
            (i.unit.id for i in inputs if isinstance(i.unit, Area)),
            (i.unit.id for i in inputs if isinstance(i.unit, Opd)),
            first,
        )
    record_event(
        actor,
        "respondent_count.import",
        "respondent_count",
        {"added": result.added, "updated": result.updated, "unchanged": result.unchanged},
    )
    log.info("respondent counts: +%d, ~%d, =%d", result.added, result.updated, result.unchanged)
    return result


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


def _write_series(
    items: dict[date, CountInput],
    daily: dict[date, int],
    existing: dict[date, RespondentCount],
    kind: str,
    result: ImportResult,
) -> date | None:
    """Add or update one series' rows (increments of days not in the file may change too), counting in
    `result`; the earliest day written (None: nothing changed)."""
    written = [
        day
        for day, increment in daily.items()
        if (row := existing.get(day)) is None
        or row.daily != increment
        or ((item := items.get(day)) is not None and row.reported != item.value)
    ]
    for day, increment in daily.items():
        item = items.get(day)
        row = existing.get(day)
        if row is None:
            assert item is not None  # a day without a stored row came from the file
            db.session.add(
                RespondentCount(
                    day=day,
                    area=item.unit if isinstance(item.unit, Area) else None,
                    opd=item.unit if isinstance(item.unit, Opd) else None,
                    audience=item.audience,
                    kind=kind,
                    reported=item.value,
                    daily=increment,
                    source=item.source,
                )
            )
            result.added += 1
            continue
        changed = item is not None and row.reported != item.value
        if item is not None and changed:
            row.reported = item.value
        if row.daily != increment:
            row.daily = increment
            if not changed:
                result.recalculated += 1
        if item is not None:
            result.updated += changed
            result.unchanged += not changed
    return min(written, default=None)


def import_counts(
    data: bytes,
    actor=None,
    default_source: str = "laporan",
    today: date | None = None,
    filename: str | None = None,
) -> ImportResult:
    """Import a counts CSV all or nothing; raise CsvError with every problem found."""
    table = read_table(
        data, COUNT_COLUMNS, ("date", "unit", "audience", "count"), filename=filename, sheet=COUNT_TEMPLATE.sheet
    )
    with table.located():
        inputs = parse_count_rows(table.rows, default_source, today or clock.today())
        return save_counts(inputs, actor)


def record_count(day: date, unit: Unit, audience: str, kind: str, value: int, source: str, actor=None) -> ImportResult:
    """Record one count from the form (same rules as an import); raise CountError when refused."""
    try:
        return save_counts([CountInput(1, day, unit, audience, kind, value, source.strip())], actor)
    except CsvError as exc:
        raise CountError("; ".join(str(p.message) for p in exc.problems)) from None


def _upsert_unit_rows(model, round_: SurveyRound, rows: list[Row], parse) -> ImportResult:
    """Shared all-or-nothing upsert of per-unit, per-audience rows (targets, baselines)."""
    units = units_by_code()
    problems: list[Problem] = []
    parsed_rows: list[tuple[Row, Unit, str, dict]] = []
    seen: dict[tuple, int] = {}
    for row in rows:
        checked = _check_unit_row(row, units, parse, problems)
        if checked is None:
            continue
        unit, audience, values = checked
        key = (type(unit).__name__, unit.id, audience)
        if key in seen:
            problems.append(Problem(row.line, "unit", _l("repeats line %(line)s", line=seen[key])))
            continue
        seen[key] = row.line
        parsed_rows.append((row, unit, audience, values))
    if problems:
        raise CsvError(problems)
    existing = {
        (("Area", r.area_id) if r.area_id else ("Opd", r.opd_id)) + (r.audience,): r
        for r in db.session.scalars(select(model).where(model.round_id == round_.id))
    }
    result = ImportResult()
    for _row, unit, audience, values in parsed_rows:
        current = existing.get((type(unit).__name__, unit.id, audience))
        if current is None:
            db.session.add(
                model(
                    round=round_,
                    area=unit if isinstance(unit, Area) else None,
                    opd=unit if isinstance(unit, Opd) else None,
                    audience=audience,
                    **values,
                )
            )
            result.added += 1
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            result.updated += 1
        else:
            result.unchanged += 1
    db.session.flush()
    return result


def _check_unit_row(row: Row, units: dict, parse: dict, problems: list[Problem]) -> tuple[Unit, str, dict] | None:
    """A target or baseline row's unit, audience and parsed values, or None (its problems added) when invalid."""
    values: dict = {}
    unit = audience = None
    try:
        unit = _check_unit(row.values.get("unit", ""), units)
    except ValueError as exc:
        problems.append(Problem(row.line, "unit", str(exc)))
    try:
        audience = _check_choice(row.values.get("audience", ""), AUDIENCE_WORDS, AUDIENCES)
    except ValueError as exc:
        problems.append(Problem(row.line, "audience", str(exc)))
    for column, check in parse.items():
        try:
            values[column] = check(row.values.get(column, ""))
        except ValueError as exc:
            problems.append(Problem(row.line, column, str(exc)))
    if unit is None or audience is None or len(values) != len(parse):
        return None
    return unit, audience, values


def import_targets(data: bytes, round_: SurveyRound, actor=None, filename: str | None = None) -> ImportResult:
    """Import targets (unit, audience, target) for a round, all or nothing."""
    table = read_table(
        data, TARGET_COLUMNS, ("unit", "audience", "target"), filename=filename, sheet=TARGET_TEMPLATE.sheet
    )
    with table.located():
        result = _upsert_unit_rows(Target, round_, table.rows, {"target": lambda raw: _parse_int(raw, 1)})
    record_event(actor, "participation_target.import", round_, {"added": result.added, "updated": result.updated})
    return result


def import_baselines(data: bytes, round_: SurveyRound, actor=None, filename: str | None = None) -> ImportResult:
    """Import baselines (unit, audience, previous round's respondents, optional population), all or nothing."""
    table = read_table(
        data, BASELINE_COLUMNS, ("unit", "audience", "respondents"), filename=filename, sheet=BASELINE_TEMPLATE.sheet
    )
    parse = {
        "respondents": lambda raw: _parse_int(raw, 0),
        "population": lambda raw: _parse_int(raw, 1) if raw else None,
    }
    with table.located():
        result = _upsert_unit_rows(Baseline, round_, table.rows, parse)
    record_event(actor, "participation_baseline.import", round_, {"added": result.added, "updated": result.updated})
    return result


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
