"""The referrer search and listing pages: the public pages plus care clusters."""

from flask import abort, render_template, request
from sqlalchemy import select

from app.accounts.roles import referrer_required
from app.directory.models import Service
from app.directory.public_view import public_listing
from app.directory.referrer_view import cluster_tags
from app.directory.visibility import is_public
from app.extensions import db, limiter, search_rate_limit
from app.hubs.pages import places_of
from app.public.search_form import parse_search_args
from app.public.views import load_public_listings, run_search, search_context
from app.referrer import referrer
from app.referrer.cluster_form import parse_clusters
from app.taxonomies import cluster_super_classes
from app.usage.tally import Metric, count_usage
from search.sync import LOAD_OPTIONS


@referrer.get("/search")
@limiter.limit(search_rate_limit)
@referrer_required
def search() -> str:
    search_request = parse_search_args(request.args)
    chosen_clusters, cluster_errors = parse_clusters(request.args)
    search_request.errors.update(cluster_errors)
    results = run_search(search_request, clusters=chosen_clusters)
    count_usage(Metric.REFERRER_SEARCH)
    listings = load_public_listings(results.ids)
    services = db.session.scalars(select(Service).where(Service.id.in_(results.ids)).options(*LOAD_OPTIONS))
    return render_template(
        "referrer/search.html",
        **search_context(search_request, results, "referrer.search", "referrer.listing"),
        listings=listings,
        tags={service.id: cluster_tags(service) for service in services},
        chosen_clusters=chosen_clusters,
        chosen_superclasses=request.args.getlist("superclass"),
        super_classes=cluster_super_classes(),
    )


@referrer.get("/services/<int:service_id>")
@referrer_required
def listing(service_id: int) -> str:
    service = db.session.get(Service, service_id)
    if service is None or not is_public(service):
        abort(404)
    return render_template("referrer/listing.html", listing=public_listing(service), tags=cluster_tags(service),
                           part_of=places_of(service))



