"""`backup` and `restore`: a restore brings back exactly what was backed up, with the index rebuilt.
Runs on SQLite, and on PostgreSQL (pg_dump/pg_restore) when the suite runs there."""

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from app.directory.models import Revision, Service, ServiceStatus
from app.directory.operations import archive
from app.extensions import db
from search.sync import check_index


def counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Service)),
                db.session.scalar(select(func.count()).select_from(Revision)))


def test_restore_brings_back_what_was_backed_up(demo_app: Flask, tmp_path: Path) -> None:
    runner = demo_app.test_cli_runner()
    backup_file = tmp_path / "backup.dump"
    result = runner.invoke(args=["backup", "--out", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert backup_file.stat().st_size > 10_000
    before = counts(demo_app)

    with demo_app.app_context():
        service = db.session.scalar(select(Service).where(Service.status == ServiceStatus.PUBLISHED))
        service_id, name = service.id, service.name
        archive(service)
        db.session.commit()
    client = demo_app.test_client()
    assert client.get(f"/services/{service_id}").status_code == 404

    result = runner.invoke(args=["restore", "--yes", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert "search index was rebuilt" in result.output

    assert counts(demo_app) == before
    assert client.get(f"/services/{service_id}").status_code == 200
    assert name.split(" ")[0] in client.get("/search", query_string={"q": name}).get_data(as_text=True)
    with demo_app.app_context():
        assert check_index().ok


def test_a_file_that_is_not_a_backup_changes_nothing(demo_app: Flask, tmp_path: Path) -> None:
    before = counts(demo_app)
    bad = tmp_path / "not-a-backup"
    bad.write_bytes(b"this is not a database backup at all" * 100)
    result = demo_app.test_cli_runner().invoke(args=["restore", "--yes", str(bad)])
    assert result.exit_code == 1
    assert "Restore failed, the database is unchanged" in result.output
    assert counts(demo_app) == before
