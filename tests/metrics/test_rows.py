"""`read_rows()`: figures read on the session's connection still see what the request wrote before."""

from sqlalchemy import select

from outreach.links.models import Link
from outreach.metrics.rows import read_rows
from tests.factories import LinkFactory


def test_rows_read_after_a_change_include_it_as_the_session_would(db):
    link = LinkFactory()
    link.code = "BARU2026"  # changed in the session, not flushed yet
    assert link in db.session.dirty
    assert read_rows(select(Link.code).where(Link.id == link.id)) == [("BARU2026",)]


def test_rows_are_not_flushed_where_the_session_holds_its_changes_back(db):
    link = LinkFactory()
    code = link.code
    with db.session.no_autoflush:
        link.code = "BARU2026"
        assert read_rows(select(Link.code).where(Link.id == link.id)) == [(code,)]
