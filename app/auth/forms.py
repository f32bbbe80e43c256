"""Forms for signing in, registering and resetting a password (CSRF-protected by Flask-WTF)."""

from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.accounts.operations import MIN_PASSWORD_LENGTH
from app.forms import WebForm

PASSWORD_HINT = f"At least {MIN_PASSWORD_LENGTH} characters. A few unusual words together work well."


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
    password = PasswordField(
        "Choose a password",
        validators=[DataRequired("Choose a password"),
                    Length(min=MIN_PASSWORD_LENGTH, max=200,
                           message=f"The password must be at least {MIN_PASSWORD_LENGTH} characters")],
    )
    confirm = PasswordField(
        "Type the password again",
        validators=[DataRequired("Type the password again"), EqualTo("password", "The passwords do not match")],
    )


class ForgotPasswordForm(WebForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address"), Length(max=254)])


class ResetPasswordForm(WebForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired("Choose a new password"),
                    Length(min=MIN_PASSWORD_LENGTH, max=200,
                           message=f"The password must be at least {MIN_PASSWORD_LENGTH} characters")],
    )
    confirm = PasswordField(
        "Type the new password again",
        validators=[DataRequired("Type the new password again"), EqualTo("password", "The passwords do not match")],
    )
