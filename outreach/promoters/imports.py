"""CSV import and export of promoters with their current area assignments, built for 10,000+ rows.

Columns: name, role (pamong/linmas/rt), phone, and optionally id, opd_code, area_codes (area codes
separated by `|` or spaces: they become the promoter's current assignments, others are ended;
empty leaves the assignments as they are) and active (1/0).

A row is matched to an existing promoter by `id` (as written by the export) or else by phone with
the same name. A phone that belongs to another promoter is refused, never silently merged.
Lookups are loaded once and the writes are bulk statements, so a large import takes seconds.
"""

import logging
import re
from datetime import date

import phonenumbers
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from outreach import clock
from outreach.areas.models import Area, Opd
from outreach.audit.models import AuditEvent
from outreach.audit.services import diff, record_event
from outreach.auth.models import User
from outreach.campaign import PROMOTER_ROLES
from outreach.extensions import db
from outreach.imports.preview import ImportPreview, PlannedRow, column_length
from outreach.imports.reading import parse_csv, parse_flag
from outreach.imports.template_files import ImportTemplate, TemplateColumn
from outreach.promoters.models import Assignment, Promoter, current_clause

log = logging.getLogger(__name__)

REQUIRED = ("name", "role", "phone")
OPTIONAL = ("id", "opd_code", "area_codes", "active")
EXPORT_HEADER = ("id", "name", "role", "phone", "opd_code", "area_codes", "active")
TEMPLATE = ImportTemplate(
    kind="promoters",
    filename="templat-promotor",
    sheet="Promotor",
    columns=(
        TemplateColumn("name", "nama", "Siti Rahmawati", "Wajib. Nama lengkap promotor."),
        TemplateColumn("role", "peran", "pamong", "Wajib. pamong, linmas atau ketua RT (boleh ditulis rt)."),
        TemplateColumn(
            "phone", "telepon", "0812-3456-7890", "Wajib. Nomor HP Indonesia dalam bentuk apa pun (0812…, +62812…)."
        ),
        TemplateColumn("opd_code", "kode_opd", "", "Boleh kosong. Kode OPD seperti di halaman OPD, mis. kec-kedaton."),
        TemplateColumn(
            "area_codes",
            "kode_wilayah",
            "18.71.01.1003",
            "Boleh kosong. Kode wilayah tugas (kelurahan, RW atau RT), beberapa dipisah |. "
            "Kosong: penugasan yang ada tidak diubah.",
        ),
        TemplateColumn("active", "aktif", "Ya", "Boleh kosong (berarti Ya). Ya atau Tidak."),
        TemplateColumn("id", "id", "", "Biarkan kosong untuk promotor baru; diisi oleh ekspor untuk memperbarui."),
    ),
)
AREA_SEPARATOR = re.compile(r"[|,\s]+")
NAME_LENGTH = column_length(Promoter.name)
ROLE_WORDS = {"pamong": "pamong", "linmas": "linmas", "rt": "rt", "ketua rt": "rt", "ketua_rt": "rt"}


def _phone(raw: str) -> str:
    """E.164 of an Indonesian number; ValueError with a readable message otherwise."""
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError(str(_l("%(value)s is not a valid Indonesian phone number.", value=raw)))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class _Lookups:
    """Everything the import compares against, loaded in a handful of queries."""

    def __init__(self, today: date):
        self.promoters: dict[int, dict] = {}
        self.by_phone: dict[str, int] = {}
        for pid, name, role, phone, opd_id, active in db.session.execute(
            select(Promoter.id, Promoter.name, Promoter.role, Promoter.phone, Promoter.opd_id, Promoter.active)
        ):
            self.promoters[pid] = {"name": name, "role": role, "phone": phone, "opd_id": opd_id, "active": active}
            self.by_phone[phone] = pid
        self.opd_by_code = dict(db.session.execute(select(Opd.code, Opd.id)).tuples().all())
        self.opd_code = {v: k for k, v in self.opd_by_code.items()}
        self.areas: dict[str, tuple[int, bool]] = {
            code: (aid, active) for code, aid, active in db.session.execute(select(Area.code, Area.id, Area.active))
        }
        self.area_code = {aid: code for code, (aid, _a) in self.areas.items()}
        self.current: dict[int, dict[int, int]] = {}
        for aid, pid, area_id in db.session.execute(
            select(Assignment.id, Assignment.promoter_id, Assignment.area_id).where(current_clause(today))
        ):
            self.current.setdefault(pid, {})[area_id] = aid

    def view(self, pid: int) -> dict:
        """A promoter's audited fields (OPD and areas by code) for the diff."""
        p = self.promoters[pid]
        return {
            "name": p["name"],
            "role": p["role"],
            "phone": p["phone"],
            "opd": self.opd_code.get(p["opd_id"]),
            "active": p["active"],
            "areas": " ".join(sorted(self.area_code[a] for a in self.current.get(pid, {}))),
        }


