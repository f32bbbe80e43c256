"""Search benchmark (a script, not a test: pytest collects only ``test_*.py``).

    .venv/bin/python tests/perf/bench_search.py --listings 10000 --queries 500

Builds a synthetic directory of N published listings in a temporary SQLite database through the app
(migrations, ``ListingData.apply_to``, one commit per 1000 rows), times ``search reindex``, then runs a
fixed-seed mix of different lay searches (1 to 3 words, some with filters) and prints latency percentiles:

- the search layer: ``search.service.search`` (what every page and the API call), first on each search and
  then on the same searches again (the layer caches per index state, so repeats show the cached cost);
- the public page: ``GET /search?…`` through the Flask test client (parsing, search, loading the listings
  from the database, rendering), on other searches of the same kind, so it never meets a cached answer;
- SQLite FTS5 over the same name, summary and description text in the same process
  (``… MATCH ? ORDER BY bm25(…) LIMIT 20``), as a floor for what plain full-text search costs. FTS5 gets
  the text only: no synonyms, filters, facets, spelling or visibility rules.
"""

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import select  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from app import create_app  # noqa: E402
from app.directory.listing_data import CostOptionData, ListingData, LocationData  # noqa: E402
from app.directory.models import Organisation, OrganisationStatus, Service, ServiceStatus  # noqa: E402
from app.extensions import db  # noqa: E402
from app.taxonomies import cluster_codes, taxonomy  # noqa: E402

# --- a vocabulary for believable listings ---------------------------------------------------------------

TOWNS = ["Bath", "Keynsham", "Saltford", "Midsomer Norton", "Radstock", "Paulton", "Peasedown St John",
         "Timsbury", "Chew Magna", "Whitchurch", "Larkhall", "Twerton", "Odd Down", "Combe Down", "Weston",
         "Southdown", "Bathwick", "Widcombe", "Clutton", "Temple Cloud", "Pensford", "Farmborough"]
TOWN_AREAS = {"Bath": "bath", "Larkhall": "bath", "Twerton": "bath", "Odd Down": "bath", "Combe Down": "bath",
              "Weston": "bath", "Southdown": "bath", "Bathwick": "bath", "Widcombe": "bath",
              "Keynsham": "keynsham", "Saltford": "saltford", "Midsomer Norton": "midsomer-norton",
              "Radstock": "radstock", "Paulton": "paulton", "Peasedown St John": "peasedown-st-john",
              "Timsbury": "timsbury", "Chew Magna": "chew-valley", "Whitchurch": "whitchurch",
              "Clutton": "paulton", "Temple Cloud": "paulton", "Pensford": "chew-valley",
              "Farmborough": "timsbury"}
POSTCODES = {"bath": ["BA1 1AA", "BA1 3AB", "BA2 4LF", "BA2 2RL"], "keynsham": ["BS31 1AA", "BS31 2BX"],
             "saltford": ["BS31 3EL"], "midsomer-norton": ["BA3 2HQ", "BA3 2DJ"], "radstock": ["BA3 3AA"],
             "paulton": ["BS39 7LP"], "peasedown-st-john": ["BA2 8DG"], "timsbury": ["BA2 0JN"],
             "chew-valley": ["BS40 8SN"], "whitchurch": ["BS14 0QA"]}
