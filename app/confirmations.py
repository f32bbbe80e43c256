"""Confirmations after a form: a short title that starts the next page's ``<title>`` (read first when the page
loads, where a status message arriving with the page never is) and heads the note at the top of its main
content, so the skip link reaches it; and, if needed, a sentence more."""

from typing import NamedTuple

from flask import flash, get_flashed_messages


class Confirmation(NamedTuple):
    title: str
    detail: str = ""


def flash_confirmation(title: str, detail: str = "") -> None:
    flash([title, detail])  # the session keeps JSON: a list, read back by ``confirmations``


def confirmations() -> list[Confirmation]:
    """This request's confirmations, once only. A plain flashed message (Flask-Login's) is a title alone."""
    return [Confirmation(*message) if isinstance(message, list | tuple) else Confirmation(str(message))
            for message in get_flashed_messages()]
