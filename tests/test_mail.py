"""Email goes through a real SMTP server when one is configured, and into a folder otherwise."""

from pathlib import Path

from flask import Flask

from app.mail import send_email
from tests.conftest import use_smtp


def test_sent_through_smtp(app: Flask, smtp) -> None:
    mailbox = use_smtp(app, smtp)
    with app.app_context():
        send_email("someone@example.org", "Hello", "A body with a link https://wellaware.test/x")
    assert [m["Subject"] for m in mailbox.to("someone@example.org")] == ["Hello"]
    assert mailbox.links("someone@example.org") == ["https://wellaware.test/x"]


def test_written_to_the_mail_folder_without_a_server(app: Flask) -> None:
    with app.app_context():
        send_email("someone@example.org", "Hello", "Body")
        files = list(Path(app.config["MAIL_FOLDER"]).glob("*.eml"))
    assert len(files) == 1
    assert b"Subject: Hello" in files[0].read_bytes()
