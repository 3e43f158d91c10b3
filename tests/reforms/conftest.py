"""One database per backend for a whole module: the three-version chain of chain.py is built
once and only read by the tests (they never write)."""
import pytest

from planner.db import new_session
from tests import builders
from tests.conftest import BACKENDS, _wipe, make_app
from tests.reforms import chain


@pytest.fixture(scope="module", params=BACKENDS)
def chain_app(request, database_urls):
    app = make_app(database_urls[request.param])
    _wipe(app)
    with new_session(app) as session:
        world = chain.build(session)
        ids = {
            "versions": [v.id for v in world["versions"]],
            "communes": [{code: c.id for code, c in layer.items()} for layer in world["communes"]],
            "districts": [{code: d.id for code, d in layer.items()} for layer in world["districts"]],
        }
    yield app, ids
    _wipe(app)
    app.extensions["planner.engine"].dispose()


@pytest.fixture
def db(chain_app):
    app, _ids = chain_app
    with new_session(app) as session:
        yield session


@pytest.fixture
def ids(chain_app):
    return chain_app[1]


@pytest.fixture
def client_as(chain_app):
    """A signed-in test client: client_as("leader", lang="en")."""
    app, _ids = chain_app

    def do(username, lang=None):
        client = app.test_client()
        resp = client.post("/auth/login", data={"username": username, "password": builders.PASSWORD})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
        if lang:
            with client.session_transaction() as s:
                s["lang"] = lang
        return client
    return do


@pytest.fixture
def app_context_en(chain_app):
    """The English text the app's catalogue gives a Vietnamese msgid (the new strings read in
    English once their translations are merged into the catalogue)."""
    from flask_babel import force_locale, gettext

    app, _ids = chain_app

    def translate(msgid, **values):
        with app.test_request_context(), force_locale("en"):
            return gettext(msgid, **values)
    return translate
