"""``flask --app wsgi import services FILE.csv [--dry-run]``."""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.directory.importing import import_csv

import_group = AppGroup("import", help="Import listings.")


@import_group.command("services")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report, but write nothing.")
def import_services(csv_file: Path, dry_run: bool) -> None:
    """Import listings from a CSV file in the format of design §7.

    Every row is checked first; if any row is bad, each problem is printed with its line and nothing
    is written.
    """
    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        click.echo(f"{csv_file}: the file is not UTF-8 text; save it as 'CSV UTF-8' and try again", err=True)
        sys.exit(1)
    report = import_csv(text, dry_run=dry_run)
    if not report.ok:
        for problem in report.problems:
            click.echo(f"{csv_file}: {problem}", err=True)
        click.echo(f"{len(report.problems)} problem(s) in {report.rows} row(s); nothing was imported.", err=True)
        sys.exit(1)
    verb = "would be" if dry_run else "were"
    click.echo(
        f"{report.rows} row(s) checked: {report.created} {verb} created, {report.updated} {verb} updated, "
        f"{report.unchanged} unchanged." + (" Dry run: nothing was written." if dry_run else "")
    )
