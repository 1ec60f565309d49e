"""Every area, promoter and audit view declares who may use it (for the authorisation matrix)."""

from outreach.auth.decorators import access_rule
from outreach.auth.models import ADMIN, EDITOR_ROLES, ROLES, STAFF_ROLES


def test_area_promoter_and_audit_views_declare_their_rule(app):
    rules = {e: access_rule(v) for e, v in app.view_functions.items() if e.split(".")[0] in ("areas", "promoters",
                                                                                               "audit")}
    assert rules and all(rule is not None for rule in rules.values()), rules
    assert rules["areas.index"] == rules["areas.coverage"] == rules["promoters.index"] == frozenset(STAFF_ROLES)
    assert rules["areas.import_units"] == rules["promoters.confirm_import"] == frozenset(EDITOR_ROLES)
    assert rules["promoters.show"] == frozenset(ROLES)  # the view itself limits promoters to their own page
    assert rules["audit.index"] == frozenset({ADMIN})
