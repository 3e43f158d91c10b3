"""Backups of the planner's database and their restore, on SQLite and PostgreSQL.

A backup is one zip file holding `manifest.json` (which engine made it, when, the schema revision,
every table's row count) and the database itself: `database.sqlite` (a plain SQLite file, made with
SQLite's online backup API, so it is consistent while the app keeps writing) or `database.pgdump`
(`pg_dump -Fc`, read in one snapshot that the row counts come from too). Unzipped, either file is
what `sqlite3` or `pg_restore` read directly; a bare SQLite file or `pg_dump -Fc` archive is
accepted by restore as well.

Restore replaces the configured database with the backup, refuses a non-empty database unless the
caller confirms, refuses a backup of the other engine, checks every table's rows against the
manifest, then runs the migrations up to head so a backup of an older schema is upgraded.
PostgreSQL's client programs get the connection through PG* environment variables, never on the
command line (where `ps` would show the password).
"""
import glob
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, inspect, make_url, pool, text

FORMAT = "planner-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PAYLOAD = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
ENGINES = tuple(PAYLOAD)
# Where Debian and Ubuntu put PostgreSQL's programs when they are not on PATH.
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
# URL query parameters that libpq reads from the environment as well.
_PG_QUERY_ENV = {"host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
                 "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT",
                 "options": "PGOPTIONS", "target_session_attrs": "PGTARGETSESSIONATTRS"}


class BackupError(Exception):
    """Refused: nothing was changed (exit status 1)."""
    exit_code = 1


class BackupUnusable(BackupError):
    """A file that is not a backup, or a tool that is not installed (exit status 2)."""
    exit_code = 2


def engine_of(url):
    """"sqlite" or "postgresql" for a SQLAlchemy URL."""
    backend = make_url(url).get_backend_name()
    if backend not in ENGINES:
        raise BackupUnusable(f"backups are made of SQLite and PostgreSQL databases, not {backend}")
    return backend


def _safe_url(url):
    return make_url(url).render_as_string(hide_password=True)


# --- counting -----------------------------------------------------------------------------

def _quote(conn, name):
    return conn.dialect.identifier_preparer.quote(name)


def _tables(conn):
    names = inspect(conn).get_table_names()
    return sorted(n for n in names if not n.startswith("sqlite_"))


def count_rows(conn):
    """{table: rows} of every table on a SQLAlchemy connection (alembic_version included)."""
    return {name: conn.execute(text(f"SELECT COUNT(*) FROM {_quote(conn, name)}")).scalar()
            for name in _tables(conn)}


def _revision(counts, conn):
    if "alembic_version" not in counts:
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _engine(url):
    return create_engine(url, poolclass=pool.NullPool)


def database_counts(url):
    """{table: rows} of the database at url ({} when it has no tables or, for SQLite, no file)."""
    if engine_of(url) == "sqlite" and not os.path.exists(_sqlite_path(url)):
        return {}
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return count_rows(conn)
    finally:
        engine.dispose()


def data_rows(counts):
    """Rows of the app's own tables (the schema's revision row does not make a database non-empty)."""
    return sum(n for name, n in counts.items() if name != "alembic_version")


# --- SQLite -------------------------------------------------------------------------------

def _sqlite_path(url):
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupUnusable("only a SQLite database in a file can be backed up or restored")
    return os.path.abspath(database)


def _sqlite_readonly(path):
    return sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)


def _sqlite_backup(url, payload):
    """Copy the live database into payload in one step of SQLite's backup API: the copy is of one
    moment (writers wait for it; a copy step that finds the database locked is retried)."""
    source_path = _sqlite_path(url)
    if not os.path.exists(source_path):
        raise BackupError(f"no SQLite database at {source_path}")
    source = _sqlite_readonly(source_path)
    try:
        target = sqlite3.connect(payload)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    counts = database_counts(f"sqlite:///{payload}")
    return counts, _sqlite_file_revision(payload)


