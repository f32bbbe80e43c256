"""Administrators edit hubs and their ordered sections, which the printed leaflets follow part by part.

A section chooses listings by one rule (``app.hubs.sections``): by hand ("picks", typed as listing numbers or
exact names), then by categories and audiences, narrowed by kinds and by the categories and audiences it leaves
out. Each section on the hub's page shows its rule in words and the listings it holds now. The next
``leaflets build`` follows whatever is saved here.
"""

import re

from flask import abort, redirect, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.accounts.roles import admin_required
from app.admin import admin
from app.admin.audit import audit
from app.admin.forms import EmptyForm
from app.confirmations import flash_confirmation
from app.directory.models import Service, ServiceStatus
from app.directory.visibility import public_services
from app.extensions import db
from app.form_errors import render_form_page
from app.forms import WebForm
from app.hubs.models import Hub, HubSection, section_slug
from app.hubs.sections import rule_description, section_listings
from app.routing import MAX_ID
from app.taxonomies import taxonomy

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A pick is a listing number ("42" or "#42", and "#42 anything" as the form shows saved picks) or a name.
# ASCII digits only (``\d`` would read other scripts' digits); more than ten cannot be an id (app/routing.py).
PICK_BY_NUMBER = re.compile(r"^#?([0-9]{1,10})$|^#([0-9]{1,10})(?![0-9])")
MAX_PICKS = 100
PREVIEW_OPEN = 8  # a section's listings are named openly up to this many, and folded away beyond it


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(name: str) -> list[SelectChoice]:
    return [SelectChoice(term.slug, term.name) for term in taxonomy(name).terms]


def _stripped(value: str | None) -> str:
    return (value or "").strip()


class HubForm(WebForm):
    name = StringField("Hub name", validators=[DataRequired("Enter the hub's name"), Length(max=200)],
                       filters=[_stripped])
    description = TextAreaField("About the hub", validators=[Length(max=2000)], filters=[_stripped])
    areas = MultiCheckboxField("Areas the hub covers", choices=_choices("areas"),
                               validators=[DataRequired("Choose at least one area")])


class NewHubForm(HubForm):
    slug = StringField(
        "Short name for web addresses and leaflet files",
        validators=[DataRequired("Enter a short name, like bath"), Length(max=60),
                    Regexp(SLUG, message="Use lower-case letters, numbers and single hyphens, like somer-valley")],
        filters=[lambda value: (value or "").strip().lower()],
    )

    def validate_slug(self, field: StringField) -> None:
        if db.session.scalar(select(Hub.id).where(Hub.slug == field.data)) is not None:
            raise ValidationError("There is already a hub with that short name")


