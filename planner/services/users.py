"""Create users with a role and a scope."""
from sqlmodel import select

from planner.auth.security import hash_password
from planner.models import Commune, District, User, UserCommune
from planner.models.users import ROLES
from planner.services.registry import current_version


def create_user(*, session, username, role, password, district_code=None, commune_codes=(),
                full_name="", commit=True, password_hash=None):
    """Create a user; district heads need a district, agents at least one commune."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if not username or len(username) > 60:
        raise ValueError("username must be 1-60 characters")
    if len(password or "") < 6:
        raise ValueError("password must have at least 6 characters")
    if session.exec(select(User).where(User.username == username)).first():
        raise ValueError(f"user {username!r} exists")
    version = current_version(session=session)
    district_id = None
    if role == "district_head":
        district = version and session.exec(
            select(District).where(District.version_id == version.id, District.code == district_code)
        ).first()
        if district is None:
            # From July 2025 the middle level is the grassroots office area (BHXH cơ sở), whose
            # code is the former district's: the same lookup, another word in the message.
            what = "office area" if version is not None and version.middle_level == "office" else "district"
            raise ValueError(f"unknown {what} code {district_code!r}")
        district_id = district.id
    communes = []
    if role == "agent":
        if not commune_codes:
            raise ValueError("an agent needs at least one commune")
        communes = session.exec(
            select(Commune).where(Commune.version_id == version.id, Commune.code.in_(commune_codes))
        ).all() if version else []
        missing = set(commune_codes) - {c.code for c in communes}
        if missing:
            raise ValueError(f"unknown commune codes {sorted(missing)}")
        district_id = communes[0].district_id
    user = User(username=username, role=role, password_hash=password_hash or hash_password(password),
                district_id=district_id, full_name=full_name)
    session.add(user)
    session.flush()
    for commune in communes:
        session.add(UserCommune(user_id=user.id, commune_id=commune.id))
    if commit:
        session.commit()
    return user


def update_user(*, session, user, full_name, role, district_id, commune_ids, active, password=None):
    """Change a user's name, role, scope, status and (optionally) password, then commit.
    A district head needs an area (a district or a grassroots office area)."""
    if role == "district_head" and district_id is None:
        raise ValueError("a district head needs a district or office area")
    user.full_name = full_name
    user.role = role
    user.active = active
    user.district_id = district_id
    if password:
        user.password_hash = hash_password(password)
    wanted = set(commune_ids) if role == "agent" else set()
    current = {uc.commune_id: uc for uc in session.exec(select(UserCommune).where(UserCommune.user_id == user.id))}
    for commune_id, link in current.items():
        if commune_id not in wanted:
            session.delete(link)
    for commune_id in wanted - set(current):
        session.add(UserCommune(user_id=user.id, commune_id=commune_id))
    session.add(user)
    session.commit()
    return user


def user_commune_codes(*, session, user):
    return list(session.exec(
        select(Commune.code).join(UserCommune, UserCommune.commune_id == Commune.id)
        .where(UserCommune.user_id == user.id).order_by(Commune.code)
    ))
