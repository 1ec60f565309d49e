"""Staff pages for links and survey targets, downloads (QR, flyers) and the promoter's own links."""

import logging

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from outreach import clock
from outreach.areas.models import Area, Opd
from outreach.auth.decorators import roles_required
from outreach.campaign import ADMIN, CHANNEL_LABELS, EDITOR_ROLES, PROMOTER, STAFF_ROLES
from outreach.extensions import db
from outreach.links import choices, destinations, services
from outreach.links.batches import flyer_groups, flyer_zip
from outreach.links.flyers import render_flyer_book, render_flyers
from outreach.links.forms import (
    RULE_KIND_LABELS,
    BulkLinkForm,
    ConfirmForm,
    DestinationRuleForm,
    FlyerBatchForm,
    LinkFilterForm,
    LinkForm,
    SurveyTargetForm,
    grouped_options,
    options,
)
from outreach.links.models import DestinationRule, Link, SurveyTarget
from outreach.links.public_base import base_url_notice, base_url_refusal
from outreach.links.qr import SIZES, qr_png, qr_svg
from outreach.metrics.rankings import own_weeks
from outreach.metrics.scans import link_figures, totals_by_link, totals_for
from outreach.promoters.models import Promoter
from outreach.uow import unit_of_work

bp = Blueprint("links", __name__)
log = logging.getLogger(__name__)

PER_PAGE = 50
VIEWER_ROLES = (*STAFF_ROLES, PROMOTER)


@bp.app_template_global()
def rule_kind_label(kind: str) -> str:
    """Human label of a destination rule's kind in the current language."""
    return str(RULE_KIND_LABELS.get(kind, kind))


bp.add_app_template_global(services.area_text, "area_text")


def _visible_link(link_id: int) -> Link:
    """The link, if the current user may see it: staff see all, a promoter only their own."""
    link = db.get_or_404(Link, link_id)
    if current_user.role == PROMOTER and (
        current_user.promoter_id is None or link.promoter_id != current_user.promoter_id
    ):
        abort(403)
    return link


def _download(data: bytes, mimetype: str, filename: str, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"', "Cache-Control": "private, no-cache"},
    )


