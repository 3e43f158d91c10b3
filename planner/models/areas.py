"""Administrative areas in dated hierarchy versions, their classifications and figures."""
from datetime import date, datetime, timezone
from typing import Optional

from sqlalchemy import CheckConstraint, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow():
    return datetime.now(timezone.utc)


DISTRICT_KINDS = ("city", "town", "rural_district", "urban_district")
# The middle level of a hierarchy version: administrative districts (huyện) until June 2025,
# grassroots social insurance office areas (BHXH cơ sở) in the two-level structure from July 2025.
MIDDLE_LEVELS = ("district", "office")
OFFICE_KIND = "si_office"  # District.kind of a grassroots office area
COMMUNE_KINDS = ("ward", "commune", "township")


class HierarchyVersion(SQLModel, table=True):
    """A dated structure of a province's units; communes are redrawn often."""
    __tablename__ = "hierarchy_version"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    valid_from: date
    valid_to: Optional[date] = None
    is_current: bool = Field(default=False, index=True)
    # What the District rows of this version are: "district" (huyện) or "office" (BHXH cơ sở).
    middle_level: str = Field(default="district", max_length=10)


class Province(SQLModel, table=True):
    __tablename__ = "province"
    __table_args__ = (UniqueConstraint("version_id", "code"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="hierarchy_version.id", ondelete="CASCADE", index=True)
    code: str = Field(max_length=2)
    name: str = Field(max_length=120)


class District(SQLModel, table=True):
    """The middle level of a version: an administrative district, or (from July 2025, when the
    version's middle_level is "office") a grassroots SI office area grouping communes."""
    __tablename__ = "district"
    __table_args__ = (UniqueConstraint("version_id", "code"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="hierarchy_version.id", ondelete="CASCADE", index=True)
    province_id: int = Field(foreign_key="province.id", ondelete="CASCADE", index=True)
    code: str = Field(max_length=3)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=20)


class Commune(SQLModel, table=True):
    __tablename__ = "commune"
    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        CheckConstraint("lost_state_hi_people >= 0", name="lost_nonneg"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="hierarchy_version.id", ondelete="CASCADE", index=True)
    district_id: int = Field(foreign_key="district.id", ondelete="CASCADE", index=True)
    code: str = Field(max_length=5, index=True)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=20)
    # People who lost state-funded HI cards when the classification lists changed.
    lost_state_hi_people: int = Field(default=0)


class CommuneBoundary(SQLModel, table=True):
    """Boundary of a commune as GeoJSON geometry text (EPSG:4326), kept apart from the row."""
    __tablename__ = "commune_boundary"
    commune_id: int = Field(foreign_key="commune.id", ondelete="CASCADE", primary_key=True)
    geojson: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(default="", max_length=255)
    imported_at: datetime = Field(default_factory=utcnow)


class ClassificationScheme(SQLModel, table=True):
    """A list with a legal basis: Region I/II/III (861/QĐ-TTg), coastal (353/QĐ-TTg), poor district."""
    __tablename__ = "classification_scheme"
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    legal_basis: str = Field(default="", max_length=200)
    valid_from: date
    valid_to: Optional[date] = None


class ClassificationMembership(SQLModel, table=True):
    __tablename__ = "classification_membership"
    __table_args__ = (UniqueConstraint("scheme_id", "commune_id", "valid_from"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="classification_scheme.id", ondelete="CASCADE", index=True)
    commune_id: int = Field(foreign_key="commune.id", ondelete="CASCADE", index=True)
    category: str = Field(max_length=20)  # "I", "II", "III", or "yes"
    valid_from: date
    valid_to: Optional[date] = None


class Denominator(SQLModel, table=True):
    """Population and working-age labour force of a commune in a year, with source."""
    __tablename__ = "denominator"
    __table_args__ = (
        UniqueConstraint("commune_id", "year"),
        CheckConstraint("population >= 0", name="population_nonneg"),
        CheckConstraint("labour_force >= 0", name="labour_nonneg"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", ondelete="CASCADE", index=True)
    year: int
    population: int
    labour_force: int
    source: str = Field(default="", max_length=255)


class CoverageRecord(SQLModel, table=True):
    """Participants of a commune at the end of a month (period = first day of the month)."""
    __tablename__ = "coverage_record"
    __table_args__ = (
        UniqueConstraint("commune_id", "period"),
        CheckConstraint(
            "hi_participants >= 0 AND si_compulsory >= 0 AND si_voluntary >= 0 AND ui_participants >= 0",
            name="counts_nonneg",
        ),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", ondelete="CASCADE", index=True)
    period: date = Field(index=True)
    hi_participants: int = 0
    si_compulsory: int = 0
    si_voluntary: int = 0
    ui_participants: int = 0
    source: str = Field(default="", max_length=255)


class CrosswalkLink(SQLModel, table=True):
    """A unit of one hierarchy version that became (a share of) a unit of another: the official
    change record, so that a time series survives a reform."""
    __tablename__ = "crosswalk_link"
    __table_args__ = (
        UniqueConstraint("from_commune_id", "to_commune_id"),
        CheckConstraint("share > 0 AND share <= 1", name="share_range"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    from_commune_id: int = Field(foreign_key="commune.id", ondelete="CASCADE", index=True)
    to_commune_id: int = Field(foreign_key="commune.id", ondelete="CASCADE", index=True)
    share: float = 1.0  # of the old unit's people that went to the new unit
    note: str = Field(default="", max_length=1000)
    # 1: a row of an official crosswalk; 2 or more: derived by chaining official rows across
    # several reforms (2019 -> 2020 -> 2024-12 -> 2025-07), rebuilt after every crosswalk import,
    # so any older unit reaches any newer version in one join.
    hops: int = Field(default=1)


class OfficeAreaChange(SQLModel, table=True):
    """A dated edit of the grassroots office areas (rename, a commune moved, two offices merged),
    kept beside the audit trail so the office page can say what changed when."""
    __tablename__ = "office_area_change"
    id: Optional[int] = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="hierarchy_version.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=10)  # rename, move, merge
    effective_on: date
    district_id: Optional[int] = Field(default=None, foreign_key="district.id", ondelete="SET NULL")
    other_district_id: Optional[int] = Field(default=None, foreign_key="district.id", ondelete="SET NULL")
    commune_id: Optional[int] = Field(default=None, foreign_key="commune.id", ondelete="SET NULL")
    summary: str = Field(default="", max_length=2000)
    user_id: Optional[int] = Field(default=None)
    username: str = Field(default="system", max_length=60)
    at: datetime = Field(default_factory=utcnow)
