"""After an approval, the leaflets that print the changed listing are rebuilt, in a process of their own.

A web request never renders the bank: it starts ``flask leaflets build --changed`` and returns. That build
re-renders only leaflets whose printed content changed (``exports.leaflets.bank``); if a build is already
running, it is asked to go once more instead (``exports.leaflets.building``). ``LEAFLETS_REBUILD_ON_CHANGE``
turns this off, for a site whose cron runs the same command.
"""

import os
import subprocess
import sys
from pathlib import Path

from flask import current_app

from app.config import PREFIX, PROJECT_ROOT


def build_environment() -> dict[str, str]:
    """The settings a build needs to see the same database and bank as this site, whatever set them."""
    config = current_app.config
    settings = {
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "LEAFLET_DIR": config["LEAFLET_DIR"],
        # Only a configured address: never one taken from a request's Host header, which the bank would print.
        "SITE_URL": config.get("SITE_URL"),
        "DATA_DIR": config["DATA_DIR"],
        "INSTANCE_PATH": current_app.instance_path,
        "SECRET_KEY": config["SECRET_KEY"],
    }
    return {**os.environ, **{PREFIX + name: str(value) for name, value in settings.items() if value}}


# The builds this process started, kept so each is reaped when it ends rather than left a zombie.
started_builds: list[subprocess.Popen[bytes]] = []


def rebuild_leaflets_soon() -> subprocess.Popen[bytes] | None:
    """Start a build of what changed, in the background; the process, or None when switched off."""
    started_builds[:] = [process for process in started_builds if process.poll() is None]
    if not current_app.config["LEAFLETS_REBUILD_ON_CHANGE"]:
        return None
    folder = Path(current_app.config["LEAFLET_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "build.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "leaflets", "build", "--changed"],
            cwd=PROJECT_ROOT, env=build_environment(), stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    started_builds.append(process)
    return process