def preview_promoter_import(text: str, today: date | None = None) -> ImportPreview:
    """Check every row of a promoter CSV and say what importing it would add, update or leave unchanged.

    Raises ImportRefused when the file as a whole is unusable; row problems are in the preview.
    """
    today = today or clock.today()
    table = parse_csv(text, REQUIRED, OPTIONAL, aliases=TEMPLATE.aliases())
    lookups = _Lookups(today)
    preview = ImportPreview()
    phones_seen: dict[str, int] = {}
    ids_seen: dict[int, int] = {}
    for line, row in table.rows:
        errors = len(preview.problems)
        if None in row:
            preview.problem(line, None, _l("This row has more cells than the header."))
        for column in REQUIRED:
            if not row[column]:
                preview.problem(line, column, _l("Missing value."))
        name = " ".join(row["name"].split())
        preview.check_length(line, "name", name, NAME_LENGTH)
        role = ROLE_WORDS.get(row["role"].lower(), row["role"].lower()) if row["role"] else ""
        if role and role not in PROMOTER_ROLES:
            preview.problem(line, "role", _l("%(value)s is not a role; use pamong, linmas or rt.", value=row["role"]))
        phone = _row_phone(preview, line, row)
        pid = _row_id(preview, line, row, lookups, ids_seen)
        if phone:
            pid = _check_phone_owner(preview, line, phone, name, pid, lookups, phones_seen)
        opd_id = _row_opd(preview, line, row, lookups)
        area_ids = _row_areas(preview, line, row, lookups)
        try:
            active = parse_flag(row.get("active", ""))
        except ValueError as exc:
            preview.problem(line, "active", str(exc))
            active = None
        if len(preview.problems) > errors:
            continue
        before = lookups.view(pid) if pid is not None else {}
        after = {
            "name": name,
            "role": role,
            "phone": phone,
            "opd": row["opd_code"].lower() if row.get("opd_code") else (before.get("opd") if pid else None),
            "active": before.get("active", True) if active is None else active,
            "areas": before.get("areas", "")
            if area_ids is None
            else " ".join(sorted(lookups.area_code[a] for a in area_ids)),
        }
        if pid is not None and not row.get("opd_code"):
            opd_id = lookups.promoters[pid]["opd_id"]
        changes = diff(before, after)
        data = {
            "id": pid,
            "name": name,
            "role": role,
            "phone": phone,
            "opd_id": opd_id,
            "active": after["active"],
            "area_ids": area_ids,
        }
        planned = PlannedRow(line, f"{name} ({phone})", changes, data)
        if pid is None:
            preview.added.append(planned)
        elif changes:
            preview.updated.append(planned)
        else:
            preview.unchanged.append(planned)
    preview.context["lookups"] = lookups
    return preview


def _row_phone(preview: ImportPreview, line: int, row: dict) -> str | None:
    """The row's phone number in its stored form, or None (a problem noted when it is not a number)."""
    if not row["phone"]:
        return None
    try:
        return _phone(row["phone"])
    except ValueError as exc:
        preview.problem(line, "phone", str(exc))
        return None


def _row_id(preview: ImportPreview, line: int, row: dict, lookups: "_Lookups", ids_seen: dict[int, int]) -> int | None:
    """The promoter id the row names, if it names a known one; a repeated id is a problem."""
    if not row.get("id"):
        return None
    if not row["id"].isdigit() or int(row["id"]) not in lookups.promoters:
        preview.problem(line, "id", _l("No promoter has id %(value)s.", value=row["id"]))
        return None
    pid = int(row["id"])
    if pid in ids_seen:
        preview.problem(line, "id", _l("Duplicate: line %(other)s has the same id.", other=ids_seen[pid]))
    ids_seen.setdefault(pid, line)
    return pid


def _check_phone_owner(
    preview: ImportPreview,
    line: int,
    phone: str,
    name: str,
    pid: int | None,
    lookups: "_Lookups",
    phones_seen: dict[str, int],
) -> int | None:
    """The row's promoter id once its phone is checked: a row without an id updates the promoter who has the
    phone and the same name; a phone repeated in the file, or owned by someone else, is a problem."""
    if phone in phones_seen:
        preview.problem(
            line, "phone", _l("Duplicate: line %(other)s has the same phone number.", other=phones_seen[phone])
        )
    phones_seen.setdefault(phone, line)
    owner = lookups.by_phone.get(phone)
    if owner is None or owner == pid:
        return pid
    owner_name = lookups.promoters[owner]["name"]
    if pid is None and owner_name.casefold() == name.casefold():
        return owner
    if pid is None:
        message = _l(
            "This phone number already belongs to %(name)s (id %(id)s); put that id in the id column to update them.",
            name=owner_name,
            id=owner,
        )
    else:
        message = _l("This phone number already belongs to %(name)s (id %(id)s).", name=owner_name, id=owner)
    preview.problem(line, "phone", message)
    return pid


