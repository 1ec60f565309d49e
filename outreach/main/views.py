"""Home page per role, health check and language switch."""

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text

from outreach import clock
from outreach.auth.decorators import public
from outreach.campaign import ADMIN, COORDINATOR, LEADERSHIP, PROMOTER
from outreach.errors import error_response
from outreach.extensions import db
from outreach.links.public_base import base_url_notice
from outreach.links.scanning import scanner
from outreach.links.services import promoter_links, share_of
from outreach.metrics.coverage import coverage_gaps
from outreach.metrics.home import coordinator_home, leadership_home
from outreach.metrics.overview import staff_overview
from outreach.metrics.rankings import own_weeks
from outreach.public.forms import CodeForm
from outreach.security import is_safe_next, survey_form_action
from outreach.uow import unit_of_work

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    """The public start page (typed code, board) for visitors; each signed-in role's own home page."""
    if not current_user.is_authenticated:
        survey_form_action()
        return render_template("public/home.html", form=CodeForm())
    if current_user.role == PROMOTER:
        return promoter_home()
    if current_user.role == LEADERSHIP:
        return render_template("main/home_leadership.html", home=leadership_home())
    if current_user.role in (ADMIN, COORDINATOR):
        return render_template(
            "main/home_coordinator.html", home=coordinator_home(), gaps=coverage_gaps(), overview=staff_overview()
        )
    abort(403)


def promoter_home():
    """A promoter's home is a share screen: each active link with one-tap WhatsApp, full-screen QR and
    flyer, then their own visits this week against last week (no ranks, no quotas)."""
    promoter = current_user.promoter
    links = [link for link in promoter_links(promoter) if link.active] if promoter else []
    return render_template(
        "main/home_promoter.html",
        links=links,
        shares={link.id: share_of(link) for link in links},
        weeks=own_weeks(promoter, clock.today()) if promoter else None,
        **base_url_notice(),
    )


@bp.route("/healthz")
@public
def healthz():
    """200 when the database answers and visits are kept, 503 when it does not or visits were lost.

    `scans.recording` is 'degraded' (still 200: visitors reach the survey and their visits are kept
    in the journal, but they wait, or the journal's disk is nearly full) or 'failing' (503: this
    process lost a visit in the last five minutes), with `scans.problems` saying why.
    """
    scans = scanner(current_app._get_current_object()).health()
    try:
        with unit_of_work():
            db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 — any database failure means unhealthy
        return jsonify(status="error", database="unreachable", scans=scans), 503
    status = {"ok": "ok", "degraded": "degraded"}.get(scans["recording"], "error")
    return jsonify(status=status, database="ok", scans=scans), 503 if status == "error" else 200


@bp.route("/lang", methods=["POST"])
@public
def set_language():
    """Switch the interface language for this browser session."""
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        return error_response(400, _("Unknown language: choose Bahasa Indonesia (id) or English (en)."))
    session["lang"] = lang
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("main.index"))
