"""`planner backup` and `planner restore` on SQLite and PostgreSQL (issue 10).

The demo is built once per backend; it is backed up while a thread keeps committing (a campaign and
its audit event per transaction), restored into a fresh database, and every table's rows and the
audit trail are compared with the source. A backup of an older schema is upgraded on restore; a
non-empty database, a backup of the other engine and a file that is not a backup are refused.
"""
import json
import os
import threading
import zipfile
from datetime import date

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, make_url, select, text

from planner import ROOT, audit, migrate
from planner.db import new_session
from planner.models import AuditEvent, Campaign
from planner.services import backup
from tests.conftest import BACKENDS, make_app

WRITER = "backup-writer"
AUDIT_COLUMNS = "id, at, user_id, username, action, entity, entity_id, commune_id, before, after"


# --- scratch databases --------------------------------------------------------------------

class Databases:
    """Fresh databases of one backend: SQLite files in a temp folder or PostgreSQL databases of
    their own next to PLANNER_TEST_DATABASE_URL (dropped at the end)."""

    def __init__(self, backend, folder):
        self.backend, self.folder, self.made = backend, folder, []

    def new(self, name):
        if self.backend == "sqlite":
            return "sqlite:///" + str(self.folder / f"{name}.sqlite")
        base = make_url(os.environ["PLANNER_TEST_DATABASE_URL"])
        full = f"{base.database}_bk{os.getpid()}_{name}"
        self._admin(f'DROP DATABASE IF EXISTS "{full}" WITH (FORCE)', f'CREATE DATABASE "{full}"')
        self.made.append(full)
        return base.set(database=full).render_as_string(hide_password=False)

    def _admin(self, *statements):
        engine = create_engine(os.environ["PLANNER_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
        engine.dispose()

    def drop_all(self):
        for name in self.made:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def counts(url):
    return backup.database_counts(url)


def rows(url, sql):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def cli(url, *args, **env):
    app = make_app(url)
    try:
        return app.test_cli_runner().invoke(args=list(args), env=env or None)
    finally:
        app.extensions["planner.engine"].dispose()


# --- the demo, backed up while a writer commits -------------------------------------------

def _writer(app, stop, ready, written):
    """Commit campaigns one per transaction (each with its audit event) until told to stop."""
    with audit.acting_as(None, WRITER), new_session(app) as session:
        n = 0
        while not stop.is_set():
            n += 1
            session.add(Campaign(name=f"{WRITER} {n}", start_date=date(2026, 12, 1), end_date=date(2026, 12, 31)))
            session.commit()
            written.append(n)
            if n >= 20:
                ready.set()


@pytest.fixture(scope="module", params=BACKENDS)
def demo_backup(request, tmp_path_factory):
    """(backend, databases, source url, backup path, backup's CLI output) of the plain demo,
    backed up while a thread keeps writing; the writer has stopped when the tests look."""
    backend = request.param
    folder = tmp_path_factory.mktemp(f"backup-{backend}")
    dbs = Databases(backend, folder)
    source = dbs.new("source")
    app = make_app(source)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    stop, ready, written = threading.Event(), threading.Event(), []
    thread = threading.Thread(target=_writer, args=(app, stop, ready, written))
    thread.start()
    try:
        assert ready.wait(120), "the writer thread committed nothing"
        path = folder / "demo.zip"
        made = app.test_cli_runner().invoke(args=["backup", str(path)])
    finally:
        stop.set()
        thread.join()
    app.extensions["planner.engine"].dispose()
    assert made.exit_code == 0, made.output
    yield backend, dbs, source, path, made.output
    dbs.drop_all()


def test_backup_of_a_live_demo_restores_every_table_and_the_audit_trail(demo_backup):
    backend, dbs, source, path, output = demo_backup
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    assert manifest["engine"] == backend and manifest["format"] == "planner-backup"
    assert f"{path.stat().st_size:,} bytes" in output and f"{len(manifest['tables'])} tables" in output
    assert f"{sum(manifest['tables'].values()):,} rows" in output

    target = dbs.new("restored")
    result = cli(target, "restore", str(path))
    assert result.exit_code == 0, result.output
    assert f"{len(manifest['tables'])} tables" in result.output

    restored, now = counts(target), counts(source)
    # Every table as the backup counted it, and as the source has it (the writer's two tables grew
    # after the backup: compare them on the rows the backup had).
    assert restored == manifest["tables"]
    assert restored["coverage_record"] > 10_000 and restored["audit_event"] > 10_000
    for table in set(now) - {"campaign", "audit_event"}:
        assert restored[table] == now[table], table
    last_event = rows(target, "SELECT MAX(id) FROM audit_event")[0][0]
    last_campaign = rows(target, "SELECT MAX(id) FROM campaign")[0][0]
    assert (rows(target, f"SELECT {AUDIT_COLUMNS} FROM audit_event ORDER BY id")
            == rows(source, f"SELECT {AUDIT_COLUMNS} FROM audit_event WHERE id <= {last_event} ORDER BY id"))
    campaign_sql = "SELECT id, name, start_date, end_date FROM campaign WHERE id <= {} ORDER BY id"
    assert rows(target, campaign_sql.format(last_campaign)) == rows(source, campaign_sql.format(last_campaign))

    # Consistent: each of the writer's transactions is in the backup whole (campaign and its event)
    # or not at all.
    theirs = {str(r[0]) for r in rows(target, f"SELECT id FROM campaign WHERE name LIKE '{WRITER} %'")}
    events = {r[0] for r in rows(target, "SELECT entity_id FROM audit_event WHERE entity = 'campaign' "
                                         f"AND action = 'create' AND username = '{WRITER}'")}
    assert len(theirs) >= 20 and theirs == events

    # The restored database works: new ids follow the restored ones, the leader's dashboard answers.
    app = make_app(target)
    try:
        with audit.acting_as(None, "after-restore"), new_session(app) as session:
            campaign = Campaign(name="after", start_date=date(2027, 1, 1), end_date=date(2027, 1, 31))
            session.add(campaign)
            session.commit()
            assert campaign.id > last_campaign
            assert session.execute(select(AuditEvent.id).where(AuditEvent.username == "after-restore")
                                   ).scalar() > last_event
        client = app.test_client()
        login = client.post("/auth/login", data={"username": "leader", "password": "demo123"})
        assert login.status_code == 302
        assert client.get("/dashboard/").status_code == 200
    finally:
        app.extensions["planner.engine"].dispose()


def test_restore_refuses_a_database_with_data_unless_yes(demo_backup):
    backend, dbs, source, path, _output = demo_backup
    target = dbs.new("busy")
    migrate.upgrade(target)
    engine = create_engine(target)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO hierarchy_version (name, valid_from, is_current, middle_level) "
                          "VALUES ('mine', '2030-01-01', false, 'district')"))
    engine.dispose()
    before = counts(target)

    refused = cli(target, "restore", str(path))
    assert refused.exit_code == 1
    assert "not empty" in refused.output and "--yes" in refused.output
    assert counts(target) == before  # nothing changed

    done = cli(target, "restore", str(path), "--yes")
    assert done.exit_code == 0, done.output
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    assert counts(target) == manifest["tables"]
    assert rows(target, "SELECT COUNT(*) FROM hierarchy_version WHERE name = 'mine'") == [(0,)]


