"""One unit of work: commit the session when a block succeeds, roll it back and log when it raises.

Views, API resources and CLI commands wrap the service calls of one change in it and catch the
domain error outside, to show it to the user::

    try:
        with unit_of_work():
            link = create_link(...)
    except LinkError as exc:
        flash(str(exc), "error")

It also works as a decorator (`@unit_of_work()`).
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from outreach.extensions import db

log = logging.getLogger(__name__)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block wrote; if the block (or the commit) raises, roll back, log and re-raise.

    Only the exception's class is logged: a domain error's message may name a person or an address.
    """
    try:
        yield
        db.session.commit()
    except BaseException as exc:
        db.session.rollback()
        log.info("rolled back the unit of work: %s", type(exc).__name__)
        raise
