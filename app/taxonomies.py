"""The fixed taxonomies of design §5, read from ``data/taxonomies/*.json``.

Slugs are a contract (imports, links and tests depend on them), so they live in data files rather than
in the database; names and descriptions are for people.
"""

import csv
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from app.config import PROJECT_ROOT

DEFAULT_DATA_DIR = PROJECT_ROOT / "data"

# Taxonomies a listing can carry as lists of slugs, in the order forms and filters show them.
LIST_TAXONOMIES = ("categories", "audiences", "referral", "access", "accessibility", "areas")


@dataclass(frozen=True)
class Term:
    slug: str
    name: str
    description: str = ""
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Taxonomy:
    name: str
    title: str
    terms: tuple[Term, ...]
    restricted: bool = False

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(term.slug for term in self.terms)

    def get(self, slug: str) -> Term | None:
        return next((term for term in self.terms if term.slug == slug), None)

    def label(self, slug: str) -> str:
        term = self.get(slug)
        return term.name if term else slug


@dataclass(frozen=True)
class Cluster:
    code: int
    name: str
    super_class: str
    super_class_name: str

    @property
    def label(self) -> str:
        return f"{self.code}: {self.name}"


@dataclass(frozen=True)
class OutwardCode:
    """A point distances are measured from: a postcode district's centre, or (from a loaded postcode
    directory, ``app.geography``) a full postcode's own point, whose ``place`` is then that postcode."""

    district: str
    place: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class District:
    """A row of ``data/outward-codes.csv``: a postcode district, the places it holds, the area it lies in
    (given for the border districts), and its centre where we know it (None: the honest answer for a
    district whose area we know but whose centre we do not)."""

    district: str
    place: str
    area: str
    centre: OutwardCode | None


def _read_taxonomy(path: Path) -> Taxonomy:
    raw = json.loads(path.read_text(encoding="utf-8"))
    terms = tuple(
        Term(
            slug=str(item["slug"]),
            name=item["name"],
            description=item.get("description", ""),
            extra={k: v for k, v in item.items() if k not in {"slug", "name", "description"}},
        )
        for item in raw["terms"]
    )
    return Taxonomy(raw["taxonomy"], raw["title"], terms, bool(raw.get("restricted", False)))


@cache
def taxonomies(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, Taxonomy]:
    """Every taxonomy by name, clusters included (callers that serve the public must not use it)."""
    folder = data_dir / "taxonomies"
    return {path.stem: _read_taxonomy(path) for path in sorted(folder.glob("*.json"))}


def taxonomy(name: str) -> Taxonomy:
    return taxonomies()[name]


@cache
def clusters(data_dir: Path = DEFAULT_DATA_DIR) -> tuple[Cluster, ...]:
    raw = json.loads((data_dir / "taxonomies" / "clusters.json").read_text(encoding="utf-8"))
    super_names = {item["slug"]: item["name"] for item in raw["super_classes"]}
    return tuple(
        Cluster(item["code"], item["name"], item["super_class"], super_names[item["super_class"]])
        for item in raw["terms"]
    )


def cluster_codes() -> frozenset[int]:
    return frozenset(cluster.code for cluster in clusters())


def cluster_super_classes() -> dict[str, list[Cluster]]:
    grouped: dict[str, list[Cluster]] = {}
    for cluster in clusters():
        grouped.setdefault(cluster.super_class, []).append(cluster)
    return grouped


def _district(row: dict[str, str]) -> District:
    centre = None
    if row["latitude"] and row["longitude"]:
        centre = OutwardCode(row["district"], row["place"], float(row["latitude"]), float(row["longitude"]))
    return District(row["district"], row["place"], row["area"], centre)


@cache
def districts(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, District]:
    """Every postcode district the site ships knowing, centre or not, by district ("BA11")."""
    with (data_dir / "outward-codes.csv").open(encoding="utf-8", newline="") as handle:
        return {row["district"]: _district(row) for row in csv.DictReader(handle)}


@cache
def outward_codes(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, OutwardCode]:
    """The centres of the districts whose centre we know, by district."""
    return {name: known.centre for name, known in districts(data_dir).items() if known.centre is not None}


def wide_areas() -> frozenset[str]:
    """Areas whose listings match every local area (``bnes-wide`` and ``national``)."""
    return frozenset(term.slug for term in taxonomy("areas").terms if term.extra.get("wide"))


@cache
def urgent_help(data_dir: Path = DEFAULT_DATA_DIR) -> list[dict[str, str]]:
    raw = json.loads((data_dir / "urgent-help.json").read_text(encoding="utf-8"))
    return raw["contacts"]