def _row_opd(preview: ImportPreview, line: int, row: dict, lookups: "_Lookups") -> int | None:
    """The id of the OPD the row names, or None (a problem noted when the code is unknown)."""
    if not row.get("opd_code"):
        return None
    opd_id = lookups.opd_by_code.get(row["opd_code"].lower())
    if opd_id is None:
        preview.problem(line, "opd_code", _l("Unknown OPD code %(code)s.", code=row["opd_code"]))
    return opd_id


def _row_areas(preview: ImportPreview, line: int, row: dict, lookups: "_Lookups") -> list[int] | None:
    """The ids of the active areas the row names once each, or None when the column is empty."""
    if not row.get("area_codes"):
        return None
    area_ids: list[int] = []
    for code in AREA_SEPARATOR.split(row["area_codes"].strip()):
        found = lookups.areas.get(code)
        if found is None:
            preview.problem(line, "area_codes", _l("Unknown area code %(code)s.", code=code))
        elif not found[1]:
            preview.problem(line, "area_codes", _l("Area %(code)s is not active.", code=code))
        elif found[0] not in area_ids:
            area_ids.append(found[0])
    return area_ids


def apply_promoter_import(preview: ImportPreview, actor=None, filename: str = "", today: date | None = None) -> dict:
    """Write a clean preview with bulk statements (the caller commits, or rolls back on any error)."""
    if not preview.ok:
        raise ValueError("an import with problems cannot be applied")
    today = today or clock.today()
    lookups: _Lookups = preview.context["lookups"]
    user_id = getattr(actor, "id", None)
    fields = ("name", "role", "phone", "opd_id", "active")
    new_ids: list[int] = []
    if preview.added:
        result = db.session.execute(
            insert(Promoter).returning(Promoter.id, sort_by_parameter_order=True),
            [{f: row.data[f] for f in fields} for row in preview.added],
        )
        new_ids = list(result.scalars())
        for row, pid in zip(preview.added, new_ids, strict=True):
            row.data["id"] = pid
    if preview.updated:
        db.session.execute(
            update(Promoter), [{"id": row.data["id"], **{f: row.data[f] for f in fields}} for row in preview.updated]
        )
        # A promoter's login follows their active flag, as when (de)activated on their page.
        for active in (True, False):
            ids = [r.data["id"] for r in preview.updated if "active" in r.changes and r.data["active"] is active]
            if ids:
                db.session.execute(update(User).where(User.promoter_id.in_(ids)).values(active=active))
    starts, ends = [], []
    for row in preview.added + preview.updated:
        wanted = row.data["area_ids"]
        if wanted is None:
            continue
        current = lookups.current.get(row.data["id"], {})
        starts += [
            {"promoter_id": row.data["id"], "area_id": a, "start_date": today} for a in wanted if a not in current
        ]
        ends += [{"id": aid, "end_date": today} for area_id, aid in current.items() if area_id not in wanted]
    if ends:
        db.session.execute(update(Assignment), ends)
    if starts:
        db.session.execute(insert(Assignment), starts)
    events = [
        {
            "user_id": user_id,
            "action": "promoter.create",
            "object_type": "promoter",
            "object_id": row.data["id"],
            "changes": row.changes,
        }
        for row in preview.added
    ]
    events += [
        {
            "user_id": user_id,
            "action": "promoter.update",
            "object_type": "promoter",
            "object_id": row.data["id"],
            "changes": row.changes,
        }
        for row in preview.updated
    ]
    if events:
        db.session.execute(insert(AuditEvent), events)
    counts = {**preview.counts(), "assignments_started": len(starts), "assignments_ended": len(ends)}
    record_event(actor, "promoter.import", "promoter", {"file": filename, **counts})
    log.info("imported promoters from %s: %s", filename, counts)
    return counts


def export_rows(stmt) -> list[list]:
    """Promoters selected by `stmt` (a promoter_query) as rows under EXPORT_HEADER."""
    ids = select(stmt.with_only_columns(Promoter.id).order_by(None).subquery().c.id)
    areas: dict[int, list[str]] = {}
    for pid, code in db.session.execute(
        select(Assignment.promoter_id, Area.code)
        .join(Area, Area.id == Assignment.area_id)
        .where(current_clause(), Assignment.promoter_id.in_(ids))
        .order_by(Area.code)
    ):
        areas.setdefault(pid, []).append(code)
    rows = []
    for p, opd_code in db.session.execute(stmt.add_columns(Opd.code).outerjoin(Opd, Opd.id == Promoter.opd_id)):
        rows.append(
            [p.id, p.name, p.role, p.phone, opd_code or "", " ".join(areas.get(p.id, [])), 1 if p.active else 0]
        )
    return rows
