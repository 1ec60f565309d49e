"""`flask links ...`: CSV export, the daily scan rollups and the visitor salts; `flask scans purge`."""

import sys

import click
from flask.cli import AppGroup

from outreach.extensions import db
from outreach.uow import unit_of_work

links_cli = AppGroup("links", help="Tracked survey links.")


@links_cli.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="File to write (default: stdout).")
@click.option("--active-only", is_flag=True, help="Leave out deactivated links.")
def export_command(output: str | None, active_only: bool) -> None:
    """Write all links as CSV (code, short URL, attribution) for mail merges."""
    from flask import current_app

    from outreach.links.export import write_links_csv
    from outreach.links.services import public_base_problem

    problem = public_base_problem()
    if problem and current_app.config["REFUSE_LOCAL_PUBLIC_BASE_URL"]:
        raise click.ClickException(problem)
    if problem:
        click.echo(f"warning: {problem}", err=True)
    if output:
        with open(output, "w", newline="", encoding="utf-8") as fh:
            count = write_links_csv(fh, active_only)
        click.echo(f"wrote {count} links to {output}", err=True)
    else:
        write_links_csv(sys.stdout, active_only)


@links_cli.command("refresh-rollups")
@click.option("--full", is_flag=True, help="Rebuild every day instead of only the days since the last run.")
def refresh_rollups_command(full: bool) -> None:
    """Recompute the daily scan rollups (idempotent; run it every few minutes from cron).

    The scan part of `flask metrics refresh`, by the same code (`outreach.metrics.refresh.scans`).
    """
    from outreach.metrics import refresh

    result = refresh.scans(full=full)
    db.session.commit()
    click.echo(
        f"scan rollups refreshed from {result.from_day or 'the start'} until {result.until:%Y-%m-%d %H:%M} UTC: "
        f"{result.rows} link-days (later scans are read live)"
    )


@links_cli.command("purge-salts")
def purge_salts_command() -> None:
    """Destroy the visitor-hash salts of past WIB days (run it from cron just after midnight WIB)."""
    from outreach.clock import wib_day
    from outreach.links.salts import purge_past_salts
    from outreach.models import utcnow

    today = wib_day(utcnow())
    deleted = purge_past_salts(today)
    db.session.commit()
    click.echo(f"destroyed the visitor salts of {deleted} day(s) before {today.isoformat()}")


@links_cli.command("drain-journal")
def drain_journal_command() -> None:
    """Copy the scan journals of finished processes (and any left after a crash) into the database now."""
    from flask import current_app

    from outreach.links.scanning import scanner

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # Flask's types omit it
    try:
        copied = scanner(app).drain()
    except Exception as exc:  # noqa: BLE001 - say why, leave the journal as it is
        raise click.ClickException(f"the journal stays as it is: {exc}") from exc
    click.echo(f"{copied} visits copied from the scan journal")


scans_cli = AppGroup("scans", help="Recorded scans.")


@scans_cli.command("purge")
@click.option("--days", type=click.IntRange(min=1), help="Keep this many days (default: SCAN_RETENTION_DAYS).")
def purge_command(days: int | None) -> None:
    """Delete raw scans older than the retention, after folding them into the rollups (idempotent)."""
    from flask import current_app

    from outreach.links.retention import RetentionError, purge_old_scans

    days = days or current_app.config["SCAN_RETENTION_DAYS"]
    try:
        with unit_of_work():
            result = purge_old_scans(days)
    except RetentionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"deleted {result.deleted} scans before {result.before.isoformat()} "
        f"({result.link_days} link-days, kept in the rollups)"
    )