TOPICS = {
    "mental-health": ["counselling", "talking therapy", "anxiety", "depression", "low mood", "wellbeing",
                      "peer support", "CBT", "recovery", "stress", "panic", "self-harm", "crisis"],
    "wellbeing": ["mindfulness", "relaxation", "wellbeing", "confidence", "resilience", "yoga", "loneliness"],
    "physical-health": ["exercise", "walking", "healthy eating", "diabetes", "heart health", "falls prevention",
                        "cancer support", "stroke", "weight management"],
    "drugs-alcohol": ["alcohol", "drugs", "addiction", "recovery", "harm reduction", "drinking", "cannabis"],
    "housing": ["housing", "homelessness", "tenancy", "rent arrears", "accommodation", "rough sleeping"],
    "money": ["debt", "benefits", "money advice", "budgeting", "energy bills", "food bank", "grants"],
    "work-learning": ["employment", "jobs", "training", "volunteering", "skills", "CV", "interview", "courses"],
    "carers": ["carers", "respite", "caring", "carer's assessment", "breaks", "young carers"],
    "families": ["parenting", "families", "children", "toddlers", "perinatal", "new parents", "play"],
    "older-people": ["older people", "dementia", "memory", "befriending", "lunch club", "later life"],
    "advice-advocacy": ["advocacy", "advice", "rights", "complaints", "legal", "representation"],
    "disability-sensory": ["disability", "sight loss", "deaf", "hearing loss", "autism", "learning disability"],
    "arts-leisure": ["art", "music", "singing", "crafts", "gardening", "photography", "drama", "choir"],
    "practical-help": ["transport", "shopping", "home repairs", "meals", "handyperson", "equipment"],
    "community-groups": ["community", "friendship", "social group", "coffee morning", "drop-in", "men's shed"],
    "urgent-help": ["urgent", "crisis line", "emergency", "out of hours", "suicide prevention", "helpline"],
}
FORMATS = ["Drop-in", "Support Group", "Service", "Helpline", "Café", "Club", "Project", "Clinic", "Course",
           "Network", "Hub", "Circle", "Workshop", "Outreach", "Advice Line", "Befriending Scheme"]
PEOPLE = {"young-people": "young people aged 16 to 25", "older-people": "older people", "carers": "unpaid carers",
          "parents": "parents and carers of children", "pregnancy": "expectant and new parents",
          "veterans": "veterans and their families", "lgbtq": "LGBTQ+ people",
          "ethnic-minorities": "people from Black, Asian and minority ethnic communities",
          "deaf": "Deaf people and BSL users", "learning-disability": "adults with a learning disability",
          "homeless": "people who are homeless or at risk", "students": "students", "women": "women",
          "men": "men"}
SENTENCES = [
    "We offer {topic} for {people} in and around {town}.",
    "Sessions cover {topic} and {topic2}, in a friendly and confidential setting.",
    "You can talk to a trained volunteer about {topic2} without judgement.",
    "Our team helps with {topic}, {topic2} and anything else that feels too much.",
    "Come along to meet others, share experiences of {topic} and learn practical ways to cope.",
    "We can visit you at home if getting out is hard, and we work closely with GP surgeries in {town}.",
    "Refreshments are provided and there is step-free access to the building.",
    "Many people come to us about {topic} after a change in their lives such as bereavement or illness.",
    "We also signpost to other local services for {topic2}.",
    "Interpreters can be arranged, and information is available in easy read.",
]
OPENING_HOURS = ["Mon-Fri 09:00-17:00", "Tue 10:00-12:00", "Wed 18:00-20:00", "Sat 10:00-13:00",
                 "Mon,Thu 13:30-15:30", "1st Mon 19:00-21:00", "Fortnightly Fri 10:00-12:00", "24/7",
                 "Mon-Fri 09:00-17:00; Thu 17:30-19:30", "Sun 14:00-16:00", "last Wed 10:00-12:00",
                 "Mon-Sat 08:00-20:00"]
# Lay queries: words people type, misspellings included (they exercise the "did you mean" path).
LAY_WORDS = ["counselling", "debt", "carers", "housing", "alcohol", "drink", "dementia", "lonely", "anxiety",
             "low mood", "pregnant", "walking", "benefits", "food bank", "autism", "deaf", "veterans",
             "young people", "bereavement", "stress", "job", "art", "singing", "memory", "transport",
             "homeless", "parenting", "crisis", "befriending", "advice", "money", "gardening", "ptsd", "gp",
             "housng", "councelling", "dementa", "exercise", "coffee morning", "men's shed", "volunteering",
             "Bath", "Keynsham", "Radstock", "Midsomer Norton", "evening", "weekend", "free", "group"]