class SectionForm(WebForm):
    title = StringField("Title", validators=[DataRequired("Enter the section's title"), Length(max=200)],
                        filters=[_stripped])
    intro = TextAreaField("Introduction", validators=[Length(max=2000)], filters=[_stripped])
    categories = MultiCheckboxField("Listings in these categories", choices=_choices("categories"))
    audiences = MultiCheckboxField("Listings especially for these people", choices=_choices("audiences"))
    kinds = MultiCheckboxField("Only these kinds of listing", choices=_choices("kinds"))
    except_categories = MultiCheckboxField("Leave out listings in these categories", choices=_choices("categories"))
    except_audiences = MultiCheckboxField("Leave out listings especially for these people",
                                          choices=_choices("audiences"))
    picks = TextAreaField("Hand-picked listings", validators=[Length(max=20000)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.picked: list[Service] = []

    def validate_picks(self, field: TextAreaField) -> None:
        """Each line names one listing, by its number or its exact name (any case, any spacing)."""
        lines = [" ".join(line.split()) for line in (field.data or "").splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            self.picked = []
            return
        by_name: dict[str, list[Service]] = {}
        for service in db.session.scalars(select(Service).where(Service.status != ServiceStatus.ARCHIVED)):
            by_name.setdefault(_name_key(service.name), []).append(service)
        problems: list[str] = []
        picked: list[Service] = []
        for line in lines:
            service, problem = _find_listing(line, by_name)
            if problem:
                problems.append(problem)
            elif service is not None and service not in picked:
                picked.append(service)
        if len(picked) > MAX_PICKS:
            problems.append(f"Pick at most {MAX_PICKS} listings")
        if problems:
            raise ValidationError("; ".join(problems[:5]) + ("; …" if len(problems) > 5 else ""))
        self.picked = picked

    def validate_except_categories(self, field: MultiCheckboxField) -> None:
        _none_chosen_and_left_out(self.categories, field, "categories", "a category")

    def validate_except_audiences(self, field: MultiCheckboxField) -> None:
        _none_chosen_and_left_out(self.audiences, field, "audiences", "people")

    def validate(self, extra_validators: object = None) -> bool:
        valid = super().validate(extra_validators)  # type: ignore[arg-type]
        if valid and not (self.categories.data or self.audiences.data or self.picked):
            self.categories.errors = [*self.categories.errors,
                                      "Choose at least one category or audience, or pick listings by hand"]
            return False
        return valid

    def fill_from(self, section: HubSection) -> None:
        self.title.data = section.title
        self.intro.data = section.intro
        self.categories.data = list(section.categories)
        self.audiences.data = list(section.audiences)
        self.kinds.data = list(section.kinds)
        self.except_categories.data = list(section.except_categories)
        self.except_audiences.data = list(section.except_audiences)
        self.picks.data = "\n".join(f"#{s.id} {s.name}" for s in sorted(section.picks, key=lambda s: s.name.casefold()))

    def apply_to(self, section: HubSection) -> None:
        section.title = self.title.data or ""
        section.intro = self.intro.data or ""
        section.categories = _in_order("categories", self.categories.data)
        section.audiences = _in_order("audiences", self.audiences.data)
        section.kinds = _in_order("kinds", self.kinds.data)
        section.except_categories = _in_order("categories", self.except_categories.data)
        section.except_audiences = _in_order("audiences", self.except_audiences.data)
        section.picks = list(self.picked)


def _in_order(name: str, chosen: list[str] | None) -> list[str]:
    """The chosen slugs in the taxonomy's order."""
    return [slug for slug in taxonomy(name).slugs if slug in (chosen or [])]


def _none_chosen_and_left_out(chosen: MultiCheckboxField, left_out: MultiCheckboxField, name: str, what: str) -> None:
    """A category (or audience) both chosen and left out would bring nothing in: say which."""
    both = [slug for slug in _in_order(name, chosen.data) if slug in (left_out.data or [])]
    if both:
        raise ValidationError(f"Do not leave out {what} you chose: {', '.join(taxonomy(name).label(s) for s in both)}")


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _find_listing(text: str, by_name: dict[str, list[Service]]) -> tuple[Service | None, str]:
    """The listing a line of the picks box means, or why it cannot be used."""
    if match := PICK_BY_NUMBER.match(text):
        number = int(match.group(1) or match.group(2))
        service = db.session.get(Service, number) if number <= MAX_ID else None
        if service is None:
            return None, f"There is no listing number {number}"
        if service.status == ServiceStatus.ARCHIVED:
            return None, f"Listing {number} ({service.name}) is archived"
        return service, ""
    matches = by_name.get(_name_key(text), [])
    if not matches:
        return None, f"No listing is called ‘{text}’ (use its exact name or its number)"
    if len(matches) > 1:
        numbers = ", ".join(f"#{s.id}" for s in matches)
        return None, f"More than one listing is called ‘{text}’; use its number ({numbers})"
    return matches[0], ""


def _rule_in_words(section: HubSection) -> str:
    """What the audit log keeps of a saved section: its title and its rule."""
    return f"{section.title}: {'; '.join(rule_description(section))}"


def _hub(slug: str) -> Hub:
    hub = db.session.scalar(select(Hub).where(Hub.slug == slug))
    if hub is None:
        abort(404)
    return hub


def _section(hub: Hub, section_id: int) -> HubSection:
    section = next((s for s in hub.sections if s.id == section_id), None)
    if section is None:
        abort(404)
    return section


def _back_to_hub(hub: Hub, anchor: str) -> Response:
    """The hub's page with focus on what was acted on: a section (``section-<id>``), or the heading of the part
    of the page it concerns (``sections``, ``add-section``, ``hub-details``)."""
    return redirect(url_for("admin.edit_hub", slug=hub.slug, _anchor=anchor))


def _renumber(hub: Hub, sections: list[HubSection]) -> None:
    for position, section in enumerate(sections):
        section.position = position
    hub.sections[:] = sections


def _section_forms(hub: Hub, bound: SectionForm | None = None, bound_id: int | None = None) -> dict[int, SectionForm]:
    forms = {}
    for section in hub.sections:
        if bound is not None and section.id == bound_id:
            forms[section.id] = bound
            continue
        form = SectionForm(prefix=f"section-{section.id}", formdata=None)
        form.fill_from(section)
        forms[section.id] = form
    return forms


def _edit_page(hub: Hub, *, hub_form: HubForm | None = None, new_section: SectionForm | None = None,
               bound: SectionForm | None = None, bound_id: int | None = None) -> tuple[str, int]:
    if hub_form is None:
        hub_form = HubForm(prefix="hub", formdata=None, obj=hub)
    new_section = new_section or SectionForm(prefix="new", formdata=None)
    section_forms = _section_forms(hub, bound, bound_id)
    services = public_services()
    return render_form_page(
        "admin/hub_edit.html",
        [hub_form, new_section, *section_forms.values()],
        hub=hub,
        hub_form=hub_form,
        section_forms=section_forms,
        open_section=bound_id,
        new_section=new_section,
        action_form=EmptyForm(),
        area_names={term.slug: term.name for term in taxonomy("areas").terms},
        rules={section.id: rule_description(section) for section in hub.sections},
        holdings={section.id: section_listings(section, hub, services) for section in hub.sections},
        preview_open=PREVIEW_OPEN,
    )


def _hubs_page(form: NewHubForm) -> tuple[str, int]:
    hubs = db.session.scalars(select(Hub).order_by(Hub.name)).all()
    area_names = {term.slug: term.name for term in taxonomy("areas").terms}
    return render_form_page("admin/hubs.html", [form], hubs=hubs, form=form, area_names=area_names)


@admin.get("/hubs")
@admin_required
def hubs() -> tuple[str, int]:
    return _hubs_page(NewHubForm(prefix="hub", formdata=None))


@admin.post("/hubs")
@admin_required
def add_hub() -> Response | tuple[str, int]:
    form = NewHubForm(prefix="hub")
    if not form.validate_on_submit():
        return _hubs_page(form)
    hub = Hub(slug=form.slug.data, name=form.name.data, description=form.description.data or "",
              areas=_in_order("areas", form.areas.data))
    db.session.add(hub)
    audit("hub added", hub.name, hub.slug)
    db.session.commit()
    flash_confirmation(f"Hub added: {hub.name}", "Now add its sections.")
    return _back_to_hub(hub, "add-section")


@admin.get("/hubs/<slug>")
@admin_required
def edit_hub(slug: str) -> tuple[str, int]:
    return _edit_page(_hub(slug))


@admin.post("/hubs/<slug>")
@admin_required
def save_hub(slug: str) -> Response | tuple[str, int]:
    hub = _hub(slug)
    form = HubForm(prefix="hub")
    if not form.validate_on_submit():
        return _edit_page(hub, hub_form=form)
    hub.name, hub.description = form.name.data or "", form.description.data or ""
    hub.areas = _in_order("areas", form.areas.data)
    audit("hub changed", hub.name, f"areas: {', '.join(hub.areas)}")
    db.session.commit()
    flash_confirmation(f"Hub saved: {hub.name}")
    return _back_to_hub(hub, "hub-details")


@admin.post("/hubs/<slug>/sections")
@admin_required
def add_section(slug: str) -> Response | tuple[str, int]:
    hub = _hub(slug)
    form = SectionForm(prefix="new")
    if not form.validate_on_submit():
        return _edit_page(hub, new_section=form)
    section = HubSection(position=len(hub.sections))
    form.apply_to(section)
    section.slug = section_slug(section.title, {other.slug for other in hub.sections})
    hub.sections.append(section)
    audit("hub section added", hub.name, _rule_in_words(section))
    db.session.commit()
    flash_confirmation(f"Section added: {section.title}", "It is the last section.")
    return _back_to_hub(hub, f"section-{section.id}")


@admin.post("/hubs/<slug>/sections/<int:section_id>")
@admin_required
def save_section(slug: str, section_id: int) -> Response | tuple[str, int]:
    hub = _hub(slug)
    section = _section(hub, section_id)
    form = SectionForm(prefix=f"section-{section.id}")
    if not form.validate_on_submit():
        return _edit_page(hub, bound=form, bound_id=section.id)
    form.apply_to(section)
    audit("hub section changed", hub.name, _rule_in_words(section))
    db.session.commit()
    flash_confirmation(f"Section saved: {section.title}")
    return _back_to_hub(hub, f"section-{section.id}")


@admin.post("/hubs/<slug>/sections/<int:section_id>/move")
@admin_required
def move_section(slug: str, section_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    hub = _hub(slug)
    section = _section(hub, section_id)
    sections = list(hub.sections)
    index = sections.index(section)
    target = index - 1 if request.form.get("direction") == "up" else index + 1
    if 0 <= target < len(sections):
        sections[index], sections[target] = sections[target], sections[index]
        _renumber(hub, sections)
        audit("hub section moved", hub.name, f"{section.title} to position {target + 1}")
        db.session.commit()
        flash_confirmation(f"Moved {'up' if target < index else 'down'}: {section.title}, "
                           f"now {target + 1} of {len(sections)}")
    return _back_to_hub(hub, f"section-{section.id}")


@admin.post("/hubs/<slug>/sections/<int:section_id>/remove")
@admin_required
def remove_section(slug: str, section_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    hub = _hub(slug)
    section = _section(hub, section_id)
    _renumber(hub, [s for s in hub.sections if s is not section])
    audit("hub section removed", hub.name, section.title)
    db.session.commit()
    flash_confirmation(f"Section removed: {section.title}")
    return _back_to_hub(hub, "sections")
