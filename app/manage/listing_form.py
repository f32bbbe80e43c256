"""The form for adding and editing a listing, with every field of the data model in plain words.

``ListingForm.from_data`` fills it from ``ListingData``; ``to_data`` reads it back, so the form never
talks to the database itself.
"""

import re
from datetime import date

from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.directory.listing_data import (
    CostOptionData,
    ListingData,
    LocationData,
    normalise_postcode,
    parse_cost_option,
    validate,
)
from app.directory.phones import tidy_phone
from app.directory.schedule import DAYS, NTH, OpeningRule, ScheduleError, parse_opening_hours, written_form
from app.form_errors import form_errors
from app.forms import SubForm, WebForm
from app.geography.placing import district_known, unknown_district_message
from app.taxonomies import clusters, taxonomy

LOCATION_ROWS = 3
AGE_MESSAGE = "Enter an age in whole years from 0 to 120, like 18"
OPENING_ROWS = 5
PATTERNS = [SelectChoice(value, label) for value, label in (
    ("", "Not used"), ("weekly", "Every week"), ("fortnightly", "Every other week"),
    ("1st", "First … of the month"), ("2nd", "Second … of the month"), ("3rd", "Third … of the month"),
    ("4th", "Fourth … of the month"), ("last", "Last … of the month"))]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(name: str) -> list[SelectChoice]:
    return [SelectChoice(term.slug, term.name) for term in taxonomy(name).terms]


def _cluster_choices() -> list[SelectChoice]:
    return [SelectChoice(str(c.code), f"{c.code}: {c.name} ({c.super_class_name.lower()})") for c in clusters()]


class LocationForm(SubForm):
    address = StringField("Address", validators=[Optional(), Length(max=300)])
    postcode = StringField("Postcode", validators=[Optional(), Length(max=10)])

    def validate_postcode(self, field: StringField) -> None:
        if field.data and normalise_postcode(field.data) is None:
            raise ValidationError("Enter a UK postcode, like BA1 1AA")
        if field.data and not district_known(field.data):
            raise ValidationError(unknown_district_message(normalise_postcode(field.data) or field.data))
        if field.data and not self.address.data:
            raise ValidationError("Enter the address for this postcode too")


