"""A synthetic directory and the search mixes the benchmarks time (see benchmark.py).

Listings are made from a vocabulary of believable services (topics, towns, people, opening hours) with the
tag mix of the demo; queries are the words people type, misspellings included, some with filters.
"""

import random
import sqlite3
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import select  # noqa: E402

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


def zipf_mix(mix: list[dict[str, object]], count: int, seed: int, exponent: float = 1.1) -> list[dict[str, object]]:
    """``count`` searches drawn from ``mix`` with Zipf-distributed popularity: a few searches are made
    again and again, most only now and then, as on a real directory."""
    rng = random.Random(seed + 2)
    weights = [1 / (rank ** exponent) for rank in range(1, len(mix) + 1)]
    return rng.choices(mix, weights=weights, k=count)


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": statistics.median(samples), "p95": cuts[94], "p99": cuts[98], "mean": statistics.fmean(samples)}


def fts5_table(app) -> sqlite3.Connection:
    """The same listings in SQLite FTS5 over the same four text fields as the index, with their filter facts
    in a table beside it, so FTS5 filters as the search layer does."""
    from search.documents import document

    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE listing USING fts5(name, summary, keywords, description, "
                       "tokenize='porter unicode61 remove_diacritics 2')")
    connection.execute("CREATE TABLE facts (id INTEGER PRIMARY KEY, min_age INT, max_age INT, cost TEXT, "
                       "categories TEXT, audiences TEXT, areas TEXT, evening INT, weekend INT, assured INT, "
                       "event_day INT)")
    with app.app_context():
        from search.sync import LOAD_OPTIONS

        services = db.session.scalars(select(Service).where(Service.status == ServiceStatus.PUBLISHED)
                                      .options(*LOAD_OPTIONS)).all()
        docs = [document(service) for service in services]
    connection.executemany("INSERT INTO listing(rowid, name, summary, keywords, description) VALUES (?, ?, ?, ?, ?)",
                           [(int(d["id"]), d["name"], d["summary"], d["keywords"], d["description"]) for d in docs])
    connection.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (int(d["id"]), d["min_age"], d["max_age"], d["cost"], f",{d['categories']},", f",{d['audiences']},",
         f",{d['areas']},", int(bool(d["evening"])), int(bool(d["weekend"])), d["assured"], d["event_day"])
        for d in docs])
    connection.commit()
    return connection


def fts5_search(connection: sqlite3.Connection, text: str, filters=None, today: date | None = None,
                cutoff: date | None = None) -> list[int]:
    """Any of the words (quoted, so no syntax), best 20 by BM25 with the index's field weights, with the
    same filters in SQL: age, cost, category, area (a B&NES-wide or national listing serves every local
    area), evenings and weekends, freshness and event dates."""
    from search.analysis import words
    from search.filters import area_tags_matching

    terms = [f'"{word}"' for word in words(text)]
    where, values = [], []
    if terms:
        where.append("listing MATCH ?")
        values.append(" OR ".join(terms))
    if today is not None and cutoff is not None:
        where.append("f.assured >= ? AND (f.event_day = 0 OR f.event_day >= ?)")
        values += [cutoff.toordinal(), today.toordinal()]
    if filters is not None:
        if filters.age is not None:
            where.append("f.min_age <= ? AND f.max_age >= ?")
            values += [filters.age, filters.age]
        for column, chosen in (("cost", filters.cost), ("categories", filters.categories),
                               ("audiences", filters.audiences),
                               ("areas", tuple(sorted(area_tags_matching(filters.areas))) if filters.areas else ())):
            if chosen:
                test = "f.cost = ?" if column == "cost" else f"f.{column} LIKE ?"
                where.append("(" + " OR ".join([test] * len(chosen)) + ")")
                values += list(chosen) if column == "cost" else [f"%,{slug},%" for slug in chosen]
        where += [f"f.{when} = 1" for when in filters.when]
    order = "ORDER BY bm25(listing, 4.0, 2.5, 1.5, 1.0)" if terms else "ORDER BY l.name"
    sql = (f"SELECT l.rowid FROM listing l JOIN facts f ON f.id = l.rowid "
           f"{'WHERE ' + ' AND '.join(where) if where else ''} {order} LIMIT 20")
    return [row[0] for row in connection.execute(sql.replace("listing MATCH", "l.listing MATCH"), values)]