def test_backup_does_not_overwrite_a_file(demo_backup):
    _backend, _dbs, source, path, _output = demo_backup
    size = path.stat().st_size
    result = cli(source, "backup", str(path))
    assert result.exit_code == 1 and "exists" in result.output
    assert path.stat().st_size == size


# --- smaller cases ------------------------------------------------------------------------

@pytest.fixture(params=BACKENDS)
def dbs(request, tmp_path):
    made = Databases(request.param, tmp_path)
    yield made
    made.drop_all()


def test_a_backup_of_an_older_schema_is_upgraded_on_restore(dbs):
    script = ScriptDirectory(str(ROOT / "migrations"))
    head = script.get_current_head()
    older = script.get_revision(head).down_revision
    source = dbs.new("old")
    migrate.upgrade(source, older)
    engine = create_engine(source)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO hierarchy_version (name, valid_from, is_current) "
                          "VALUES ('Nghệ An 2020–2024 (460 xã)', '2020-01-01', true)"))
    engine.dispose()
    path = dbs.folder / "old.zip"
    made = cli(source, "backup", str(path))
    assert made.exit_code == 0, made.output
    assert json.loads(zipfile.ZipFile(path).read("manifest.json"))["revision"] == older

    target = dbs.new("new")
    result = cli(target, "restore", str(path))
    assert result.exit_code == 0, result.output
    assert f"schema upgraded from {older} to {head}" in result.output
    assert rows(target, "SELECT version_num FROM alembic_version") == [(head,)]
    assert rows(target, "SELECT name FROM hierarchy_version") == [("Nghệ An 2020–2024 (460 xã)",)]


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="needs PLANNER_TEST_DATABASE_URL")
def test_a_backup_restores_only_into_the_engine_that_made_it(tmp_path):
    made = {}
    databases = {backend: Databases(backend, tmp_path) for backend in ("sqlite", "postgresql")}
    try:
        for backend, dbs in databases.items():
            url = dbs.new("source")
            migrate.upgrade(url)
            made[backend] = tmp_path / f"{backend}.zip"
            assert cli(url, "backup", str(made[backend])).exit_code == 0
        for backend, dbs in databases.items():
            other = "postgresql" if backend == "sqlite" else "sqlite"
            target = dbs.new("target")
            result = cli(target, "restore", str(made[other]), "--yes")
            assert result.exit_code == 1
            names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
            assert f"backup of a {names[other]} database" in result.output
            assert f"is {names[backend]}" in result.output
            assert counts(target) == {}  # nothing was made
    finally:
        for dbs in databases.values():
            dbs.drop_all()


