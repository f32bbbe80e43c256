"""``flask --app wsgi postcodes load FILE``: the ONS Postcode Directory, so full postcodes are placed exactly."""

import io
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from app.admin.audit import audit_command
from app.extensions import db
from app.geography.listings import place_listings_again
from app.geography.onspd import UnreadableDirectory, replace_directory

postcodes = AppGroup("postcodes", help="The postcode directory used to place postcodes.")


@postcodes.command("load")
@click.argument("onspd_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(onspd_file: Path) -> None:
    """Replace the postcode directory with the live postcodes of an ONS Postcode Directory CSV.

    Give the ONSPD_…_UK.csv file from the Data folder of the ONS download. Terminated postcodes and those
    without a grid reference are left out. Nothing changes unless the whole file loads. Listings' places
    are then placed again from it.
    """
    with (onspd_file.open("rb") as raw,
          io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="") as text,
          click.progressbar(length=onspd_file.stat().st_size, label="Reading postcodes", file=sys.stderr) as bar):
        read = 0

        def progress() -> None:
            nonlocal read
            bar.update(raw.tell() - read)
            read = raw.tell()

        try:
            counts = replace_directory(db.session, text, progress=progress)
        except (UnreadableDirectory, IntegrityError) as error:
            db.session.rollback()
            reason = str(error) if isinstance(error, UnreadableDirectory) else "a postcode is in the file twice"
            click.echo(f"{onspd_file}: {reason}; the postcode directory is unchanged.", err=True)
            sys.exit(1)
    moved = place_listings_again(db.session)
    summary = (f"{counts.kept:,} live postcodes kept; left out {counts.terminated:,} terminated, "
               f"{counts.unplaced:,} without a grid reference and {counts.unreadable:,} unreadable")
    audit_command("postcode directory loaded", onspd_file.name[:300], f"{summary}; {moved} listing places moved")
    db.session.commit()
    click.echo(f"{summary}.")
    click.echo(f"{moved} listing place(s) placed again from it.")
