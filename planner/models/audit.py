"""Audit trail: who changed which record, when, and its values before and after."""
from datetime import datetime
from typing import Optional

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from planner.models.areas import utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: Optional[int] = Field(default=None, index=True)
    username: str = Field(default="system", max_length=60)
    action: str = Field(max_length=10)  # create, update, delete
    entity: str = Field(max_length=40, index=True)
    entity_id: str = Field(max_length=40, index=True)
    # The commune a change belongs to, so a commune page finds its history in one query.
    commune_id: Optional[int] = Field(default=None, index=True)
    before: Optional[str] = Field(default=None, sa_column=Column(Text))
    after: Optional[str] = Field(default=None, sa_column=Column(Text))
