"""`read_rows()`: figures read on the session's connection still see what the request wrote before; `among()`
and `among_bound()` select exactly the ids listed."""

from sqlalchemy import select

from outreach.links.models import Link
from outreach.metrics.rows import among, among_bound, read_rows
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


def test_a_list_of_ids_selects_exactly_those_rows_once(db):
    links = [LinkFactory() for _ in range(5)]
    db.session.flush()
    wanted = [links[3].id, links[0].id, links[3].id, 10**9]  # a repeat and an id of no link
    assert sorted(read_rows(select(Link.id).where(among(Link.id, wanted)))) == sorted([(links[0].id,), (links[3].id,)])
    assert read_rows(select(Link.id).where(among(Link.id, []))) == []


def test_ids_bound_later_select_exactly_those_rows(db):
    links = [LinkFactory() for _ in range(4)]
    db.session.flush()
    statement = select(Link.id).where(among_bound(Link.id, "ids", db.engine.dialect.name)).order_by(Link.id)
    assert read_rows(statement, {"ids": [links[2].id, links[1].id]}) == [(links[1].id,), (links[2].id,)]
    assert read_rows(statement, {"ids": [links[0].id]}) == [(links[0].id,)]
