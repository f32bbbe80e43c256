"""``flask --app wsgi backup --out FILE`` and ``flask --app wsgi restore FILE``."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.admin.audit import audit_command
from app.backups import BackupError, backup, restore
from app.extensions import db
from search.health import rebuild


@click.command("backup")
@with_appcontext
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), required=True)
def backup_command(out_file: Path) -> None:
    """Back up the database to FILE while the site keeps running."""
    try:
        backup(out_file)
    except BackupError as error:
        click.echo(f"Backup failed: {error}", err=True)
        sys.exit(1)
    click.echo(f"Backed up the database to {out_file}.")


@click.command("restore")
@with_appcontext
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.confirmation_option(prompt="Replace everything in the database with the backup?")
def restore_command(backup_file: Path) -> None:
    """Replace the database with a backup made by `backup`, then rebuild the search index."""
    try:
        restore(backup_file)
    except BackupError as error:
        click.echo(f"Restore failed, the database is unchanged: {error}", err=True)
        sys.exit(1)
    # Recorded in the restored database, after what the backup held.
    audit_command("database restored", backup_file.name, "everything replaced by the backup")
    db.session.commit()
    count = rebuild(current_app._get_current_object())
    click.echo(f"Restored {backup_file}; the search index was rebuilt with {count} listing(s).")
