"""Imports of respondent counts, targets and baselines (CSV or Excel): check and preview, then apply.

Each import has a `preview_*_import(text, ...)` that checks every row of an upload's text against the
database and says what importing it would do (an `ImportPreview`; nothing is written) and an
`apply_*_import(preview, actor, filename)` that writes a clean preview, all of it. The pages run them
in two steps with a confirm between (`outreach.imports.flow`); the API imports counts in one
(`import_counts`), with the same checks.
"""

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from outreach import clock
from outreach.areas.models import Area, Opd
from outreach.audit.services import diff, record_event
from outreach.campaign import AUDIENCES
from outreach.extensions import db
from outreach.imports.preview import ImportPreview, PlannedRow
from outreach.imports.problems import ImportRefused, in_sheet
from outreach.imports.reading import Row, parse_table, read_upload
from outreach.metrics.figures import unit_label
from outreach.participation.import_templates import COUNT_TEMPLATE
from outreach.participation.models import COUNT_KINDS, Baseline, SurveyRound, Target
from outreach.participation.services import (
    AUDIENCE_WORDS,
    KIND_WORDS,
    MAX_SOURCE,
    CountInput,
    CountPlan,
    ImportResult,
    SeriesPlan,
    Unit,
    check_choice,
    check_unit,
    parse_day,
    parse_int,
    plan_counts,
    units_by_code,
    write_counts,
)

log = logging.getLogger(__name__)

COUNT_COLUMNS = {
    "date": ("tanggal", "day", "hari"),
    "unit": ("kode", "code", "unit_code", "kode_unit", "wilayah"),
    "audience": ("audiens", "jenis_responden", "responden"),
    "count": ("jumlah", "responden_count", "respondents"),
    "kind": ("jenis", "tipe", "type"),
    "source": ("sumber",),
}
COUNT_REQUIRED = ("date", "unit", "audience", "count")
TARGET_COLUMNS = {"unit": COUNT_COLUMNS["unit"], "audience": COUNT_COLUMNS["audience"], "target": ("sasaran",)}
BASELINE_COLUMNS = {
    "unit": COUNT_COLUMNS["unit"],
    "audience": COUNT_COLUMNS["audience"],
    "respondents": ("responden", "jumlah"),
    "population": ("penduduk", "pegawai", "employees", "populasi"),
}
TARGET_VALUES: dict[str, Callable[[str], Any]] = {"target": lambda raw: parse_int(raw, 1)}
BASELINE_VALUES: dict[str, Callable[[str], Any]] = {
    "respondents": lambda raw: parse_int(raw, 0),
    "population": lambda raw: parse_int(raw, 1) if raw else None,
}


# --- respondent counts ---------------------------------------------------------------------------


def _count_input(preview: ImportPreview, row: Row, units: dict[str, Unit], default_source: str, today: date):
    """The row as a count to record, or None when a cell has a problem (each one put in the preview)."""
    parsed: dict[str, Any] = {}
    checks: dict[str, Callable[[str], Any]] = {
        "date": parse_day,
        "unit": lambda raw: check_unit(raw, units),
        "audience": lambda raw: check_choice(raw, AUDIENCE_WORDS, AUDIENCES),
        "count": lambda raw: parse_int(raw, 0),
        "kind": lambda raw: check_choice(raw or "daily", KIND_WORDS, COUNT_KINDS),
        "source": lambda raw: raw or default_source,
    }
    for column, check in checks.items():
        try:
            parsed[column] = check(row.values.get(column, ""))
        except ValueError as exc:
            preview.problem(row.line, column, str(exc))
    if "date" in parsed and parsed["date"] > today:
        preview.problem(row.line, "date", _l("%(day)s is in the future", day=parsed["date"]))
    source = str(parsed.get("source", ""))
    if not source.strip() or len(source) > MAX_SOURCE:
        preview.problem(row.line, "source", _l("give a source of at most %(n)s characters", n=MAX_SOURCE))
        return None
    if len(parsed) < len(checks):
        return None
    return CountInput(
        line=row.line,
        day=parsed["date"],
        unit=parsed["unit"],
        audience=parsed["audience"],
        kind=parsed["kind"],
        value=parsed["count"],
        source=source.strip(),
    )


