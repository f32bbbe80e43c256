"""The shortlist pages: view, add, remove, reorder, notes (referrers), the print view and the PDF."""

import re

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.roles import sees_clusters
from app.auth.redirects import safe_next
from app.directory.models import Service
from app.directory.visibility import is_public
from app.extensions import db
from app.public.views import load_public_listings
from app.shortlist import shortlist, store
from app.timeutil import today


def _service_id() -> int:
    value = request.form.get("service_id", "")
    if not re.fullmatch(r"[0-9]{1,12}", value):  # ASCII digits only: int() refuses '²'
        abort(400)
    return int(value)


def _is_referrer() -> bool:
    return current_user.is_authenticated and sees_clusters(current_user)


def _listings():
    """The shortlisted listings still public, in the chosen order."""
    return load_public_listings(store.shortlist_ids())


@shortlist.get("/")
def show() -> str:
    return render_template("shortlist/show.html", listings=_listings(), notes=store.notes(),
                           referrer=_is_referrer())


@shortlist.post("/add")
def add() -> Response:
    service_id = _service_id()
    service = db.session.get(Service, service_id)
    if service is None or not is_public(service):
        abort(404)
    if store.add(service_id):
        flash(f"‘{service.name}’ is on your shortlist.")
    else:
        flash(f"‘{service.name}’ is already on your shortlist, or the shortlist is full ({store.MAX_ITEMS}).")
    return redirect(safe_next(request.form.get("next"), url_for("shortlist.show")))


@shortlist.post("/remove")
def remove() -> Response:
    store.remove(_service_id())
    return redirect(url_for("shortlist.show"))


@shortlist.post("/move")
def move() -> Response:
    step = -1 if request.form.get("direction") == "up" else 1
    store.move(_service_id(), step)
    return redirect(url_for("shortlist.show"))


@shortlist.post("/note")
def note() -> Response:
    if not _is_referrer():
        abort(404)
    store.set_note(_service_id(), request.form.get("note", ""))
    return redirect(url_for("shortlist.show"))


@shortlist.post("/clear")
def clear() -> Response:
    store.clear()
    flash("Your shortlist is empty.")
    return redirect(url_for("shortlist.show"))


@shortlist.get("/print")
def print_view() -> str:
    include_notes = _is_referrer() and request.args.get("notes") == "yes"
    return render_template("shortlist/print.html", listings=_listings(),
                           notes=store.notes() if include_notes else {}, printed_on=today())


@shortlist.get("/pdf")
def pdf() -> Response:
    """The shortlist as a PDF leaflet, made now: the only leaflet rendered on a web request."""
    from exports.leaflets.content import shortlist_leaflet
    from exports.leaflets.render import render_pdf  # imports WeasyPrint only when someone asks

    listings = _listings()
    if not listings:
        flash("Your shortlist is empty, so there is nothing to save as a PDF.")
        return redirect(url_for("shortlist.show"))
    include_notes = _is_referrer() and request.args.get("notes") == "yes"
    leaflet = shortlist_leaflet(listings, store.notes() if include_notes else {}, current_app.config["SITE_URL"])
    response = Response(render_pdf(leaflet, "a4", today()), mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'attachment; filename="well-aware-shortlist.pdf"'
    # A shortlist (and a referrer's notes) is personal: never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response
