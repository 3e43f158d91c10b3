"""Targets: metric x unit x year -> value, with milestones, status, revisions and a version."""
from datetime import date, datetime
from typing import Optional

from sqlalchemy import BigInteger, CheckConstraint, Column, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from planner.models.areas import utcnow

TARGET_LEVELS = ("province", "district", "commune", "agent")
TARGET_STATUSES = ("draft", "assigned", "accepted")


_VERSION_COLUMN = Column("version", Integer, nullable=False, default=1)


class Target(SQLModel, table=True):
    """One unit's target for one metric and one year.

    `value` is in the metric's own unit (percent for a rate, people, or VND); `people` is the
    head count it stands for (rate x denominator), which is what allocation sums exactly.
    `version` guards against lost updates: a stale edit is refused, never applied silently.
    """
    __tablename__ = "target"
    __table_args__ = (
        UniqueConstraint("metric", "level", "unit_id", "year"),
        CheckConstraint("value >= 0", name="value_nonneg"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    metric: str = Field(max_length=30, index=True)
    level: str = Field(max_length=10, index=True)
    # province.id, district.id, commune.id or app_user.id (agent), by level.
    unit_id: int = Field(index=True)
    year: int = Field(index=True)
    value: float
    # 64-bit: people of a whole province, or đồng for the collection metric (limits.TOTAL)
    people: Optional[int] = Field(default=None, sa_type=BigInteger)
    denominator: Optional[int] = Field(default=None, sa_type=BigInteger)  # the population/labour force the rate was converted with
    status: str = Field(default="draft", max_length=10)
    parent_id: Optional[int] = Field(default=None, foreign_key="target.id", ondelete="SET NULL", index=True)
    allocation_rule: str = Field(default="", max_length=20)
    revision: int = 1
    version: int = Field(default=1, sa_column=_VERSION_COLUMN)
    updated_by: str = Field(default="", max_length=60)
    updated_at: datetime = Field(default_factory=utcnow)

    # SQLAlchemy adds "AND version = :old" to every UPDATE and bumps it: a concurrent
    # writer who read an older version gets StaleDataError instead of overwriting.
    __mapper_args__ = {"version_id_col": _VERSION_COLUMN}


class TargetMilestone(SQLModel, table=True):
    """A quarterly or monthly milestone: the value to reach by the end of a month."""
    __tablename__ = "target_milestone"
    __table_args__ = (UniqueConstraint("target_id", "period"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    target_id: int = Field(foreign_key="target.id", ondelete="CASCADE", index=True)
    period: date  # first day of the month the milestone closes
    value: float


class TargetRevision(SQLModel, table=True):
    """Every saved state of a target: the history page shows them all."""
    __tablename__ = "target_revision"
    __table_args__ = (UniqueConstraint("target_id", "revision"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    target_id: int = Field(foreign_key="target.id", ondelete="CASCADE", index=True)
    revision: int
    value: float
    people: Optional[int] = Field(default=None, sa_type=BigInteger)
    status: str = Field(max_length=10)
    reason: str = Field(default="", max_length=500)
    changed_by: str = Field(default="", max_length=60)
    changed_at: datetime = Field(default_factory=utcnow)


class PaceSetting(SQLModel, table=True):
    """Province-wide thresholds of the on-track / at-risk / off-track flag (one row)."""
    __tablename__ = "pace_setting"
    id: Optional[int] = Field(default=None, primary_key=True)
    # Flag by actual progress / expected progress (both measured from the start of the year).
    on_track_ratio: float = 0.95
    at_risk_ratio: float = 0.80
    updated_by: str = Field(default="", max_length=60)


class ApiToken(SQLModel, table=True):
    """A device or script's bearer token (only its hash is kept)."""
    __tablename__ = "api_token"
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=80)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: Optional[datetime] = None
    revoked: bool = False
