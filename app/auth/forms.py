"""Forms for signing in, registering and resetting a password (CSRF-protected by Flask-WTF)."""

from wtforms import EmailField, Field, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from app.accounts.password_rules import RULE, password_problem
from app.forms import WebForm


class HardToGuess:
    """A new password must pass ``password_problem``; the person's own email and name, where the form asks
    for them (or the view sets ``account_email``), do not count as secrets."""

    def __call__(self, form: WebForm, field: Field) -> None:
        def value(name: str) -> str:
            return str(getattr(getattr(form, name, None), "data", "") or "")

        email = value("email") or value("editor_email") or str(getattr(form, "account_email", ""))
        problem = password_problem(field.data or "", email=email, name=value("name") or value("editor_name"))
        if problem:
            raise ValidationError(problem)


def new_password_field(label: str, missing: str) -> PasswordField:
    return PasswordField(label, description=RULE,
                         validators=[DataRequired(missing), Length(max=200), HardToGuess()])


class SignInForm(WebForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address"), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=200)])


class RegisterForm(WebForm):
    name = StringField("Your name", validators=[DataRequired("Enter your name"), Length(max=200)])
    email = EmailField(
        "Work email address",
        validators=[DataRequired("Enter your work email address"), Email("Enter an email address like name@nhs.net"),
                    Length(max=254)],
    )
    password = new_password_field("Choose a password", "Choose a password")
    confirm = PasswordField(
        "Type the password again",
        validators=[DataRequired("Type the password again"), EqualTo("password", "The passwords do not match")],
    )


class ForgotPasswordForm(WebForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address"), Length(max=254)])


class ResetPasswordForm(WebForm):
    password = new_password_field("New password", "Choose a new password")
    confirm = PasswordField(
        "Type the new password again",
        validators=[DataRequired("Type the new password again"), EqualTo("password", "The passwords do not match")],
    )
