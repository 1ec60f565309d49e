"""CSV import and export of RW/RT units (the official kecamatan/kelurahan are never imported).

Columns: kelurahan_code, rw, rt (empty for an RW row), name (optional local label), active
(optional, 1/0), code (optional; written by the export, ignored on import because it is derived).
An RT whose RW is neither in the database nor in the file gets its RW created as well.
"""

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from outreach.areas.models import Area
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


def preview_area_import(text: str) -> ImportPreview:
    """Check every row of an RW/RT CSV against the database and say what importing it would do.

    Raises ImportRefused when the file as a whole is unusable; row problems are in the preview.
    """
    table = parse_csv(text, REQUIRED, OPTIONAL, aliases=TEMPLATE.aliases())
    known = {a.code: a for a in db.session.scalars(select(Area))}
    preview = ImportPreview()
    seen: dict[str, int] = {}
    planned_codes: set[str] = set()
    for line, row in table.rows:
        errors_before = len(preview.problems)
        kel_code = row["kelurahan_code"]
        numbers, active = _check_cells(preview, line, row, known)
        if len(preview.problems) > errors_before:
            continue
        rw_code = f"{kel_code}.{numbers['rw']:03d}"
        level, number = ("rt", numbers["rt"]) if "rt" in numbers else ("rw", numbers["rw"])
        code = f"{rw_code}.{number:03d}" if level == "rt" else rw_code
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
        existing = known.get(code)
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
    """Every RW/RT (optionally within one kecamatan or kelurahan) as rows under EXPORT_HEADER."""
    stmt = select(Area.code, Area.name, Area.level, Area.active).where(Area.level.in_(("rw", "rt")))
    scope = kelurahan or kecamatan
    if scope is not None:
        stmt = stmt.where(Area.code.startswith(scope.code + "."))
    rows = []
    for code, name, level, active in db.session.execute(stmt.order_by(Area.code)):
        parts = code.split(".")
        kel_code = ".".join(parts[:4])
        rw, rt = parts[4], (parts[5] if level == "rt" else "")
        rows.append([code, kel_code, rw, rt, name, 1 if active else 0])
    return rows
