"""Reading the search page's query string into validated filters, with a plain message for each bad value."""

import re
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from app.taxonomies import OutwardCode, outward_codes, taxonomy
from search.filters import SearchFilters

MAX_QUERY_LENGTH = 200
WHOLE_NUMBER = re.compile(r"[0-9]{1,4}")  # ASCII digits only: str.isdigit() accepts '²', which int() refuses
MAX_PAGE = 1000
# query parameter → (SearchFilters field, taxonomy)
MULTI_FILTERS = {
    "cost": ("cost", "cost"),
    "category": ("categories", "categories"),
    "audience": ("audiences", "audiences"),
    "area": ("areas", "areas"),
    "referral": ("referral", "referral"),
    "access": ("access", "access"),
    "accessibility": ("accessibility", "accessibility"),
}
WHEN_CHOICES = {"evening": "Open evenings (after 6pm)", "weekend": "Open at weekends"}
SORT_NEAREST = "nearest"


@dataclass
class SearchRequest:
    text: str = ""
    filters: SearchFilters = field(default_factory=SearchFilters)
    page: int = 1
    postcode: str = ""
    exact: bool = False  # search the words as typed: the person chose "search instead for …"
    nearest: bool = False  # near a postcode, nearest first rather than best match first
    errors: dict[str, str] = field(default_factory=dict)  # parameter → plain message


def _outward(postcode: str) -> OutwardCode | None:
    compact = postcode.strip().upper().replace(" ", "")
    codes = outward_codes()
    # The outward code is everything but the last three characters of a full postcode.
    for candidate in (compact, compact[:-3] if len(compact) > 4 else ""):
        if candidate in codes:
            return codes[candidate]
    return None


def parse_search_args(args: MultiDict[str, str]) -> SearchRequest:
    request = SearchRequest(text=" ".join(args.get("q", "").split())[:MAX_QUERY_LENGTH])
    values: dict[str, object] = {}
    age_text = args.get("age", "").strip()
    if age_text:
        if WHOLE_NUMBER.fullmatch(age_text) and int(age_text) <= 120:
            values["age"] = int(age_text)
        else:
            request.errors["age"] = "Enter an age in whole years, like 17"
    for parameter, (field_name, taxonomy_name) in MULTI_FILTERS.items():
        chosen = [v for v in args.getlist(parameter) if v]
        known = taxonomy(taxonomy_name).slugs
        bad = [v for v in chosen if v not in known]
        if bad:
            request.errors[parameter] = f"We do not know the {parameter} '{bad[0][:40]}'; choose from the list"
        values[field_name] = tuple(dict.fromkeys(v for v in chosen if v in known))
    when = [v for v in args.getlist("when") if v]
    if any(v not in WHEN_CHOICES for v in when):
        request.errors["when"] = "Choose evenings or weekends"
    values["when"] = tuple(dict.fromkeys(v for v in when if v in WHEN_CHOICES))
    request.postcode = args.get("postcode", "").strip()[:10]
    if request.postcode:
        near = _outward(request.postcode)
        if near is None:
            request.errors["postcode"] = (
                f"We can't place the postcode '{request.postcode}'. Try a Bath and North East Somerset "
                "postcode, like BA1 1AA or BS31 1AA, or leave it out"
            )
        values["near"] = near
    request.exact = args.get("exact", "") == "1"
    request.nearest = args.get("sort", "") == SORT_NEAREST and bool(request.postcode)
    page_text = args.get("page", "1").strip()
    if WHOLE_NUMBER.fullmatch(page_text) and 1 <= int(page_text) <= MAX_PAGE:
        request.page = int(page_text)
    elif page_text:
        request.errors["page"] = "That page does not exist; showing the first page"
    request.filters = SearchFilters(**values)  # type: ignore[arg-type]
    return request
