"""CSV import and export of RW/RT units (the official kecamatan/kelurahan are never imported).

Columns: kelurahan_code, rw, rt (empty for an RW row), name (optional local label), active
(optional, 1/0), code (optional; written by the export, ignored on import because it is derived).
An RT whose RW is neither in the database nor in the file gets its RW created as well.

A row names a unit by where it is now: its kelurahan, its RW's number there and its own number. A unit
moved under another parent (`areas.services.move_area`) keeps its code, so both sides follow the tree,
not the code: the export writes the kelurahan a unit lies in today, and the import finds it there.
"""

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import aliased

from outreach.areas.models import Area, ancestors_at, subtree_ids
from outreach.areas.services import subunit_name
from outreach.audit.services import diff, record_event
from outreach.extensions import db
from outreach.imports.preview import ImportPreview, PlannedRow, column_length
from outreach.imports.reading import parse_csv, parse_flag
from outreach.imports.template_files import ImportTemplate, TemplateColumn

log = logging.getLogger(__name__)

REQUIRED = ("kelurahan_code", "rw")
OPTIONAL = ("rt", "name", "active", "code")
EXPORT_HEADER = ("code", "kelurahan_code", "rw", "rt", "name", "active")
NAME_LENGTH = column_length(Area.name)
TEMPLATE = ImportTemplate(
    kind="areas",
    filename="templat-rw-rt",
    sheet="RW RT",
    columns=(
        TemplateColumn(
            "kelurahan_code", "kode_kelurahan", "18.71.01.1003", "Wajib. Kode Kemendagri kelurahan (lihat Wilayah)."
        ),
        TemplateColumn("rw", "rw", "1", "Wajib. Nomor RW, 1 sampai 999."),
        TemplateColumn("rt", "rt", "2", "Kosong untuk baris RW; nomor RT 1 sampai 999 untuk baris RT."),
        TemplateColumn("name", "nama", "Gang Mawar", "Boleh kosong. Nama setempat unit itu."),
        TemplateColumn("active", "aktif", "Ya", "Boleh kosong (berarti Ya). Ya atau Tidak."),
    ),
)


