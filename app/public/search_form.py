"""Reading the search page's query string into validated filters, with a plain message for each bad value."""

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from app.geography.placing import Placing, Precision, place_postcode
from app.taxonomies import taxonomy
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
# query parameter → what one of its values is called, and many of them, in a message about a value we do not know
VALUE_NAMES = {
    "cost": ("a cost", "costs"),
    "category": ("a kind of help", "kinds of help"),
    "audience": ("a group of people", "groups of people"),
    "area": ("an area", "areas"),
    "referral": ("a way to get in", "ways to get in"),
    "access": ("a way of delivering help", "ways of delivering help"),
    "accessibility": ("an accessibility feature", "accessibility features"),
    "when": ("an opening time", "opening times"),
}
NAMED_AT_MOST = 3  # unknown values named in one message; the rest are counted
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
    # Why the page shown is not the one asked for (an old or edited link): said beside the count of results,
    # not as an error, since there is nothing for the person to correct.
    page_note: str = ""
    # The (parameter, value) pairs of the query string left out for an error: links from the page drop them.
    rejected: set[tuple[str, str]] = field(default_factory=set)
    # Why a postcode gives an area rather than distances (a border district whose centre we do not know).
    postcode_note: str = ""


def area_only_note(placing: Placing) -> str:
    """What the page says when a postcode's district is placed only by its area: never a distance."""
    return (f"We can't measure distances from {placing.district} yet, so these are services for "
            f"{taxonomy('areas').label(placing.area)}")


def _unknown_values_message(parameter: str, unknown: list[str], *, others_chosen: bool) -> str:
    """Which values were left out, and what is shown instead: all values, or the others chosen."""
    one, many = VALUE_NAMES[parameter]
    named = [f"‘{value[:40]}’" for value in unknown[:NAMED_AT_MOST]]
    if len(unknown) > NAMED_AT_MOST:
        listed = f"{', '.join(named)} and {len(unknown) - NAMED_AT_MOST} more"
    elif len(named) > 1:
        listed = f"{', '.join(named[:-1])} and {named[-1]}"
    else:
        listed = named[0]
    what = f"is not {one}" if len(unknown) == 1 else f"are not {many}"
    shown = f"the other {many} you chose" if others_chosen else f"all {many}"
    return f"{listed} {what} we know; showing {shown}"


def _choices(request: SearchRequest, args: MultiDict[str, str], parameter: str,
             known: Collection[str]) -> tuple[str, ...]:
    """The values of a filter we know, once each; any others make an error and are rejected."""
    chosen = [v for v in args.getlist(parameter) if v]
    unknown = list(dict.fromkeys(v for v in chosen if v not in known))
    kept = tuple(dict.fromkeys(v for v in chosen if v in known))
    if unknown:
        request.errors[parameter] = _unknown_values_message(parameter, unknown, others_chosen=bool(kept))
        request.rejected.update((parameter, v) for v in unknown)
    return kept


def parse_search_args(args: MultiDict[str, str]) -> SearchRequest:
    request = SearchRequest(text=" ".join(args.get("q", "").split())[:MAX_QUERY_LENGTH])
    values: dict[str, object] = {}
    age_text = args.get("age", "").strip()
    if age_text:
        if WHOLE_NUMBER.fullmatch(age_text) and int(age_text) <= 120:
            values["age"] = int(age_text)
        else:
            request.errors["age"] = "Enter an age in whole years, like 17"
            request.rejected.add(("age", args.get("age", "")))
    for parameter, (field_name, taxonomy_name) in MULTI_FILTERS.items():
        values[field_name] = _choices(request, args, parameter, taxonomy(taxonomy_name).slugs)
    values["when"] = _choices(request, args, "when", WHEN_CHOICES)
    request.postcode = args.get("postcode", "").strip()[:10]
    if request.postcode:
        placing = place_postcode(request.postcode)
        if placing.precision is Precision.AREA:
            # Its area, as the area filter would choose it, with a note saying why there are no distances.
            values["areas"] = tuple(dict.fromkeys((*values["areas"], placing.area)))  # type: ignore[misc]
            request.postcode_note = area_only_note(placing)
        elif placing.centre is None:
            request.errors["postcode"] = (
                f"We can't place the postcode '{request.postcode}'. Try a Bath and North East Somerset "
                "postcode, like BA1 1AA or BS31 1AA, or leave it out"
            )
            request.rejected.add(("postcode", args.get("postcode", "")))
        values["near"] = placing.centre
    request.exact = args.get("exact", "") == "1"
    request.nearest = args.get("sort", "") == SORT_NEAREST and values.get("near") is not None
    page_text = args.get("page", "1").strip()
    if WHOLE_NUMBER.fullmatch(page_text) and 1 <= int(page_text) <= MAX_PAGE:
        request.page = int(page_text)
    elif page_text:
        request.page_note = "That page does not exist; showing the first page"
    request.filters = SearchFilters(**values)  # type: ignore[arg-type]
    return request
