"""``flask --app wsgi import services FILE.csv [--dry-run]``."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.admin.audit import audit_command
from app.directory.importing import import_csv
from app.directory.oruk_import import UnreadableJson, import_oruk, read_json
from app.extensions import db

import_group = AppGroup("import", help="Import listings.")


@import_group.command("services")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report, but write nothing.")
def import_services(csv_file: Path, dry_run: bool) -> None:
    """Import listings from a CSV file in the format of design §7.

    Every row is checked first; if any row is bad, each problem is printed with its line and nothing
    is written. A column left out of the file keeps each existing listing's value; an empty cell clears it.
    """
    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        click.echo(f"{csv_file}: the file is not UTF-8 text; save it as 'CSV UTF-8' and try again", err=True)
        sys.exit(1)
    report = import_csv(text, dry_run=dry_run)
    for note in report.notes:
        click.echo(f"{csv_file}: note: {note}")
    # Each column the file leaves out, and the values its empty cells take away.
    for note in report.column_notes(dry_run=dry_run or not report.ok):
        click.echo(f"{csv_file}: {note}")
    if not report.ok:
        for problem in report.problems:
            click.echo(f"{csv_file}: {problem}", err=True)
        click.echo(f"{report.problem_count()}; nothing was imported.", err=True)
        sys.exit(1)
    verb = "would be" if dry_run else "were"
    if not dry_run:
        _audit_import(csv_file, report.created, report.updated, report.unchanged)
    click.echo(
        f"{report.rows} row(s) checked: {report.created} {verb} created, {report.updated} {verb} updated, "
        f"{report.unchanged} unchanged." + (" Dry run: nothing was written." if dry_run else "")
    )


@import_group.command("oruk")
@click.argument("json_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report, but write nothing.")
@click.option("--confirmed-today", is_flag=True,
              help="You have checked these records: count them as confirmed today, not on their assured_date.")
def import_oruk_services(json_file: Path, dry_run: bool, confirmed_today: bool) -> None:
    """Import one service, a list of services or a page of them in Open Referral UK 3.0 form.

    A service last assured more than the freshness limit ago is imported but stays out of public search
    until it is confirmed; use --confirmed-today once you have checked the records.
    """
    limit = current_app.config["IMPORT_MAX_BYTES"]
    with json_file.open("rb") as stream:
        raw = stream.read(limit + 1)  # enough to tell a file is too large, without reading all of it
    try:
        document = read_json(raw, limit)
    except UnreadableJson as error:
        click.echo(f"{json_file}: {error}", err=True)
        click.echo("Nothing was imported.", err=True)
        sys.exit(1)
    report = import_oruk(document, dry_run=dry_run, confirmed_today=confirmed_today)
    for number, service in enumerate(report.services, 1):
        label = f"{json_file}: service {number} ({service.data.name or service.uid or 'no name'})"
        for note in service.notes:
            click.echo(f"{label}: note: {note}")
        for problem in service.problems:
            click.echo(f"{label}: {problem}", err=True)
    for problem in report.problems:
        click.echo(f"{json_file}: {problem}", err=True)
    if not report.ok:
        click.echo("Nothing was imported.", err=True)
        sys.exit(1)
    verb = "would be" if dry_run else "were"
    if not dry_run:
        _audit_import(json_file, report.created, report.updated, report.unchanged)
    click.echo(f"{len(report.services)} service(s): {report.created} {verb} created, {report.updated} {verb} updated, "
               f"{report.unchanged} unchanged.")


def _audit_import(path: Path, created: int, updated: int, unchanged: int) -> None:
    """The import has committed; its audit event follows it (an import that failed wrote nothing to record)."""
    audit_command("listings imported", path.name, f"{created} created, {updated} updated, {unchanged} unchanged")
    db.session.commit()
