"""Base classes for every form: each text field's value is made storable (``app.text``) before it is
validated, so a pasted NUL character never reaches the database. Passwords are left exactly as typed:
only their hash is stored."""

from collections.abc import Callable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Form, PasswordField, StringField
from wtforms.fields.core import UnboundField

from app.text import storable


def storable_filter(value: object) -> object:
    return storable(value) if isinstance(value, str) else value


class StorableTextMeta:
    """Mixed into a form's ``Meta``: WTForms combines it with the ``Meta`` of every base class."""

    def bind_field(self, form: Form, unbound_field: UnboundField, options: dict[str, Any]) -> Any:
        field_class = unbound_field.field_class
        if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
            filters: list[Callable[[Any], Any]] = [storable_filter, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, filters=filters, **options)
        return super().bind_field(form, unbound_field, options)  # type: ignore[misc]


class WebForm(FlaskForm):
    """A form posted on its own (with a CSRF token)."""

    class Meta(StorableTextMeta):
        pass


class SubForm(Form):
    """A form inside another (a ``FormField``), without a CSRF token of its own."""

    class Meta(StorableTextMeta):
        pass