def _number(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 999:
        raise ValueError(str(_l("%(value)s is not a number from 1 to 999.", value=value or '""')))
    return int(value)


def _check_cells(preview: ImportPreview, line: int, row: dict, known: dict) -> tuple[dict[str, int], bool | None]:
    """The row's RW and RT numbers and active flag; each cell's problem goes into the preview."""
    if None in row:
        preview.problem(line, None, _l("This row has more cells than the header."))
    kel_code = row["kelurahan_code"]
    kelurahan = known.get(kel_code)
    if not kel_code:
        preview.problem(line, "kelurahan_code", _l("Missing value."))
    elif kelurahan is None or kelurahan.level != "kelurahan":
        preview.problem(line, "kelurahan_code", _l("Unknown kelurahan code %(code)s.", code=kel_code))
    numbers = {}
    for column in ("rw", "rt"):
        if column == "rt" and not row.get("rt"):
            continue
        if column == "rw" and not row["rw"]:
            preview.problem(line, "rw", _l("Missing value."))
            continue
        try:
            numbers[column] = _number(row[column])
        except ValueError as exc:
            preview.problem(line, column, str(exc))
    try:
        active = parse_flag(row.get("active", ""))
    except ValueError as exc:
        preview.problem(line, "active", str(exc))
        active = None
    return numbers, active


def _number_of(area: Area) -> int:
    """An RW's or RT's number: the last part of its code (kept when the unit is moved)."""
    return int(area.code.rsplit(".", 1)[1])


class _Places:
    """Where each RW and RT is now: {(parent id, number): unit}. Two units at one place (one moved next to
    another of its number) are ambiguous: a row naming that place cannot say which it means."""

    def __init__(self, known: dict[str, Area]):
        self.known = known
        self.units: dict[tuple[int, int], Area] = {}
        self.ambiguous: dict[tuple[int, int], list[Area]] = {}
        for area in known.values():
            if area.level in ("rw", "rt") and area.parent_id is not None and area.code.rsplit(".", 1)[-1].isdigit():
                key = (area.parent_id, _number_of(area))
                if key in self.units:
                    self.ambiguous.setdefault(key, [self.units[key]]).append(area)
                self.units[key] = area

    def locate(self, kelurahan: Area, rw: int, rt: int | None) -> tuple[Area | None, str, str]:
        """The unit a row names (None: a new one), its code and its RW's code. ValueError (the column and
        the message) when the place is ambiguous, or when the code a new unit would get is kept by a unit
        moved away."""
        rw_area = self._at((kelurahan.id, rw), "rw")
        rw_code = rw_area.code if rw_area is not None else self._free(f"{kelurahan.code}.{rw:03d}", "rw")
        if rt is None:
            return rw_area, rw_code, rw_code
        unit = self._at((rw_area.id, rt), "rt") if rw_area is not None else None
        return unit, (unit.code if unit is not None else self._free(f"{rw_code}.{rt:03d}", "rt")), rw_code

    def _at(self, key: tuple[int, int], column: str) -> Area | None:
        if key in self.ambiguous:
            codes = ", ".join(sorted(area.code for area in self.ambiguous[key]))
            raise ValueError(
                column,
                str(
                    _l(
                        "Two units have this number here (codes %(codes)s): move one of them first.",
                        codes=codes,
                    )
                ),
            )
        return self.units.get(key)

    def _free(self, code: str, column: str) -> str:
        if code in self.known:
            raise ValueError(column, _taken(self.known[code]))
        return code


def _taken(area: Area) -> str:
    """Why a new unit cannot get the code its place gives it: a unit moved elsewhere kept that code."""
    parent = area.parent
    return str(
        _l(
            "Code %(code)s is still held by %(name)s, moved under %(parent)s: give this unit another number.",
            code=area.code,
            name=area.name,
            parent=parent.name if parent is not None else "-",
        )
    )


def preview_area_import(text: str) -> ImportPreview:
    """Check every row of an RW/RT CSV against the database and say what importing it would do.

    Raises ImportRefused when the file as a whole is unusable; row problems are in the preview.
    """
    table = parse_csv(text, REQUIRED, OPTIONAL, aliases=TEMPLATE.aliases())
    known = {a.code: a for a in db.session.scalars(select(Area))}
    places = _Places(known)
    preview = ImportPreview()
    seen: dict[str, int] = {}
    planned_codes: set[str] = set()
    for line, row in table.rows:
        errors_before = len(preview.problems)
        kel_code = row["kelurahan_code"]
        numbers, active = _check_cells(preview, line, row, known)
        if len(preview.problems) > errors_before:
            continue
        level, number = ("rt", numbers["rt"]) if "rt" in numbers else ("rw", numbers["rw"])
        try:
            unit, code, rw_code = places.locate(known[kel_code], numbers["rw"], numbers.get("rt"))
        except ValueError as exc:
            preview.problem(line, exc.args[0], exc.args[1])
            continue
        if code in seen:
            column = "rt" if level == "rt" else "rw"
            preview.problem(
                line, column, _l("Duplicate: line %(other)s has the same unit %(code)s.", other=seen[code], code=code)
            )
            continue
        seen[code] = line
        if level == "rt" and rw_code not in known and rw_code not in planned_codes:
            planned_codes.add(rw_code)
            preview.added.append(
                PlannedRow(
                    line,
                    rw_code,
                    diff({}, {"name": subunit_name("rw", numbers["rw"])}),
                    {
                        "code": rw_code,
                        "level": "rw",
                        "parent": kel_code,
                        "name": subunit_name("rw", numbers["rw"]),
                        "active": True,
                    },
                )
            )
        name = subunit_name(level, number, row.get("name", ""))
        if not preview.check_length(line, "name", name, NAME_LENGTH):
            continue
        existing = unit
        if existing is None:
            if code in planned_codes:
                # An RW created implicitly for an earlier RT row is now given explicitly: use these values.
                planned = next(p for p in preview.added if p.label == code)
                planned.data.update(name=name, active=active is not False)
                planned.changes = diff({}, {"name": name})
                continue
            planned_codes.add(code)
            preview.added.append(
                PlannedRow(
                    line,
                    code,
                    diff({}, {"name": name}),
                    {
                        "code": code,
                        "level": level,
                        "parent": rw_code if level == "rt" else kel_code,
                        "name": name,
                        "active": active is not False,
                    },
                )
            )
            continue
        after = {"name": name, "active": existing.active if active is None else active}
        changes = diff({"name": existing.name, "active": existing.active}, after)
        target = preview.updated if changes else preview.unchanged
        target.append(PlannedRow(line, code, changes, {"area": existing, **after}))
    return preview


def apply_area_import(preview: ImportPreview, actor=None, filename: str = "") -> dict[str, int]:
    """Write a clean preview to the database (the caller commits, or rolls back on error)."""
    if not preview.ok:
        raise ValueError("an import with problems cannot be applied")
    known = {a.code: a for a in db.session.scalars(select(Area))}
    for row in sorted(preview.added, key=lambda r: (r.data["level"] != "rw", r.data["code"])):
        d = row.data
        area = Area(code=d["code"], name=d["name"], level=d["level"], parent=known[d["parent"]], active=d["active"])
        db.session.add(area)
        known[area.code] = area
    db.session.flush()
    for row in preview.added:
        record_event(actor, "area.create", known[row.data["code"]], row.changes)
    for row in preview.updated:
        area = row.data["area"]
        area.name, area.active = row.data["name"], row.data["active"]
        record_event(actor, "area.update", area, row.changes)
    counts = preview.counts()
    record_event(actor, "area.import", "area", {"file": filename, **counts})
    log.info("imported RW/RT units from %s: %s", filename, counts)
    return counts


def export_rows(kecamatan: Area | None = None, kelurahan: Area | None = None) -> list[list]:
    """Every RW/RT (optionally within one kecamatan or kelurahan, as the tree is now) as rows under
    EXPORT_HEADER, each with the kelurahan it lies in and its RW's number there, in that order."""
    below = ancestors_at("kelurahan")
    kel, parent = aliased(Area, name="kel"), aliased(Area, name="parent")
    stmt = (
        select(Area.code, Area.name, Area.level, Area.active, kel.code, parent.code)
        .join(below, below.c.area_id == Area.id)
        .join(kel, kel.id == below.c.root_id)
        .join(parent, parent.id == Area.parent_id)
        .where(Area.level.in_(("rw", "rt")))
    )
    scope = kelurahan or kecamatan
    if scope is not None:
        stmt = stmt.where(Area.id.in_(subtree_ids([scope])))
    rows = []
    for code, name, level, active, kel_code, parent_code in db.session.execute(stmt):
        rw_code = code if level == "rw" else parent_code
        rw, rt = rw_code.rsplit(".", 1)[1], (code.rsplit(".", 1)[1] if level == "rt" else "")
        rows.append([code, kel_code, rw, rt, name, 1 if active else 0])
    return sorted(rows, key=lambda row: (row[1], row[2], row[3], row[0]))
