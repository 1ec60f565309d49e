"""Account lockout after repeated failed sign-ins, and unlocking by an admin (page and CLI)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from outreach.audit.models import AuditEvent
from outreach.auth.models import User
from outreach.auth.services import authenticate
from outreach.auth.throttle import LoginFailure
from outreach.extensions import limiter
from outreach.models import utcnow
from tests.conftest import PASSWORD, csrf_token, login
from tests.factories import UserFactory

WRONG = "not the password"


def _fail(client, user, times):
    return [login(client, user, password=WRONG).status_code for _ in range(times)]


def _refusal_text(response) -> str:
    body = response.get_data(as_text=True)
    start = body.index('class="flash flash-error"')
    return body[start : body.index("</p>", start)]


def _events(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_five_failures_lock_the_account_for_that_client_even_for_the_right_password(app, client, db):
    user = UserFactory()
    db.session.commit()
    assert _fail(client, user, app.config["LOGIN_MAX_FAILURES"]) == [401] * 5
    [record] = db.session.scalars(select(LoginFailure)).all()
    assert record.user_id == user.id and record.locked_until - utcnow() > timedelta(minutes=14)
    assert login(client, user).status_code == 401
    assert client.get("/drives/").status_code == 302  # still signed out
    [event] = _events(db, "user.lock")
    assert event.object_id == user.id and event.user_id is None


def test_four_failures_then_success_resets_the_count(app, client, db):
    user = UserFactory()
    db.session.commit()
    _fail(client, user, 4)
    assert login(client, user).status_code == 302
    client.post("/auth/logout")
    _fail(client, user, 4)
    db.session.refresh(user)
    assert user.failed_logins == 4 and user.locked_until is None
    assert login(client, user).status_code == 302


def test_refusal_message_is_the_same_for_wrong_password_unknown_email_and_locked_account(client, db):
    user = UserFactory()
    locked = UserFactory(locked_until=utcnow() + timedelta(minutes=10))
    db.session.commit()
    wrong_password = _refusal_text(login(client, user, password=WRONG))
    unknown = _refusal_text(
        client.post("/auth/login", data={"email": "siapa@bandarlampungkota.go.id", "password": WRONG})
    )
    locked_right_password = _refusal_text(login(client, locked))
    assert wrong_password == unknown == locked_right_password
    assert "Email atau kata sandi salah" in wrong_password
    assert "dikunci selama 15 menit" in wrong_password


def test_lock_expires_after_the_lockout_period(app, db):
    user = UserFactory()
    db.session.commit()
    start = utcnow()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert authenticate(user.email, WRONG, now=start) is None
    assert authenticate(user.email, PASSWORD, now=start + timedelta(minutes=14)) is None
    assert authenticate(user.email, PASSWORD, now=start + timedelta(minutes=16)) == user
    assert user.failed_logins == 0 and user.locked_until is None


def test_attempts_while_locked_do_not_extend_the_lock(app, db):
    user = UserFactory()
    db.session.commit()
    start = utcnow()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        authenticate(user.email, WRONG, now=start)
    until = db.session.scalar(select(LoginFailure.locked_until))
    for minute in range(1, 10):
        authenticate(user.email, WRONG, now=start + timedelta(minutes=minute))
    assert db.session.scalar(select(LoginFailure.locked_until)) == until
    assert len(_events(db, "user.lock")) == 1


def test_admin_sees_the_lock_and_unlocks_with_the_button(admin_client, db):
    locked = UserFactory(email="lurah.kedaton@bandarlampungkota.go.id", locked_until=utcnow() + timedelta(minutes=9))
    db.session.commit()
    page = admin_client.get("/auth/users").get_data(as_text=True)
    assert "Terkunci sampai" in page and f"/auth/users/{locked.id}/unlock" in page
    response = admin_client.post(f"/auth/users/{locked.id}/unlock")
    assert response.headers["Location"] == "/auth/users"
    page = admin_client.get("/auth/users").get_data(as_text=True)
    assert "lurah.kedaton@bandarlampungkota.go.id dapat masuk kembali." in page
    assert "Terkunci sampai" not in page
    db.session.refresh(locked)
    assert locked.locked_until is None
    [event] = _events(db, "user.unlock")
    assert event.user_id == admin_client.user.id and event.object_id == locked.id
    assert login(admin_client.application.test_client(), locked).status_code == 302


def test_unlock_button_needs_a_csrf_token(app, csrf_client, db):
    admin = UserFactory(role="admin")
    locked = UserFactory(locked_until=utcnow() + timedelta(minutes=9))
    db.session.commit()
    token = csrf_token(csrf_client.get("/auth/login").get_data(as_text=True))
    csrf_client.post("/auth/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    assert csrf_client.post(f"/auth/users/{locked.id}/unlock").status_code == 400
    page = csrf_client.get("/auth/users").get_data(as_text=True)
    assert csrf_client.post(f"/auth/users/{locked.id}/unlock", data={"csrf_token": csrf_token(page)}).status_code == 302
    db.session.refresh(locked)
    assert locked.locked_until is None


@pytest.mark.parametrize("fixture", ["coordinator_client", "leadership_client", "promoter_client"])
def test_only_admins_may_unlock(request, db, fixture):
    client = request.getfixturevalue(fixture)
    locked = UserFactory(locked_until=utcnow() + timedelta(minutes=9))
    db.session.commit()
    assert client.post(f"/auth/users/{locked.id}/unlock").status_code == 403
    db.session.refresh(locked)
    assert locked.locked_until is not None


def test_anonymous_unlock_goes_to_login(client, db):
    locked = UserFactory(locked_until=utcnow() + timedelta(minutes=9))
    db.session.commit()
    response = client.post(f"/auth/users/{locked.id}/unlock")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def test_unlock_of_unknown_user_is_404(admin_client):
    assert admin_client.post("/auth/users/999999/unlock").status_code == 404


def test_cli_unlocks_a_locked_user(runner, db):
    user = UserFactory(email="camat@bandarlampungkota.go.id", locked_until=utcnow() + timedelta(minutes=9))
    db.session.commit()
    result = runner.invoke(args=["users", "unlock", "--email", "Camat@BandarLampungKota.go.id"])
    assert result.exit_code == 0, result.output
    assert "unlocked camat@bandarlampungkota.go.id" in result.output
    assert db.session.get(User, user.id).locked_until is None
    assert len(_events(db, "user.unlock")) == 1


def test_cli_unlock_says_when_nothing_was_locked_or_nobody_has_the_email(runner, db):
    UserFactory(email="staf@bandarlampungkota.go.id")
    db.session.commit()
    result = runner.invoke(args=["users", "unlock", "--email", "staf@bandarlampungkota.go.id"])
    assert result.exit_code == 0 and "was not locked" in result.output
    missing = runner.invoke(args=["users", "unlock", "--email", "tidak.ada@bandarlampungkota.go.id"])
    assert missing.exit_code != 0 and "no user with email tidak.ada@bandarlampungkota.go.id" in missing.output
    assert _events(db, "user.unlock") == []


def test_demo_shows_a_locked_login_on_the_admin_page(runner, admin_client, db):
    from outreach.demo import LOCKED_DEMO_LOGIN

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    locked = db.session.scalar(select(User).where(User.email == LOCKED_DEMO_LOGIN[0]))
    assert locked.is_locked(utcnow())
    assert len(_events(db, "user.lock")) == 1
    assert f"/auth/users/{locked.id}/unlock" in admin_client.get("/auth/users").get_data(as_text=True)


ATTACKER = {"REMOTE_ADDR": "198.51.100.66"}
OWNER = {"REMOTE_ADDR": "203.0.113.10"}


def test_an_attacker_who_keeps_failing_cannot_keep_the_owner_out(app, client, db):
    admin = UserFactory(role="admin")
    db.session.commit()
    for _ in range(4 * app.config["LOGIN_MAX_FAILURES"]):
        response = client.post("/auth/login", data={"email": admin.email, "password": WRONG}, environ_base=ATTACKER)
        assert response.status_code == 401
        limiter.reset()  # the per-client rate limit is another defence; this test is about the lockout
    owner = client.post("/auth/login", data={"email": admin.email, "password": PASSWORD}, environ_base=OWNER)
    assert owner.status_code == 302
    client.post("/auth/logout", environ_base=OWNER)
    attacker = client.post("/auth/login", data={"email": admin.email, "password": PASSWORD}, environ_base=ATTACKER)
    assert attacker.status_code == 401  # the attacker's own client stays locked, even with the right password


def test_the_lock_of_one_client_grows_with_each_repeat(app, db):
    user = UserFactory()
    db.session.commit()
    now = utcnow()
    lengths = []
    for _round in range(4):
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            authenticate(user.email, WRONG, now=now, client="attacker")
        until = db.session.scalar(select(LoginFailure.locked_until).where(LoginFailure.client == "attacker"))
        lengths.append(round((until - now).total_seconds() / 60))
        now = until + timedelta(seconds=1)
    assert lengths == [15, 30, 60, 120]
    assert authenticate(user.email, PASSWORD, now=now - timedelta(minutes=1), client="attacker") is None


def test_guessing_from_many_clients_locks_the_account_for_new_clients_only(app, db):
    user = UserFactory()
    db.session.commit()
    now = utcnow()
    assert authenticate(user.email, PASSWORD, now=now, client="owner-phone") == user
    per_client = app.config["LOGIN_MAX_FAILURES"] - 1  # never enough to lock one client
    for n in range(app.config["LOGIN_ACCOUNT_MAX_FAILURES"]):
        authenticate(user.email, WRONG, now=now, client=f"bot-{n // per_client}")
    assert user.is_locked(now)
    assert authenticate(user.email, PASSWORD, now=now, client="bot-new") is None  # brute force stops here
    assert authenticate(user.email, PASSWORD, now=now, client="owner-phone") == user  # the owner gets in
    [account_lock] = [e for e in _events(db, "user.lock") if e.changes["scope"] == "account"]
    assert account_lock.object_id == user.id


def test_unlock_lifts_the_locks_of_every_client(app, admin_client, db):
    user = UserFactory()
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        authenticate(user.email, WRONG, client="somewhere")
    db.session.commit()
    assert admin_client.post(f"/auth/users/{user.id}/unlock").status_code == 302
    assert authenticate(user.email, PASSWORD, client="somewhere") == user


def test_failure_records_hold_a_keyed_hash_not_the_address(app, client, db):
    user = UserFactory()
    db.session.commit()
    client.post("/auth/login", data={"email": user.email, "password": WRONG}, environ_base=ATTACKER)
    [record] = db.session.scalars(select(LoginFailure)).all()
    assert len(record.client) == 32 and "198.51" not in record.client
