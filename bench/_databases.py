"""Scratch databases for the benchmarks: a SQLite file in a temp folder, or a database of its own
on the PostgreSQL server (dropped afterwards), and an app over it migrated by Alembic."""
from pathlib import Path


def fresh_database(db, pg_url, tmpdir, name):
    """The URL of an empty database called name (a file for SQLite)."""
    from sqlalchemy import create_engine, make_url, text

    if db == "sqlite":
        return f"sqlite:///{Path(tmpdir) / f'{name}.sqlite'}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(pg_url).set(database=name).render_as_string(hide_password=False)


def drop_database(db, pg_url, name):
    if db != "postgresql":
        return
    from sqlalchemy import create_engine, text

    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_app(url, **config):
    """The planner over url, schema upgraded to head."""
    from planner import create_app, migrate

    migrate.upgrade(url)
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True, **config})
