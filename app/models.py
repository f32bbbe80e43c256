"""Every model, imported in one place so Alembic and the app see the whole schema."""

from app.accounts.models import AuditEvent, ReferrerStatus, SignInFailure, TrustedDomain, User, editor_membership
from app.directory.models import (
    ClusterFocus,
    CostOption,
    ListingChange,
    Location,
    OpeningTime,
    Organisation,
    OrganisationStatus,
    Revision,
    RevisionStatus,
    Service,
    ServiceCluster,
    ServiceStatus,
)
from app.freshness.models import ReminderSent, ReminderStage
from app.geography.models import Postcode
from app.hubs.models import Hub, HubSection, section_pick
from app.problems.models import ProblemReport, ProblemStatus
from app.ratelimits.models import RateLimitCounter
from app.shortlist.models import ShortlistNote
from app.usage.models import UsageCount
from app.vocabulary.models import SearchVocabulary

__all__ = [
    "AuditEvent",
    "ClusterFocus",
    "CostOption",
    "Hub",
    "HubSection",
    "ListingChange",
    "Location",
    "OpeningTime",
    "Organisation",
    "OrganisationStatus",
    "Postcode",
    "ProblemReport",
    "ProblemStatus",
    "RateLimitCounter",
    "ReferrerStatus",
    "ReminderSent",
    "ReminderStage",
    "Revision",
    "RevisionStatus",
    "SearchVocabulary",
    "Service",
    "ServiceCluster",
    "ServiceStatus",
    "ShortlistNote",
    "SignInFailure",
    "TrustedDomain",
    "UsageCount",
    "User",
    "editor_membership",
    "section_pick",
]
