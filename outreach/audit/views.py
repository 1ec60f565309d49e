"""Admins browse the audit trail, filtered by action, object, user and date."""

from datetime import date

from flask import Blueprint, render_template, request

from outreach.audit.services import event_choices, events_query
from outreach.auth.decorators import roles_required
from outreach.auth.services import list_users
from outreach.campaign import ADMIN
from outreach.extensions import db

bp = Blueprint("audit", __name__)
PER_PAGE = 50


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/")
@roles_required(ADMIN)
def index():
    """Audit events, newest first, with filters and pagination."""
    args = request.args
    stmt = events_query(
        action=args.get("action") or None,
        object_type=args.get("object_type") or None,
        user_id=args.get("user", type=int),
        object_id=args.get("object_id", type=int),
        since=_date("since"),
        until=_date("until"),
    )
    page = db.paginate(stmt, page=args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False)
    actions, types = event_choices()
    return render_template(
        "audit/index.html",
        page=page,
        actions=actions,
        types=types,
        users=list_users(),
        args={k: v for k, v in args.items() if k != "page"},
    )
