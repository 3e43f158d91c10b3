"""Bearer tokens for scripts and devices: only a SHA-256 hash is kept, the token is shown once.

A token is `npl_` + 43 URL-safe characters (256 random bits), so a plain SHA-256 is enough:
there is nothing to guess, and looking it up by its hash needs no constant-time compare.
"""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from planner.models import ApiToken, User
from planner.models.areas import utcnow

PREFIX = "npl_"
# last_used_at is refreshed at most this often: a script polling every second writes once a minute.
TOUCH_EVERY = timedelta(minutes=1)
NAME_MAX = 80


class TokenError(ValueError):
    """A token request that breaks a rule; the message is for the user."""


def hash_token(raw):
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(*, session, user, name):
    """(ApiToken, raw token): the raw token exists only in the return value."""
    name = (name or "").strip()
    if not name:
        raise TokenError("Hãy đặt tên cho mã truy cập (ví dụ: máy tính bảng xã Nghi Phú).")
    if len(name) > NAME_MAX:
        raise TokenError(f"Tên tối đa {NAME_MAX} ký tự.")
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(raw))
    session.add(token)
    session.commit()
    return token, raw


def user_tokens(*, session, user):
    """The user's tokens, newest first (revoked ones too, marked)."""
    return session.execute(
        select(ApiToken).where(ApiToken.user_id == user.id)
        .order_by(ApiToken.revoked, ApiToken.created_at.desc(), ApiToken.id.desc())
    ).scalars().all()


def revoke_token(*, session, user, token_id):
    """Revoke one of the user's own tokens; False if it is not theirs (or does not exist)."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        return False
    if not token.revoked:
        token.revoked = True
        session.add(token)
        session.commit()
    return True


def authenticate(*, session, raw):
    """(user, token) for a live token of an active user, else None. Touches last_used_at."""
    if not raw or not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    row = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(raw))
    ).first()
    if row is None:
        return None
    token, user = row
    if token.revoked or not user.active:
        return None
    _touch(session, token)
    return user, token


def _touch(session, token):
    """Record the use, at most once per TOUCH_EVERY (a Core UPDATE: no audit event per request)."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    cutoff = now - TOUCH_EVERY
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id,
               or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < cutoff))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    set_committed_value(token, "last_used_at", now)  # not a pending change: no later UPDATE
