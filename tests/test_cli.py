"""CLI: creating users and loading the demo."""

import re

from sqlalchemy import func, select

from outreach.areas.models import Area, Opd
from outreach.auth.models import User
from outreach.demo import DEMO_LOGINS
from outreach.promoters.models import Promoter


def _count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_seed_demo_loads_the_real_bandar_lampung_areas(runner, db):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert _count(db, Area, Area.level == "kota") == 1
    assert _count(db, Area, Area.level == "kecamatan") == 20
    assert _count(db, Area, Area.level == "kelurahan") == 126
    kedaton = db.session.scalar(select(Area).where(Area.code == "18.71.01"))
    assert kedaton.name == "Kedaton"
    assert {a.name for a in kedaton.children} >= {"Surabaya", "Sidodadi", "Penengahan Raya"}
    assert _count(db, Opd) == 54
    assert _count(db, Opd, Opd.kind == "kecamatan", Opd.area_id.is_not(None)) == 20
    roles = set(db.session.scalars(select(Promoter.role).distinct()))
    assert roles == {"pamong", "linmas", "rt"}
    assert {u.role for u in db.session.scalars(select(User))} == {"admin", "coordinator", "leadership", "promoter"}
    for email, password in DEMO_LOGINS.values():
        assert email in result.output and password in result.output


def test_seed_demo_twice_changes_nothing(runner, db):
    runner.invoke(args=["seed-demo"])
    before = [_count(db, m) for m in (Area, Opd, Promoter, User)]
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert "areas +0, opds +0, rw_rt +0, promoters +0, logins +0" in result.output
    assert [_count(db, m) for m in (Area, Opd, Promoter, User)] == before


def test_seed_demo_prints_a_working_one_time_link_for_the_demo_promoter(app, runner, client, db):
    result = runner.invoke(args=["seed-demo"])
    found = re.search(r"https://spi\.example\.test(/auth/masuk/[\w-]+)", result.output)
    assert found, result.output
    phone = app.test_client()
    assert phone.post(found.group(1)).status_code == 302
    assert "Bagikan survei" in phone.get("/").get_data(as_text=True)


def test_demo_logins_can_sign_in(runner, client, db):
    runner.invoke(args=["seed-demo"])
    for email, password in DEMO_LOGINS.values():
        response = client.post("/auth/login", data={"email": email, "password": password})
        assert response.status_code == 302, email
        client.post("/auth/logout")


def test_users_create_with_password_option(runner, db):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Kepala@BandarLampungKota.go.id",
            "--role",
            "leadership",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "kepala@bandarlampungkota.go.id"))
    assert user.role == "leadership" and user.check_password("a-long-password")


def test_users_create_prompts_for_the_password(runner, db):
    result = runner.invoke(
        args=["users", "create", "--email", "k@bandarlampungkota.go.id", "--role", "coordinator"],
        input="prompted-password\nprompted-password\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.email == "k@bandarlampungkota.go.id")).check_password(
        "prompted-password"
    )


def test_users_create_refuses_short_password_and_duplicates(runner, db):
    short = runner.invoke(args=["users", "create", "--email", "a@b.id", "--role", "admin", "--password", "short"])
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    runner.invoke(args=["users", "create", "--email", "a@b.id", "--role", "admin", "--password", "long-enough-1"])
    dup = runner.invoke(args=["users", "create", "--email", "A@b.id", "--role", "admin", "--password", "long-enough-1"])
    assert dup.exit_code != 0 and "already exists" in dup.output


def test_promoter_login_needs_a_promoter(runner, db):
    result = runner.invoke(
        args=["users", "create", "--email", "p@b.id", "--role", "promoter", "--password", "long-enough-1"]
    )
    assert result.exit_code != 0 and "needs a promoter" in result.output


def test_seed_demo_refuses_to_run_in_production(app, db):
    from config import ProdConfig, TestConfig
    from outreach import create_app

    class ProdOnTestDb(ProdConfig):
        SECRET_KEY = "prod-test-secret-0123456789abcdef0123"
        SQLALCHEMY_DATABASE_URI = TestConfig.SQLALCHEMY_DATABASE_URI

    prod = create_app(ProdOnTestDb)
    with prod.app_context():  # the suite's app context is pushed already; the command runs in this one
        result = prod.test_cli_runner().invoke(args=["seed-demo"])
        db.engine.dispose()
    assert result.exit_code != 0 and "OUTREACH_ENV=production" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
