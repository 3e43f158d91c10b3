"""Field work: campaigns, conferences, agents' profiles, activity entries, cash handovers.

Entries made on a phone carry a device-made id (`device_id`), unique, so sending one twice never
makes two records. Only approved entries count in totals, targets and maps.

Money (đồng) and stored sums are 64-bit columns; the range of every count and amount is declared
in planner.models.limits.
"""
from datetime import date, datetime, time
from typing import Optional

from sqlalchemy import BigInteger, CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from planner.models.areas import utcnow

REVIEW_STATUSES = ("submitted", "approved", "returned")
CONFERENCE_FORMATS = ("propaganda", "policy_dialogue", "customer", "small_group")
AUDIENCE_GROUPS = ("farmers", "traders", "unemployed_workers", "returned_workers", "students",
                   "ethnic_minority_lost_cards", "employers", "other")
ORGANISATION_TYPES = ("post_office", "commune_committee", "womens_union", "farmers_association",
                      "youth_union", "collection_service", "other")


class Campaign(SQLModel, table=True):
    """E.g. "Tháng vận động triển khai BHXH toàn dân": a period, a scope and target groups."""
    __tablename__ = "campaign"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    start_date: date
    end_date: date
    district_id: Optional[int] = Field(default=None, foreign_key="district.id", ondelete="CASCADE")  # None: province
    target_groups: str = Field(default="", max_length=300)  # comma-separated AUDIENCE_GROUPS
    created_by: str = Field(default="", max_length=60)
    created_at: datetime = Field(default_factory=utcnow)


class _Reviewed(SQLModel):
    status: str = Field(default="submitted", max_length=10, index=True)
    review_reason: str = Field(default="", max_length=500)
    reviewed_by: str = Field(default="", max_length=60)
    reviewed_at: Optional[datetime] = None
    created_by_id: Optional[int] = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Conference(_Reviewed, table=True):
    """A hamlet conference, policy dialogue, customer conference or small-group meeting."""
    __tablename__ = "conference"
    __table_args__ = (
        CheckConstraint("attendees >= 0 AND cost_vnd >= 0 AND reg_voluntary_si >= 0 AND reg_household_hi >= 0",
                        name="counts_nonneg"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    device_id: str = Field(max_length=64, unique=True)
    campaign_id: Optional[int] = Field(default=None, foreign_key="campaign.id", ondelete="SET NULL", index=True)
    commune_id: int = Field(foreign_key="commune.id", ondelete="CASCADE", index=True)
    hamlet: str = Field(default="", max_length=120)
    held_on: date = Field(index=True)
    start_time: Optional[time] = None
    format: str = Field(max_length=20)
    audience_groups: str = Field(default="", max_length=300)
    chair: str = Field(default="", max_length=200)
    speakers: str = Field(default="", max_length=500)
    attendees: int = 0
    attendees_men: int = 0
    attendees_women: int = 0
    attendees_ethnic_minority: int = 0
    reg_voluntary_si: int = 0
    reg_household_hi: int = 0
    prospects: int = 0
    cost_vnd: int = Field(default=0, sa_type=BigInteger)
    notes: str = Field(default="", max_length=2000)
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    accuracy_m: Optional[float] = None


class AgentProfile(SQLModel, table=True):
    """What the office knows of a collection agent beyond their user account."""
    __tablename__ = "agent_profile"
    user_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE", primary_key=True)
    organisation_type: str = Field(default="other", max_length=30)
    organisation_name: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=30)
    active_from: Optional[date] = None
    active_to: Optional[date] = None


class Activity(_Reviewed, table=True):
    """A collection agent's day in a commune: visits, enrolments, money, receipts."""
    __tablename__ = "activity"
    __table_args__ = (
        CheckConstraint("household_visits >= 0 AND new_voluntary_si >= 0 AND new_household_hi >= 0 AND "
                        "renewed_household_hi >= 0 AND amount_collected_vnd >= 0 AND receipts_issued >= 0",
                        name="counts_nonneg"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    device_id: str = Field(max_length=64, unique=True)
    agent_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE", index=True)
    commune_id: int = Field(foreign_key="commune.id", ondelete="CASCADE", index=True)
    done_on: date = Field(index=True)
    household_visits: int = 0
    new_voluntary_si: int = 0
    new_household_hi: int = 0
    renewed_household_hi: int = 0
    amount_collected_vnd: int = Field(default=0, sa_type=BigInteger)
    receipts_issued: int = 0
    receipts_amount_vnd: int = Field(default=0, sa_type=BigInteger)
    notes: str = Field(default="", max_length=2000)


class EnrolmentDay(SQLModel, table=True):
    """New participants (new voluntary SI + new household HI) of APPROVED activity entries per commune
    and day. Kept by database triggers on activity (see migrations: insert, update, delete, cascades
    and bulk loads included), so conversion reads one row per commune-day instead of every entry."""
    __tablename__ = "enrolment_day"
    commune_id: int = Field(foreign_key="commune.id", ondelete="CASCADE", primary_key=True)
    day: date = Field(primary_key=True, index=True)
    new_participants: int = Field(default=0, sa_type=BigInteger)


class CashHandover(SQLModel, table=True):
    """Money an agent handed to the office."""
    __tablename__ = "cash_handover"
    __table_args__ = (CheckConstraint("amount_vnd > 0", name="amount_pos"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE", index=True)
    handed_on: date
    amount_vnd: int = Field(sa_type=BigInteger)
    received_by: str = Field(default="", max_length=60)
    note: str = Field(default="", max_length=500)


class Reconciliation(SQLModel, table=True):
    """A difference between collected, receipted and handed-over money, open until closed."""
    __tablename__ = "reconciliation"
    __table_args__ = (UniqueConstraint("agent_id", "period_start", "period_end"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE", index=True)
    period_start: date
    period_end: date
    collected_vnd: int = Field(default=0, sa_type=BigInteger)
    receipts_vnd: int = Field(default=0, sa_type=BigInteger)
    handed_vnd: int = Field(default=0, sa_type=BigInteger)
    status: str = Field(default="open", max_length=10)  # open, closed
    note: str = Field(default="", max_length=500)
    closed_by: str = Field(default="", max_length=60)
    closed_at: Optional[datetime] = None
