"""Admins manage users and their scope; everyone can change their own password."""
from sqlalchemy import select

from planner.models import User, UserCommune


def test_only_admins_manage_users(client, world, login):
    login("leader")
    assert client.get("/users").status_code == 403
    assert client.post("/users/new", data={}).status_code == 403


def test_admin_creates_a_district_head(client, session, world, login):
    login("admin")
    assert "head-412" in client.get("/users").get_data(as_text=True)
    vinh = world["districts"]["412"]
    resp = client.post("/users/new", data={"username": "head-new", "full_name": "Nguyễn Văn A", "role": "district_head",
                                           "district": str(vinh.id), "password": "long-enough-1", "active": "y"})
    assert resp.status_code == 302
    user = session.execute(select(User).where(User.username == "head-new")).scalars().one()
    assert user.district_id == vinh.id and user.role == "district_head"
    client.post("/auth/logout")
    assert client.post("/auth/login", data={"username": "head-new", "password": "long-enough-1"}).status_code == 302


def test_admin_creates_an_agent_with_communes(client, session, world, login):
    login("admin")
    resp = client.post("/users/new", data={"username": "agent-x", "role": "agent", "communes": "16738, 16741",
                                           "password": "long-enough-1", "active": "y"})
    assert resp.status_code == 302
    user = session.execute(select(User).where(User.username == "agent-x")).scalars().one()
    links = session.execute(select(UserCommune).where(UserCommune.user_id == user.id)).scalars().all()
    assert {link.commune_id for link in links} == {world["communes"]["16738"].id, world["communes"]["16741"].id}


def test_user_form_messages(client, world, login):
    login("admin")
    cases = [
        ({"username": "leader", "role": "leader", "password": "long-enough-1"}, "Tên đăng nhập này đã có."),
        ({"username": "bad name", "role": "leader", "password": "long-enough-1"}, "Chỉ dùng chữ không dấu"),
        ({"username": "h2", "role": "district_head", "password": "long-enough-1"}, "Hãy chọn huyện"),
        ({"username": "a2", "role": "agent", "password": "long-enough-1"}, "Nhân viên thu cần ít nhất một xã."),
        ({"username": "a3", "role": "agent", "communes": "99999", "password": "long-enough-1"}, "99999"),
        ({"username": "a4", "role": "leader", "password": "short"}, "ít nhất 8 ký tự"),
        ({"username": "a5", "role": "leader"}, "Hãy đặt mật khẩu"),
    ]
    for data, message in cases:
        resp = client.post("/users/new", data=data)
        assert resp.status_code == 200, data
        assert message in resp.get_data(as_text=True), data


def test_admin_deactivates_a_user_and_cannot_lock_themself(client, session, world, login):
    login("admin")
    agent = world["users"]["agent"]
    resp = client.post(f"/users/{agent.id}", data={"role": "agent", "communes": "16663", "full_name": "X"})
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(User, agent.id).active is False
    admin = world["users"]["admin"]
    resp = client.post(f"/users/{admin.id}", data={"role": "leader", "active": "y"})
    assert "không thể tự bỏ quyền quản trị" in resp.get_data(as_text=True)


def test_change_own_password(client, world, login):
    login("agent-16663")
    resp = client.post("/account/password", data={"current": "wrong", "new": "another-pass-1", "confirm": "another-pass-1"})
    assert "Mật khẩu hiện tại không đúng." in resp.get_data(as_text=True)
    resp = client.post("/account/password", data={"current": "secret123", "new": "another-pass-1", "confirm": "different"})
    assert "không khớp" in resp.get_data(as_text=True)
    resp = client.post("/account/password", data={"current": "secret123", "new": "another-pass-1", "confirm": "another-pass-1"})
    assert resp.status_code == 302
    client.post("/auth/logout")
    assert client.post("/auth/login", data={"username": "agent-16663", "password": "another-pass-1"}).status_code == 302