def synthetic_listing(rng: random.Random, number: int, organisations: list[str], today: date) -> ListingData:
    categories = rng.sample(list(TOPICS), k=rng.choice([1, 1, 2, 2, 3]))
    topics = [t for c in categories for t in TOPICS[c]]
    topic, topic2 = rng.choice(topics), rng.choice(topics)
    town = rng.choice(TOWNS)
    area = TOWN_AREAS[town]
    audiences = rng.sample(taxonomy("audiences").slugs, k=rng.choice([0, 0, 0, 1, 1, 2]))
    people = " and ".join(PEOPLE[a] for a in audiences) or rng.choice(["adults", "anyone", "local residents"])
    fill = {"topic": topic, "topic2": topic2, "town": town, "people": people}
    description = "\n\n".join(s.format(**fill) for s in rng.sample(SENTENCES, k=rng.randint(3, 6)))
    kind = rng.choices(["service", "group", "activity", "event"], weights=[50, 25, 18, 7])[0]
    min_age, max_age = rng.choice([(None, None), (None, None), (18, None), (16, 25), (11, 18), (50, None),
                                   (65, None), (None, 17), (16, None)])
    cost = rng.choices(taxonomy("cost").slugs, weights=[70, 10, 12, 8])[0]
    options = [] if cost == "free" else [CostOptionData("Per session", f"{rng.choice([2, 3, 5, 10, 40])}.00",
                                                        "session")]
    if cost == "donation":
        options = []
    clusters = rng.sample(sorted(cluster_codes()), k=rng.choice([0, 0, 1, 2, 3]))
    split = rng.randint(0, len(clusters))
    areas = [area, *rng.sample(["bnes-wide", "national", "somerset", "bristol"], k=rng.choice([0, 0, 0, 1]))]
    return ListingData(
        organisation=rng.choice(organisations),
        name=f"{town} {topic.title()} {rng.choice(FORMATS)} {number}",
        kind=kind,
        summary=f"{topic.capitalize()} and {topic2} for {people} in {town}.",
        description=description,
        categories=categories,
        audiences=audiences,
        clusters_main=clusters[:split],
        clusters_also=clusters[split:],
        all_clusters=rng.random() < 0.08,
        min_age=min_age,
        max_age=max_age,
        cost=cost,
        cost_options=options,
        referral=rng.sample(taxonomy("referral").slugs, k=rng.choice([1, 1, 2])),
        access=rng.sample(taxonomy("access").slugs, k=rng.choice([1, 1, 2, 3])),
        accessibility=rng.sample(taxonomy("accessibility").slugs, k=rng.choice([0, 1, 2, 3])),
        areas=sorted(set(areas)),
        locations=[LocationData(f"{rng.randint(1, 120)} High Street, {town}", rng.choice(POSTCODES[area]))]
        if rng.random() < 0.85 else [],
        phone=f"01225 {rng.randint(100000, 999999)}",
        opening_hours="10:00-15:00" if kind == "event" else rng.choice(OPENING_HOURS),
        event_date=today + timedelta(days=rng.randint(1, 200)) if kind == "event" else None,
        assured_at=today - timedelta(days=rng.randint(0, 150)),
    )


