"""Administrators' forms."""

import re

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from app.forms import WebForm

DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class TrustedDomainForm(WebForm):
    domain = StringField(
        "Email domain",
        validators=[DataRequired("Enter a domain, like nhs.net"), Length(max=253),
                    Regexp(DOMAIN, message="Enter a domain like nhs.net, without the @")],
        filters=[lambda value: (value or "").strip().lower().lstrip("@")],
    )


class EmptyForm(WebForm):
    """A form with only its CSRF token, for buttons that change something."""


class RejectForm(WebForm):
    reason = TextAreaField("Why is this change not approved?", validators=[
        DataRequired("Tell the editor why, so they can put it right"), Length(max=2000)])
