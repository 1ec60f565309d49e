"""Area tree, RW/RT and OPD editing, RW/RT import/export and the coverage pages."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields import SelectChoice

from outreach import clock
from outreach.areas.forms import OPD_KIND_LABELS, OpdForm, SubunitEditForm, SubunitForm
from outreach.areas.imports import EXPORT_HEADER, apply_area_import, export_rows, preview_area_import
from outreach.areas.imports import TEMPLATE as IMPORT_TEMPLATE
from outreach.areas.models import CHILD_LEVEL, OPD_KINDS, Area, Opd
from outreach.areas.services import (
    AreaError,
    ancestors,
    area_counts,
    create_opd,
    create_subunit,
    kota,
    list_kecamatan,
    list_kelurahan,
    list_opds,
    opd_promoter_counts,
    search_areas,
    set_area_active,
    set_opd_active,
    update_opd,
    update_subunit,
)
from outreach.auth.decorators import roles_required
from outreach.auth.forms import ConfirmForm
from outreach.campaign import EDITOR_ROLES, PROMOTER_ROLES, STAFF_ROLES
from outreach.extensions import db, import_limit
from outreach.imports.flow import confirm_upload, preview_upload
from outreach.imports.forms import UploadForm
from outreach.imports.writing import csv_response
from outreach.metrics import coverage as cov
from outreach.metrics.opds import opd_of_area
from outreach.promoters.services import assignments_in
from outreach.uow import unit_of_work

bp = Blueprint("areas", __name__)


def _arg_area(name: str, level: str) -> Area | None:
    """An area id from the query string, if it names an area of that level."""
    area = db.session.get(Area, request.args.get(name, type=int) or 0)
    return area if area is not None and area.level == level else None


@bp.route("/")
@roles_required(*STAFF_ROLES)
def index():
    """The tree from the top (kota and its kecamatan), or search results for `q`."""
    q = request.args.get("q", "").strip()
    if q:
        results = search_areas(q)
        return render_template("areas/index.html", q=q, results=results, counts=area_counts(results))
    root = kota()
    children = list(root.children) if root else []
    counts = area_counts(children + ([root] if root else []))
    return render_template("areas/index.html", q="", root=root, children=children, counts=counts)


@bp.route("/<int:area_id>")
@roles_required(*STAFF_ROLES)
def show(area_id: int):
    """One area with its units below, counts and the promoters assigned directly to it."""
    area = db.get_or_404(Area, area_id)
    children = list(area.children)
    counts = area_counts(children + [area])
    promoters = assignments_in(area)
    child_level = CHILD_LEVEL.get(area.level)
    add_form = SubunitForm() if child_level in ("rw", "rt") and current_user.role in EDITOR_ROLES else None
    return render_template(
        "areas/show.html",
        area=area,
        trail=ancestors(area),
        children=children,
        counts=counts,
        promoters=promoters,
        child_level=child_level,
        add_form=add_form,
        can_edit=current_user.role in EDITOR_ROLES,
        opd=opd_of_area(area) if area.level == "kecamatan" else None,
    )


@bp.route("/<int:area_id>/units", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def create(area_id: int):
    """Add an RW below a kelurahan or an RT below an RW."""
    parent = db.get_or_404(Area, area_id)
    form = SubunitForm()
    if not form.validate_on_submit():
        flash(_("Give a number from 1 to 999."), "error")
        return redirect(url_for("areas.show", area_id=parent.id))
    try:
        with unit_of_work():
            unit = create_subunit(parent, form.number.data, actor=current_user, label=form.label.data or "")
    except AreaError as exc:
        flash(str(exc), "error")
        return redirect(url_for("areas.show", area_id=parent.id))
    flash(_("%(unit)s added.", unit=unit.name), "success")
    return redirect(url_for("areas.show", area_id=parent.id))


@bp.route("/<int:area_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def edit(area_id: int):
    """Change an RW/RT's local name; official kecamatan/kelurahan are refused."""
    area = db.get_or_404(Area, area_id)
    if area.is_official:
        abort(403)
    number = area.code.rsplit(".", 1)[1]
    form = SubunitEditForm(label=area.name.removeprefix(f"{area.level.upper()} {number}").strip())
    if form.validate_on_submit():
        update_subunit(area, form.label.data or "", actor=current_user)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("areas.show", area_id=area.id))
    return render_template("areas/edit.html", area=area, form=form, trail=ancestors(area))


