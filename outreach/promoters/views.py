"""Promoter list, details, assignments, logins, bulk assignment and CSV import/export."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields import SelectChoice

from outreach import clock
from outreach.areas.models import Area, Opd
from outreach.areas.services import list_kecamatan, list_kelurahan
from outreach.auth.decorators import roles_required, signed_in
from outreach.auth.forms import ConfirmForm
from outreach.auth.services import (
    UserError,
    create_sign_in_link,
    end_sessions,
    promoter_login,
    revoke_sign_in_links,
    sign_in_message,
    sign_in_url,
)
from outreach.campaign import EDITOR_ROLES, PROMOTER, PROMOTER_ROLES, STAFF_ROLES
from outreach.extensions import db, import_limit, limiter
from outreach.imports.flow import confirm_upload, preview_upload
from outreach.imports.forms import UploadForm
from outreach.imports.writing import csv_response
from outreach.links.public_base import base_url_refusal
from outreach.links.services import whatsapp_share_url
from outreach.pickers.services import PickerState, promoter_options, promoter_options_by_ids
from outreach.promoters.forms import (
    AssignForm,
    BulkAssignForm,
    EndAssignmentForm,
    MoveAssignmentsForm,
    OpdAssignForm,
    PromoterForm,
    PromoterLoginForm,
)
from outreach.promoters.imports import EXPORT_HEADER, apply_promoter_import, export_rows, preview_promoter_import
from outreach.promoters.imports import TEMPLATE as IMPORT_TEMPLATE
from outreach.promoters.models import Assignment, Promoter
from outreach.promoters.services import (
    PromoterError,
    PromoterFilters,
    assign_promoter,
    assign_rt_heads,
    assignment_history,
    bulk_assign,
    create_promoter,
    give_login,
    list_opd_choices,
    login_of,
    move_assignments,
    plan_move,
    plan_rt_heads,
    promoter_query,
    promoters_by_ids,
    rt_head_candidates,
    rt_heads_by_rt,
    rts_of_kelurahan,
    set_promoter_active,
    set_promoter_opd,
    unassign_promoter,
    update_promoter,
    with_list_loading,
)
from outreach.security import is_safe_next, no_referrer
from outreach.uow import unit_of_work

bp = Blueprint("promoters", __name__)
PER_PAGE = 50


def _filters() -> PromoterFilters:
    """The list filters from the query string (unknown values are ignored)."""
    args = request.args

    def area(name: str, level: str) -> Area | None:
        found = db.session.get(Area, args.get(name, type=int) or 0)
        return found if found is not None and found.level == level else None

    return PromoterFilters(
        q=args.get("q", "").strip() or None,
        role=args.get("role") if args.get("role") in PROMOTER_ROLES else None,
        kecamatan=area("kecamatan", "kecamatan"),
        kelurahan=area("kelurahan", "kelurahan"),
        opd=db.session.get(Opd, args.get("opd", type=int) or 0),
        active={"1": True, "0": False, "all": None}.get(args.get("active", "1"), True),
        unassigned=args.get("unassigned") == "1",
    )


def _opd_choices() -> list[SelectChoice]:
    return [SelectChoice(0, "—")] + [SelectChoice(o.id, o.name) for o in list_opd_choices()]


@bp.route("/")
@roles_required(*STAFF_ROLES)
def index():
    """Promoters, filtered and paginated; editors can tick several and assign them to one area."""
    filters = _filters()
    page = db.paginate(
        with_list_loading(promoter_query(filters)),
        page=request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
        error_out=False,
    )
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "promoters/index.html",
        page=page,
        filters=filters,
        args=args,
        kecamatan_list=list_kecamatan(),
        kelurahan_list=list_kelurahan(filters.kecamatan),
        opds=list_opd_choices(),
        # Coverage's "assign a pamong" links here with the kelurahan already filled in.
        bulk_form=BulkAssignForm(data={"area_code": request.args.get("area_code", "")[:120]})
        if current_user.role in EDITOR_ROLES
        else None,
        show_phone=current_user.role in EDITOR_ROLES,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def create():
    """Add a promoter; a duplicate phone is refused with a link to the promoter who has it."""
    form = PromoterForm()
    form.opd_id.choices = _opd_choices()
    if form.validate_on_submit():
        promoter = create_promoter(
            form.name.data,
            form.role.data,
            form.phone.data,
            db.session.get(Opd, form.opd_id.data) if form.opd_id.data else None,
            actor=current_user,
        )
        db.session.commit()
        flash(_("%(name)s added.", name=promoter.name), "success")
        return redirect(url_for("promoters.show", promoter_id=promoter.id))
    return render_template("promoters/form.html", form=form, promoter=None), 400 if form.errors else 200


@bp.route("/<int:promoter_id>")
@signed_in
def show(promoter_id: int):
    """A promoter's details and assignment history; a promoter may see only their own."""
    promoter = db.get_or_404(Promoter, promoter_id)
    if current_user.role == PROMOTER:
        if current_user.promoter_id != promoter.id:
            abort(403)
    elif current_user.role not in STAFF_ROLES:
        abort(403)
    can_edit = current_user.role in EDITOR_ROLES
    opd_form = OpdAssignForm(opd_id=promoter.opd_id or 0) if can_edit else None
    if opd_form:
        opd_form.opd_id.choices = _opd_choices()
    return render_template(
        "promoters/show.html",
        promoter=promoter,
        history=assignment_history(promoter),
        today=clock.today(),
        can_edit=can_edit,
        assign_form=AssignForm() if can_edit else None,
        end_form=EndAssignmentForm() if can_edit else None,
        opd_form=opd_form,
        login=login_of(promoter),
        login_form=PromoterLoginForm() if can_edit else None,
        confirm_form=ConfirmForm() if can_edit else None,
        show_phone=can_edit or current_user.role == PROMOTER,
    )