def _sqlite_file_revision(path):
    conn = _sqlite_readonly(path)
    try:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            return None
        return row[0] if row else None
    finally:
        conn.close()


def _sqlite_check(path):
    conn = _sqlite_readonly(path)
    try:
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupUnusable(f"the SQLite database in the backup is damaged: {exc}") from exc
    finally:
        conn.close()
    if result != "ok":
        raise BackupUnusable(f"the SQLite database in the backup is damaged: {result}")


def _sqlite_restore(payload, url):
    target_path = _sqlite_path(url)
    os.makedirs(os.path.dirname(target_path), exist_ok=True)
    source = _sqlite_readonly(payload)
    try:
        target = sqlite3.connect(target_path)
        try:
            source.backup(target)  # replaces every page of the target, in one step
        finally:
            target.close()
    finally:
        source.close()


# --- PostgreSQL ---------------------------------------------------------------------------

def find_pg_tool(name, bindir=None):
    """The path of pg_dump / pg_restore: in bindir when given, else on PATH, else in the newest
    /usr/lib/postgresql/<version>/bin. None when it is not installed."""
    if bindir:
        candidate = os.path.join(bindir, name)
        return candidate if os.access(candidate, os.X_OK) else None
    found = shutil.which(name)
    if found:
        return found

    def version(path):
        part = Path(path).parent.name
        return [int(p) for p in part.split(".") if p.isdigit()] or [0]

    for folder in sorted(glob.glob(PG_BIN_GLOB), key=version, reverse=True):
        candidate = os.path.join(folder, name)
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _require_pg_tool(name, bindir):
    path = find_pg_tool(name, bindir)
    if path is None:
        raise BackupUnusable(
            f"{name} is not installed: PostgreSQL backups need PostgreSQL's client programs "
            f"(Debian/Ubuntu: apt-get install postgresql-client), on PATH or in PLANNER_PG_BINDIR")
    return path


def pg_environment(url, base=None):
    """The environment for pg_dump/pg_restore: the connection of url as PG* variables (so the
    password never appears on a command line), everything else from base (os.environ)."""
    parsed = make_url(url)
    env = dict(os.environ if base is None else base)
    for key, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port), ("PGUSER", parsed.username),
                       ("PGPASSWORD", parsed.password), ("PGDATABASE", parsed.database)):
        if value not in (None, ""):
            env[key] = str(value)
    for key, value in parsed.query.items():
        if key in _PG_QUERY_ENV:
            env[_PG_QUERY_ENV[key]] = value if isinstance(value, str) else value[-1]
    return env


