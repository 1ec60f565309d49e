"""`flask tokens create|revoke`: API tokens for scripts, from the command line."""

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from outreach.api.models import ApiToken
from outreach.api.tokens import TokenError, create_token, revoke_token
from outreach.auth.models import User
from outreach.extensions import db

tokens_cli = AppGroup("tokens", help="Create and revoke API tokens.")


@tokens_cli.command("create")
@click.option("--email", required=True, help="Login email of the token's user.")
@click.option("--name", default="", help="What the token is for (shown in the token list).")
def create_token_command(email: str, name: str) -> None:
    """Create a token for the user and print it once (only its hash is stored)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    if not user.is_active:
        raise click.ClickException(f"user {email} is deactivated")
    try:
        token, secret = create_token(user, name)
    except TokenError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"token {token.id} ({token.prefix}…) for {user.email}; it is shown only once:")
    click.echo(secret)


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token_command(token_id: int) -> None:
    """Revoke a token by its id."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"no token with id {token_id}")
    if revoke_token(token):
        db.session.commit()
        click.echo(f"token {token_id} revoked")
    else:
        click.echo(f"token {token_id} was already revoked")
