"""The unit of work: commits what a block wrote, rolls it all back (and logs) when the block raises."""

import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from outreach.areas.models import Opd
from outreach.uow import unit_of_work


class Refused(Exception):
    """A domain error, as services raise them."""


def _opds(db) -> int:
    db.session.rollback()  # read what the database holds, not what the session has pending
    return db.session.scalar(select(func.count()).select_from(Opd))


def _opd(code: str) -> Opd:
    return Opd(code=code, name=f"Dinas {code}", kind="dinas")


def test_a_block_that_succeeds_is_committed(db):
    with unit_of_work():
        db.session.add(_opd("D1"))
    assert _opds(db) == 1


def test_a_block_that_raises_leaves_nothing_and_the_error_reaches_the_caller(db, caplog):
    caplog.set_level(logging.INFO, logger="outreach.uow")
    with pytest.raises(Refused), unit_of_work():
        db.session.add(_opd("D1"))
        db.session.flush()
        raise Refused("Dinas D1 belongs to budi@example.id")
    assert _opds(db) == 0
    [record] = [r for r in caplog.records if r.name == "outreach.uow"]
    assert "Refused" in record.getMessage()
    assert "budi@example.id" not in caplog.text  # a domain error's message may name a person


def test_a_commit_the_database_refuses_is_rolled_back_and_raised(db):
    with unit_of_work():
        db.session.add(_opd("D1"))
    with pytest.raises(IntegrityError), unit_of_work():
        db.session.add(_opd("D2"))
        db.session.add(_opd("D1"))  # the code is unique: refused at the commit
    assert _opds(db) == 1
    with unit_of_work():  # the session is usable again
        db.session.add(_opd("D3"))
    assert _opds(db) == 2


def test_it_works_as_a_decorator(db):
    @unit_of_work()
    def add(code: str, refuse: bool = False) -> None:
        db.session.add(_opd(code))
        if refuse:
            raise Refused(code)

    add("D1")
    with pytest.raises(Refused):
        add("D2", refuse=True)
    assert _opds(db) == 1
