"""Failed sign-ins counted per account and client, so nobody can lock another person out.

A client is a keyed hash of its address (`outreach.security.client_key`); no address is stored.

- Per account and client: LOGIN_MAX_FAILURES wrong passwords in a row lock that account *for that
  client* for LOGIN_LOCKOUT_MINUTES, doubling with each further lock (up to LOGIN_MAX_LOCKOUT_MINUTES).
  Others, the account's owner among them, still sign in from their own clients.
- Per account, across every client: LOGIN_ACCOUNT_MAX_FAILURES wrong passwords (since the last
  successful sign-in) lock the account (`User.locked_until`) for clients it has never signed in from, so
  guessing from many addresses is bounded too; clients the account signed in from before still get in.
"""

from datetime import datetime, timedelta

from flask import current_app, has_request_context
from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from outreach.extensions import Model, db
from outreach.models import UTCDateTime, utcnow


class LoginFailure(Model):
    """Wrong passwords for one account from one client (a keyed hash of its address), and its lock."""

    __tablename__ = "login_failure"
    __table_args__ = (UniqueConstraint("user_id", "client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    client: Mapped[str] = mapped_column(String(32))
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    lockouts: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The account signed in from this client before: an account-wide lock does not apply to it.
    trusted: Mapped[bool] = mapped_column(default=False, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<LoginFailure user={self.user_id} failures={self.failures}>"

    def is_locked(self, now: datetime) -> bool:
        """True while this client is locked out of this account."""
        return self.locked_until is not None and self.locked_until > now


def current_client() -> str:
    """The client of the current request (a keyed hash of its address); "" outside a request (the CLI)."""
    if not has_request_context():
        return ""
    from outreach.security import client_key

    return client_key()


def client_record(user_id: int, client: str) -> LoginFailure | None:
    """This account's record for this client, if it has one."""
    return db.session.scalar(select(LoginFailure).where(LoginFailure.user_id == user_id, LoginFailure.client == client))


def _record_for_update(user_id: int, client: str, now: datetime) -> LoginFailure:
    """This account's record for this client, made first if missing.

    Insert-or-ignore, then read back: two first failures at once (parallel guesses, or two workers)
    both land on the one row instead of the second hitting the unique constraint.
    """
    found = client_record(user_id, client)
    if found is None:
        insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        db.session.execute(
            insert(LoginFailure)
            .values(user_id=user_id, client=client, failures=0, lockouts=0, trusted=False, updated_at=now)
            .on_conflict_do_nothing(index_elements=["user_id", "client"])
        )
        found = client_record(user_id, client)
    assert found is not None  # inserted or already there: the read back finds it
    return found


def client_lock_minutes(lockouts: int) -> int:
    """How long the nth lock of one client lasts: the lockout period, doubled for each earlier lock."""
    config = current_app.config
    base = config["LOGIN_LOCKOUT_MINUTES"]
    return min(base * 2 ** max(lockouts - 1, 0), config["LOGIN_MAX_LOCKOUT_MINUTES"])


def client_failed(user_id: int, client: str, now: datetime) -> datetime | None:
    """Count a wrong password from this client; the end of the lock when it now locks, else None."""
    found = _record_for_update(user_id, client, now)
    # Counted in the database, not from the value this request read: parallel guesses all count.
    found.failures = LoginFailure.failures + 1
    db.session.flush()
    db.session.refresh(found, ["failures", "lockouts"])
    found.updated_at = now
    if found.failures < current_app.config["LOGIN_MAX_FAILURES"]:
        return None
    found.failures = 0
    found.lockouts += 1
    found.locked_until = now + timedelta(minutes=client_lock_minutes(found.lockouts))
    return found.locked_until


def client_succeeded(user_id: int, client: str, now: datetime) -> None:
    """A right password from this client: clear its count and locks, and trust it from now on."""
    found = _record_for_update(user_id, client, now)
    found.failures = found.lockouts = 0
    found.locked_until = None
    found.trusted = True
    found.updated_at = now


def clear_client_locks(user_id: int) -> int:
    """Lift every client's lock on this account (an admin's unlock); the number of locks lifted."""
    now = utcnow()
    lifted = 0
    for found in db.session.scalars(select(LoginFailure).where(LoginFailure.user_id == user_id)):
        lifted += found.is_locked(now)
        found.failures = found.lockouts = 0
        found.locked_until = None
    return lifted
