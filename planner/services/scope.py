"""Who may see and edit which areas.

leader/admin: the whole province (and edit province-level records);
district_head: their district; agent: their communes, read only.
"""
from flask import abort
from sqlalchemy import false, select, true

from planner.models import Commune, District, UserCommune

PROVINCE_ROLES = ("leader", "admin")


def is_province_wide(user):
    return user.role in PROVINCE_ROLES


def commune_filter(user):
    """A SQL condition on Commune limiting rows to the user's scope."""
    if is_province_wide(user):
        return true()
    if user.role == "district_head":
        if user.district_id is None:
            return false()
        return Commune.district_id == user.district_id
    if user.role == "agent":
        own = select(UserCommune.commune_id).where(UserCommune.user_id == user.id)
        return Commune.id.in_(own)
    return false()


def district_filter(user):
    """A SQL condition on District: the districts the user can see at least part of."""
    if is_province_wide(user):
        return true()
    if user.role == "district_head":
        return District.id == user.district_id if user.district_id else false()
    if user.role == "agent":
        own = (
            select(Commune.district_id)
            .join(UserCommune, UserCommune.commune_id == Commune.id)
            .where(UserCommune.user_id == user.id)
        )
        return District.id.in_(own)
    return false()


def can_view_commune(user, commune, *, session):
    if is_province_wide(user):
        return True
    if user.role == "district_head":
        return commune.district_id == user.district_id
    if user.role == "agent":
        return session.get(UserCommune, (user.id, commune.id)) is not None
    return False


def can_edit_commune(user, commune):
    """Leaders/admins edit anywhere; a district head edits only their district; agents never."""
    if is_province_wide(user):
        return True
    return user.role == "district_head" and commune.district_id == user.district_id


def can_import(user):
    return is_province_wide(user) or user.role == "district_head"


def require(condition):
    if not condition:
        abort(403)