@bp.route("/")
@roles_required(*STAFF_ROLES)
def index():
    """Links with filters, paged, with total / unique / bot scans per link and for the filtered set."""
    form = LinkFilterForm(request.args)
    form.scope.choices = options([("", _("All areas and OPDs"))]) + grouped_options(choices.scope_choices())
    form.target.choices = options([(0, _("All surveys"))] + [(t.id, t.name) for t in services.list_targets()])
    form.channel.choices = options([("", _("All channels")), *CHANNEL_LABELS.items()])
    form.drive.choices = options([(0, _("All links, with or without a drive")), *choices.drive_choices()])
    scope = choices.resolve_scope(form.scope.data)
    status = form.status.data or "active"
    query = services.links_query(
        area=scope if isinstance(scope, Area) else None,
        opd=scope if isinstance(scope, Opd) else None,
        target_id=form.target.data or None,
        drive_id=form.drive.data or None,
        channel=form.channel.data or None,
        active={"active": True, "inactive": False}.get(status),
        search=(form.q.data or "").strip() or None,
    )
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = max(request.args.get("page", 1, type=int), 1)
    # What each row shows, in the same statement: promoter, OPD, survey and the area with the two
    # levels above it (an RT is shown with its RW and kelurahan).
    shown = (
        joinedload(Link.promoter),
        joinedload(Link.opd),
        joinedload(Link.target),
        joinedload(Link.area).joinedload(Area.parent).joinedload(Area.parent),
    )
    links = list(db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE).options(*shown)))
    ids = query.order_by(None).with_only_columns(Link.id)
    return render_template(
        "links/index.html",
        form=form,
        links=links,
        stats=totals_by_link([link.id for link in links]),
        summary=totals_for(ids),
        count=count,
        page=page,
        pages=max((count + PER_PAGE - 1) // PER_PAGE, 1),
        args={k: v for k, v in request.args.items() if k != "page"},
        can_edit=current_user.role in EDITOR_ROLES,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def create():
    """Create one link."""
    form = LinkForm()
    form.target.choices = options((t.id, t.name) for t in services.list_targets(active_only=True))
    form.promoter.choices = options([(0, _("No promoter")), *choices.promoter_choices()])
    form.area.choices = options([(0, _("The promoter's current area")), *choices.area_choices()])
    form.opd.choices = options([(0, _("No OPD")), *choices.opd_choices()])
    if form.validate_on_submit():
        promoter = db.session.get(Promoter, form.promoter.data) if form.promoter.data else None
        area = db.session.get(Area, form.area.data) if form.area.data else services.promoter_area(promoter)
        if area is None:
            form.area.errors.append(_("This promoter has no current area; choose one."))
        else:
            try:
                with unit_of_work():
                    link = services.create_link(
                        db.get_or_404(SurveyTarget, form.target.data),
                        area,
                        form.channel.data,
                        promoter=promoter,
                        opd=db.session.get(Opd, form.opd.data) if form.opd.data else None,
                        label=form.label.data or "",
                        actor=current_user,
                    )
            except services.LinkError as exc:
                flash(str(exc), "error")
            else:
                flash(_("Link %(code)s created.", code=link.code), "success")
                return redirect(url_for("links.detail", link_id=link.id))
    return render_template("links/form.html", form=form)


@bp.route("/bulk", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def bulk():
    """One link per active promoter of a kelurahan, kecamatan or OPD, per channel."""
    form = BulkLinkForm()
    form.target.choices = options((t.id, t.name) for t in services.list_targets(active_only=True))
    form.scope.choices = grouped_options(choices.scope_choices())
    if form.validate_on_submit():
        scope = choices.resolve_scope(form.scope.data)
        if scope is None:
            abort(400)
        try:
            with unit_of_work():
                result = services.bulk_create_links(
                    db.get_or_404(SurveyTarget, form.target.data),
                    scope,
                    form.channels.data,
                    label=form.label.data or "",
                    actor=current_user,
                )
        except services.LinkError as exc:
            flash(str(exc), "error")
        else:
            flash(
                _(
                    "%(created)d links created, %(skipped)d skipped (the promoter already has one).",
                    created=len(result.created),
                    skipped=result.skipped,
                ),
                "success",
            )
            return redirect(url_for("links.index", scope=form.scope.data))
    return render_template("links/bulk.html", form=form, **base_url_notice())


@bp.route("/<int:link_id>")
@roles_required(*VIEWER_ROLES)
def detail(link_id: int):
    """One link: QR, downloads, WhatsApp message and the last two weeks of scans."""
    link = _visible_link(link_id)
    rules = destinations.target_rules(link.target)
    return render_template(
        "links/detail.html",
        link=link,
        rules=rules,
        today=destinations.destination_on(link, rules=rules),
        share=services.share_of(link),
        figures=link_figures(link.id),
        confirm=ConfirmForm(),
        can_edit=current_user.role in EDITOR_ROLES,
        **base_url_notice(),
    )


@bp.route("/<int:link_id>/deactivate", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def deactivate(link_id: int):
    """Switch a link off: its code answers 410 and is no longer counted."""
    return _set_active(link_id, False)


@bp.route("/<int:link_id>/activate", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def activate(link_id: int):
    """Switch a link back on."""
    return _set_active(link_id, True)


def _set_active(link_id: int, active: bool):
    link = db.get_or_404(Link, link_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_link_active(link, active, actor=current_user)
    db.session.commit()
    flash(
        _("Link %(code)s activated.", code=link.code) if active else _("Link %(code)s deactivated.", code=link.code),
        "success",
    )
    return redirect(url_for("links.detail", link_id=link.id))


@bp.route("/<int:link_id>/qr.png")
@roles_required(*VIEWER_ROLES)
def qr_image(link_id: int):
    """The link's QR code as PNG (?size=screen|print)."""
    link = _visible_link(link_id)
    size = request.args.get("size", "screen")
    if size not in SIZES:
        abort(404)
    if refusal := base_url_refusal():
        return refusal
    data = qr_png(services.qr_url(link.code), size)
    return _download(data, "image/png", f"qr-{link.code}-{size}.png", inline=size == "screen")


@bp.route("/<int:link_id>/qr-screen")
@roles_required(*VIEWER_ROLES)
def qr_screen(link_id: int):
    """The QR filling a phone's screen, black on white, for a person in front of the promoter to scan."""
    link = _visible_link(link_id)
    if refusal := base_url_refusal():
        return refusal
    back = url_for("main.index") if current_user.role == PROMOTER else url_for("links.detail", link_id=link.id)
    return render_template("links/qr_screen.html", link=link, short_url=services.short_url(link.code), back=back)


@bp.route("/<int:link_id>/qr.svg")
@roles_required(*VIEWER_ROLES)
def qr_vector(link_id: int):
    """The link's QR code as SVG, for print shops."""
    link = _visible_link(link_id)
    if refusal := base_url_refusal():
        return refusal
    return _download(qr_svg(services.qr_url(link.code)), "image/svg+xml", f"qr-{link.code}.svg")


@bp.route("/<int:link_id>/flyer.pdf")
@roles_required(*VIEWER_ROLES)
def flyer(link_id: int):
    """The link's flyer as PDF (?layout=1|4|8)."""
    link = _visible_link(link_id)
    layout = request.args.get("layout", 1, type=int)
    if layout not in (1, 4, 8):
        abort(404)
    if refusal := base_url_refusal():
        return refusal
    data = render_flyers([link] * layout, layout, title=f"Selebaran SPI {link.code}")
    return _download(data, "application/pdf", f"flyer-{link.code}-{layout}.pdf")


DOWNLOAD_COOKIE = "flyers_ready"


@bp.route("/flyers")
@roles_required(*EDITOR_ROLES)
def flyers():
    """Every active printed link of a kelurahan, kecamatan or OPD: one PDF with covers, or a ZIP per kelurahan."""
    form = FlyerBatchForm(request.args)
    form.scope.choices = grouped_options(choices.scope_choices())
    if "scope" in request.args and form.validate():
        scope = choices.resolve_scope(form.scope.data)
        if scope is None:
            abort(404)
        if refusal := base_url_refusal():
            return refusal
        links = services.links_in_scope(scope, printed_only=True)
        if links:
            name = getattr(scope, "code", "batch").replace(".", "-")
            layout, title = int(form.layout.data), f"Selebaran SPI {scope.name}"
            groups = flyer_groups(links)
            if form.bundle.data == "zip":
                response = _download(flyer_zip(groups, layout, title), "application/zip", f"flyers-{name}-{layout}.zip")
            else:
                response = _download(
                    render_flyer_book(groups, layout, title), "application/pdf", f"flyers-{name}-{layout}.pdf"
                )
            log.info("flyer batch for %r: %d links in %d groups", scope, len(links), len(groups))
            if form.ticket.data:
                # Not secret: it only tells the page's progress note that this download has arrived.
                response.set_cookie(
                    DOWNLOAD_COOKIE, form.ticket.data, max_age=120, path=url_for("links.flyers"), samesite="Lax"
                )
            return response
        flash(_("There are no active links for print there yet (WhatsApp links are not printed)."), "error")
    return render_template("links/flyers.html", form=form, cookie=DOWNLOAD_COOKIE, **base_url_notice())


@bp.route("/mine")
@roles_required(PROMOTER)
def mine():
    """A promoter's own links with their counts and share buttons, and their visits this week and last."""
    promoter = current_user.promoter
    links = services.promoter_links(promoter) if promoter else []
    return render_template(
        "links/mine.html",
        links=links,
        shares={link.id: services.share_of(link) for link in links if link.active},
        stats=totals_by_link([link.id for link in links]),
        weeks=own_weeks(promoter, clock.today()) if promoter and links else None,
        **base_url_notice(),
    )


@bp.route("/targets")
@roles_required(ADMIN)
def targets():
    """Survey targets (admins)."""
    return render_template("links/targets.html", targets=services.list_targets())


@bp.route("/targets/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def target_create():
    """Add a survey target."""
    form = SurveyTargetForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.create_target(form.name.data, form.audience.data, form.url.data, actor=current_user)
        except services.LinkError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Survey target saved."), "success")
            return redirect(url_for("links.targets"))
    return render_template("links/target_form.html", form=form, target=None)


@bp.route("/targets/<int:target_id>/edit", methods=["GET", "POST"])
@roles_required(ADMIN)
def target_edit(target_id: int):
    """Change a survey target (or switch it off)."""
    target = db.get_or_404(SurveyTarget, target_id)
    form = SurveyTargetForm(obj=target)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.update_target(
                    target, form.name.data, form.audience.data, form.url.data, form.active.data, actor=current_user
                )
        except services.LinkError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Survey target saved."), "success")
            return redirect(url_for("links.targets"))
    return _target_page(target, form, _rule_form(target))


def _rule_form(target: SurveyTarget) -> DestinationRuleForm:
    form = DestinationRuleForm(prefix="rule")
    others = [t for t in services.list_targets(active_only=True) if t.id != target.id]
    form.next_target.choices = options([(0, _("Choose a survey target")), *((t.id, t.name) for t in others)])
    return form


def _target_page(target: SurveyTarget, form: SurveyTargetForm, rule_form: DestinationRuleForm) -> str:
    return render_template(
        "links/target_form.html",
        form=form,
        target=target,
        rules=destinations.target_rules(target),
        rule_form=rule_form,
        confirm=ConfirmForm(),
    )


@bp.route("/targets/<int:target_id>/rules", methods=["POST"])
@roles_required(ADMIN)
def rule_create(target_id: int):
    """Add a destination rule: from a WIB day to another, the target's links lead to another page or survey."""
    target = db.get_or_404(SurveyTarget, target_id)
    rule_form = _rule_form(target)
    if rule_form.validate_on_submit():
        try:
            with unit_of_work():
                destinations.create_rule(
                    target,
                    rule_form.kind.data,
                    rule_form.starts_on.data,
                    rule_form.ends_on.data,
                    db.session.get(SurveyTarget, rule_form.next_target.data) if rule_form.next_target.data else None,
                    rule_form.url.data or "",
                    actor=current_user,
                )
        except services.LinkError as exc:
            field, _sep, message = str(exc).partition(": ")
            getattr(rule_form, {"next_target_id": "next_target"}.get(field, field), rule_form.kind).errors.append(
                message
            )
        else:
            flash(_("Rule added: the links of %(name)s follow it within seconds.", name=target.name), "success")
            return redirect(url_for("links.target_edit", target_id=target.id))
    return _target_page(target, SurveyTargetForm(obj=target), rule_form), 422


@bp.route("/targets/<int:target_id>/rules/<int:rule_id>/delete", methods=["POST"])
@roles_required(ADMIN)
def rule_delete(target_id: int, rule_id: int):
    """Remove a destination rule (visits it sent keep its id)."""
    rule = db.get_or_404(DestinationRule, rule_id)
    if rule.target_id != target_id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    destinations.delete_rule(rule, actor=current_user)
    db.session.commit()
    flash(_("Rule removed."), "success")
    return redirect(url_for("links.target_edit", target_id=target_id))
