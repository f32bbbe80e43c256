"""``flask --app wsgi leaflets build [--hub SLUG] [--out DIR]``."""

import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.hubs.models import Hub
from exports.leaflets.bank import Job, build_plan, plan_bank

leaflets = AppGroup("leaflets", help="The printed leaflet bank.")


@leaflets.command("build")
@click.option("--hub", "hub_slug", help="Build only this hub's leaflets (its slug, e.g. bath).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The leaflet folder (default: the LEAFLET_DIR setting, instance/leaflets).")
@click.option("--workers", type=click.IntRange(min=1),
              help="How many leaflets to render at once (default: one per CPU, up to 4).")
def build(hub_slug: str | None, out_dir: Path | None, workers: int | None) -> None:
    """Build the leaflet bank from the database, rebuilding only leaflets whose content changed."""
    if hub_slug is not None and db.session.scalar(select(Hub.id).where(Hub.slug == hub_slug)) is None:
        known = ", ".join(db.session.scalars(select(Hub.slug).order_by(Hub.slug))) or "none"
        click.echo(f"There is no hub '{hub_slug}'. Hubs: {known}.", err=True)
        sys.exit(1)
    folder = out_dir or Path(current_app.config["LEAFLET_DIR"])
    started = time.perf_counter()
    plan = plan_bank(folder, current_app.config["SITE_URL"], hub_slug)
    if plan.changed:
        with click.progressbar(length=len(plan.changed), label=f"Rendering {len(plan.changed)} leaflet(s)",
                               item_show_func=lambda job: job.file_name if job else "") as bar:

            def built(job: Job) -> None:
                bar.update(1, job)

            report = build_plan(plan, on_built=built, workers=workers)
    else:
        report = build_plan(plan, workers=workers)
    for name in report.rebuilt:
        click.echo(f"Rebuilt    {name}")
    for name in report.unchanged:
        click.echo(f"Unchanged  {name}")
    for name in report.removed:
        click.echo(f"Removed    {name}")
    click.echo(f"{len(report.rebuilt)} rebuilt, {len(report.unchanged)} unchanged, {len(report.removed)} removed "
               f"in {time.perf_counter() - started:.1f}s; the bank is in {folder}.")
