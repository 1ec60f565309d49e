"""The public link check (`/cek`): is a pasted link or a typed code an official tautan survei of this campaign?

It reads what people paste (a full URL, a URL without scheme, a WhatsApp message holding one, or the
code alone in any case with spaces) and answers only what a scan of the same code would reveal, plus
the survey's name, its host and, for an active link, the kelurahan or OPD and the promoter's role that
issued it; never a promoter's name or phone. It records nothing and logs nothing about the checker.
"""

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from outreach.areas.models import Area
from outreach.extensions import db
from outreach.links.codes import read_typed_code
from outreach.links.destinations import closing_day, destination_on, opening_day
from outreach.links.models import Link
from outreach.links.scanning import host_allowed, url_allowed

# Outcomes, in the words of the page: an active link of ours, one switched off, a code no link has,
# an address on the official survey's own hosts, an address of this site that is not a link, any
# other address, and input that cannot be read as a code or an address.
OUTCOMES = ("official", "inactive", "unknown", "survey_host", "site", "foreign", "unreadable")
# Link shorteners and chat links that hide where they lead; common in forwarded hoaxes.
SHORTENERS = (
    "bit.ly",
    "s.id",
    "tinyurl.com",
    "cutt.ly",
    "shorturl.at",
    "t.ly",
    "rebrand.ly",
    "ow.ly",
    "is.gd",
    "goo.gl",
    "t.co",
    "linktr.ee",
    "wa.me",
    "chat.whatsapp.com",
    "api.whatsapp.com",
    "t.me",
)
_URL_IN_TEXT = re.compile(r"https?://\S+", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# A host name with an alphabetic top-level domain, then a path, query or port: "bit.ly/x", "wa.me/62…".
_HOST_THEN_PATH = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?[/?#:]", re.IGNORECASE)
_HOST_ALONE = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}\.?$", re.IGNORECASE)
_LINK_PATH = re.compile(r"/(?:s|cek)/([^/]+)/?")


@dataclass(frozen=True)
class LinkCheck:
    """The answer of a check: `outcome` (see OUTCOMES) and what the page may say about it."""

    outcome: str
    code: str | None = None
    host: str | None = None
    survey: str | None = None
    destination: str | None = None
    role: str | None = None
    issuer: str | None = None
    problem: str | None = None
    chars: str = ""
    shortener: bool = False
    # Where a visit goes today: 'survey' (the target's own address) or a destination rule's kind, and
    # for our own pages the day the survey opens ('opening') or closed ('closed').
    leads: str = "survey"
    leads_on: date | None = None


def check_pasted(raw: str, base_url: str, allowlist: tuple[str, ...] | list[str]) -> LinkCheck:
    """Check what a person pasted or typed against this campaign's links (`base_url` is PUBLIC_BASE_URL)."""
    text = (raw or "").strip()
    found = _URL_IN_TEXT.search(text)
    if found:
        text = found.group(0).rstrip(".,;:!?)»\"'")
    base_host = (urlsplit(base_url).hostname or "").lower()
    base_netloc = urlsplit(base_url).netloc.lower()
    if (
        _SCHEME.match(text)
        or _HOST_THEN_PATH.match(text)
        or (base_netloc and text.lower().startswith(base_netloc + "/"))
    ):
        return _check_url(text, base_host, allowlist)
    typed = read_typed_code(text)
    if typed.code is not None:
        return check_code(typed.code, allowlist)
    if _HOST_ALONE.match(text):
        return _check_url(text, base_host, allowlist)
    return LinkCheck("unreadable", problem=typed.problem, chars=typed.chars)


def check_code(raw: str, allowlist: tuple[str, ...] | list[str] | None = None) -> LinkCheck:
    """Check a code (as typed: case, spaces and look-alike letters are folded) against this campaign's links.

    A link is active here exactly when a scan of it is sent on (`Scanner.link`): the link and its survey
    target switched on, and the target's URL still allowed (`allowlist`, by default SURVEY_HOST_ALLOWLIST).
    """
    typed = read_typed_code(raw)
    if typed.code is None:
        return LinkCheck("unreadable", problem=typed.problem, chars=typed.chars)
    link = db.session.scalar(
        select(Link)
        .where(Link.code == typed.code)
        .options(
            joinedload(Link.target),
            joinedload(Link.promoter),
            joinedload(Link.opd),
            joinedload(Link.area).joinedload(Area.parent).joinedload(Area.parent).joinedload(Area.parent),
        )
    )
    if link is None:
        return LinkCheck("unknown", code=typed.code)
    if allowlist is None:
        allowlist = current_app.config["SURVEY_HOST_ALLOWLIST"]
    today = destination_on(link) if link.active and link.target.active else None
    if (
        today is None
        or today.kind == "none"  # a rule for today leads to a survey switched off or no longer allowed
        or (today.kind == "survey" and not url_allowed(link.target.url, tuple(allowlist)))
    ):
        # A scan of it answers 410 and nothing more: neither does the check.
        return LinkCheck("inactive", code=typed.code)
    leads_on = None
    if today.kind == "opening" and today.rule:
        leads_on = opening_day(today.rule)
    elif today.kind == "closed" and today.rule:
        leads_on = closing_day(today.rule)
    return LinkCheck(
        "official",
        code=link.code,
        survey=today.survey,
        destination=today.host,
        role=link.promoter.role if link.promoter else None,
        issuer=link.opd.name if link.opd else _kelurahan_text(link.area),
        leads=today.kind,
        leads_on=leads_on,
    )


def _check_url(text: str, base_host: str, allowlist) -> LinkCheck:
    try:
        parts = urlsplit(text if _SCHEME.match(text) else "https://" + text)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return LinkCheck("unreadable", problem="invalid", chars="")
    if not host:
        return LinkCheck("unreadable", problem="invalid", chars="")
    if host == base_host:
        path = _LINK_PATH.fullmatch(parts.path)
        if path is None:
            return LinkCheck("site", host=host)
        typed = read_typed_code(path.group(1))
        if typed.code is None:
            return LinkCheck("unknown", code=path.group(1)[:20].upper(), host=host)
        return check_code(typed.code, allowlist)
    if host_allowed(host, allowlist):
        return LinkCheck("survey_host", host=host)
    return LinkCheck("foreign", host=host, shortener=host_allowed(host, SHORTENERS))


def _kelurahan_text(area: Area) -> str:
    """The kelurahan of an area (an RW or RT is named by its kelurahan) with its kecamatan."""
    while area.level in ("rt", "rw") and area.parent is not None:
        area = area.parent
    if area.level == "kelurahan" and area.parent is not None:
        return f"{area.label}, {area.parent.label}"
    return area.label
