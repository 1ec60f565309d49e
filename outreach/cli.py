"""`flask` commands: user management, demo data, backups."""

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale

from outreach.auth.passwords import password_problem
from outreach.auth.services import UserError, create_user, find_user_by_email, unlock_user
from outreach.campaign import ROLES
from outreach.extensions import db
from outreach.promoters.models import Promoter
from outreach.uow import unit_of_work

users_cli = AppGroup("users", help="Manage logins.")
i18n_cli = AppGroup("i18n", help="Translation catalogs.")


@i18n_cli.command("compile")
def i18n_compile_command() -> None:
    """Compile every catalog (.po) to the .mo files the app reads."""
    from outreach.i18n import compile_all

    click.echo(f"compiled {compile_all()} catalogs")


@i18n_cli.command("missing")
@click.option(
    "--add-to",
    type=click.Path(file_okay=False, exists=True),
    help="Domain folder whose catalog gets the missing strings.",
)
def i18n_missing_command(add_to: str | None) -> None:
    """List UI strings without an Indonesian translation (optionally add them to a catalog)."""
    from pathlib import Path

    from outreach.i18n import add_missing, missing

    if add_to:
        click.echo(f"added {add_missing(Path(add_to))} strings to {add_to}")
        return
    todo = missing()
    for msgid, where in todo.items():
        click.echo(f"{where}: {msgid}")
    if todo:
        raise click.ClickException(f"{len(todo)} strings have no Indonesian translation")


@users_cli.command("create")
@click.option("--email", required=True, help="Login email.")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the user may do.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Prompted when omitted.")
@click.option("--promoter-id", type=int, help="For a promoter login: the promoter's id.")
def create_user_command(email: str, role: str, password: str, promoter_id: int | None) -> None:
    """Create a login with a hashed password (refused when it is common or built on the email)."""
    with force_locale("en"):
        problem = password_problem(password, email)
    if problem:
        raise click.ClickException(f"password refused: {problem}")
    promoter = db.session.get(Promoter, promoter_id) if promoter_id else None
    if promoter_id and promoter is None:
        raise click.ClickException(f"no promoter with id {promoter_id}")
    try:
        with unit_of_work():
            user = create_user(email, password, role, promoter=promoter)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {user.role} {user.email}")


@users_cli.command("unlock")
@click.option("--email", required=True, help="Login email.")
def unlock_user_command(email: str) -> None:
    """Lift the lockout that repeated failed sign-ins put on a login."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    unlocked = unlock_user(user)
    db.session.commit()
    click.echo(f"unlocked {user.email}" if unlocked else f"{user.email} was not locked")


def _sqlite_path() -> Path:
    """The SQLite file the app uses; a clear refusal on PostgreSQL."""
    from outreach.backup import PG_HINT

    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(PG_HINT)
    return Path(url.database or "")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path))
def backup_command(path: Path) -> None:
    """Copy the live SQLite database to PATH (a new file or a folder), safe while the app runs."""
    from outreach.backup import BackupError, backup_sqlite

    try:
        target = backup_sqlite(_sqlite_path(), path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up to {target} ({target.stat().st_size} bytes)")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup at PATH (the current one is saved first)."""
    from alembic.script import ScriptDirectory

    from outreach.backup import BackupError, check_outreach_database, restore_sqlite

    target = _sqlite_path()
    try:
        check_outreach_database(path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if not yes:
        click.confirm(f"Replace the database {target} with {path}?", abort=True)
    scripts = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    known = {script.revision for script in scripts.walk_revisions()}
    db.session.remove()
    db.engine.dispose()
    try:
        saved = restore_sqlite(path, target, known)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if saved:
        click.echo(f"the previous database was saved to {saved}")
    click.echo(f"restored {target} from {path}; run `flask --app wsgi db upgrade` if the backup is older")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the real Bandar Lampung areas and OPDs plus synthetic demo data (idempotent)."""
    from outreach.demo import DEMO_LOGINS, demo_sign_in_link, seed_demo

    # The demo's logins have passwords printed in the README and its scans would count in KPK's figures.
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(
            "seed-demo refuses to run with OUTREACH_ENV=production: it creates logins whose passwords are "
            "published and synthetic scans; create real logins with `flask --app wsgi users create`"
        )

    counts = seed_demo()
    db.session.commit()
    click.echo("demo data: " + ", ".join(f"{k} +{v}" for k, v in counts.items()))
    click.echo("demo logins (email  password):")
    for role, (email, password) in DEMO_LOGINS.items():
        click.echo(f"  {role:<11} {email}  {password}")
    url = demo_sign_in_link()
    db.session.commit()
    hours = current_app.config["SIGN_IN_LINK_HOURS"]
    click.echo(f"the demo promoter's one-time sign-in link (works once, for {hours} hours; open it on a phone):")
    click.echo(f"  {url}")


def register(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    app.cli.add_command(users_cli)
    app.cli.add_command(i18n_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
