"""Options of the area and promoter pickers: search by name with where they are, and labels of chosen ids."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from outreach.areas.models import Area, subtree_ids
from outreach.campaign import PROMOTER_ROLE_LABELS, promoter_role_label
from outreach.extensions import db
from outreach.inputs import bounded_int
from outreach.promoters.models import Assignment, Promoter, current_clause

# Drives target whole kecamatan or kelurahan; assignments go to any unit below the city.
TARGET_LEVELS = ("kecamatan", "kelurahan")
UNIT_LEVELS = ("kecamatan", "kelurahan", "rw", "rt")
# The drive list and calendar filter by kecamatan.
FILTER_LEVELS = ("kecamatan",)
LEVEL_HINTS = {
    "kecamatan": _l("whole kecamatan"),
    "kelurahan": _l("kelurahan"),
    "rw": _l("RW"),
    "rt": _l("RT"),
}
KELURAHAN_CODE_LENGTH = len("18.71.01.1001")
LIMIT = 20


@dataclass(frozen=True)
class PickerOption:
    """One choice: the submitted value, the text people read and a hint that tells look-alikes apart."""

    value: int | str
    text: str
    hint: str = ""


def row_id(value) -> int:
    """A submitted id as an int that can be a row's key (1 to the 32-bit limit); ValueError otherwise.

    The shared `bounded_int` check refuses garbage and numbers past our integer columns; ids start at 1.
    """
    number = bounded_int(value)
    if number < 1:
        raise ValueError(f"not a row id: {value!r}")
    return number


def row_ids(values: Iterable) -> list[int]:
    """The values that are row ids, as ints; others are dropped."""
    ids = []
    for value in values:
        try:
            ids.append(row_id(value))
        except (TypeError, ValueError):
            continue
    return ids


def _terms(q: str) -> list[str]:
    return [t for t in (q or "").lower().split() if t][:5]


def _area_stmt():
    """Areas with the names and levels of up to three units above them."""
    p1, p2, p3 = aliased(Area), aliased(Area), aliased(Area)
    stmt = (
        select(Area, p1.name, p1.level, p2.name, p2.level, p3.name, p3.level)
        .outerjoin(p1, p1.id == Area.parent_id)
        .outerjoin(p2, p2.id == p1.parent_id)
        .outerjoin(p3, p3.id == p2.parent_id)
    )
    return stmt, (p1, p2, p3)


def _area_option(area: Area, ancestors: Sequence, value: str) -> PickerOption:
    """'Kedaton › Sidodadi › RW 001 › RT 002', from the kecamatan down, with the level as hint."""
    names = [ancestors[i] for i in (4, 2, 0) if ancestors[i] and ancestors[i + 1] != "kota"]
    return PickerOption(
        value=area.code if value == "code" else area.id,
        text=" › ".join([*names, area.name]),
        hint=str(LEVEL_HINTS.get(area.level, area.level)),
    )


def area_options(
    q: str, levels: Sequence[str] = TARGET_LEVELS, value: str = "id", limit: int = LIMIT
) -> list[PickerOption]:
    """Active areas of the levels whose name or parents' names hold every word of `q`, or whose code starts with it."""
    terms = _terms(q)
    if not terms:
        return []
    stmt, (p1, p2, p3) = _area_stmt()
    for term in terms:
        stmt = stmt.where(
            or_(
                *[func.lower(a.name).contains(term, autoescape=True) for a in (Area, p1, p2, p3)],
                Area.code.startswith(term, autoescape=True),
            )
        )
    first = terms[0]
    starts = func.lower(Area.name).startswith(first, autoescape=True)
    stmt = stmt.where(Area.level.in_(levels), Area.active.is_(True)).order_by(
        starts.desc(), func.length(Area.code), Area.name, Area.code
    )
    return [_area_option(row[0], row[1:], value) for row in db.session.execute(stmt.limit(limit))]


