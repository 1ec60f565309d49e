"""Table cells the dashboard renders hundreds of times per page, in Python rather than Jinja macros."""

from flask_babel import gettext as _
from markupsafe import Markup

from outreach.request_cache import per_request

MISSING = Markup('<span class="muted">–</span>')


def pct(value: float | None, signed: bool = False) -> Markup:
    """A share as a whole percentage (0.42 → 42%, signed → +42%), or a muted dash when unknown."""
    if value is None:
        return MISSING
    return Markup(f"{value * 100:+.0f}%" if signed else f"{value * 100:.0f}%")


def on_track_badge(value: bool | None) -> Markup:
    """Whether the forecast reaches the target, as a badge ("no target" when there is none)."""
    return per_request("participation.on_track_badges", _badges)[value]


def _badges() -> dict[bool | None, Markup]:
    """The three badges in the request's language (translated once per request, not once per row)."""
    return {
        None: Markup('<span class="muted">{}</span>').format(_("no target")),
        True: Markup('<span class="badge ok">{}</span>').format(_("on track")),
        False: Markup('<span class="badge behind">{}</span>').format(_("behind")),
    }
