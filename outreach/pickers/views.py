"""JSON search behind the pickers; the same searches render server-side when JavaScript is off."""

from flask import Blueprint, Response, jsonify, request

from outreach.areas.models import Area
from outreach.auth.decorators import roles_required
from outreach.campaign import EDITOR_ROLES, ROLES
from outreach.drives.services import load_by_ids
from outreach.pickers.services import (
    FILTER_LEVELS,
    TARGET_LEVELS,
    UNIT_LEVELS,
    area_options,
    promoter_options,
    row_ids,
)

bp = Blueprint("pickers", __name__)


def _json(options) -> Response:
    response = jsonify(results=[{"value": o.value, "text": o.text, "hint": o.hint} for o in options])
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/areas")
@roles_required(*EDITOR_ROLES)
def areas():
    """Areas matching ?q= by name or parent name; ?scope=units offers RW and RT too, ?value=code answers codes."""
    levels = UNIT_LEVELS if request.args.get("scope") == "units" else TARGET_LEVELS
    value = "code" if request.args.get("value") == "code" else "id"
    return _json(area_options(request.args.get("q", ""), levels, value=value))


@bp.route("/promoters")
@roles_required(*EDITOR_ROLES)
def promoters():
    """Active promoters matching ?q= by name, role or area, within the ?area= ids when given."""
    within = load_by_ids(Area, row_ids(request.args.getlist("area")))
    return _json(promoter_options(request.args.get("q", ""), within))


@bp.route("/kecamatan")
@roles_required(*ROLES)
def kecamatan():
    """Kecamatan matching ?q=, for the drive filters every signed-in role uses (kecamatan names are public)."""
    return _json(area_options(request.args.get("q", ""), FILTER_LEVELS))