def build_directory(app, listings: int, seed: int) -> float:
    """Insert ``listings`` published listings; returns the seconds taken."""
    rng = random.Random(seed)
    started = time.perf_counter()
    with app.app_context():
        names = [f"{rng.choice(TOWNS)} {rng.choice(['Wellbeing', 'Community', 'Care', 'Support', 'Health'])} "
                 f"{rng.choice(['Trust', 'Network', 'Partnership', 'Project', 'Foundation'])} {i}"
                 for i in range(max(20, listings // 30))]
        organisations = {}
        for name in names:
            organisations[name] = Organisation(name=name, status=OrganisationStatus.APPROVED)
            db.session.add(organisations[name])
        db.session.commit()
        today = date.today()
        for number in range(1, listings + 1):
            data = synthetic_listing(rng, number, names, today)
            service = Service(organisation=organisations[data.organisation], status=ServiceStatus.PUBLISHED)
            data.apply_to(service)
            db.session.add(service)
            if number % 1000 == 0:
                db.session.commit()
        db.session.commit()
    return time.perf_counter() - started


def query_mix(count: int, seed: int) -> list[dict[str, object]]:
    """``count`` different searches (no two alike, so no run is timed against a cached repeat of itself)."""
    rng = random.Random(seed + 1)
    mix: list[dict[str, object]] = []
    seen: set[tuple[tuple[str, object], ...]] = set()
    while len(mix) < count:
        words = " ".join(rng.sample(LAY_WORDS, k=rng.choices([1, 2, 3], weights=[55, 35, 10])[0]))
        params: dict[str, object] = {"q": words}
        if rng.random() < 0.45:
            for name in rng.sample(["age", "cost", "category", "area", "when", "postcode"], k=rng.choice([1, 1, 2])):
                params[name] = {
                    "age": lambda: str(rng.randint(5, 90)),
                    "cost": lambda: "free",
                    "category": lambda: rng.choice(taxonomy("categories").slugs),
                    "area": lambda: rng.choice(taxonomy("areas").slugs),
                    "when": lambda: rng.choice(["evening", "weekend"]),
                    "postcode": lambda: rng.choice(["BA1 1AA", "BA3 3AA", "BS31 1AA", "BA2 4LF"]),
                }[name]()
        key = tuple(sorted(params.items()))
        if key not in seen:
            seen.add(key)
            mix.append(params)
    return mix


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": statistics.median(samples), "p95": cuts[94], "p99": cuts[98], "mean": statistics.fmean(samples)}


def fts5_table(app) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE listing USING fts5(name, summary, description, "
                       "tokenize='porter unicode61 remove_diacritics 2')")
    with app.app_context():
        rows = db.session.execute(select(Service.id, Service.name, Service.summary, Service.description)
                                  .where(Service.status == ServiceStatus.PUBLISHED)).all()
    connection.executemany("INSERT INTO listing(rowid, name, summary, description) VALUES (?, ?, ?, ?)", rows)
    connection.commit()
    return connection


def fts5_search(connection: sqlite3.Connection, text: str) -> list[int]:
    """Every word (quoted, so no syntax), falling back to any word, best 20 by BM25 with the same weights."""
    from search.analysis import words

    terms = [f'"{word}"' for word in words(text)]
    if not terms:
        return []
    sql = "SELECT rowid FROM listing WHERE listing MATCH ? ORDER BY bm25(listing, 4.0, 2.5, 1.0) LIMIT 20"
    ids = [row[0] for row in connection.execute(sql, (" AND ".join(terms),))]
    if not ids and len(terms) > 1:
        ids = [row[0] for row in connection.execute(sql, (" OR ".join(terms),))]
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="wellaware-bench-"))
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SERVER_NAME": "wellaware.test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'wellaware.sqlite'}",
        "INDEX_DIR": str(workdir / "index"), "MAIL_FOLDER": str(workdir / "mail"),
        # A benchmark searches far faster than any person: no rate limit.
        "RATELIMIT_ENABLED": False, "SEARCH_RATE_LIMIT": "1000000 per minute",
    })
    try:
        runner = app.test_cli_runner()
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        insert_seconds = build_directory(app, args.listings, args.seed)
        started = time.perf_counter()
        result = runner.invoke(args=["search", "reindex"])
        index_seconds = time.perf_counter() - started
        assert result.exit_code == 0, result.output
        index_mb = sum(f.stat().st_size for f in (workdir / "index").iterdir()) / 1e6
        print(f"{args.listings} listings inserted in {insert_seconds:.1f} s; {result.output.strip()}")
        print(f"Full index build (`search reindex`): {index_seconds:.2f} s, {index_mb:.1f} MB on disk")

        searches = query_mix(2 * args.queries, args.seed)
        timings = run_all(app, searches[0::2], searches[1::2])
    finally:
        from search.sync import search_index

        with app.app_context():
            db.engine.dispose()
        search_index(app).close()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report(args, timings, index_seconds, insert_seconds)


