"""``flask --app wsgi search reindex``, ``search check`` and ``search evaluate``."""

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.search_evaluation import JUDGEMENTS, evaluate, failure_lines, load_judgements, report_lines
from search.health import rebuild
from search.sync import check_index, search_index

search_group = AppGroup("search", help="Build and check the search index.")


@search_group.command("reindex")
def reindex() -> None:
    """Rebuild the whole search index from the database."""
    count = rebuild(current_app._get_current_object(), processes=os.cpu_count() or 1)
    click.echo(f"Indexed {count} published listing(s) in {search_index().directory}.")


@search_group.command("check")
def check() -> None:
    """Compare the index with the database; exit 1 if any listing is missing, stale or extra."""
    if not search_index().exists():
        click.echo(f"There is no search index in {search_index().directory}; run `search reindex`.", err=True)
        sys.exit(1)
    result = check_index()
    for label, ids in (("missing from the index", result.missing), ("stale in the index", result.stale),
                       ("in the index but not published", result.extra)):
        if ids:
            click.echo(f"{len(ids)} listing(s) {label}: {', '.join(sorted(ids, key=int))}", err=True)
    if not result.ok:
        sys.exit(1)
    click.echo("The search index matches the database.")


@search_group.command("evaluate")
@click.option("--queries", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=JUDGEMENTS,
              show_default=True, help="The judged queries (CSV: kind, query, extra, relevant, crisis, note).")
@click.option("--failures", is_flag=True, help="Also list each query whose answer was not in the first three.")
def evaluate_command(path: Path, failures: bool) -> None:
    """Measure search quality on the demo directory against hand-judged queries."""
    overall, by_kind = evaluate(load_judgements(path))
    if failures:
        for line in failure_lines(overall):
            click.echo(line)
        click.echo("")
    for line in report_lines(overall, by_kind):
        click.echo(line)
