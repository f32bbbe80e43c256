"""Every error of a WTForms form as (field id, message), nested lists and sub-forms included, for the
error summary at the top of a page (each message links to the field it is about)."""

from collections.abc import Iterator

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
