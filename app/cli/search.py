"""``flask --app wsgi search reindex`` and ``search check``."""

import os
import sys

import click
from flask import current_app
from flask.cli import AppGroup

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
