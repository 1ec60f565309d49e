"""`flask metrics refresh [--check]`: rebuild the derived tables from raw rows, or prove they agree."""

import click
from flask.cli import AppGroup

metrics_cli = AppGroup("metrics", help="Figures and the derived tables behind them.")


@metrics_cli.command("refresh")
@click.option("--check", is_flag=True, help="Rebuild in a rolled-back transaction and compare; change nothing.")
def refresh_command(check: bool) -> None:
    """Rebuild every derived table (scan rollups, respondent totals and level rows) from raw rows.

    With --check, print how each stored table differs from a rebuild and exit 1 if any does.
    """
    from outreach.metrics import refresh

    if not check:
        rebuilt = refresh.rebuild_all()
        click.echo(
            f"scan rollups rebuilt until {rebuilt.scans.until:%Y-%m-%d %H:%M} UTC: {rebuilt.scans.rows} link-days; "
            f"respondent totals rebuilt: {rebuilt.respondent_totals} rows"
        )
        return
    differences = refresh.check()
    for difference in differences:
        if difference.equal:
            click.echo(f"{difference.table}: equal ({difference.rows} rows)")
            continue
        click.echo(
            f"{difference.table}: {difference.stored_only} stored rows not in the rebuild, "
            f"{difference.rebuilt_only} rebuilt rows not stored"
        )
        for example in difference.examples:
            click.echo(f"  {example}")
    if any(not difference.equal for difference in differences):
        raise SystemExit(1)
    click.echo("equal: every derived table matches a rebuild from raw rows")
