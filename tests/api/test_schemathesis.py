"""Schemathesis against the live OpenAPI document: no 5xx, and every response matches the spec.

Runs in-process through WSGI (schemathesis' Python API, one Hypothesis run per operation) with a
coordinator's token (an editor: every write is reachable) over a few real rows,
with few examples per operation so the whole run stays well under a minute.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from outreach.api.tokens import create_token
from outreach.extensions import db
from tests import factories


@pytest.fixture
def api_schema(app):
    """The spec served by the app, loaded over WSGI."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def staff_headers():
    """A coordinator's bearer token, with a few rows for the generated ids to land on."""
    factories.make_area_tree(kecamatan=1, kelurahan=1, rw=1, rt=1)
    factories.AssignmentFactory()
    factories.LinkFactory()
    factories.DriveFactory()
    user = factories.UserFactory(role="coordinator")
    _token, secret = create_token(user, "schemathesis")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


SETTINGS = settings(
    max_examples=6, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


def test_api_conforms_to_its_spec(api_schema, staff_headers):
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:

        @SETTINGS
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(headers=staff_headers, checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except Exception as error:  # noqa: BLE001 — run every operation, then report all that failed
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)
