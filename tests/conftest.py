"""Fixtures: app, client, runner, session, login, on SQLite and (when
PLANNER_TEST_DATABASE_URL is set) PostgreSQL as well: every app test runs on each backend."""
import os

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlmodel import SQLModel

import planner.models  # noqa: F401
from planner import create_app, migrate
from planner.db import new_session
from tests import builders

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("PLANNER_TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory):
    """Each backend's URL, migrated once per test session from an empty database."""
    urls = {}
    created = []
    for backend in BACKENDS:
        if backend == "sqlite":
            url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")
        else:
            url = _private_postgres_database(os.environ["PLANNER_TEST_DATABASE_URL"])
            created.append(url)
        migrate.upgrade(url)
        urls[backend] = url
    yield urls
    for url in created:
        _drop_database(url)


def _admin_engine(url):
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _private_postgres_database(base_url):
    """A fresh database per test run (named after the given one), so runs never collide."""
    base = make_url(base_url)
    name = f"{base.database}_run{os.getpid()}"
    engine = _admin_engine(base)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_database(url):
    target = make_url(url)
    base = target.set(database=os.environ["PLANNER_TEST_DATABASE_URL"].rsplit("/", 1)[-1].split("?")[0])
    engine = _admin_engine(base)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    engine.dispose()


def _wipe(app):
    engine = app.extensions["planner.engine"]
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())


def make_app(url, **extra):
    config = {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}
    config.update(extra)
    return create_app(config)


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def app(backend, database_urls):
    app = make_app(database_urls[backend])
    _wipe(app)
    yield app
    app.extensions["planner.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A session of the test's own; no app context is held open, so each request gets a fresh
    one (and a fresh g) exactly as in production."""
    s = new_session(app)
    yield s
    s.close()


@pytest.fixture
def world(session):
    """The small province of tests/builders.py, with a small 2024 HI plan (world["targets"])."""
    world = builders.small_province(session)
    world["targets"] = builders.small_plan(session, world)
    return world


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run: Playwright's sync API allows one driver per thread,
    so the browser tests of every folder share it."""
    pytest.importorskip("playwright.sync_api")
    from tests.live_server import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def login(client):
    def do(username, password=builders.PASSWORD):
        resp = client.post("/auth/login", data={"username": username, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return client
    return do
