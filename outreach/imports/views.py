"""Starter files for the imports, and how the import preview writes field names and values."""

from datetime import date

from flask import Blueprint, Response, abort
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from outreach.areas.imports import TEMPLATE as AREA_TEMPLATE
from outreach.auth.decorators import roles_required
from outreach.campaign import EDITOR_ROLES, promoter_role_label
from outreach.imports.services import area_places
from outreach.imports.template_files import template_csv, template_xlsx
from outreach.participation.import_templates import BASELINE_TEMPLATE, COUNT_TEMPLATE, TARGET_TEMPLATE
from outreach.promoters.imports import TEMPLATE as PROMOTER_TEMPLATE

bp = Blueprint("imports", __name__)

TEMPLATES = {t.kind: t for t in (PROMOTER_TEMPLATE, AREA_TEMPLATE, COUNT_TEMPLATE, TARGET_TEMPLATE, BASELINE_TEMPLATE)}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELD_LABELS = {
    "name": _l("Name"),
    "role": _l("Role"),
    "phone": _l("Phone"),
    "opd": _l("OPD"),
    "active": _l("Active"),
    "areas": _l("Areas"),
    "reported": _l("Reported"),
    "daily": _l("That day"),
    "target": _l("Target"),
    "respondents": _l("Respondents"),
    "population": _l("Population"),
}


@bp.route("/<kind>/template.<fmt>")
@roles_required(*EDITOR_ROLES)
def template(kind: str, fmt: str):
    """The starter file of an import as CSV or Excel: Indonesian headers, one example row, notes."""
    spec = TEMPLATES.get(kind)
    if spec is None or fmt not in ("csv", "xlsx"):
        abort(404)
    body: str | bytes
    if fmt == "csv":
        body, mimetype = template_csv(spec), "text/csv"
    else:
        body, mimetype = template_xlsx(spec), XLSX_TYPE
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{spec.filename}.{fmt}"', "Cache-Control": "no-store"},
    )


@bp.app_template_filter("import_field")
def import_field(name: str) -> str:
    """A changed field's name as people read it ('Aktif', not 'active')."""
    return str(FIELD_LABELS.get(name, name))


@bp.app_template_filter("import_value")
def import_value(value, name: str = "") -> str:
    """A value as people write it: Ya/Tidak, 4 Des 2026, a role's label, areas by name with their code."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, date):
        return format_date(value, "d MMM yyyy")
    if name == "role":
        return promoter_role_label(value)
    if name == "areas":
        codes = str(value).split()
        places = area_places(codes)
        return ", ".join(f"{places[c]} ({c})" if c in places else c for c in codes)
    return str(value)