@bp.route("/me")
@roles_required(PROMOTER)
def me():
    """A promoter's own page."""
    return redirect(url_for("promoters.show", promoter_id=current_user.promoter_id))


@bp.route("/<int:promoter_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def edit(promoter_id: int):
    """Change a promoter's name, role, phone or OPD."""
    promoter = db.get_or_404(Promoter, promoter_id)
    form = PromoterForm(obj=promoter, promoter_id=promoter.id)
    form.opd_id.choices = _opd_choices()
    if request.method == "GET":
        form.opd_id.data = promoter.opd_id or 0
    if form.validate_on_submit():
        update_promoter(
            promoter,
            form.name.data,
            form.role.data,
            form.phone.data,
            db.session.get(Opd, form.opd_id.data) if form.opd_id.data else None,
            actor=current_user,
        )
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("promoters.show", promoter_id=promoter.id))
    return render_template("promoters/form.html", form=form, promoter=promoter), 400 if form.errors else 200


@bp.route("/<int:promoter_id>/active", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def set_active(promoter_id: int):
    """Deactivate or reactivate a promoter (`active=0|1`); their login follows."""
    promoter = db.get_or_404(Promoter, promoter_id)
    active = request.form.get("active") == "1"
    set_promoter_active(promoter, active, actor=current_user)
    db.session.commit()
    flash(
        _("%(unit)s is active again.", unit=promoter.name)
        if active
        else _("%(unit)s deactivated.", unit=promoter.name),
        "success",
    )
    return redirect(url_for("promoters.show", promoter_id=promoter.id))


def _flash_form_errors(form) -> None:
    """Flash every validation message of a form posted from the promoter page, in one line."""
    flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")


@bp.route("/<int:promoter_id>/assignments", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def assign(promoter_id: int):
    """Assign the promoter to an area given by code."""
    promoter = db.get_or_404(Promoter, promoter_id)
    form = AssignForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(url_for("promoters.show", promoter_id=promoter.id))
    assert form.area is not None  # validate_area keeps the area it found
    try:
        with unit_of_work():
            assign_promoter(promoter, form.area, form.start_date.data, actor=current_user)
    except PromoterError as exc:
        flash(str(exc), "error")
        return redirect(url_for("promoters.show", promoter_id=promoter.id))
    flash(_("%(name)s assigned to %(area)s.", name=promoter.name, area=form.area.label), "success")
    return redirect(url_for("promoters.show", promoter_id=promoter.id))


@bp.route("/assignments/<int:assignment_id>/end", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def unassign(assignment_id: int):
    """End an assignment (kept in the history)."""
    assignment = db.get_or_404(Assignment, assignment_id)
    form = EndAssignmentForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                unassign_promoter(assignment, form.end_date.data, actor=current_user)
        except PromoterError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Assignment to %(area)s ended.", area=assignment.area.label), "success")
    return redirect(url_for("promoters.show", promoter_id=assignment.promoter_id))


@bp.route("/<int:promoter_id>/opd", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def set_opd(promoter_id: int):
    """Attach the promoter to an OPD, or to none."""
    promoter = db.get_or_404(Promoter, promoter_id)
    form = OpdAssignForm()
    form.opd_id.choices = _opd_choices()
    if form.validate_on_submit():
        set_promoter_opd(
            promoter, db.session.get(Opd, form.opd_id.data) if form.opd_id.data else None, actor=current_user
        )
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect(url_for("promoters.show", promoter_id=promoter.id))


@bp.route("/<int:promoter_id>/login", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def create_login(promoter_id: int):
    """Give the promoter a login that sees only their own profile and assignments."""
    promoter = db.get_or_404(Promoter, promoter_id)
    form = PromoterLoginForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(url_for("promoters.show", promoter_id=promoter.id))
    try:
        with unit_of_work():
            user = give_login(promoter, form.email.data, form.password.data, actor=current_user)
    except (PromoterError, UserError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("promoters.show", promoter_id=promoter.id))
    flash(_("%(name)s can now sign in as %(email)s.", name=promoter.name, email=user.email), "success")
    return redirect(url_for("promoters.show", promoter_id=promoter.id))


@bp.route("/bulk-assign", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def bulk_assign_view():
    """Assign every ticked promoter to one area."""
    form = BulkAssignForm()
    promoters = promoters_by_ids(int(i) for i in request.form.getlist("promoter_ids") if i.isdigit())
    back = request.form.get("next") or ""
    if not (is_safe_next(back) and back.startswith("/promoters")):
        back = url_for("promoters.index")
    if not promoters:
        flash(_("Tick at least one promoter."), "error")
        return redirect(back)
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(back)
    try:
        with unit_of_work():
            added = bulk_assign(promoters, form.area, form.start_date.data, actor=current_user)
    except PromoterError as exc:
        flash(str(exc), "error")
        return redirect(back)
    flash(_("%(count)s promoters assigned to %(area)s.", count=added, area=form.area.label), "success")
    return redirect(back)


@bp.route("/<int:promoter_id>/move", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def move(promoter_id: int):
    """Move every current area of a promoter to another one: choose, check the preview, confirm."""
    source = db.get_or_404(Promoter, promoter_id)
    form = MoveAssignmentsForm()
    target = db.session.get(Promoter, form.target.data) if form.target.data and not form.target.errors else None
    plan = None
    if request.method == "POST" and not request.form.get("find"):
        if not form.validate_on_submit() or target is None:
            form.target.errors = [*form.target.errors, _("Choose the promoter who takes over.")]
        else:
            try:
                if form.confirm.data:
                    with unit_of_work():
                        plan = move_assignments(source, target, actor=current_user._get_current_object())
                    flash(
                        _(
                            "%(count)d areas of %(source)s moved to %(target)s.",
                            count=len(plan.moving),
                            source=source.name,
                            target=target.name,
                        ),
                        "success",
                    )
                    return redirect(url_for("promoters.show", promoter_id=target.id))
                plan = plan_move(source, target)
            except PromoterError as exc:  # the preview (plan_move) only reads
                form.target.errors = [*form.target.errors, str(exc)]
    query = request.form.get("target_q", "") if request.method == "POST" else ""
    picker = PickerState.of(
        promoter_options_by_ids([target.id]) if target else [], query, promoter_options(query) if query else []
    )
    return render_template(
        "promoters/move.html", source=source, form=form, picker=picker, plan=plan
    ), 400 if form.target.errors else 200


@bp.route("/rt-heads/<int:kelurahan_id>", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def rt_heads(kelurahan_id: int):
    """Assign RT heads to all RTs of one kelurahan in one step."""
    kelurahan = db.get_or_404(Area, kelurahan_id)
    if kelurahan.level != "kelurahan":
        abort(404)
    rts = rts_of_kelurahan(kelurahan)
    candidates = {p.id: p for p in rt_head_candidates(kelurahan)}
    planned = []
    if request.method == "POST":
        choices = {}
        for rt in rts:
            chosen = request.form.get(f"rt_{rt.id}", type=int)
            if chosen:
                if chosen not in candidates:
                    abort(400)
                choices[rt.id] = candidates[chosen]
        try:
            planned = plan_rt_heads(kelurahan, choices)
            if request.form.get("confirm"):
                with unit_of_work():
                    added = assign_rt_heads(kelurahan, choices, actor=current_user)
        except PromoterError as exc:  # plan_rt_heads only reads
            flash(str(exc), "error")
            return redirect(url_for("promoters.rt_heads", kelurahan_id=kelurahan.id))
        if request.form.get("confirm"):
            flash(_("%(count)s RT heads assigned in %(area)s.", count=added, area=kelurahan.name), "success")
            return redirect(url_for("promoters.rt_heads", kelurahan_id=kelurahan.id))
        if not planned:
            flash(_("Choose an RT head for at least one RT."), "error")
    return render_template(
        "promoters/rt_heads.html",
        kelurahan=kelurahan,
        rts=rts,
        current=rt_heads_by_rt(kelurahan),
        candidates=list(candidates.values()),
        planned=planned,
    )


def _import_page() -> dict:
    return {
        "title": _("Import promoters"),
        "url": url_for("promoters.import_promoters"),
        "done_url": url_for("promoters.index"),
        "action": url_for("promoters.import_promoters"),
        "confirm_action": url_for("promoters.confirm_import"),
        "template_kind": IMPORT_TEMPLATE.kind,
        "sheet": IMPORT_TEMPLATE.sheet,
        "headers": {c.key: c.header for c in IMPORT_TEMPLATE.columns},
        "columns": "; ".join(IMPORT_TEMPLATE.header()),
        "example": "nama;peran;telepon;kode_opd;kode_wilayah\nSiti Rahmawati;pamong;0812-3456-7890;kec-kedaton;"
        "18.71.01.1003\nBudi Santoso;ketua RT;0813 2222 3333;;18.71.01.1003.001.002",
        "help": _(
            "peran is pamong, linmas or ketua RT; phones in any Indonesian format. kode_wilayah (separated by | "
            "or spaces) become the current assignments; leave it empty to keep them. Rows with the id from "
            "an export, or a known phone with the same name, update that promoter. English headers from an "
            "export work too."
        ),
    }


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
@import_limit
def import_promoters():
    """Upload a CSV of promoters and see what it would change."""
    form = UploadForm()
    if form.validate_on_submit():
        return preview_upload("promoters", form, preview_promoter_import, _import_page())
    return render_template("imports/upload.html", form=form, page=_import_page()), 400 if form.errors else 200


@bp.route("/import/confirm", methods=["POST"])
@roles_required(*EDITOR_ROLES)
@import_limit
def confirm_import():
    """Import the checked promoters: all rows or none."""
    return confirm_upload("promoters", preview_promoter_import, apply_promoter_import, _import_page())


@bp.route("/export.csv")
@roles_required(*EDITOR_ROLES)
def export():
    """Download the promoters matching the list filters, in the import format (names and phones: editors only)."""
    return csv_response(f"promotor-{clock.today():%Y%m%d}.csv", EXPORT_HEADER, export_rows(promoter_query(_filters())))


@bp.route("/<int:promoter_id>/sign-in-link", methods=["POST"])
@roles_required(*EDITOR_ROLES)
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGN_IN_LINK"])
def send_sign_in_link(promoter_id: int):
    """Make a one-time sign-in link for the promoter and a WhatsApp message to their phone that carries it.

    The link is shown on this response only (never stored in clear, never in a redirect), like an API
    token. Any earlier unused link of the promoter stops working.
    """
    promoter = db.get_or_404(Promoter, promoter_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if refusal := base_url_refusal():  # a link to this server's address would lead the phone nowhere
        return refusal
    try:
        with unit_of_work():
            user = promoter_login(promoter, actor=current_user)
            token = create_sign_in_link(user, actor=current_user._get_current_object())
    except UserError as exc:
        flash(str(exc), "error")
        return redirect(url_for("promoters.show", promoter_id=promoter.id))
    no_referrer()
    url = sign_in_url(token)
    hours = current_app.config["SIGN_IN_LINK_HOURS"]
    message = sign_in_message(promoter.name, url, hours)
    html = render_template(
        "promoters/sign_in_link.html",
        promoter=promoter,
        url=url,
        message=message,
        wa_url=whatsapp_share_url(message, promoter.phone),
        hours=hours,
    )
    return html, 200, {"Cache-Control": "no-store"}


def _confirmed_login_of(promoter_id: int):
    """The promoter and their login for a confirmed (CSRF-checked) action on it; 404 or 400 otherwise."""
    promoter = db.get_or_404(Promoter, promoter_id)
    user = login_of(promoter)
    if not ConfirmForm().validate_on_submit() or user is None:
        abort(400)
    return promoter, user


@bp.route("/<int:promoter_id>/sign-in-links/revoke", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def revoke_sign_in_link(promoter_id: int):
    """Withdraw the promoter's unused sign-in links (sent to a wrong number, say)."""
    promoter, user = _confirmed_login_of(promoter_id)
    count = revoke_sign_in_links(user, actor=current_user)
    db.session.commit()
    flash(_("%(count)d unused sign-in links withdrawn.", count=count), "success")
    return redirect(url_for("promoters.show", promoter_id=promoter.id))


@bp.route("/<int:promoter_id>/end-sessions", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def end_promoter_sessions(promoter_id: int):
    """Sign the promoter out on every device (a lost or shared phone)."""
    promoter, user = _confirmed_login_of(promoter_id)
    end_sessions(user, actor=current_user)
    db.session.commit()
    flash(_("%(name)s is signed out on every device.", name=promoter.name), "success")
    return redirect(url_for("promoters.show", promoter_id=promoter.id))