class RowProblem(ValueError):
    """Why an opening-time row cannot be read, and which of its controls to put right (``field``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class OpeningRowForm(SubForm):
    pattern = SelectField("How often", choices=PATTERNS, default="")
    days = MultiCheckboxField("Days", choices=[SelectChoice(day, day) for day in DAYS])
    opens = TimeField("Opens", validators=[Optional()], format="%H:%M")
    closes = TimeField("Closes", validators=[Optional()], format="%H:%M")
    note = StringField("Note", validators=[Optional(), Length(max=200)])

    def rule(self) -> OpeningRule | None:
        """The row as an opening rule, None when unused; ``RowProblem`` with a plain message if incomplete."""
        pattern = self.pattern.data
        if not pattern:
            return None
        if not self.days.data:
            raise RowProblem("days", "choose the day")
        if self.opens.data is None or self.closes.data is None:
            raise RowProblem("opens" if self.opens.data is None else "closes",
                             "give the opening and closing times, like 09:30 and 17:00")
        if self.closes.data == self.opens.data:  # earlier is the next morning (app.directory.schedule)
            raise RowProblem("closes", "the closing time is the opening time; for all day and night, "
                                       "choose 'Open 24 hours a day, every day'")
        note = _note(self.note)
        days = tuple(day for day in DAYS if day in self.days.data)
        if pattern == "weekly":
            return OpeningRule("weekly", days, None, self.opens.data, self.closes.data, note)
        if len(days) > 1:
            raise RowProblem("days", "choose one day for a fortnightly or monthly time")
        if pattern == "fortnightly":
            return OpeningRule("fortnightly", days, None, self.opens.data, self.closes.data, note)
        return OpeningRule("monthly", days, NTH[pattern], self.opens.data, self.closes.data, note)


def _note(field: StringField) -> str:
    """A note as typed; ``;`` separates opening times in the written form, so a note cannot hold one."""
    note = " ".join((field.data or "").split())
    if ";" in note:
        raise RowProblem(field.short_name, "a note cannot hold ';': use a comma instead")
    return note


class ListingForm(WebForm):
    kind = RadioField("What are you listing?", choices=_choices("kinds"), default="service",
                      validators=[DataRequired("Choose what you are listing")])
    name = StringField("Name", validators=[DataRequired("Enter the name of the service"), Length(max=200)])
    summary = StringField("Summary", validators=[DataRequired("Write a one-line summary"), Length(max=300)])
    description = TextAreaField("Description", validators=[DataRequired("Describe the service"),
                                                           Length(max=10000)])
    categories = MultiCheckboxField("What kind of help is it?", choices=_choices("categories"),
                                    validators=[DataRequired("Choose at least one kind of help")])
    audiences = MultiCheckboxField("Is it especially for any of these people?", choices=_choices("audiences"))
    all_clusters = BooleanField("Open to people in any care cluster")
    clusters_main = MultiCheckboxField("Main focus", choices=_cluster_choices())
    clusters_also = MultiCheckboxField("Also serves", choices=_cluster_choices())
    min_age = IntegerField("Youngest age", validators=[Optional(), NumberRange(0, 120, AGE_MESSAGE)],
                           invalid_value_message=AGE_MESSAGE)
    max_age = IntegerField("Oldest age", validators=[Optional(), NumberRange(0, 120, AGE_MESSAGE)],
                           invalid_value_message=AGE_MESSAGE)
    cost = RadioField("What does it cost?", choices=_choices("cost"), default="free")
    cost_options = TextAreaField("Prices", validators=[Optional(), Length(max=2000)])
    referral = MultiCheckboxField("How can people get in?", choices=_choices("referral"),
                                  validators=[DataRequired("Choose at least one way to get in")])
    access = MultiCheckboxField("How is it delivered?", choices=_choices("access"),
                                validators=[DataRequired("Choose at least one way it is delivered")])
    accessibility = MultiCheckboxField("Accessibility", choices=_choices("accessibility"))
    areas = MultiCheckboxField("Which areas does it serve?", choices=_choices("areas"),
                               validators=[DataRequired("Choose at least one area")])
    locations = FieldList(FormField(LocationForm), min_entries=LOCATION_ROWS, max_entries=LOCATION_ROWS)
    always_open = BooleanField("Open 24 hours a day, every day")
    always_note = StringField("Note on the 24 hours", validators=[Optional(), Length(max=200)])
    opening_rows = FieldList(FormField(OpeningRowForm), min_entries=OPENING_ROWS, max_entries=OPENING_ROWS)
    event_date = DateField("Date of the event", validators=[Optional()])
    event_times = StringField("Event times", validators=[Optional(), Length(max=220)])  # with a note, perhaps
    phone = StringField("Phone", validators=[Optional(), Length(max=50)])
    email = StringField("Email", validators=[Optional(), Email("Enter an email address like name@example.org"),
                                             Length(max=200)])
    website = StringField("Website", validators=[Optional(), URL(message="Enter a full address starting https://"),
                                                 Length(max=300)])

    # --- to and from ListingData -------------------------------------------------------------

    def fill_from(self, data: ListingData) -> None:
        for name in ("kind", "name", "summary", "description", "categories", "audiences", "all_clusters",
                     "min_age", "max_age", "cost", "referral", "access", "accessibility", "areas", "phone",
                     "email", "website", "event_date"):
            getattr(self, name).data = getattr(data, name)
        self.clusters_main.data = [str(c) for c in data.clusters_main]
        self.clusters_also.data = [str(c) for c in data.clusters_also]
        self.cost_options.data = "\n".join(option.written() for option in data.cost_options)
        for row, location in zip(self.locations, data.locations, strict=False):
            row.address.data, row.postcode.data = location.address, location.postcode
        rules = parse_opening_hours(data.opening_hours, is_event=data.kind == "event")
        self.always_open.data = any(rule.frequency == "always" for rule in rules)
        self.always_note.data = next((rule.note for rule in rules if rule.frequency == "always"), "")
        event_rules = [rule for rule in rules if rule.frequency == "event"]
        self.event_times.data = event_rules[0].written() if event_rules else ""
        weekly = [rule for rule in rules if rule.frequency in {"weekly", "fortnightly", "monthly"}]
        for row, rule in zip(self.opening_rows, weekly, strict=False):
            if rule.frequency == "monthly":
                row.pattern.data = next(word for word, n in NTH.items() if n == rule.week_of_month)
            else:
                row.pattern.data = rule.frequency
            row.days.data, row.opens.data, row.closes.data = list(rule.days), rule.opens_at, rule.closes_at
            row.note.data = rule.note

    def _opening_hours(self) -> str:
        rules: list[OpeningRule] = []
        if self.always_open.data:
            try:
                rules.append(OpeningRule("always", note=_note(self.always_note)))
            except RowProblem as problem:
                self.always_note.errors = [*self.always_note.errors, str(problem).capitalize()]
        for number, row in enumerate(self.opening_rows, 1):
            try:
                rule = row.form.rule()
            except RowProblem as problem:
                field = row.form[problem.field]
                if not field.errors:  # a time it could not read already says so
                    field.errors = [f"Opening time {number}: {problem}"]
                continue
            if rule:
                rules.append(rule)
        if self.event_times.data:
            try:
                rules.extend(parse_opening_hours(self.event_times.data, is_event=True))
            except ScheduleError as error:
                self.event_times.errors = [*self.event_times.errors, str(error)]
        return written_form(rules)

    def to_data(self, organisation_name: str, assured_at: date) -> ListingData | None:
        """The listing as typed, or None with errors attached beside the fields."""
        cost_options: list[CostOptionData] = []
        for line in (self.cost_options.data or "").splitlines():
            if line.strip():
                try:
                    cost_options.append(parse_cost_option(line))
                except ValueError as error:
                    self.cost_options.errors = [*self.cost_options.errors, str(error)]
        # A postcode the form refused is told about beside its field, not again by ``validate``.
        locations = [LocationData(row.address.data.strip(), "" if row.postcode.errors else
                                  normalise_postcode(row.postcode.data or "") or "")
                     for row in self.locations if row.address.data and row.address.data.strip()]
        data = ListingData(
            organisation=organisation_name,
            name=(self.name.data or "").strip(),
            kind=self.kind.data or "service",
            summary=(self.summary.data or "").strip(),
            description=(self.description.data or "").strip(),
            categories=list(self.categories.data or []),
            audiences=list(self.audiences.data or []),
            # Unknown values are already reported by the fields' own choice check.
            clusters_main=[int(c) for c in self.clusters_main.data or [] if re.fullmatch(r"[0-9]{1,2}", c)],
            clusters_also=[int(c) for c in self.clusters_also.data or [] if re.fullmatch(r"[0-9]{1,2}", c)],
            all_clusters=bool(self.all_clusters.data),
            min_age=self.min_age.data,
            max_age=self.max_age.data,
            cost=self.cost.data or "free",
            cost_options=cost_options,
            referral=list(self.referral.data or []),
            access=list(self.access.data or []),
            accessibility=list(self.accessibility.data or []),
            areas=list(self.areas.data or []),
            locations=locations,
            phone=tidy_phone(self.phone.data or ""),
            email=(self.email.data or "").strip(),
            website=(self.website.data or "").strip(),
            opening_hours=self._opening_hours(),
            event_date=self.event_date.data if self.kind.data == "event" else None,
            assured_at=assured_at,
        )
        if self.kind.data == "event" and self.event_date.data is None and not self.event_date.errors:
            self.event_date.errors = [*self.event_date.errors, "Enter the date of the event"]
        # One message for each problem: the listing's own checks repeat many of the form's (a missing category,
        # a bad email address) in other words, so a field the form has already told about is left as it is.
        told = {field.name for field in self if field.errors}
        for problem in validate(data, event_date_unreadable=True):
            field_name, _, message = problem.partition(": ")
            field = getattr(self, FIELD_FOR_PROBLEM.get(field_name, field_name), None)
            if field is None or isinstance(field, FieldList):
                field = self.name
            message = message[:1].upper() + message[1:]
            if field.name not in told and message not in field.errors:
                field.errors = [*field.errors, message]
        return None if form_errors(self) else data


# Problems from ``validate`` name data fields; show them beside the form field that holds them.
FIELD_FOR_PROBLEM = {"clusters": "clusters_also", "cost_detail": "cost_options", "opening_hours": "event_times",
                     "organisation": "name"}