def area_options_by(values: Iterable, value: str = "id") -> list[PickerOption]:
    """Options of the chosen areas (by id or code), in the order of the area tree."""
    values = [v for v in values if v not in (None, "")]
    if not values:
        return []
    stmt, _ = _area_stmt()
    key = Area.code if value == "code" else Area.id
    rows = db.session.execute(stmt.where(key.in_(values)).order_by(Area.code))
    return [_area_option(row[0], row[1:], value) for row in rows]


def _promoter_stmt(on: date | None):
    unit, kel = aliased(Area), aliased(Area)
    stmt = (
        select(Promoter, unit, kel.name)
        .outerjoin(Assignment, (Assignment.promoter_id == Promoter.id) & current_clause(on))
        .outerjoin(unit, unit.id == Assignment.area_id)
        .outerjoin(kel, kel.code == func.substr(unit.code, 1, KELURAHAN_CODE_LENGTH))
    )
    return stmt, unit, kel


def _promoter_options(rows, limit: int | None) -> list[PickerOption]:
    """One option per promoter (the first assignment names the place): 'Budi · RT head · Sidodadi, RT 002'."""
    seen: dict[int, PickerOption] = {}
    for promoter, unit, kel_name in rows:
        if promoter.id in seen:
            continue
        place = ""
        if unit is not None:
            below = unit.level not in ("kecamatan", "kelurahan")
            place = f"{kel_name or ''}, {unit.name}".strip(", ") if below else unit.name
        hint = " · ".join(part for part in (promoter_role_label(promoter.role), place) if part)
        seen[promoter.id] = PickerOption(promoter.id, promoter.name, hint)
        if limit is not None and len(seen) >= limit:
            break
    return list(seen.values())


def promoter_options(
    q: str, within: Sequence[Area] = (), on: date | None = None, limit: int = LIMIT
) -> list[PickerOption]:
    """Active promoters whose name, role or area holds every word of `q`, narrowed to those assigned within areas."""
    terms = _terms(q)
    if not terms:
        return []
    stmt, unit, kel = _promoter_stmt(on)
    for term in terms:
        roles = [role for role, label in PROMOTER_ROLE_LABELS.items() if term in str(label).lower() or term == role]
        stmt = stmt.where(
            or_(
                func.lower(Promoter.name).contains(term, autoescape=True),
                Promoter.role.in_(roles),
                func.lower(unit.name).contains(term, autoescape=True),
                func.lower(kel.name).contains(term, autoescape=True),
            )
        )
    if within:
        stmt = stmt.where(unit.id.in_(subtree_ids(within)))
    first = terms[0]
    starts = func.lower(Promoter.name).startswith(first, autoescape=True)
    stmt = stmt.where(Promoter.active.is_(True)).order_by(starts.desc(), Promoter.name, Promoter.id, unit.code)
    return _promoter_options(db.session.execute(stmt.limit(limit * 4)), limit)


def promoter_options_by_ids(ids: Iterable[int], on: date | None = None) -> list[PickerOption]:
    """Options of the chosen promoters, by name."""
    ids = [i for i in ids if i]
    if not ids:
        return []
    stmt, unit, _ = _promoter_stmt(on)
    rows = db.session.execute(stmt.where(Promoter.id.in_(ids)).order_by(Promoter.name, Promoter.id, unit.code))
    return _promoter_options(rows, None)


@dataclass
class PickerState:
    """What a picker shows: the chosen options, and without JavaScript the search typed and its results."""

    chosen: list[PickerOption]
    query: str = ""
    results: list[PickerOption] | None = None

    @classmethod
    def of(cls, chosen: list[PickerOption], query: str, found: list[PickerOption]) -> "PickerState":
        """A picker with its search results minus what is already chosen; no results list when nothing was typed."""
        taken = {o.value for o in chosen}
        return cls(chosen, query, [o for o in found if o.value not in taken] if query.strip() else None)
