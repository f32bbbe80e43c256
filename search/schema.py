"""The index schema. Bump ``SCHEMA_VERSION`` whenever it changes: an index of another version is rebuilt."""

from whoosh.fields import BOOLEAN, ID, KEYWORD, STORED, TEXT, Schema

from search.analysis import plain_analyzer, stemming_analyzer

SCHEMA_VERSION = 6

# Text fields a public query may reach, with their weights: name and summary count for more.
TEXT_FIELDS = {"name": 4.0, "summary": 2.5, "keywords": 1.5, "description": 1.0}
# Keyword fields that the validated filters use.
FILTER_FIELDS = ("categories", "audiences", "cost", "referral", "access", "accessibility", "areas", "kind")
NO_MAX_AGE = 999


def build_schema() -> Schema:
    stemmed = stemming_analyzer()
    fields = {name: TEXT(analyzer=stemmed) for name in TEXT_FIELDS}
    # Scorable only for speed: Whoosh looks for a field-length file for every posting of a field without one.
    fields |= {name: KEYWORD(commas=True, lowercase=False, scorable=True) for name in FILTER_FIELDS}
    return Schema(
        id=ID(stored=True, unique=True),
        fingerprint=STORED(),
        card=STORED(),  # what a results page shows of the listing (JSON), so it needs no database query
        spelling=TEXT(analyzer=plain_analyzer(), spelling=True),
        # Restricted fields: only the referrer query builder reads them.
        clusters_main=KEYWORD(commas=True, scorable=True),
        clusters_also=KEYWORD(commas=True, scorable=True),
        all_clusters=BOOLEAN(),
        # Numbers are stored, not indexed: the search layer filters on them from each segment's stored
        # numbers (search/segments.py), which saves the eight index terms Whoosh writes for each.
        min_age=STORED(),
        max_age=STORED(),
        evening=BOOLEAN(),
        weekend=BOOLEAN(),
        always_open=BOOLEAN(),  # open 24/7: first among crisis listings
        assured=STORED(),  # date ordinal of the last confirmation
        event_day=STORED(),  # date ordinal of a one-off event, 0 for everything else
        latitude=STORED(),
        longitude=STORED(),
        sort_name=ID(sortable=True),
        **fields,
    )
