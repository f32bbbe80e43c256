"""The "report a problem" form, and closing a report."""

import re

from wtforms import EmailField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from app.forms import WebForm
from app.problems.models import PROBLEM_KINDS

# What no honest report needs: markup (it would be shown as text anyway, never run), control characters
# other than line breaks and tabs, and a string of web addresses (the shape of spam).
MARKUP = re.compile(r"<\s*/?\s*[a-z!?]", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
WEB_ADDRESS = re.compile(r"https?://|www\.", re.IGNORECASE)
MOST_WEB_ADDRESSES = 2


def plain_words(_form: WebForm, field: TextAreaField) -> None:
    text = field.data or ""
    if MARKUP.search(text):
        raise ValidationError("Write it in plain words, without HTML tags such as <b> or <script>")
    if CONTROL.search(text):
        raise ValidationError("Take out the hidden control characters: they are sometimes pasted in with text")
    if len(WEB_ADDRESS.findall(text)) > MOST_WEB_ADDRESSES:
        raise ValidationError(f"Include at most {MOST_WEB_ADDRESSES} web addresses")


class ProblemReportForm(WebForm):
    kind = RadioField("What is wrong?",
                      choices=[SelectChoice(kind.value, label) for kind, label in PROBLEM_KINDS.items()],
                      validators=[InputRequired("Choose what is wrong with this listing")])
    details = TextAreaField("Tell us more (optional)", validators=[
        Optional(), Length(max=1000, message="Write at most 1,000 characters"), plain_words])
    reply_email = EmailField("Your email address, if you would like a reply (optional)", validators=[
        Optional(), Email("Enter an email address, like name@example.com, or leave it empty"), Length(max=200)])

    def validate(self, extra_validators: dict | None = None) -> bool:
        valid = super().validate(extra_validators)
        # Across two fields, so not a validator of ``details`` (Optional() would stop it on an empty one).
        if self.kind.data == "other" and not (self.details.data or "").strip():
            self.details.errors = [*self.details.errors, "Tell us what is wrong"]
            return False
        return valid


class CloseReportForm(WebForm):
    outcome = TextAreaField("What was done?", validators=[
        DataRequired("Say what was done, for example 'Phone number corrected' or 'Nothing was wrong'"),
        Length(max=1000, message="Write at most 1,000 characters")])
