"""`flask` commands: user management and demo data."""

import click
from flask import Flask
from flask.cli import AppGroup

from outreach.auth.models import ROLES
from outreach.auth.services import UserError, create_user
from outreach.extensions import db
from outreach.promoters.models import Promoter

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
    """Create a login with a hashed password."""
    promoter = db.session.get(Promoter, promoter_id) if promoter_id else None
    if promoter_id and promoter is None:
        raise click.ClickException(f"no promoter with id {promoter_id}")
    try:
        user = create_user(email, password, role, promoter=promoter)
    except UserError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created {user.role} {user.email}")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the real Bandar Lampung areas and OPDs plus synthetic demo data (idempotent)."""
    from outreach.demo import DEMO_LOGINS, seed_demo

    counts = seed_demo()
    db.session.commit()
    click.echo("demo data: " + ", ".join(f"{k} +{v}" for k, v in counts.items()))
    click.echo("demo logins (password / email):")
    for role, (email, password) in DEMO_LOGINS.items():
        click.echo(f"  {role:<11} {email}  {password}")


def register(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    app.cli.add_command(users_cli)
    app.cli.add_command(i18n_cli)
    app.cli.add_command(seed_demo_command)
