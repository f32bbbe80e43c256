"""``flask --app wsgi leaflets build [--changed] [--hub SLUG] [--out DIR] [--workers N]``."""

import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.hubs.models import Hub
from app.urls import site_url
from exports.leaflets.bank import BuildReport, Job, build_plan, plan_bank
from exports.leaflets.building import build_until_settled

leaflets = AppGroup("leaflets", help="The printed leaflet bank.")


@leaflets.command("build")
@click.option("--changed", is_flag=True,
              help="For cron and after approvals: if another build is running, ask it to go again and stop; "
                   "say only what was rebuilt.")
@click.option("--hub", "hub_slug", help="Build only this hub's leaflets (its slug, e.g. bath).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The leaflet folder (default: the LEAFLET_DIR setting, instance/leaflets).")
@click.option("--workers", type=click.IntRange(min=1),
              help="How many leaflets to render at once (default: one per CPU, up to 4).")
def build(changed: bool, hub_slug: str | None, out_dir: Path | None, workers: int | None) -> None:
    """Build the leaflet bank from the database. Only leaflets whose content changed since they were last
    built are rendered again, so running it often costs little."""
    if hub_slug is not None and db.session.scalar(select(Hub.id).where(Hub.slug == hub_slug)) is None:
        known = ", ".join(db.session.scalars(select(Hub.slug).order_by(Hub.slug))) or "none"
        click.echo(f"There is no hub '{hub_slug}'. Hubs: {known}.", err=True)
        sys.exit(1)
    folder = out_dir or Path(current_app.config["LEAFLET_DIR"])
    if not build_until_settled(folder, lambda: _build_once(folder, hub_slug, workers, quiet=changed),
                               wait=not changed):
        click.echo("Another build is running; it will build again when it finishes.")


def _build_once(folder: Path, hub_slug: str | None, workers: int | None, *, quiet: bool) -> None:
    started = time.perf_counter()
    db.session.expire_all()  # a second run after a change sees the database as it is now
    plan = plan_bank(folder, site_url(), hub_slug)
    if plan.changed and not quiet:
        with click.progressbar(length=len(plan.changed), label=f"Rendering {len(plan.changed)} leaflet(s)",
                               item_show_func=lambda job: job.file_name if job else "") as bar:

            def built(job: Job) -> None:
                bar.update(1, job)

            report = build_plan(plan, on_built=built, workers=workers)
    else:
        report = build_plan(plan, workers=workers)
    _say(report, folder, time.perf_counter() - started, quiet=quiet)


def _say(report: BuildReport, folder: Path, seconds: float, *, quiet: bool) -> None:
    for name in report.rebuilt:
        click.echo(f"Rebuilt    {name}")
    if not quiet:
        for name in report.unchanged:
            click.echo(f"Unchanged  {name}")
    for name in report.removed:
        click.echo(f"Removed    {name}")
    if quiet and not (report.rebuilt or report.removed):
        return
    click.echo(f"{len(report.rebuilt)} rebuilt, {len(report.unchanged)} unchanged, {len(report.removed)} removed "
               f"in {seconds:.1f}s; the bank is in {folder}.")
