"""Filters and globals every template may use."""

from datetime import date

from flask import Flask
from markupsafe import Markup

from app.confirmations import confirmations
from app.form_errors import form_errors
from app.markdown import render_markdown
from app.taxonomies import taxonomy, urgent_help


def month_year(value: date | None) -> str:
    return f"{value:%B %Y}" if value else "not yet confirmed"


def long_date(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = lambda text: Markup(render_markdown(text or ""))
    app.jinja_env.filters["month_year"] = month_year
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.globals["confirmations"] = confirmations
    app.jinja_env.globals["form_errors"] = form_errors
    app.jinja_env.globals["taxonomy"] = taxonomy
    app.jinja_env.globals["urgent_help"] = urgent_help
    app.jinja_env.globals["site_name"] = "Well Aware"