def _count_row(series: SeriesPlan, day: date) -> PlannedRow:
    """A count as the preview lists it: its day and series, and the figures it sets."""
    item, stored = series.items[day], series.stored.get(day)
    before = {} if stored is None else {"reported": stored.reported, "daily": stored.daily}
    after = {"reported": item.value, "daily": series.daily[day]}
    if series.kind == "daily":  # the day's figure is its increment: show it once
        before.pop("daily", None)
        after.pop("daily")
    label = f"{day.isoformat()} · {item.unit.code} {unit_label(item.unit)} · {item.audience} · {item.source}"
    return PlannedRow(item.line, label, diff(before, after))


def preview_count_import(text: str, default_source: str, today: date | None = None) -> ImportPreview:
    """Check every row of a counts file against the stored series and say what importing it would do.

    Rows without a source take `default_source`. Raises ImportRefused when the file as a whole is
    unusable; row problems (a cell, a repeated day, a falling running total) are in the preview.
    """
    table = parse_table(text, COUNT_COLUMNS, COUNT_REQUIRED)
    preview = ImportPreview()
    units = units_by_code()
    inputs = [
        item
        for row in table.rows
        if (item := _count_input(preview, row, units, default_source, today or clock.today())) is not None
    ]
    if preview.ok:
        plan = plan_counts(inputs)
        preview.problems += plan.problems
        preview.context["plan"] = plan
        for series in plan.series:
            for day in series.items:
                getattr(preview, series.outcome(day)).append(_count_row(series, day))
        for outcomes in (preview.added, preview.updated, preview.unchanged):
            outcomes.sort(key=lambda r: r.line)
        if recalculated := plan.result().recalculated:
            preview.notes.append(
                str(
                    _l(
                        "Running totals: %(n)s days already recorded get a new daily figure, worked out from the "
                        "totals in this file.",
                        n=recalculated,
                    )
                )
            )
    preview.spell_columns(table.spelled)
    return preview


def apply_count_import(preview: ImportPreview, actor=None, filename: str = "") -> dict[str, int]:
    """Write a clean counts preview (the caller commits, or rolls back on error)."""
    result = _write_count_preview(preview, actor)
    log.info("imported respondent counts from %s", filename)
    return {"added": result.added, "updated": result.updated, "unchanged": result.unchanged}


def _write_count_preview(preview: ImportPreview, actor) -> ImportResult:
    if not preview.ok:
        raise ValueError("an import with problems cannot be applied")
    plan: CountPlan = preview.context["plan"]
    return write_counts(plan, actor)


def import_counts(
    data: bytes,
    actor=None,
    default_source: str = "laporan",
    today: date | None = None,
    filename: str | None = None,
) -> ImportResult:
    """Import a counts file (CSV or Excel) in one step, all or nothing; raise ImportRefused with every problem.

    The API's import: the same checks as the pages' preview, then the same write as their confirm.
    """
    upload = read_upload(data, filename, sheet=COUNT_TEMPLATE.sheet)
    with in_sheet(upload.sheet):
        preview = preview_count_import(upload.text, default_source, today)
    preview.locate(upload.sheet)
    if not preview.ok:
        raise ImportRefused(preview.problems)
    return _write_count_preview(preview, actor)


# --- targets and baselines -----------------------------------------------------------------------


def _unit_row(preview: ImportPreview, row: Row, units: dict[str, Unit], parse: dict[str, Callable[[str], Any]]):
    """A target or baseline row's unit, audience and values, or None when a cell has a problem (in the preview)."""
    values: dict[str, Any] = {}
    unit = audience = None
    try:
        unit = check_unit(row.values.get("unit", ""), units)
    except ValueError as exc:
        preview.problem(row.line, "unit", str(exc))
    try:
        audience = check_choice(row.values.get("audience", ""), AUDIENCE_WORDS, AUDIENCES)
    except ValueError as exc:
        preview.problem(row.line, "audience", str(exc))
    for column, check in parse.items():
        try:
            values[column] = check(row.values.get(column, ""))
        except ValueError as exc:
            preview.problem(row.line, column, str(exc))
    if unit is None or audience is None or len(values) != len(parse):
        return None
    return unit, audience, values


