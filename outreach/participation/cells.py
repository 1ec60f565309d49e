"""Table cells the dashboard renders hundreds of times per page, in Python rather than Jinja macros."""

from flask_babel import gettext as _
from markupsafe import Markup

MISSING = Markup('<span class="muted">–</span>')


def pct(value: float | None, signed: bool = False) -> Markup:
    """A share as a whole percentage (0.42 → 42%, signed → +42%), or a muted dash when unknown."""
    if value is None:
        return MISSING
    return Markup(f"{value * 100:+.0f}%" if signed else f"{value * 100:.0f}%")


def on_track_badge(value: bool | None) -> Markup:
    """Whether the forecast reaches the target, as a badge ("no target" when there is none)."""
    if value is None:
        return Markup('<span class="muted">{}</span>').format(_("no target"))
    if value:
        return Markup('<span class="badge ok">{}</span>').format(_("on track"))
    return Markup('<span class="badge behind">{}</span>').format(_("behind"))
