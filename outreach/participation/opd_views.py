"""The OPD pages: every OPD sorted by how far it is behind its expected path, and one page per OPD with
its progress per audience, its drives and their effect, its links and visits, and (for coordinators and
admins) its promoters."""

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from outreach.areas.models import Opd
from outreach.auth.decorators import roles_required
from outreach.campaign import AUDIENCES, EDITOR_ROLES, STAFF_ROLES
from outreach.extensions import db
from outreach.metrics.figures import current_round
from outreach.metrics.opds import drive_effects, opd_drives, opd_links, opd_progress, opd_promoters, opd_rows
from outreach.metrics.progress import data_reach
from outreach.metrics.tiles import kecamatan_tile_map

bp = Blueprint("opds", __name__)
# The kecamatan tile map, included by the dashboard and the public board (participation/_tile_map.html).
bp.add_app_template_global(kecamatan_tile_map, "kecamatan_tile_map")


@bp.route("/")
@roles_required(*STAFF_ROLES)
def index():
    """Every OPD with a target or a count, most behind its expected path first."""
    if current_round() is None:
        return render_template("participation/no_round.html")
    return render_template("participation/opds.html", rows=opd_rows(), reach=data_reach(), audiences=AUDIENCES)


@bp.route("/<code>")
@roles_required(*STAFF_ROLES)
def show(code: str):
    """One OPD: progress per audience, drives with their effect, links with visits, promoters (editors)."""
    opd = db.first_or_404(select(Opd).where(Opd.code == code))
    drives = opd_drives(opd)
    return render_template(
        "participation/opd.html",
        opd=opd,
        progress=opd_progress(opd) if current_round() is not None else {},
        reach=data_reach(),
        drives=drives,
        effects=drive_effects(drives),
        links=opd_links(opd),
        promoters=opd_promoters(opd) if current_user.role in EDITOR_ROLES else None,
    )
