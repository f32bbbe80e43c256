"""The public pages."""

from flask import Response, abort, current_app, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.directory.models import Service
from app.directory.public_view import ListingCard, PublicListing, public_listing
from app.directory.visibility import is_public
from app.extensions import db, limiter, search_rate_limit
from app.hubs.pages import places_of
from app.public import public
from app.public.search_form import MULTI_FILTERS, WHEN_CHOICES, SearchRequest, parse_search_args
from app.search_runner import run_search as search_listings
from app.taxonomies import Term, taxonomy
from app.usage.tally import Metric, count_usage
from search.service import SearchResults
from search.sync import LOAD_OPTIONS


def load_public_listings(ids: list[int]) -> list[PublicListing]:
    """The listings with these ids that the public may see, in the given order, in one query."""
    query = select(Service).where(Service.id.in_(ids)).options(*LOAD_OPTIONS)
    services = {s.id: s for s in db.session.scalars(query) if is_public(s)}
    return [public_listing(services[i]) for i in ids if i in services]


def run_search(search_request: SearchRequest, *, clusters: tuple[int, ...] = ()) -> SearchResults:
    """The page of results asked for; for a page past the last, the last page and a note saying so.

    The last page is shown at the address asked for rather than redirected to: the person is told why they
    are not on the page they asked for, beside the count (a redirect would move them without a word,
    or need a message kept in the session for the next request), the referrer page, which shares this,
    does the same, and it takes no second request. The page's own links lead on from the page shown."""
    def page(number: int) -> SearchResults:
        return search_listings(search_request.text, search_request.filters, page=number,
                               per_page=int(current_app.config["RESULTS_PER_PAGE"]), clusters=clusters,
                               exact=search_request.exact, nearest=search_request.nearest)

    results = page(search_request.page)
    if results.page > results.pages:
        if results.total:  # with nothing found, "No listings match" says it all
            search_request.page_note = (
                f"There are only {results.pages} pages of results; showing the last" if results.pages > 1
                else "There is only 1 page of results; showing it")
        results = page(results.pages)
    return results


def kept_args(args: MultiDict[str, str], search_request: SearchRequest) -> MultiDict[str, str]:
    """The query string without the values left out for an error, so a link from the page does not bring
    the error back."""
    return MultiDict([(k, v) for k, v in args.items(multi=True) if (k, v) not in search_request.rejected])


def chosen_filter_tags(args: MultiDict[str, str], endpoint: str,
                       results: SearchResults | None = None) -> list[dict[str, str]]:
    """Each chosen filter with a link that removes just it, and each place named in the words, with a link
    that searches the words without it. ``args`` holds only values the search used (``kept_args``)."""
    tags = []
    labels = {parameter: taxonomy(name) for parameter, (_, name) in MULTI_FILTERS.items()}
    if results is not None and results.places:
        others = [(k, v) for k, v in args.items(multi=True) if k not in {"q", "page"}]
        without = _grouped([("q", results.without_places), *others] if results.without_places else others)
        for slug in results.places:
            tags.append({"text": f"{labels['area'].label(slug)} (from your words)",
                         "href": url_for(endpoint, **without)})
    for parameter, value in args.items(multi=True):
        if parameter in {"q", "page", "exact", "sort"} or not value:
            continue
        if parameter in labels:
            text = labels[parameter].label(value)
        elif parameter == "when":
            text = WHEN_CHOICES[value]
        elif parameter == "age":
            text = f"Age {value}"
        elif parameter == "postcode":
            text = f"Near {value.upper()}"
        else:
            continue
        # Without a postcode there is nothing to be nearest to, so its "nearest first" goes with it.
        gone = {("page", None), ("sort", None)} if parameter == "postcode" else {("page", None)}
        remaining = [(k, v) for k, v in args.items(multi=True)
                     if not (k == parameter and v == value) and (k, None) not in gone]
        tags.append({"text": text, "href": url_for(endpoint, **_grouped(remaining))})
    return tags


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def _search_links(search_request: SearchRequest, results: SearchResults, endpoint: str,
                  kept: MultiDict[str, str]) -> dict[str, str]:
    """The same search with one thing changed: the words as typed, a suggested spelling, the order."""
    def changed(**values: str | None) -> str:
        args = {key: kept.getlist(key) for key in kept if key != "page"}
        for key, value in values.items():
            if value is None:
                args.pop(key, None)
            else:
                args[key] = [value]
        return url_for(endpoint, **args)

    links = {"exact": changed(exact="1")}
    if results.suggestion:
        links["suggestion"] = changed(q=results.suggestion, exact=None)
    if search_request.filters.near is not None:
        links["nearest"], links["best_match"] = changed(sort="nearest"), changed(sort=None)
    return links


