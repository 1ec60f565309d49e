"""Date-phased destinations (as Shlink's redirect rules): a survey target's links lead elsewhere on some WIB days.

Before the survey opens, to our page saying when it opens; after the deadline, to our thank-you
page; from a day on, to another survey target (next year's survey) or another allowlisted address, so
printed flyers keep working. Rules of one target never overlap. The scan path reads them with the
link (`outreach.links.scanning`) and picks one per visit with `schedule.phase_on`.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from outreach import clock
from outreach.audit.services import record_event
from outreach.auth.models import User
from outreach.extensions import db
from outreach.links.models import RULE_KINDS, DestinationRule, Link, SurveyTarget
from outreach.links.schedule import Phase, make_phase, phase_on
from outreach.links.services import LinkError, host_allowed, survey_url_problem

log = logging.getLogger(__name__)


def target_rules(target: SurveyTarget) -> list[DestinationRule]:
    """A target's rules, earliest first."""
    rules = db.session.scalars(select(DestinationRule).where(DestinationRule.target_id == target.id))
    return sorted(rules, key=lambda rule: (rule.starts_on or date.min, rule.id))


def _overlaps(a_start: date | None, a_end: date | None, b_start: date | None, b_end: date | None) -> bool:
    return (a_start or date.min) <= (b_end or date.max) and (b_start or date.min) <= (a_end or date.max)


def _check_rule(
    target: SurveyTarget,
    kind: str,
    starts_on: date | None,
    ends_on: date | None,
    next_target: SurveyTarget | None,
    url: str,
) -> None:
    if kind not in RULE_KINDS:
        raise LinkError(f"kind: must be one of {', '.join(RULE_KINDS)}, not {kind!r}")
    if starts_on and ends_on and ends_on < starts_on:
        raise LinkError("ends_on: must not be before starts_on")
    if kind == "opening" and ends_on is None:
        raise LinkError("ends_on: the information page needs the last day before the survey opens")
    if kind != "opening" and starts_on is None:
        raise LinkError("starts_on: this rule needs the first day it applies")
    if kind == "target":
        _check_next_target(target, next_target)
    if kind == "url":
        problem = survey_url_problem(url, current_app.config["SURVEY_HOST_ALLOWLIST"])
        if problem:
            raise LinkError(f"url: {problem}")
    for other in target_rules(target):
        if _overlaps(starts_on, ends_on, other.starts_on, other.ends_on):
            raise LinkError(f"starts_on: overlaps rule {other.id} ({_days_text(other)}); rules must not overlap")


def _check_next_target(target: SurveyTarget, next_target: SurveyTarget | None) -> None:
    """A rule that leads to another survey target needs an active one other than its own."""
    if next_target is None:
        raise LinkError("next_target_id: choose the survey target the links lead to")
    if next_target.id == target.id:
        raise LinkError("next_target_id: must be another survey target")
    if not next_target.active:
        raise LinkError(f"next_target_id: {next_target.name} is not active")


def _days_text(rule: DestinationRule) -> str:
    start = rule.starts_on.isoformat() if rule.starts_on else "…"
    end = rule.ends_on.isoformat() if rule.ends_on else "…"
    return f"{start} to {end}"


def create_rule(
    target: SurveyTarget,
    kind: str,
    starts_on: date | None = None,
    ends_on: date | None = None,
    next_target: SurveyTarget | None = None,
    url: str = "",
    actor: User | None = None,
) -> DestinationRule:
    """Add a destination rule to a survey target after checking its days, kind and address."""
    url = (url or "").strip()
    _check_rule(target, kind, starts_on, ends_on, next_target, url)
    rule = DestinationRule(
        target_id=target.id,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        next_target_id=next_target.id if kind == "target" and next_target else None,
        url=url if kind == "url" else "",
    )
    db.session.add(rule)
    db.session.flush()
    record_event(actor, "destination_rule.create", rule, _described(rule))
    log.info("added destination rule %s (%s) to survey target %s", rule.id, kind, target.id)
    return rule


def delete_rule(rule: DestinationRule, actor: User | None = None) -> None:
    """Remove a rule; visits it sent keep its id, and the audit log keeps what it was."""
    record_event(actor, "destination_rule.delete", rule, _described(rule))
    db.session.delete(rule)
    db.session.flush()
    log.info("removed destination rule %s of survey target %s", rule.id, rule.target_id)


def _described(rule: DestinationRule) -> dict[str, object]:
    return {
        "target_id": rule.target_id,
        "kind": rule.kind,
        "starts_on": rule.starts_on,
        "ends_on": rule.ends_on,
        "next_target_id": rule.next_target_id,
        "url": rule.url,
    }


def rule_url(rule: DestinationRule) -> str | None:
    """The address a 'target' or 'url' rule leads to (None when its survey target is switched off)."""
    if rule.kind == "url":
        return rule.url
    if rule.kind == "target" and rule.next_target is not None and rule.next_target.active:
        return rule.next_target.url
    return None


def phases(rules: list[DestinationRule], code: str) -> tuple[Phase, ...]:
    """The rules of a link's target as the scan path holds them, for the link's code."""
    allowlist = current_app.config["SURVEY_HOST_ALLOWLIST"]
    return tuple(
        make_phase(
            rule.id,
            rule.kind,
            rule.starts_on,
            rule.ends_on,
            code,
            rule_url(rule),
            lambda url: host_allowed(urlsplit(url).hostname or "", allowlist),
        )
        for rule in rules
    )


def opening_day(rule: DestinationRule) -> date | None:
    """The day the survey opens, for an 'opening' rule (the day after its last)."""
    return rule.ends_on + timedelta(days=1) if rule.ends_on else None


def closing_day(rule: DestinationRule) -> date | None:
    """The last day of the survey, for a 'closed' rule (the day before its first)."""
    return rule.starts_on - timedelta(days=1) if rule.starts_on else None


@dataclass(frozen=True)
class Destination:
    """Where a visit of a link goes on one day, in words a page can show.

    `kind` is 'survey' (the target's own address), a rule kind (see RULE_KINDS) or 'none' (the rule's
    survey was switched off, or its host left the allowlist: the visit is answered as inactive).
    """

    kind: str
    url: str | None
    rule: DestinationRule | None = None
    survey: str | None = None

    @property
    def host(self) -> str | None:
        """The host of an address elsewhere (None for our own pages)."""
        return urlsplit(self.url).hostname if self.url and self.url.startswith("https://") else None


def destination_on(link: Link, day: date | None = None, rules: list[DestinationRule] | None = None) -> Destination:
    """Where a visit of `link` goes on a WIB day (today by default), exactly as the scan path chooses."""
    rules = target_rules(link.target) if rules is None else rules
    phase = phase_on(phases(rules, link.code), day or clock.today())
    if phase is None:
        return Destination("survey", link.target.url, survey=link.target.name)
    rule = next(rule for rule in rules if rule.id == phase.rule_id)
    if phase.url is None:
        return Destination("none", None, rule)
    survey = rule.next_target.name if rule.kind == "target" and rule.next_target else None
    return Destination(rule.kind, phase.url, rule, survey)


def schedule_page_rule(rule_id: int, code: str) -> tuple[DestinationRule, Link] | None:
    """The 'opening' or 'closed' rule and the link of an information page address, or None when they do not match."""
    rule = db.session.get(DestinationRule, rule_id)
    link = db.session.scalar(select(Link).where(Link.code == code))
    if rule is None or link is None or rule.kind not in ("opening", "closed") or rule.target_id != link.target_id:
        return None
    return rule, link
