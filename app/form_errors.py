"""Every error of a WTForms form as (field id, message), nested lists and sub-forms included, for the
error summary at the top of a page (each message links to the field it is about); and the page of forms
that shows them."""

from collections.abc import Iterable, Iterator
from typing import Any

from flask import render_template
from wtforms import Field, FieldList, Form, FormField


def _field_errors(field: Field) -> Iterator[tuple[str, str]]:
    if isinstance(field, FieldList):
        for entry in field.entries:
            yield from _field_errors(entry)
    elif isinstance(field, FormField):
        for sub_field in field.form:
            yield from _field_errors(sub_field)
    else:
        for message in field.errors:
            if isinstance(message, str):
                yield field.id, message


def form_errors(form: Form) -> list[tuple[str, str]]:
    return list(dict.fromkeys(error for field in form for error in _field_errors(field)))


def render_form_page(template: str, forms: Iterable[Form], **context: Any) -> tuple[str, int]:
    """The page with ``forms``. When one shows problems, the page's title starts "Error: " (``base.html`` reads
    ``form_problems``), the first thing a screen reader says, and it answers 400: what was sent was refused."""
    problems = any(form_errors(form) for form in forms)
    return render_template(template, form_problems=problems, **context), 400 if problems else 200
