"""SQLModel tables, one module per aggregate. Importing this package registers them all."""
from sqlmodel import SQLModel

# Stable constraint names so Alembic migrations agree on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

from planner.models.areas import (  # noqa: E402
    ClassificationMembership,
    ClassificationScheme,
    Commune,
    CommuneBoundary,
    CrosswalkLink,
    CoverageRecord,
    Denominator,
    District,
    HierarchyVersion,
    OfficeAreaChange,
    Province,
)
from planner.models.users import ScopeCarryOver, User, UserCommune  # noqa: E402
from planner.models.audit import AuditEvent  # noqa: E402
from planner.models.fieldwork import (  # noqa: E402
    Activity, AgentProfile, Campaign, CashHandover, Conference, EnrolmentDay, Reconciliation,
)
from planner.models.targets import ApiToken, PaceSetting, Target, TargetMilestone, TargetRevision  # noqa: E402

__all__ = [
    "SQLModel", "HierarchyVersion", "Province", "District", "Commune", "CommuneBoundary", "CrosswalkLink",
    "ClassificationScheme", "ClassificationMembership", "Denominator", "CoverageRecord",
    "User", "UserCommune", "AuditEvent", "Target", "TargetMilestone", "TargetRevision", "PaceSetting",
    "ApiToken", "Campaign", "Conference", "AgentProfile", "Activity", "CashHandover", "Reconciliation",
    "EnrolmentDay",
]
