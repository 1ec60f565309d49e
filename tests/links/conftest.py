"""Fixtures shared by the link and scan tests."""

import pytest

from tests.factories import LinkFactory, SurveyTargetFactory

# The survey every `link` fixture sends its scans to; the modules compare redirects with it.
TARGET = "https://spi.kpk.go.id/survei/eksternal"


@pytest.fixture(params=["fast path", "flask view"])
def scan_path(request, app):
    """Run the test through the WSGI fast path and through the Flask view alone."""
    app.config["SCAN_FAST_PATH"] = request.param == "fast path"
    yield request.param
    app.config["SCAN_FAST_PATH"] = True


@pytest.fixture
def link(db):
    """An active link with code ABC234 to the eksternal survey."""
    link = LinkFactory(code="ABC234", target=SurveyTargetFactory(url=TARGET))
    db.session.commit()
    return link
