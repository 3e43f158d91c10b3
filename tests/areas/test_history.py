"""A commune's audit history pages by 20 events, newest first."""
from planner import audit
from planner.models import Commune


def test_history_is_paged(client, session, world, login):
    commune = session.get(Commune, world["communes"]["16741"].id)
    with audit.acting_as(None, "tester"):
        for n in range(25):
            commune.lost_state_hi_people = n + 1
            session.commit()
    login("leader")
    first = client.get("/communes/16741").get_data(as_text=True)
    assert first.count('class="list-group-item px-0 audit-event"') == 20
    assert "history_page=2" in first
    assert "24 → 25" in first  # newest first
    second = client.get("/communes/16741?history_page=2").get_data(as_text=True)
    assert 0 < second.count('class="list-group-item px-0 audit-event"') <= 20
    assert client.get("/communes/16741?history_page=999").status_code == 200  # clamped
    assert client.get("/communes/16741?history_page=abc").status_code == 200