@bp.route("/<int:area_id>/active", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def set_active(area_id: int):
    """Deactivate or reactivate an RW/RT (`active=0|1`)."""
    area = db.get_or_404(Area, area_id)
    if area.is_official:
        abort(403)
    active = request.form.get("active") == "1"
    set_area_active(area, active, actor=current_user)
    db.session.commit()
    flash(
        _("%(unit)s is active again.", unit=area.name) if active else _("%(unit)s deactivated.", unit=area.name),
        "success",
    )
    return redirect(url_for("areas.show", area_id=area.id))


IMPORT_PAGE = {
    "template_kind": IMPORT_TEMPLATE.kind,
    "sheet": IMPORT_TEMPLATE.sheet,
    "headers": {c.key: c.header for c in IMPORT_TEMPLATE.columns},
    "columns": "; ".join(IMPORT_TEMPLATE.header()),
    "example": ";".join(IMPORT_TEMPLATE.header()) + "\n18.71.01.1003;1;;;Ya\n18.71.01.1003;1;2;Gang Mawar;Ya",
}


def _import_page() -> dict:
    return {
        **IMPORT_PAGE,
        "title": _("Import RW/RT units"),
        "url": url_for("areas.import_units"),
        "done_url": url_for("areas.index"),
        "action": url_for("areas.import_units"),
        "confirm_action": url_for("areas.confirm_import"),
        "help": _(
            "One row per RW or RT. Leave rt empty for an RW row. nama is an optional local name; aktif is Ya or Tidak. "
            "Codes are derived: an RT's RW is created when missing. Existing units are updated, never deleted."
        ),
    }


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
@import_limit
def import_units():
    """Upload a CSV of RW/RT units and see what it would change."""
    form = UploadForm()
    if form.validate_on_submit():
        return preview_upload("areas", form, preview_area_import, _import_page())
    return render_template("imports/upload.html", form=form, page=_import_page()), 400 if form.errors else 200


@bp.route("/import/confirm", methods=["POST"])
@roles_required(*EDITOR_ROLES)
@import_limit
def confirm_import():
    """Import the checked upload: all rows or none."""
    return confirm_upload("areas", preview_area_import, apply_area_import, _import_page())


@bp.route("/export.csv")
@roles_required(*STAFF_ROLES)
def export_units():
    """Download the RW/RT units (optionally of one kecamatan/kelurahan) in the import format."""
    rows = export_rows(_arg_area("kecamatan", "kecamatan"), _arg_area("kelurahan", "kelurahan"))
    return csv_response(f"rw-rt-{clock.today():%Y%m%d}.csv", EXPORT_HEADER, rows)


@bp.route("/opds")
@roles_required(*STAFF_ROLES)
def opds():
    """The OPD list, filtered by name/code, kind and active."""
    q = request.args.get("q", "").strip()
    kind = request.args.get("kind") if request.args.get("kind") in OPD_KINDS else None
    active = {"1": True, "0": False}.get(request.args.get("active", "1"))
    return render_template(
        "areas/opds.html",
        opds=list_opds(q, kind, active),
        counts=opd_promoter_counts(),
        q=q,
        kind=kind,
        active=request.args.get("active", "1"),
        kinds=OPD_KIND_LABELS,
        can_edit=current_user.role in EDITOR_ROLES,
    )


def _opd_form(opd: Opd | None = None) -> OpdForm:
    form = OpdForm(obj=opd)
    if opd is not None and request.method == "GET":
        form.area_id.data = opd.area_id or 0
    form.area_id.choices = [SelectChoice(0, "—")] + [SelectChoice(a.id, a.name) for a in list_kecamatan()]
    return form


@bp.route("/opds/new", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def opd_create():
    """Add an OPD."""
    form = _opd_form()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                opd = create_opd(
                    form.code.data,
                    form.name.data,
                    form.kind.data,
                    db.session.get(Area, form.area_id.data) if form.area_id.data else None,
                    actor=current_user,
                )
        except AreaError as exc:
            form.code.errors.append(str(exc))
        else:
            flash(_("%(name)s added.", name=opd.name), "success")
            return redirect(url_for("areas.opds"))
    return render_template("areas/opd_form.html", form=form, opd=None), 400 if form.errors else 200


@bp.route("/opds/<int:opd_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def opd_edit(opd_id: int):
    """Edit an OPD."""
    opd = db.get_or_404(Opd, opd_id)
    form = _opd_form(opd)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                update_opd(
                    opd,
                    form.code.data,
                    form.name.data,
                    form.kind.data,
                    db.session.get(Area, form.area_id.data) if form.area_id.data else None,
                    actor=current_user,
                )
        except AreaError as exc:
            form.code.errors.append(str(exc))
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("areas.opds"))
    return render_template("areas/opd_form.html", form=form, opd=opd), 400 if form.errors else 200


@bp.route("/opds/<int:opd_id>/active", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def opd_set_active(opd_id: int):
    """Deactivate or reactivate an OPD (`active=0|1`)."""
    opd = db.get_or_404(Opd, opd_id)
    active = request.form.get("active") == "1"
    set_opd_active(opd, active, actor=current_user)
    db.session.commit()
    flash(
        _("%(unit)s is active again.", unit=opd.name) if active else _("%(unit)s deactivated.", unit=opd.name),
        "success",
    )
    return redirect(url_for("areas.opds"))


COVERAGE_LIST_LIMIT = 200


@bp.route("/coverage")
@roles_required(*STAFF_ROLES)
def coverage():
    """Where the campaign cannot reach yet, for the city, one kecamatan or one kelurahan."""
    kecamatan = _arg_area("kecamatan", "kecamatan")
    kelurahan = _arg_area("kelurahan", "kelurahan")
    if kelurahan is not None and kecamatan is None:
        kecamatan = kelurahan.parent
    role = request.args.get("role") if request.args.get("role") in PROMOTER_ROLES else None
    rts_stmt = cov.uncovered_rts_query(kecamatan, kelurahan)
    unassigned_stmt = cov.unassigned_promoters_query(role)
    return render_template(
        "areas/coverage.html",
        kecamatan=kecamatan,
        kelurahan=kelurahan,
        role=role,
        scope={k: v.id for k, v in (("kecamatan", kecamatan), ("kelurahan", kelurahan)) if v is not None},
        kecamatan_list=list_kecamatan(),
        kelurahan_list=list_kelurahan(kecamatan) if kecamatan else [],
        rows=cov.coverage_rows(kecamatan, kelurahan) if kelurahan else [],
        groups=cov.kecamatan_gaps(kecamatan) if kelurahan is None else [],
        confirm_form=ConfirmForm() if current_user.role in EDITOR_ROLES else None,
        rts=db.session.execute(rts_stmt.limit(COVERAGE_LIST_LIMIT)).all() if kelurahan else [],
        rts_total=cov.count(rts_stmt),
        unassigned=list(db.session.scalars(unassigned_stmt.limit(COVERAGE_LIST_LIMIT))),
        unassigned_total=cov.count(unassigned_stmt),
        unassigned_by_role=cov.unassigned_counts(),
        limit=COVERAGE_LIST_LIMIT,
    )


@bp.route("/coverage.csv")
@roles_required(*STAFF_ROLES)
def coverage_export():
    """Coverage as CSV: `what=summary` (default), `rts` (RTs without RT head) or `unassigned` promoters."""
    kecamatan = _arg_area("kecamatan", "kecamatan")
    kelurahan = _arg_area("kelurahan", "kelurahan")
    what = request.args.get("what", "summary")
    stamp = f"{clock.today():%Y%m%d}"
    if what == "rts":
        rows = db.session.execute(cov.uncovered_rts_query(kecamatan, kelurahan)).all()
        return csv_response(
            f"rt-tanpa-ketua-{stamp}.csv",
            ("rt_code", "rt", "rw", "kelurahan", "kecamatan"),
            ([rt.code, rt.name, rw.name, kel.name, kec.name] for rt, rw, kel, kec in rows),
        )
    if what == "unassigned":
        role = request.args.get("role")
        promoters = db.session.scalars(cov.unassigned_promoters_query(role))
        return csv_response(
            f"promotor-tanpa-wilayah-{stamp}.csv",
            ("id", "name", "role", "opd_code"),
            ([p.id, p.name, p.role, p.opd.code if p.opd else ""] for p in promoters),
        )
    if what != "summary":
        abort(404)
    rows = cov.coverage_rows(kecamatan, kelurahan)
    return csv_response(
        f"cakupan-{stamp}.csv",
        (
            "code",
            "name",
            "level",
            "kelurahan",
            "kelurahan_without_pamong",
            "kelurahan_without_linmas",
            "rts",
            "rts_without_rt_head",
        ),
        (
            [
                r["area"].code,
                r["area"].name,
                r["area"].level,
                r["kelurahan"],
                r["without_pamong"],
                r["without_linmas"],
                r["rts"],
                r["rts_without_head"],
            ]
            for r in rows
        ),
    )