LAYER, REPEAT, HTTP, FTS5 = ("search layer", "search layer, same queries again", "HTTP /search page",
                              "SQLite FTS5 (text only)")


def run_all(app, mix: list[dict[str, object]], http_mix: list[dict[str, object]]) -> dict[str, list[float]]:
    """Time ``mix`` through the search layer (twice: first sight, then repeated) and FTS5, and ``http_mix``
    (different searches of the same kind) through the page, so the page never meets a search the layer has
    already answered and cached."""
    from app.directory.visibility import freshness_cutoff
    from app.public.search_form import parse_search_args
    from app.timeutil import today
    from search.service import search
    from search.sync import search_index

    timings: dict[str, list[float]] = {LAYER: [], REPEAT: [], HTTP: [], FTS5: []}
    totals = []
    with app.test_request_context():
        index = search_index()
        day = today()
        cutoff = freshness_cutoff(day)
        index.searcher()  # open the index before timing
        requests = [parse_search_args(MultiDict(params)) for params in mix]
        for name in (LAYER, REPEAT):
            for request in requests:
                started = time.perf_counter()
                results = search(index, request.text, request.filters, today=day, freshness_cutoff=cutoff,
                                 page=1, per_page=20)
                timings[name].append((time.perf_counter() - started) * 1000)
                if name == LAYER:
                    totals.append(results.total)

    client = app.test_client()
    for params in http_mix:
        started = time.perf_counter()
        response = client.get("/search", query_string=params)
        timings[HTTP].append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (params, response.status_code)

    connection = fts5_table(app)
    for params in mix[:20]:  # warm SQLite's page cache
        fts5_search(connection, str(params["q"]))
    for params in mix:
        started = time.perf_counter()
        fts5_search(connection, str(params["q"]))
        timings[FTS5].append((time.perf_counter() - started) * 1000)
    connection.close()
    print(f"{len(mix)} different searches ({sum(1 for p in mix if len(p) > 1)} with filters) through the layer "
          f"and FTS5, {len(http_mix)} others through the page; median results per search "
          f"{statistics.median(totals):.0f}, none for {sum(1 for t in totals if not t)}")
    return timings


def report(args, timings: dict[str, list[float]], index_seconds: float, insert_seconds: float) -> None:
    stats = {name: percentiles(samples) for name, samples in timings.items()}
    print()
    for name, values in stats.items():
        print(f"{name:34} p50 {values['p50']:8.2f} ms   p95 {values['p95']:8.2f} ms   p99 {values['p99']:8.2f} ms")
    ratio = stats[LAYER]["p95"] / stats[FTS5]["p95"]
    print(f"search-layer p95 / FTS5 p95 = {ratio:.1f}")
    print()
    print(f"**{args.listings} listings, {args.queries} queries** (index build {index_seconds:.2f} s, "
          f"insert {insert_seconds:.1f} s)")
    print()
    print("| path | p50 ms | p95 ms | p99 ms | mean ms |")
    print("|---|---:|---:|---:|---:|")
    for name, values in stats.items():
        print(f"| {name} | {values['p50']:.2f} | {values['p95']:.2f} | {values['p99']:.2f} | {values['mean']:.2f} |")
    print(f"| **ratio** search-layer p95 / FTS5 p95 | | {ratio:.1f}× | | |")


if __name__ == "__main__":
    main()
