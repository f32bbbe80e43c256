"""Measuring search quality against hand-judged queries (``data/demo/judged-queries.csv``): for each query
as people type it, the demo listings that would truly help. Each query runs through the public page's
own parsing and search, so the figures are what people get.

- success@3: a helpful listing is among the first three;
- MRR@10: the mean of 1 / the rank of the first helpful listing (0 when none is in the first ten);
- zero-result: the share of queries with an answer in the directory that found nothing;
- crisis-first: of queries from someone at risk, the share where the urgent-help panel came before the
  results, nothing was "corrected", and the first result was urgent help that the judges chose.
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.config import PROJECT_ROOT
from app.directory.models import Service
from app.extensions import db
from app.public.search_form import parse_search_args
from app.search_runner import run_search

JUDGEMENTS = PROJECT_ROOT / "data" / "demo" / "judged-queries.csv"
DEPTH = 10


@dataclass(frozen=True)
class Judgement:
    kind: str
    query: str
    extra: str  # further search parameters, as a query string
    relevant: tuple[str, ...]  # external ids
    crisis: bool


@dataclass(frozen=True)
class Outcome:
    judgement: Judgement
    ranked: tuple[str, ...]  # the first results' external ids
    total: int
    crisis_first: bool

    @property
    def answerable(self) -> bool:
        return bool(self.judgement.relevant)

    @property
    def first_helpful_rank(self) -> int | None:
        return next((rank for rank, found in enumerate(self.ranked, start=1) if found in self.judgement.relevant),
                    None)

    @property
    def success_at_3(self) -> bool:
        rank = self.first_helpful_rank
        return rank is not None and rank <= 3

    @property
    def reciprocal_rank(self) -> float:
        rank = self.first_helpful_rank
        return 1 / rank if rank is not None else 0.0


@dataclass
class Figures:
    queries: int = 0
    answerable: int = 0
    successes: int = 0
    reciprocal_ranks: float = 0.0
    zero_results: int = 0
    crisis: int = 0
    crisis_first: int = 0
    failures: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.queries += 1
        if outcome.answerable:
            self.answerable += 1
            self.successes += outcome.success_at_3
            self.reciprocal_ranks += outcome.reciprocal_rank
            self.zero_results += outcome.total == 0
            if not outcome.success_at_3:
                self.failures.append(outcome)
        if outcome.judgement.crisis:
            self.crisis += 1
            self.crisis_first += outcome.crisis_first
            if not outcome.crisis_first and outcome not in self.failures:
                self.failures.append(outcome)

    @property
    def success_rate(self) -> float | None:
        return self.successes / self.answerable if self.answerable else None

    @property
    def mrr(self) -> float | None:
        return self.reciprocal_ranks / self.answerable if self.answerable else None

    @property
    def zero_result_rate(self) -> float | None:
        return self.zero_results / self.answerable if self.answerable else None

    @property
    def crisis_first_rate(self) -> float | None:
        return self.crisis_first / self.crisis if self.crisis else None


def load_judgements(path: Path = JUDGEMENTS) -> list[Judgement]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [Judgement(kind=row["kind"], query=row["query"], extra=row["extra"] or "",
                          relevant=tuple(i for i in (row["relevant"] or "").split(";") if i),
                          crisis=(row["crisis"] or "").strip().lower() == "yes")
                for row in csv.DictReader(handle)]


def _external_ids() -> dict[int, str]:
    return {service_id: external for service_id, external in
            db.session.execute(select(Service.id, Service.external_id).where(Service.external_id.is_not(None)))}


def _urgent_ids() -> set[int]:
    return {service.id for service in db.session.scalars(select(Service)) if "urgent-help" in service.categories}


def run_judgement(judgement: Judgement, external_ids: dict[int, str], urgent: set[int]) -> Outcome:
    args = MultiDict([("q", judgement.query), *parse_qsl(judgement.extra)])
    search_request = parse_search_args(args)
    results = run_search(search_request.text, search_request.filters, page=1, per_page=DEPTH)
    ranked = tuple(external_ids.get(i, str(i)) for i in results.ids)
    crisis_first = (results.crisis is not None and not results.searched_text and not results.suggestion
                    and bool(results.ids) and results.ids[0] in urgent and ranked[0] in judgement.relevant)
    return Outcome(judgement, ranked, results.total, crisis_first)


def evaluate(judgements: Iterable[Judgement]) -> tuple[Figures, dict[str, Figures]]:
    """The figures overall and for each kind of query. Needs an app context over the demo directory."""
    external_ids, urgent = _external_ids(), _urgent_ids()
    overall, by_kind = Figures(), {}
    for judgement in judgements:
        outcome = run_judgement(judgement, external_ids, urgent)
        overall.add(outcome)
        by_kind.setdefault(judgement.kind, Figures()).add(outcome)
    return overall, by_kind


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _decimal(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def report_lines(overall: Figures, by_kind: dict[str, Figures]) -> list[str]:
    """A Markdown table by kind, then the one-line summary."""
    lines = ["| kind | queries | success@3 | MRR@10 | zero-result | crisis-first |",
             "|---|---:|---:|---:|---:|---:|"]
    for kind, figures in [*sorted(by_kind.items()), ("all", overall)]:
        name = f"**{kind}**" if kind == "all" else kind
        lines.append(f"| {name} | {figures.queries} | {_percent(figures.success_rate)} | {_decimal(figures.mrr)} | "
                     f"{_percent(figures.zero_result_rate)} | {_percent(figures.crisis_first_rate)} |")
    lines.append("")
    lines.append(f"search quality: success@3 {_percent(overall.success_rate)} · MRR {_decimal(overall.mrr)} · "
                 f"zero-result {_percent(overall.zero_result_rate)} · "
                 f"crisis-first {_percent(overall.crisis_first_rate)}")
    return lines


def failure_lines(overall: Figures) -> list[str]:
    names = {external: name for external, name in db.session.execute(select(Service.external_id, Service.name))}
    lines = []
    for outcome in overall.failures:
        judgement = outcome.judgement
        shown = "; ".join(f"{found} {names.get(found, '')[:40]}" for found in outcome.ranked[:3]) or "nothing"
        lines.append(f"[{judgement.kind}] {judgement.query!r} {judgement.extra} → {outcome.total} results: {shown}"
                     f" (wanted {', '.join(judgement.relevant[:4]) or 'no crash'}"
                     f"{', crisis first' if judgement.crisis else ''})")
    return lines
