"""API fixtures: a bearer token per role."""

import pytest

from outreach.api.tokens import create_token
from outreach.extensions import db
from tests import factories


def bearer(user) -> dict[str, str]:
    """Authorization header with a fresh token of the user (committed, so requests see it)."""
    _token, secret = create_token(user, "tests")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def as_role():
    """as_role("coordinator") -> (user, headers) for a fresh user of that role."""

    def make(role: str):
        user = factories.UserFactory(role=role)
        return user, bearer(user)

    return make