def _preview_unit_rows(
    text: str, model: Any, round_: SurveyRound, columns: dict, required: tuple, parse: dict
) -> ImportPreview:
    """Check per-unit, per-audience rows (targets, baselines) of a round and say what importing them would do."""
    table = parse_table(text, columns, required)
    units = units_by_code()
    preview = ImportPreview(context={"model": model, "round": round_})
    stored = {
        (("Area", r.area_id) if r.area_id else ("Opd", r.opd_id)) + (r.audience,): r
        for r in db.session.scalars(select(model).where(model.round_id == round_.id))
    }
    seen: dict[tuple, int] = {}
    for row in table.rows:
        checked = _unit_row(preview, row, units, parse)
        if checked is None:
            continue
        unit, audience, values = checked
        key = (type(unit).__name__, unit.id, audience)
        if key in seen:
            preview.problem(row.line, "unit", _l("repeats line %(line)s", line=seen[key]))
            continue
        seen[key] = row.line
        current = stored.get(key)
        before = {} if current is None else {k: getattr(current, k) for k in values}
        planned = PlannedRow(
            row.line,
            f"{unit.code} {unit_label(unit)} · {audience}",
            diff(before, values),
            {"unit": unit, "audience": audience, "values": values, "current": current},
        )
        if current is None:
            preview.added.append(planned)
        else:
            (preview.updated if planned.changes else preview.unchanged).append(planned)
    preview.spell_columns(table.spelled)
    return preview


def _apply_unit_rows(preview: ImportPreview, actor, action: str) -> dict[str, int]:
    """Write a clean targets or baselines preview: add the new rows, change the changed ones."""
    if not preview.ok:
        raise ValueError("an import with problems cannot be applied")
    model, round_ = preview.context["model"], preview.context["round"]
    for row in preview.added:
        unit = row.data["unit"]
        db.session.add(
            model(
                round=round_,
                area=unit if isinstance(unit, Area) else None,
                opd=unit if isinstance(unit, Opd) else None,
                audience=row.data["audience"],
                **row.data["values"],
            )
        )
    for row in preview.updated:
        for name, value in row.data["values"].items():
            setattr(row.data["current"], name, value)
    db.session.flush()
    counts = preview.counts()
    record_event(actor, action, round_, {"added": counts["added"], "updated": counts["updated"]})
    return counts


def preview_target_import(text: str, round_: SurveyRound) -> ImportPreview:
    """Check a targets file (unit, audience, target) for a round and say what importing it would do."""
    return _preview_unit_rows(text, Target, round_, TARGET_COLUMNS, ("unit", "audience", "target"), TARGET_VALUES)


def apply_target_import(preview: ImportPreview, actor=None, filename: str = "") -> dict[str, int]:
    """Write a clean targets preview (the caller commits, or rolls back on error)."""
    counts = _apply_unit_rows(preview, actor, "participation_target.import")
    log.info("imported targets from %s: %s", filename, counts)
    return counts


def preview_baseline_import(text: str, round_: SurveyRound) -> ImportPreview:
    """Check a baselines file (unit, audience, previous round's respondents, optional population)."""
    return _preview_unit_rows(
        text, Baseline, round_, BASELINE_COLUMNS, ("unit", "audience", "respondents"), BASELINE_VALUES
    )


def apply_baseline_import(preview: ImportPreview, actor=None, filename: str = "") -> dict[str, int]:
    """Write a clean baselines preview (the caller commits, or rolls back on error)."""
    counts = _apply_unit_rows(preview, actor, "participation_baseline.import")
    log.info("imported baselines from %s: %s", filename, counts)
    return counts
