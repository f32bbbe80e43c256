"""Command-line commands of design §7, run as ``flask --app wsgi …``."""

from flask import Flask

from app.cli.backups import backup_command, restore_command
from app.cli.demo import demo
from app.cli.exports import export_group
from app.cli.imports import import_group
from app.cli.leaflets import leaflets
from app.cli.postcodes import postcodes
from app.cli.reviews import reviews
from app.cli.search import search_group
from app.cli.users import users


def register_commands(app: Flask) -> None:
    for command in (backup_command, demo, export_group, import_group, leaflets, postcodes, restore_command,
                    reviews, search_group, users):
        app.cli.add_command(command)
