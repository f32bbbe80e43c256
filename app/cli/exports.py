"""``flask --app wsgi export services --format csv|oruk|backup-csv --out FILE``."""

from pathlib import Path

import click
from flask.cli import AppGroup

from app.extensions import db
from exports.services_export import services_csv, services_oruk_json

export_group = AppGroup("export", help="Export listings.")

FORMATS = {
    "csv": "public listings as the import CSV, without care clusters",
    "oruk": "public listings as Open Referral UK 3.0 JSON",
    "backup-csv": "ADMINISTRATORS' BACKUP: every published listing WITH care clusters; never publish this file",
}


@export_group.command("services")
@click.option("--format", "format_name", type=click.Choice(list(FORMATS)), required=True,
              help="; ".join(f"{name}: {text}" for name, text in FORMATS.items()))
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_services(format_name: str, out_file: Path) -> None:
    """Export listings. The csv and oruk formats hold only what the public sees."""
    if format_name == "oruk":
        text = services_oruk_json(db.session)
    else:
        text = services_csv(db.session, backup_with_clusters=format_name == "backup-csv")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {FORMATS[format_name]} to {out_file}.")