def pg_dump_command(pg_dump, *, snapshot, payload):
    """pg_dump's arguments: the connection comes from the environment (pg_environment)."""
    return [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={payload}"]


def pg_restore_command(pg_restore, *, database, payload):
    """pg_restore's arguments: all or nothing (one transaction), objects of the backup dropped first,
    owners and grants of the other server left out; the database's name is the only connection
    detail on the line."""
    return [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction",
            "--exit-on-error", "--no-password", f"--dbname={database}", payload]


def _run(command, env):
    done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip()
        raise BackupError(f"{os.path.basename(command[0])} failed: {message}")
    return done.stdout


def _pg_backup(url, payload, bindir):
    """pg_dump -Fc of the snapshot in which the rows are counted: the counts are those of the dump."""
    pg_dump = _require_pg_tool("pg_dump", bindir)
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
                counts = count_rows(conn)
                revision = _revision(counts, conn)
                _run(pg_dump_command(pg_dump, snapshot=snapshot, payload=payload), pg_environment(url))
    finally:
        engine.dispose()
    return counts, revision


def _dump_tables(pg_restore, payload):
    """The tables a pg_dump archive holds (from its table of contents)."""
    listing = _run([pg_restore, "--list", payload], dict(os.environ))
    tables = set()
    for line in listing.splitlines():
        if line.startswith(";") or ";" not in line:
            continue
        parts = line.split(";", 1)[1].split()
        # "<oid> <oid> TABLE <schema> <name> <owner>"
        if len(parts) >= 5 and parts[2] == "TABLE":
            tables.add(parts[4])
    return tables


def _pg_restore(payload, url, bindir):
    pg_restore = _require_pg_tool("pg_restore", bindir)
    in_dump = _dump_tables(pg_restore, payload)
    if "alembic_version" not in in_dump:
        raise BackupUnusable("the PostgreSQL archive is not a backup of the planner (no alembic_version table)")
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            # Tables of a newer schema that the backup does not know would survive --clean and
            # stop the migrations; the restored database is the backup's, so they go.
            for name in sorted(set(_tables(conn)) - in_dump):
                conn.execute(text(f"DROP TABLE IF EXISTS {_quote(conn, name)} CASCADE"))
    finally:
        engine.dispose()
    _run(pg_restore_command(pg_restore, database=make_url(url).database, payload=payload), pg_environment(url))


# --- the file -----------------------------------------------------------------------------

def _now():
    return datetime.now(timezone.utc)


def backup(*, url, path, overwrite=False, pg_bindir=None):
    """Write a backup of the database at url to path (a zip: manifest.json + the database).

    Returns a report: engine, bytes, tables ({name: rows}), rows, revision, seconds, path.
    The file appears only when complete (written beside it, then renamed)."""
    started = time.perf_counter()
    engine = engine_of(url)
    path = os.path.abspath(path)
    if os.path.isdir(path):
        raise BackupError(f"{path} is a folder: give the backup file's name")
    if os.path.exists(path) and not overwrite:
        raise BackupError(f"{path} exists: choose another name (or --overwrite)")
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise BackupError(f"no folder {folder}")
    with tempfile.TemporaryDirectory(prefix="planner-backup-") as work:
        payload = os.path.join(work, PAYLOAD[engine])
        if engine == "sqlite":
            counts, revision = _sqlite_backup(url, payload)
        else:
            counts, revision = _pg_backup(url, payload, pg_bindir)
        if revision is None:
            raise BackupError(f"{_safe_url(url)} is not a planner database (no schema revision): "
                              f"run `planner db upgrade` first")
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "engine": engine,
            "created_at": _now().isoformat(timespec="seconds"), "revision": revision,
            "source": _safe_url(url), "payload": PAYLOAD[engine], "tables": counts,
        }
        fd, partial = tempfile.mkstemp(prefix=".backup-", suffix=".partial", dir=folder)
        os.close(fd)
        try:
            # A SQLite file packs well; a pg_dump archive is compressed already.
            compression = zipfile.ZIP_DEFLATED if engine == "sqlite" else zipfile.ZIP_STORED
            with zipfile.ZipFile(partial, "w", compression=compression, compresslevel=6) as archive:
                archive.writestr(MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False),
                                 compress_type=zipfile.ZIP_DEFLATED)
                archive.write(payload, PAYLOAD[engine])
            os.replace(partial, path)
        except BaseException:
            if os.path.exists(partial):
                os.unlink(partial)
            raise
    return {"engine": engine, "path": path, "bytes": os.path.getsize(path), "tables": counts,
            "rows": sum(counts.values()), "revision": revision,
            "seconds": time.perf_counter() - started}


