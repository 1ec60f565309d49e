"""Choosing a link's destination for a WIB day from its target's rules (pure, shared by the scan path and pages).

The scan path keeps a link's rules in its cached entry as `Phase` tuples and picks one per visit; the
pages pick from the same phases, so the check page and the link's page say what a visit gets today.
"""

from dataclasses import dataclass
from datetime import date

# The pages of ours that 'opening' and 'closed' rules lead to: same origin, so a relative address.
SCHEDULE_PATH = "/jadwal/{rule_id}/{code}"
OWN_PAGE_KINDS = ("opening", "closed")


@dataclass(frozen=True, slots=True)
class Phase:
    """One rule as the scan path needs it: its days (both included, None open-ended), id, kind and address.

    `url` is None when the rule leads nowhere a visitor may go (its survey target was switched off or
    its host left the allowlist): a visit on its days is answered like an inactive link.
    """

    starts_on: date | None
    ends_on: date | None
    rule_id: int
    kind: str
    url: str | None


def phase_on(phases: tuple[Phase, ...], day: date) -> Phase | None:
    """The phase covering `day`, or None when the target's own address applies."""
    for phase in phases:
        if (phase.starts_on is None or phase.starts_on <= day) and (phase.ends_on is None or day <= phase.ends_on):
            return phase
    return None


def own_page(rule_id: int, code: str) -> str:
    """The same-origin address of our information or thank-you page for one rule and link code."""
    return SCHEDULE_PATH.format(rule_id=rule_id, code=code)


def make_phase(
    rule_id: int,
    kind: str,
    starts_on: date | None,
    ends_on: date | None,
    code: str,
    url: str | None,
    allowed,
) -> Phase:
    """A rule's phase for one link code: our own page, or `url` (the rule's address or its next target's,
    None when that target is off) if `allowed(url)` still holds."""
    if kind in OWN_PAGE_KINDS:
        return Phase(starts_on, ends_on, rule_id, kind, own_page(rule_id, code))
    return Phase(starts_on, ends_on, rule_id, kind, url if url and allowed(url) else None)
