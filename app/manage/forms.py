"""Forms for agencies: registering an organisation and inviting colleagues."""

from wtforms import EmailField, Field, PasswordField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, Optional, Regexp, ValidationError

from app.auth.forms import new_password_field
from app.directory.phones import phone_problem, tidy_phone
from app.forms import WebForm


class OrganisationRegisterForm(WebForm):
    name = StringField("Organisation name", validators=[DataRequired("Enter your organisation's name"),
                                                        Length(max=200)])
    description = TextAreaField("What your organisation does", validators=[Optional(), Length(max=2000)])
    website = StringField("Website", validators=[Optional(), URL(message="Enter a full address starting https://"),
                                                 Length(max=300)])
    phone = StringField("Phone", validators=[Optional(), Length(max=50)])
    email = StringField("Organisation email", validators=[Optional(), Email("Enter an email address"),
                                                          Length(max=200)])
    charity_number = StringField(
        "Charity or company number", validators=[Optional(), Length(max=20),
                                                 Regexp(r"^[A-Za-z0-9 -]*$", message="Use letters and numbers only")])
    editor_name = StringField("Your name", validators=[DataRequired("Enter your name"), Length(max=200)])
    editor_email = EmailField("Your email address", validators=[DataRequired("Enter your email address"),
                                                                Email("Enter an email address"), Length(max=254)])
    password = new_password_field("Choose a password", "Choose a password")
    confirm = PasswordField("Type the password again", validators=[
        DataRequired("Type the password again"), EqualTo("password", "The passwords do not match")])

    def validate_phone(self, field: Field) -> None:
        if problem := phone_problem(field.data or ""):
            raise ValidationError(problem[:1].upper() + problem[1:])

    def organisation_details(self) -> dict[str, str]:
        details = {name: getattr(self, name).data or "" for name in
                   ("name", "description", "website", "phone", "email", "charity_number")}
        return details | {"phone": tidy_phone(details["phone"])}


class InviteForm(WebForm):
    email = EmailField("Colleague's email address", validators=[
        DataRequired("Enter your colleague's email address"), Email("Enter an email address"), Length(max=254)])
