"""Administrative actions made from the command line are in the audit log (issue 19): creating, suspending
and reopening accounts, imports, a restore and loading the demo, each with who ran it as far as the
machine can tell. Every check of the log is plain SQL; a dry run or a refused import records nothing."""

import getpass
import socket
from pathlib import Path

from flask import Flask
from sqlalchemy import text

from app.extensions import db
from tests.test_import_columns import row, run, write_csv

RAN_BY = f"from the command line, as {getpass.getuser()} on {socket.gethostname()}"


def events(app: Flask, since: int = 0) -> list[tuple[str, str, str, int | None]]:
    """(action, subject, detail, actor id) of each audit event after id ``since``, oldest first."""
    with app.app_context(), db.engine.connect() as connection:
        return [tuple(found) for found in connection.execute(text(
            "SELECT action, subject, detail, actor_id FROM audit_event WHERE id > :since ORDER BY id"),
            {"since": since})]


def last_id(app: Flask) -> int:
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(text("SELECT coalesce(max(id), 0) FROM audit_event")).scalar_one()


def test_accounts_made_suspended_and_reopened_from_the_command_line(app: Flask) -> None:
    run(app, "users", "create", "--email", "ada@wellaware.example", "--role", "admin", "--password",
        "a long admin test password")
    run(app, "users", "suspend", "--email", "ada@wellaware.example")
    run(app, "users", "reopen", "--email", "ada@wellaware.example")
    assert events(app) == [
        ("account created", "ada@wellaware.example", f"admin; {RAN_BY}", None),
        ("account suspended", "ada@wellaware.example", RAN_BY, None),
        ("account reopened", "ada@wellaware.example", RAN_BY, None),
    ]
    # A refused command records nothing.
    run(app, "users", "create", "--email", "ed@wellaware.example", "--role", "editor", "--password",
        "a long editor test password", status=1)
    assert len(events(app)) == 3


def test_an_import_is_recorded_but_not_a_dry_run_or_a_refused_one(app: Flask, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "two.csv", [row("L1", "Larkhall Tea"), row("L2", "Larkhall Walk")])
    run(app, "import", "services", str(good), "--dry-run")
    assert events(app) == []
    bad = write_csv(tmp_path / "bad.csv", [row("L3", "Larkhall Chat", categories="no-such-category")])
    run(app, "import", "services", str(bad), status=1)
    assert events(app) == []
    run(app, "import", "services", str(good))
    assert events(app) == [("listings imported", "two.csv", f"2 created, 0 updated, 0 unchanged; {RAN_BY}", None)]
    run(app, "import", "services", str(good))
    assert events(app)[-1][2] == f"0 created, 0 updated, 2 unchanged; {RAN_BY}"


def test_an_oruk_import_is_recorded(app: Flask, tmp_path: Path) -> None:
    write_csv(tmp_path / "one.csv", [row("L1", "Larkhall Tea")])
    run(app, "import", "services", str(tmp_path / "one.csv"))
    run(app, "export", "services", "--format", "oruk", "--out", str(tmp_path / "one.json"))
    since = last_id(app)
    output = run(app, "import", "oruk", str(tmp_path / "one.json"))
    # "1 service(s): 0 were created, 1 were updated, 0 unchanged."
    counted = output.strip().split(": ", 1)[1].rstrip(".").replace(" were ", " ")
    assert events(app, since) == [("listings imported", "one.json", f"{counted}; {RAN_BY}", None)]


def test_a_restore_is_recorded_in_the_restored_database(demo_app: Flask, tmp_path: Path) -> None:
    backup_file = tmp_path / "backup.dump"
    run(demo_app, "backup", "--out", str(backup_file))
    in_backup = last_id(demo_app)
    run(demo_app, "users", "create", "--email", "after@wellaware.example", "--role", "referrer", "--password",
        "a long referrer test password")
    run(demo_app, "restore", "--yes", str(backup_file))
    # What happened after the backup is gone with the restore; the restore itself is recorded.
    assert events(demo_app, in_backup) == [("database restored", "backup.dump",
                                            f"everything replaced by the backup; {RAN_BY}", None)]


def test_loading_the_demo_is_recorded(app: Flask) -> None:
    run(app, "demo", "load")
    (action, subject, detail, actor), = events(app)
    assert (action, subject, actor) == ("demo loaded", "the demo directory", None)
    assert detail.startswith("Demo listings: ") and " created" in detail and detail.endswith(RAN_BY)
    run(app, "demo", "load", "--reset")
    assert events(app)[-1][0] == "demo reset"
