"""Helpers of the API tests: the small province's plan plus targets in district 417, tokens."""
import pytest
from sqlalchemy import select

from planner.models import User
from planner.services import targets, tokens


@pytest.fixture
def plan(session, world):
    """world["targets"] (2024 HI: province, district 412, commune 16663) plus district 417 and
    commune 16741 targets, all in one dict by name."""
    leader = world["users"]["leader"]
    district_417 = targets.set_target(session=session, user=leader, metric="hi_coverage", level="district",
                                      unit_id=world["districts"]["417"].id, year=2024, value=90.0,
                                      status="assigned", parent_id=world["targets"]["province"].id)
    commune_16741 = targets.set_target(session=session, user=world["users"]["other_head"], metric="hi_coverage",
                                       level="commune", unit_id=world["communes"]["16741"].id, year=2024,
                                       value=88.0, parent_id=district_417.id)
    return dict(world["targets"], district_417=district_417, commune_16741=commune_16741)


@pytest.fixture
def make_token(session):
    """make_token("leader") -> raw bearer token of that user."""
    def make(username, name="test"):
        user = session.execute(select(User).where(User.username == username)).scalars().one()
        _token, raw = tokens.create_token(session=session, user=user, name=name)
        return raw
    return make


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}
