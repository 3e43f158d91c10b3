"""Schema only through Alembic: upgrade, check and autogenerate from the app's database URL."""
from alembic import command
from alembic.config import Config

from planner import ROOT


def alembic_config(url):
    cfg = Config(str(ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url, revision="head"):
    command.upgrade(alembic_config(url), revision)


def check(url):
    """Raise if the models and the migrations disagree."""
    command.check(alembic_config(url))


def revision(url, message):
    command.revision(alembic_config(url), message=message, autogenerate=True)
