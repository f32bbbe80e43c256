"""The usage figures an administrator sees: daily totals, and which listings and categories were most used."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from app.directory.models import Service
from app.extensions import db
from app.taxonomies import taxonomy
from app.timeutil import today
from app.usage.models import UsageCount
from app.usage.tally import Metric

DAILY_METRICS = (Metric.SEARCH, Metric.SEARCH_WITHOUT_RESULTS, Metric.REFERRER_SEARCH, Metric.API_SEARCH,
                 Metric.LISTING_VIEW)


@dataclass
class UsageReport:
    since: date
    days: list[tuple[date, dict[str, int]]]  # newest first; metric → count
    totals: dict[str, int]
    top_listings: list[tuple[Service, int]]
    top_categories: list[tuple[str, int]]  # category label → searches filtered by it


def usage_report(days: int = 30, top: int = 20) -> UsageReport:
    since = today() - timedelta(days=days - 1)
    in_range = UsageCount.day >= since
    daily = db.session.execute(
        select(UsageCount.day, UsageCount.metric, func.sum(UsageCount.count))
        .where(in_range).group_by(UsageCount.day, UsageCount.metric)).all()
    by_day: dict[date, dict[str, int]] = {}
    totals = dict.fromkeys((metric.value for metric in DAILY_METRICS), 0)
    for day, metric, number in daily:
        by_day.setdefault(day, {})[metric] = number
        if metric in totals:
            totals[metric] += number
    return UsageReport(since, sorted(by_day.items(), reverse=True), totals,
                       _top_listings(in_range, top), _top_categories(in_range, top))


def _top(metric: Metric, in_range, top: int) -> list[tuple[str, int]]:
    total = func.sum(UsageCount.count).label("total")
    return [(subject, number) for subject, number in db.session.execute(
        select(UsageCount.subject, total).where(in_range, UsageCount.metric == metric.value)
        .group_by(UsageCount.subject).order_by(total.desc(), UsageCount.subject).limit(top))]


def _top_listings(in_range, top: int) -> list[tuple[Service, int]]:
    rows = [(int(subject), number) for subject, number in _top(Metric.LISTING_VIEW, in_range, top)]
    services = {s.id: s for s in db.session.scalars(select(Service).where(Service.id.in_([i for i, _ in rows])))}
    return [(services[service_id], number) for service_id, number in rows if service_id in services]


def _top_categories(in_range, top: int) -> list[tuple[str, int]]:
    categories = taxonomy("categories")
    return [(categories.label(slug), number) for slug, number in _top(Metric.SEARCH_CATEGORY, in_range, top)]
