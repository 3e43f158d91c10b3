"""The schema comes only from Alembic, and the models agree with the migrations."""
from sqlalchemy import create_engine, inspect

from planner import migrate
from planner.models import SQLModel


def test_upgrade_empty_sqlite_database_matches_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    migrate.upgrade(url)
    migrate.check(url)  # raises if autogenerate would find a difference
    tables = set(inspect(create_engine(url)).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables


def test_migrated_database_of_each_backend_matches_models(app):
    # The session fixture migrated this database from empty (SQLite and, in CI, PostgreSQL).
    migrate.check(app.config["DATABASE_URL"])