def test_a_file_that_is_no_backup_is_refused(tmp_path):
    url = "sqlite:///" + str(tmp_path / "target.sqlite")
    for name, data in (("notes.txt", b"hello"), ("other.zip", None)):
        path = tmp_path / name
        if data is None:
            with zipfile.ZipFile(path, "w") as archive:
                archive.writestr("readme.txt", "not a backup")
        else:
            path.write_bytes(data)
        result = cli(url, "restore", str(path))
        assert result.exit_code == 2
        assert "not a planner backup" in result.output
    missing = cli(url, "restore", str(tmp_path / "nowhere.zip"))
    assert missing.exit_code == 2 and "no backup file" in missing.output
    assert not (tmp_path / "target.sqlite").exists()


def test_a_bare_sqlite_file_restores(tmp_path):
    source = "sqlite:///" + str(tmp_path / "bare.sqlite")
    migrate.upgrade(source)
    target = "sqlite:///" + str(tmp_path / "target.sqlite")
    result = cli(target, "restore", str(tmp_path / "bare.sqlite"))
    assert result.exit_code == 0, result.output
    assert counts(target) == counts(source)


def test_postgresql_without_its_client_programs_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "PG_BIN_GLOB", str(tmp_path / "no-postgresql" / "*" / "bin"))
    url = "postgresql+psycopg://planner:s3cret@127.0.0.1:1/planner"
    result = cli(url, "backup", str(tmp_path / "x.zip"), PATH=str(tmp_path))
    assert result.exit_code == 2
    assert "pg_dump is not installed" in result.output and "postgresql-client" in result.output
    assert not (tmp_path / "x.zip").exists()


def test_the_password_goes_through_the_environment_never_the_command_line():
    url = "postgresql+psycopg://planner:s3cret@db.example:6432/planner_prod?sslmode=require"
    env = backup.pg_environment(url, base={"PATH": "/bin", "PGPASSWORD": "old"})
    assert env == {"PATH": "/bin", "PGHOST": "db.example", "PGPORT": "6432", "PGUSER": "planner",
                   "PGPASSWORD": "s3cret", "PGDATABASE": "planner_prod", "PGSSLMODE": "require"}
    for command in (backup.pg_dump_command("pg_dump", snapshot="00000003-1", payload="x.pgdump"),
                    backup.pg_restore_command("pg_restore", database="planner_prod", payload="x.pgdump")):
        line = " ".join(command)
        assert "s3cret" not in line and "db.example" not in line and "planner:" not in line
