"""Human labels for drive kinds and statuses in the current language."""

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "roadshow_bus": _l("KPK Roadshow Bus stop"),
    "door_to_door": _l("Door-to-door round"),
    "opd_session": _l("OPD session for employees"),
    "public_event": _l("Public event"),
    "whatsapp_broadcast": _l("WhatsApp broadcast"),
}
STATUS_LABELS = {"planned": _l("Planned"), "done": _l("Done"), "cancelled": _l("Cancelled")}


def kind_label(kind: str) -> str:
    """Label of a drive kind."""
    return str(KIND_LABELS.get(kind, kind))


def status_label(status: str) -> str:
    """Label of a drive status."""
    return str(STATUS_LABELS.get(status, status))
