"""Campaign constants: audiences, channels, scan sources and roles, with their labels in the current language.

The one place these words are defined: models validate against the tuples, forms build their choices from
the labels, templates and the API show the same labels. Labels are lazy, so they follow the request's language.
"""

from collections.abc import Mapping

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

# Who answers the survey: service users (eksternal, KPK's own word) or the OPD's employees (internal).
EKSTERNAL, INTERNAL = "eksternal", "internal"
AUDIENCES = (EKSTERNAL, INTERNAL)
AUDIENCE_LABELS: Mapping[str, LazyString] = {
    EKSTERNAL: _l("External (service users)"),
    INTERNAL: _l("Internal (employees)"),
}

# Where a link is put: printed (flyer, banner, bus) or shared on WhatsApp.
CHANNELS = ("flyer", "whatsapp", "banner", "bus", "other")
# Batches of printed flyers leave out WhatsApp links: a scan of paper must not count as a WhatsApp share.
PRINTED_CHANNELS = tuple(channel for channel in CHANNELS if channel != "whatsapp")
CHANNEL_LABELS: Mapping[str, LazyString] = {
    "flyer": _l("Flyer"),
    "whatsapp": _l("WhatsApp"),
    "banner": _l("Banner"),
    "bus": _l("Roadshow bus"),
    "other": _l("Other"),
}

# How a visitor reached a link: 'qr' when the URL carries the QR marker, 'typed' when the code was typed
# on the public page (/kode), 'direct' otherwise. Each source has a `<source>_scans` rollup column.
SOURCES = ("qr", "direct", "typed")
SOURCE_LABELS: Mapping[str, LazyString] = {"qr": _l("QR"), "direct": _l("Direct"), "typed": _l("Typed")}

# Who signs in, and what each may do.
ADMIN, COORDINATOR, LEADERSHIP, PROMOTER = "admin", "coordinator", "leadership", "promoter"
ROLES = (ADMIN, COORDINATOR, LEADERSHIP, PROMOTER)
STAFF_ROLES = (ADMIN, COORDINATOR, LEADERSHIP)
EDITOR_ROLES = (ADMIN, COORDINATOR)
ROLE_LABELS: Mapping[str, LazyString] = {
    ADMIN: _l("Administrator"),
    COORDINATOR: _l("Coordinator"),
    LEADERSHIP: _l("Leadership"),
    PROMOTER: _l("Promoter"),
}

# What kind of promoter a person is in the field.
PAMONG, LINMAS, RT_HEAD = "pamong", "linmas", "rt"
PROMOTER_ROLES = (PAMONG, LINMAS, RT_HEAD)
PROMOTER_ROLE_LABELS: Mapping[str, LazyString] = {
    PAMONG: _l("Pamong"),
    LINMAS: _l("Linmas"),
    RT_HEAD: _l("RT head"),
}


def _label(labels: Mapping[str, LazyString], value: str) -> str:
    """The label of a value in the current language, or the value itself when it has none."""
    label = labels.get(value)
    return str(label) if label is not None else value


def audience_label(audience: str) -> str:
    """Label of a survey audience."""
    return _label(AUDIENCE_LABELS, audience)


def channel_label(channel: str) -> str:
    """Label of a link's channel."""
    return _label(CHANNEL_LABELS, channel)


def source_label(source: str) -> str:
    """Label of how a visitor reached a link (QR, typed code, direct)."""
    return _label(SOURCE_LABELS, source)


def user_role_label(role: str) -> str:
    """Label of a login role."""
    return _label(ROLE_LABELS, role)


def promoter_role_label(role: str) -> str:
    """Label of a promoter role."""
    return _label(PROMOTER_ROLE_LABELS, role)
