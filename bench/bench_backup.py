"""Backup and restore of the demo (issue 10): seconds and bytes on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_backup.py
    .venv/bin/python bench/bench_backup.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Data: the plain `planner demo` (460 communes, coverage, targets, field work and its audit trail; no
boundaries), built once per backend in a scratch database. Then, --runs times each, through the
same functions as `planner backup FILE` and `planner restore FILE --yes`:
  backup   the demo database to a fresh file (SQLite: online backup API + zip; PostgreSQL: pg_dump -Fc
           in the snapshot its rows are counted in);
  restore  that file into a second scratch database (the first run into an empty database, later runs
           over the previous restore, as `--yes` does), row counts checked against the backup's
           manifest, migrations run to head.
Printed: the median seconds, the backup file's bytes (and the database's own size), tables and rows.

The database backend: SQLite always; PostgreSQL too when --database-url (or the environment's
PLANNER_TEST_DATABASE_URL) names a server to create the scratch databases on.
"""
import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _databases import drop_database, fresh_database, make_app  # noqa: E402


def database_bytes(url):
    from sqlalchemy import create_engine, make_url, text

    if url.startswith("sqlite"):
        return os.path.getsize(make_url(url).database)
    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
    engine.dispose()
    return size


def run(db, pg_url, tmpdir, runs):
    from planner.services import backup

    source = fresh_database(db, pg_url, tmpdir, "bench_backup_source")
    target = fresh_database(db, pg_url, tmpdir, "bench_backup_target")
    try:
        app = make_app(source)
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        app.extensions["planner.engine"].dispose()
        made, restored = [], []
        for n in range(runs):
            path = Path(tmpdir) / f"{db}-{n}.zip"
            made.append(backup.backup(url=source, path=str(path)))
            restored.append(backup.restore(url=target, path=str(path), confirm=True))
        last = made[-1]
        assert restored[-1]["tables"] == last["tables"]
        return {
            "db": db, "database_bytes": database_bytes(source), "bytes": last["bytes"],
            "tables": len(last["tables"]), "rows": last["rows"],
            "backup_s": statistics.median(r["seconds"] for r in made),
            "restore_s": statistics.median(r["seconds"] for r in restored),
        }
    finally:
        drop_database(db, pg_url, "bench_backup_source")
        drop_database(db, pg_url, "bench_backup_target")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("PLANNER_TEST_DATABASE_URL"),
                        help="A PostgreSQL server to make the scratch databases on (else SQLite only).")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if args.database_url else [])
    print("| db | database bytes | backup file bytes | tables | rows | backup s | restore s |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmpdir:
        for db in backends:
            r = run(db, args.database_url, tmpdir, args.runs)
            print(f"| {r['db']} | {r['database_bytes']:,} | {r['bytes']:,} | {r['tables']} | {r['rows']:,} | "
                  f"{r['backup_s']:.2f} | {r['restore_s']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
