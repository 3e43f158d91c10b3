"""The user admin in the two-level structure: a district head leads a grassroots office area of the
current version, never none and never an area of an older version."""
import pytest
from sqlalchemy import select

from planner.models import User
from planner.services import users as user_service


def test_user_form_lists_the_office_areas(client, ow, login):
    login("admin")
    page = client.get("/users/new").get_data(as_text=True)
    assert "BHXH cơ sở phụ trách" in page and "Lãnh đạo BHXH cơ sở" in page
    for office in ow["offices"].values():
        assert f'<option value="{office.id}">{office.code} · {office.name}</option>' in page
    assert "Thành phố Vinh</option>" not in page  # the former district is not an area any more
    listing = client.get("/users").get_data(as_text=True)
    assert "Lãnh đạo BHXH cơ sở" in listing and "BHXH cơ sở Kỳ Sơn" in listing


def test_admin_creates_a_head_of_an_office_area(client, session, ow, login):
    login("admin")
    office = ow["offices"]["417"]
    resp = client.post("/users/new", data={"username": "head-417b", "role": "district_head",
                                           "district": str(office.id), "password": "long-enough-1", "active": "y"})
    assert resp.status_code == 302
    user = session.execute(select(User).where(User.username == "head-417b")).scalars().one()
    assert user.district_id == office.id


@pytest.mark.parametrize("area", ["", "old"])
def test_a_head_without_a_current_area_is_refused(client, session, ow, login, area):
    login("admin")
    district = str(ow["old_district"].id) if area == "old" else ""
    resp = client.post("/users/new", data={"username": "head-x", "role": "district_head", "district": district,
                                           "password": "long-enough-1", "active": "y"})
    assert resp.status_code == 200 and "Hãy chọn BHXH cơ sở cho lãnh đạo BHXH cơ sở." in resp.get_data(as_text=True)
    assert session.execute(select(User).where(User.username == "head-x")).first() is None
    head = ow["users"]["other_head"]
    resp = client.post(f"/users/{head.id}", data={"username": head.username, "role": "district_head",
                                                  "district": district, "active": "y"})
    assert "Hãy chọn BHXH cơ sở cho lãnh đạo BHXH cơ sở." in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, head.id).district_id == ow["offices"]["417"].id


def test_create_user_takes_an_office_code(session, ow):
    user = user_service.create_user(session=session, username="head-418b", role="district_head",
                                    password="secret123", district_code="418")
    assert user.district_id == ow["offices"]["418"].id
    with pytest.raises(ValueError, match="unknown office area code '999'"):
        user_service.create_user(session=session, username="head-999", role="district_head",
                                 password="secret123", district_code="999")
    with pytest.raises(ValueError, match="needs a district or office area"):
        user_service.update_user(session=session, user=user, full_name="", role="district_head", district_id=None,
                                 commune_ids=[], active=True)
    session.rollback()
    session.expire_all()
    assert session.get(User, user.id).district_id == ow["offices"]["418"].id
