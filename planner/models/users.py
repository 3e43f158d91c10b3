"""Users with a role and a scope."""
from datetime import datetime
from typing import Optional

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from planner.models.areas import utcnow

ROLES = ("leader", "district_head", "agent", "admin")


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, unique=True)
    full_name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20)
    # Scope: leader/admin -> whole province; district_head -> district_id; agent -> UserCommune rows.
    district_id: Optional[int] = Field(default=None, foreign_key="district.id", ondelete="SET NULL")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class UserCommune(SQLModel, table=True):
    __tablename__ = "user_commune"
    user_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE", primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", ondelete="CASCADE", primary_key=True)


class ScopeCarryOver(SQLModel, table=True):
    """An agent's commune carried across a reform: the agent served from_commune (an older
    version's unit); the crosswalk sends it into to_commune. Proposed automatically, it takes
    effect (a UserCommune row) only when an admin approves it."""
    __tablename__ = "scope_carry_over"
    __table_args__ = (UniqueConstraint("user_id", "from_commune_id", "to_commune_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE", index=True)
    from_commune_id: int = Field(foreign_key="commune.id", ondelete="CASCADE")
    to_commune_id: int = Field(foreign_key="commune.id", ondelete="CASCADE")
    status: str = Field(default="pending", max_length=10)  # pending, approved, rejected
    decided_by: str = Field(default="", max_length=60)
    decided_at: Optional[datetime] = None
    created_at: datetime = Field(default_factory=utcnow)
