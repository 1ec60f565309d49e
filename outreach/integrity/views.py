"""The integrity signals page, for coordinators and admins."""

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l

from outreach.auth.decorators import roles_required
from outreach.campaign import ADMIN, COORDINATOR
from outreach.clock import to_wib
from outreach.metrics.integrity import KINDS, Thresholds, integrity_report

bp = Blueprint("integrity", __name__)

# Rows the page shows of each table (the signals of one kind, the links), those with the most flagged scans
# first; a line says how many more there are. The totals above the tables count every signal.
SHOWN = 50

DEVICE_LABELS = {
    "mobile": _l("phones"),
    "tablet": _l("tablets"),
    "desktop": _l("computers"),
    "other": _l("other devices"),
}


@bp.app_template_global()
def device_label(device_class: str) -> str:
    """Human label of a device class in the current language."""
    return str(DEVICE_LABELS.get(device_class, device_class))


@bp.route("/")
@roles_required(ADMIN, COORDINATOR)
def index():
    """Scan patterns that look wrong in the last weeks, with counts with and without the flagged scans."""
    report = integrity_report(Thresholds.from_config(current_app.config), top=SHOWN)
    return render_template("integrity/index.html", report=report, kinds=KINDS, wib=to_wib)
