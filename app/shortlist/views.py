"""The shortlist pages: view, add, remove, reorder, notes (referrers), the print view and the PDF."""

import re

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.roles import sees_clusters
from app.auth.redirects import safe_next, with_fragment
from app.confirmations import flash_confirmation
from app.directory.models import Service
from app.directory.visibility import is_public
from app.extensions import db, limiter
from app.public.views import load_public_listings
from app.routing import MAX_ID
from app.shortlist import shortlist, store
from app.timeutil import today
from app.urls import site_url

# Per address. A referrer printing a clinic's lists never comes near them; a loop asking for PDFs soon does
# (each can cost over a second of CPU), and so does one asking for print pages.
PDF_RATE_LIMIT = "10 per minute; 60 per hour"
PRINT_RATE_LIMIT = "20 per minute; 200 per hour"


def _service_id() -> int:
    value = request.form.get("service_id", "")
    if not re.fullmatch(r"[0-9]{1,12}", value):  # ASCII digits only: int() refuses '²'
        abort(400)
    if int(value) > MAX_ID:  # no listing has it, and the database would refuse to look
        abort(404)
    return int(value)


def _is_referrer() -> bool:
    return current_user.is_authenticated and sees_clusters(current_user)


def _notes(wanted: bool = True) -> dict[int, str]:
    """A referrer's own notes in this session, when wanted; nobody else has any."""
    return store.notes(current_user.id) if wanted and _is_referrer() else {}


def _listings():
    """The shortlisted listings still public, in the chosen order."""
    return load_public_listings(store.shortlist_ids())


def _item(service_id: int) -> str:
    """The id of a listing's item on the shortlist page (and of its shortlist button elsewhere)."""
    return f"shortlist-{service_id}"


def _back_to_list(anchor: str = "your-shortlist") -> Response:
    return redirect(url_for("shortlist.show", _anchor=anchor))


def _name(service_id: int) -> str:
    service = db.session.get(Service, service_id)
    return service.name if service else "a listing"


@shortlist.get("/")
def show() -> str:
    return render_template("shortlist/show.html", listings=_listings(), notes=_notes(), referrer=_is_referrer())


@shortlist.post("/add")
def add() -> Response:
    service_id = _service_id()
    service = db.session.get(Service, service_id)
    if service is None or not is_public(service):
        abort(404)
    if store.add(service_id):
        flash_confirmation(f"Added to your shortlist: {service.name}")
    elif service_id in store.shortlist_ids():
        flash_confirmation(f"Already on your shortlist: {service.name}")
    else:
        flash_confirmation(f"Not added: your shortlist is full ({store.MAX_ITEMS})",
                           f"Remove a listing from your shortlist to make room for {service.name}.")
    back = safe_next(request.form.get("next"), url_for("shortlist.show"))
    return redirect(with_fragment(back, _item(service_id)))


@shortlist.post("/remove")
def remove() -> Response:
    """Focus goes to the listing that takes the removed one's place, or the one before it, or the heading."""
    service_id = _service_id()
    shown = [listing.id for listing in _listings()]
    if service_id not in store.shortlist_ids():
        return _back_to_list()
    store.remove(service_id)
    flash_confirmation(f"Removed from your shortlist: {_name(service_id)}")
    if service_id in shown and len(shown) > 1:
        place = shown.index(service_id)
        return _back_to_list(_item(shown[place + 1] if place + 1 < len(shown) else shown[place - 1]))
    return _back_to_list()


@shortlist.post("/move")
def move() -> Response:
    service_id = _service_id()
    up = request.form.get("direction") == "up"
    before = store.shortlist_ids()
    if service_id not in before:
        return _back_to_list()
    store.move(service_id, -1 if up else 1)
    shown = [listing.id for listing in _listings()]
    if store.shortlist_ids() != before and service_id in shown:
        place = f"now {shown.index(service_id) + 1} of {len(shown)}"
        flash_confirmation(f"Moved {'up' if up else 'down'}: {_name(service_id)}, {place}")
    return _back_to_list(_item(service_id))


@shortlist.post("/note")
def note() -> Response:
    if not _is_referrer():
        abort(404)
    service_id = _service_id()
    if service_id not in store.shortlist_ids():
        return _back_to_list()
    store.set_note(current_user.id, service_id, request.form.get("note", ""))
    saved = service_id in _notes()
    flash_confirmation(f"{'Note saved' if saved else 'Note removed'}: {_name(service_id)}")
    return _back_to_list(_item(service_id))


@shortlist.post("/clear")
def clear() -> Response:
    store.clear()
    flash_confirmation("Your shortlist is empty")
    return _back_to_list()


@shortlist.get("/print")
@limiter.limit(PRINT_RATE_LIMIT)
def print_view() -> str:
    return render_template("shortlist/print.html", listings=_listings(),
                           notes=_notes(request.args.get("notes") == "yes"), printed_on=today())


@shortlist.get("/pdf")
@limiter.limit(PDF_RATE_LIMIT)
def pdf() -> Response:
    """The shortlist as a PDF leaflet: the only leaflet made on a web request, so it is kept on disk for the
    next request for the same list (unless it has notes: ``app/shortlist/pdf_cache.py``)."""
    from app.shortlist.pdf_cache import shortlist_pdf  # imports WeasyPrint only when someone asks
    from exports.leaflets.content import shortlist_leaflet

    listings = _listings()
    if not listings:
        flash_confirmation("Nothing to save as a PDF: your shortlist is empty")
        return _back_to_list()
    leaflet = shortlist_leaflet(listings, _notes(request.args.get("notes") == "yes"), site_url())
    response = Response(shortlist_pdf(leaflet, today()), mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'attachment; filename="well-aware-shortlist.pdf"'
    # A shortlist (and a referrer's notes) is personal: never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response