def read_backup(path, work):
    """(manifest, payload path) of a backup file; the payload is unpacked into the folder work.
    A bare SQLite file or pg_dump archive gets a manifest made from what it is."""
    if not os.path.isfile(path):
        raise BackupUnusable(f"no backup file {path}")
    with open(path, "rb") as fh:
        head = fh.read(16)
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                try:
                    manifest = json.loads(archive.read(MANIFEST))
                except KeyError:
                    raise BackupUnusable(f"{path} is a zip file but not a planner backup (no {MANIFEST})")
                if manifest.get("format") != FORMAT or manifest.get("engine") not in ENGINES:
                    raise BackupUnusable(f"{path} is not a planner backup")
                if manifest.get("format_version", 0) > FORMAT_VERSION:
                    raise BackupUnusable(f"{path} was written by a newer planner (backup format "
                                         f"{manifest['format_version']}): restore it with that version")
                name = PAYLOAD[manifest["engine"]]
                archive.extract(name, work)
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise BackupUnusable(f"{path} is damaged: {exc}") from exc
        return manifest, os.path.join(work, name)
    if head.startswith(SQLITE_MAGIC):
        return {"engine": "sqlite", "revision": _sqlite_file_revision(path), "tables": None}, path
    if head.startswith(PGDUMP_MAGIC):
        return {"engine": "postgresql", "revision": None, "tables": None}, path
    raise BackupUnusable(f"{path} is not a planner backup (neither a backup zip, a SQLite database "
                         f"nor a pg_dump -Fc archive)")


def _check_revision(revision):
    """Refuse a backup whose schema this code does not know (made by a newer planner)."""
    if revision is None:
        return
    from alembic.script import ScriptDirectory

    from planner import ROOT

    script = ScriptDirectory(str(ROOT / "migrations"))
    try:
        known = script.get_revision(revision)
    except Exception:  # alembic raises several kinds for an unknown id
        known = None
    if known is None:
        raise BackupUnusable(f"the backup's schema revision {revision} is unknown to this planner: it was "
                             f"made by a newer version; restore it with that version")


def restore(*, url, path, confirm=False, pg_bindir=None, upgrade=True):
    """Replace the database at url with the backup at path, then migrate it to head.

    Refused (nothing changed) when the backup is of the other engine, of an unknown schema, or
    when the database holds data and confirm is false. Returns a report: engine, bytes,
    tables ({name: rows} restored), rows, revision (the backup's), upgraded_to, seconds."""
    started = time.perf_counter()
    target_engine = engine_of(url)
    with tempfile.TemporaryDirectory(prefix="planner-restore-") as work:
        manifest, payload = read_backup(path, work)
        made_by = manifest["engine"]
        if made_by != target_engine:
            raise BackupError(
                f"this is a backup of a {_ENGINE_NAMES[made_by]} database; the configured database "
                f"({_safe_url(url)}) is {_ENGINE_NAMES[target_engine]}. A backup restores only into "
                f"the engine that made it")
        if made_by == "sqlite":
            _sqlite_check(payload)
            if manifest.get("revision") is None:
                raise BackupUnusable(f"{path} is not a planner database (no schema revision)")
        _check_revision(manifest.get("revision"))
        existing = database_counts(url)
        if data_rows(existing) and not confirm:
            raise BackupError(
                f"the database {_safe_url(url)} is not empty ({data_rows(existing):,} rows in "
                f"{sum(1 for n in existing if n != 'alembic_version')} tables): restoring replaces all of "
                f"it with the backup. Run again with --yes to do so")
        if made_by == "sqlite":
            _sqlite_restore(payload, url)
        else:
            _pg_restore(payload, url, pg_bindir)
    restored = database_counts(url)
    expected = manifest.get("tables")
    if expected is not None and restored != expected:
        wrong = sorted(name for name in set(expected) | set(restored) if expected.get(name) != restored.get(name))
        raise BackupError("the restored database differs from the backup's manifest in: " + ", ".join(
            f"{name} ({restored.get(name)} rows, expected {expected.get(name)})" for name in wrong))
    revision = _revision_of(url)
    upgraded_to = revision
    if upgrade:
        from planner import migrate

        migrate.upgrade(url)
        upgraded_to = _revision_of(url)
    return {"engine": made_by, "path": os.path.abspath(path), "bytes": os.path.getsize(path),
            "tables": restored, "rows": sum(restored.values()), "revision": revision,
            "upgraded_to": upgraded_to, "created_at": manifest.get("created_at"),
            "seconds": time.perf_counter() - started}


_ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _revision_of(url):
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
