"""Human labels for drive kinds, audiences and statuses in the current language."""

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "roadshow_bus": _l("KPK Roadshow Bus stop"),
    "door_to_door": _l("Door-to-door round"),
    "opd_session": _l("OPD session for employees"),
    "public_event": _l("Public event"),
    "whatsapp_broadcast": _l("WhatsApp broadcast"),
}
AUDIENCE_LABELS = {"eksternal": _l("External (service users)"), "internal": _l("Internal (employees)")}
STATUS_LABELS = {"planned": _l("Planned"), "done": _l("Done"), "cancelled": _l("Cancelled")}


def kind_label(kind: str) -> str:
    """Label of a drive kind."""
    return str(KIND_LABELS.get(kind, kind))


def audience_label(audience: str) -> str:
    """Label of a survey audience."""
    return str(AUDIENCE_LABELS.get(audience, audience))


def status_label(status: str) -> str:
    """Label of a drive status."""
    return str(STATUS_LABELS.get(status, status))
