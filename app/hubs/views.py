"""The hubs online (``/hubs/``): each local hub and its sections, mirroring the leaflet bank's leaflets.

The blueprint lives here rather than in ``app/hubs/__init__.py``, as it does for the other areas, because
``app.hubs`` is also the hubs' models package: exports and commands import ``app.hubs.models`` and must not
load a blueprint with it (design §3).
"""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.confirmations import flash_confirmation
from app.directory.public_view import listing_card
from app.directory.visibility import public_services
from app.hubs.finder import Finding, find_hubs
from app.hubs.pages import (
    all_hubs,
    hub_by_slug,
    hub_page,
    hub_summary,
    section_leaflets,
    section_summary,
)
from app.hubs.sections import section_listings
from app.public.views import load_public_listings
from app.vocabulary.store import current_vocabulary
from exports.leaflets.manifest import read_manifest

hubs = Blueprint("hubs", __name__, url_prefix="/hubs")


@hubs.get("/")
def index() -> Response | tuple[str, int]:
    """The hubs, and "Find your hub": one hub found leads straight to it; several (a postcode district
    across two hubs), or none (a place outside them all), are answered here; a problem is a 400."""
    summaries = [hub_summary(hub) for hub in all_hubs()]
    finding: Finding | None = None
    if "place" in request.args:
        finding = find_hubs(request.args.get("place", ""), summaries, current_vocabulary())
        if not finding.problem and len(finding.hubs) == 1:
            hub = finding.hubs[0]
            flash_confirmation(f"Your hub is {hub.name}", f"The {hub.name} hub covers {finding.described}.")
            return redirect(url_for("hubs.hub", slug=hub.slug))
    page = render_template("hubs/index.html", hubs=summaries, finding=finding)
    return page, 400 if finding and finding.problem else 200


@hubs.get("/<slug>")
def hub(slug: str) -> str:
    found = hub_by_slug(slug)
    if found is None:
        abort(404)
    return render_template("hubs/hub.html", page=hub_page(found, public_services()))


@hubs.get("/<slug>/<section_slug>")
def section(slug: str, section_slug: str) -> str:
    """Every listing of the section, in the section's order, on one page: a section is at most a few dozen
    listings (it is one leaflet of the hub), and a whole part of the hub on one page reads, and prints, as
    the leaflet does. No pagination."""
    found = hub_by_slug(slug)
    chosen = next((part for part in found.sections if part.slug == section_slug), None) if found else None
    if found is None or chosen is None:
        abort(404)
    ids = [service.id for service in section_listings(chosen, found, public_services())]
    listings = [listing_card(listing) for listing in load_public_listings(ids)]
    return render_template("hubs/section.html", hub=hub_summary(found), section=section_summary(chosen, len(listings)),
                           listings=listings,
                           leaflets=section_leaflets(found, chosen, read_manifest(current_app.config["LEAFLET_DIR"])))