def _error_targets(search_request: SearchRequest, results: SearchResults) -> dict[str, str]:
    """Where each error in the summary takes focus: for a group of checkboxes, its first one shown."""
    targets = {}
    for parameter, (field_name, taxonomy_name) in MULTI_FILTERS.items():
        if parameter in search_request.errors:
            chosen = getattr(search_request.filters, field_name)
            counts = results.facets.get(field_name, {})  # the facets are named as the filters' fields
            shown = [slug for slug in taxonomy(taxonomy_name).slugs if counts.get(slug) or slug in chosen]
            targets[parameter] = f"f-{parameter}-{shown[0]}" if shown else f"f-{parameter}"
    if "when" in search_request.errors:
        shown = [slug for slug in WHEN_CHOICES
                 if results.facets.get(slug, {}).get("t") or slug in search_request.filters.when]
        targets["when"] = f"f-when-{shown[0]}" if shown else "f-when"
    return targets


def search_context(
    search_request: SearchRequest, results: SearchResults, endpoint: str, detail_endpoint: str = "public.listing"
) -> dict[str, object]:
    """What every search page template needs besides the listings."""
    targets = _error_targets(search_request, results)
    kept = kept_args(request.args, search_request)
    return {
        "detail_endpoint": detail_endpoint,
        "search": search_request,
        "results": results,
        "query_text": search_request.text,
        "chosen": chosen_filter_tags(kept, endpoint, results),
        "links": _search_links(search_request, results, endpoint, kept),
        "kept_args": kept.to_dict(flat=False),  # for the pagination links
        # The error summary: each message with the control it takes focus to.
        "problems": [(targets.get(name, f"f-{name}"), message) for name, message in search_request.errors.items()],
        "endpoint": endpoint,
        "when_terms": [Term(slug, label) for slug, label in WHEN_CHOICES.items()],
        # Whoosh groups a boolean field under "t" and "f".
        "when_counts": {slug: results.facets.get(slug, {}).get("t", 0) for slug in WHEN_CHOICES},
    }


def count_search(search_request: SearchRequest, results: SearchResults) -> None:
    """Counted without the words: how many searches, how many found nothing, which categories were chosen."""
    count_usage(Metric.SEARCH)
    if results.total == 0:
        count_usage(Metric.SEARCH_WITHOUT_RESULTS)
    for category in search_request.filters.categories:
        count_usage(Metric.SEARCH_CATEGORY, category)


@public.get("/")
def home() -> str:
    return render_template("public/home.html", categories=taxonomy("categories").terms)


@public.get("/search")
@limiter.limit(search_rate_limit)
def search_page() -> str:
    search_request = parse_search_args(request.args)
    results = run_search(search_request)
    count_search(search_request, results)
    listings = [ListingCard.from_json(card) for card in results.cards]  # from the index: no database query
    return render_template("public/search.html", **search_context(search_request, results, "public.search_page"),
                           listings=listings)


@public.get("/services/<int:service_id>")
def listing(service_id: int) -> str:
    service = db.session.get(Service, service_id)
    if service is None or not is_public(service):
        abort(404)
    count_usage(Metric.LISTING_VIEW, str(service.id))
    return render_template("public/listing.html", listing=public_listing(service),
                           part_of=places_of(service))


@public.get("/robots.txt")
def robots() -> Response:
    lines = ["User-agent: *", "Disallow: /referrer/", "Disallow: /manage/", "Disallow: /admin/",
             "Disallow: /shortlist/", "Disallow: /search", f"Sitemap: {url_for('public.sitemap', _external=True)}"]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@public.get("/sitemap.xml")
def sitemap() -> Response:
    """The home page and every public listing; nothing from the referrer, manage or admin areas."""
    services = db.session.scalars(select(Service).options(*LOAD_OPTIONS))
    urls = [url_for("public.home", _external=True)] + [
        url_for("public.listing", service_id=s.id, _external=True) for s in services if is_public(s)
    ]
    body = render_template("public/sitemap.xml", urls=urls)
    return Response(body, mimetype="application/xml")
