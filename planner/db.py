"""Engine per app, one SQLModel Session per request (closed on teardown)."""
from flask import current_app, g
from sqlalchemy import event
from sqlmodel import Session, create_engine

from planner import audit, safetext


def make_engine(url):
    """Create the engine for url, with SQLite foreign keys switched on."""
    kwargs = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
    return engine


def get_engine(app=None):
    app = app or current_app
    return app.extensions["planner.engine"]


def new_session(app=None):
    """A session outside a request (CLI, tests); the caller closes it."""
    return Session(get_engine(app), expire_on_commit=False)


def get_session():
    """The request's session, created on first use."""
    if "db_session" not in g:
        g.db_session = new_session()
    return g.db_session


def close_session(_exc=None):
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app):
    app.extensions["planner.engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(close_session)
    audit.install()
    safetext.install()  # no control character in any saved text
