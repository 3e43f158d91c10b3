"""`planner` commands: db, demo, import, user, token, backup, restore, serve. Each runs inside an app context."""
import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from planner import audit

db_cli = AppGroup("db", help="Database schema (Alembic).")
import_cli = AppGroup("import", help="Import boundaries, communes, classifications, denominators, coverage.")
user_cli = AppGroup("user", help="Manage users.")
token_cli = AppGroup("token", help="API bearer tokens.")


def _url():
    return current_app.config["DATABASE_URL"]


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision):
    """Apply migrations up to REVISION (default: head)."""
    from planner import migrate
    migrate.upgrade(_url(), revision)
    click.echo(f"Database at {revision}.")


@db_cli.command("check")
def db_check():
    """Fail if the models and the migrations disagree."""
    from planner import migrate
    migrate.check(_url())
    click.echo("Models and migrations agree.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message):
    """Autogenerate a migration from the models."""
    from planner import migrate
    migrate.revision(_url(), message)


def _history_options(command):
    """--boundaries-2019, --crosswalk, --no-2019 and --no-reforms, shared by `demo` and `serve`."""
    command = click.option("--no-reforms", "no_reforms", is_flag=True,
                           help="Do not load the December 2024 (412 units) and July 2025 (130 communes, office "
                                "areas) structures found next to --boundaries.")(command)
    command = click.option("--no-2019", "no_2019", is_flag=True,
                           help="Do not look for the 2019 files next to --boundaries.")(command)
    command = click.option("--crosswalk", type=click.Path(dir_okay=False), envvar="PLANNER_DEMO_CROSSWALK",
                           help="Official 2019->2020 crosswalk CSV (e.g. ../shared/geo/nghe-an/"
                                "crosswalk-2019-to-2020.csv).")(command)
    command = click.option("--boundaries-2019", "boundaries_2019", type=click.Path(dir_okay=False),
                           envvar="PLANNER_DEMO_BOUNDARIES_2019",
                           help="The 480 units of 2019 (e.g. ../shared/geo/nghe-an/communes-2019.geojson): "
                                "loaded beside the current hierarchy with coverage 2019-2023. Default: "
                                "communes-2019.geojson and crosswalk-2019-to-2020.csv next to --boundaries.")(command)
    return command


@click.command("demo")
@click.option("--boundaries", type=click.Path(dir_okay=False), envvar="PLANNER_DEMO_BOUNDARIES",
              help="Boundary file to load (e.g. ../shared/geo/nghe-an/communes-2020-2024.geojson).")
@click.option("--password", default="demo123", show_default=True, help="Password of every demo user.")
@_history_options
@with_appcontext
def demo_command(boundaries, password, boundaries_2019=None, crosswalk=None, no_2019=False, no_reforms=False):
    """Build Nghệ An's 21 districts and 460 communes with demo coverage data; with the 2019 files,
    the 480 units of 2019 and coverage from 2019 on; with the files of the two reforms next to
    --boundaries (communes-2024-12.geojson, communes-2025-07.geojson and their crosswalks), the
    412 units of December 2024 and the 130 communes of July 2025 in office areas, each month's
    figures on the structure in force that month."""
    from planner import migrate
    from planner.db import new_session
    from planner.services import demo

    if bool(boundaries_2019) != bool(crosswalk):
        raise click.UsageError("--boundaries-2019 and --crosswalk go together.")
    if not boundaries_2019 and not no_2019:
        boundaries_2019, crosswalk = demo.sibling_history_files(boundaries)
    if no_2019:
        boundaries_2019 = crosswalk = None
    migrate.upgrade(_url())
    with audit.acting_as(None, "demo"), new_session() as session:
        report = demo.build_demo(session=session, boundaries=boundaries, password=password,
                                 boundaries_2019=boundaries_2019, crosswalk=crosswalk,
                                 reforms=None if no_reforms else demo.sibling_reform_files(boundaries))
    for line in report:
        click.echo(line)


@import_cli.command("boundaries")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Report only; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: matched, ambiguous, unmatched, invalid.")
@click.option("--version", "version_name", default=None, help="Hierarchy version name (default: the current one).")
def import_boundaries(path, dry_run, as_json, version_name):
    """Match a boundary file's features to communes and store their shapes (all or nothing)."""
    from planner.db import new_session
    from planner.services import boundaries

    with audit.acting_as(None, "cli"), new_session() as session:
        try:
            result = boundaries.import_boundaries(
                session=session, path=path, dry_run=dry_run, version_name=version_name,
                max_bytes=current_app.config.get("MAX_BOUNDARY_BYTES"),
                source=path,
            )
        except boundaries.BoundaryImportError as exc:
            if as_json:
                click.echo(json.dumps({"error": str(exc)}, ensure_ascii=False))
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
    report = result["report"]
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        for key in ("matched", "ambiguous", "unmatched", "invalid"):
            click.echo(f"{key}: {len(report[key])}")
        for key in ("ambiguous", "unmatched", "invalid"):
            for row in report[key]:
                click.echo(f"  {key}: {row.get('feature_name') or row.get('index')}: {row.get('reason', '')}")
        click.echo(result["message"])
    sys.exit(0 if result["ok"] else 1)


@import_cli.command("hierarchy")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--name", required=True, help="Name of the new hierarchy version, e.g. 'Nghệ An 2019 (480 xã)'.")
@click.option("--valid-from", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--valid-to", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--population-year", type=int, default=None, help="Read population from column dan_so_<year>.")
@click.option("--no-boundaries", is_flag=True, help="Do not store the file's geometries.")
@click.option("--middle-level", type=click.Choice(["district", "office"]), default=None,
              help="What groups the communes: districts (ma_huyen, ten_huyen) or grassroots SI office areas "
                   "(default for a file with ma_huyen_cu, ten_huyen_cu and no ma_huyen: the July 2025 structure).")
@click.option("--end-previous", is_flag=True,
              help="End an open-ended earlier version the day before --valid-from (else overlapping dates are refused).")
def import_hierarchy(path, name, valid_from, valid_to, population_year, no_boundaries, middle_level, end_previous):
    """Add a hierarchy version (e.g. the 480 communes of 2019, the 412 of December 2024 or the 130
    communes of July 2025) from a file of communes; the version in force today becomes current."""
    from planner.db import new_session
    from planner.services import hierarchy

    with audit.acting_as(None, "cli"), new_session() as session:
        try:
            version, districts, communes = hierarchy.import_version(
                session=session, path=path, name=name, valid_from=valid_from.date(),
                valid_to=valid_to.date() if valid_to else None, population_year=population_year,
                with_boundaries=not no_boundaries, middle_level=middle_level, end_previous=end_previous)
        except hierarchy.HierarchyError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        middle = "office areas" if version.middle_level == "office" else "districts"
        click.echo(f"Version '{version.name}': {districts} {middle}, {communes} communes"
                   f"{' (current)' if version.is_current else ''}.")


@import_cli.command("crosswalk")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--from", "from_name", required=True, help="Name of the older hierarchy version.")
@click.option("--to", "to_name", required=True, help="Name of the newer hierarchy version.")
@click.option("--old-column", default=None, help="Column of the old codes (default: the older ma_xa_<year>[_<month>]).")
@click.option("--new-column", default=None, help="Column of the new codes (default: the newer ma_xa_<year>[_<month>]).")
@click.option("--dry-run", is_flag=True)
def import_crosswalk(path, from_name, to_name, old_column, new_column, dry_run):
    """Link communes of two hierarchy versions from an official crosswalk CSV (all or nothing)."""
    from planner.db import new_session
    from planner.services import hierarchy

    with audit.acting_as(None, "cli"), new_session() as session:
        try:
            old = hierarchy.version_by_name(session=session, name=from_name)
            new = hierarchy.version_by_name(session=session, name=to_name)
        except hierarchy.HierarchyError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        with open(path, "rb") as fh:
            count, errors = hierarchy.import_crosswalk(session=session, data=fh.read(), from_version=old,
                                                       to_version=new, dry_run=dry_run, old_column=old_column,
                                                       new_column=new_column)
        carried = None
        if not errors and not dry_run:
            # Agents' communes follow the crosswalk as proposals an admin approves (/offices/carry-over).
            from planner.services import carry_over

            into, counts = carry_over.propose_after_import(session=session, to_version=new)
            carried = (into.name, counts["created"], carry_over.pending_count(session=session))
    for err in errors:
        click.echo(err, err=True)
    if errors:
        click.echo(f"{len(errors)} problem{'' if len(errors) == 1 else 's'}; nothing written.", err=True)
        sys.exit(1)
    click.echo(f"{count} links {'checked' if dry_run else 'written'}.")
    if carried is not None:
        name, created, pending = carried
        click.echo(f"Agents' communes carried into '{name}': {created} new proposals; {pending} wait for an "
                   f"admin at /offices/carry-over.")


def _tabular_import_command(kind):
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Check every row; write nothing.")
    def command(path, dry_run):
        from planner.db import new_session
        from planner.services import imports

        with open(path, "rb") as fh:
            data = fh.read()
        with audit.acting_as(None, "cli"), new_session() as session:
            result = imports.run_import(session=session, kind=kind, filename=path, data=data,
                                        dry_run=dry_run, user=None)
        for err in result.errors:
            where = ", ".join(str(part) for part in (err.row and f"row {err.row}", err.column) if part)
            click.echo(f"{where}: {err.message}" if where else err.message, err=True)
        if result.errors:
            click.echo(f"{len(result.errors)} bad rows; nothing written.", err=True)
            sys.exit(1)
        click.echo(f"{result.count} rows {'checked' if dry_run else 'written'}.")

    command.__doc__ = f"Import {kind} from CSV (UTF-8) or XLSX: all rows or none."
    return command


for _kind in ("communes", "classifications", "denominators", "coverage"):
    import_cli.command(_kind)(_tabular_import_command(_kind))


@user_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["leader", "district_head", "agent", "admin"]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--district", "district_code", default=None, help="District GSO code (district heads).")
@click.option("--communes", default="", help="Comma-separated commune GSO codes (agents).")
@click.option("--name", "full_name", default="")
def user_create(username, role, password, district_code, communes, full_name):
    """Create a user with a role and a scope."""
    from planner.db import new_session
    from planner.services import users

    codes = [c.strip() for c in communes.split(",") if c.strip()]
    with audit.acting_as(None, "cli"), new_session() as session:
        try:
            users.create_user(session=session, username=username, role=role, password=password,
                              district_code=district_code, commune_codes=codes, full_name=full_name)
        except ValueError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
    click.echo(f"User {username} created.")


@token_cli.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for (shown on the user's token page).")
def token_create(username, name):
    """Create an API token for USERNAME and print it (the only time it is shown)."""
    from sqlalchemy import select

    from planner.db import new_session
    from planner.models import User
    from planner.services import tokens

    with audit.acting_as(None, "cli"), new_session() as session:
        user = session.execute(select(User).where(User.username == username)).scalars().first()
        if user is None or not user.active:
            click.echo(f"Error: no active user {username!r}.", err=True)
            sys.exit(1)
        try:
            _token, raw = tokens.create_token(session=session, user=user, name=name)
        except tokens.TokenError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
    click.echo(raw)


def _print_tables(tables):
    width = max((len(name) for name in tables), default=0)
    for name, rows in sorted(tables.items()):
        click.echo(f"  {name:<{width}}  {rows:>12,}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--overwrite", is_flag=True, help="Replace PATH if it exists.")
@click.option("--verbose", "-v", is_flag=True, help="List every table with its rows.")
@with_appcontext
def backup_command(path, overwrite, verbose):
    """Back up the configured database to PATH (a zip: manifest + the database), consistent while the
    app runs: SQLite through its online backup API, PostgreSQL through pg_dump -Fc."""
    from planner.services import backup

    try:
        report = backup.backup(url=_url(), path=path, overwrite=overwrite,
                               pg_bindir=current_app.config.get("PG_BINDIR"))
    except backup.BackupError as exc:
        click.echo(f"Error: {exc}.", err=True)
        sys.exit(exc.exit_code)
    if verbose:
        _print_tables(report["tables"])
    click.echo(f"Backup of the {report['engine']} database (revision {report['revision']}) written to "
               f"{report['path']}: {report['bytes']:,} bytes, {len(report['tables'])} tables, "
               f"{report['rows']:,} rows, {report['seconds']:.2f} s.")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", "confirm", is_flag=True, help="Replace a database that holds data.")
@click.option("--verbose", "-v", is_flag=True, help="List every table with its rows.")
@with_appcontext
def restore_command(path, confirm, verbose):
    """Restore the backup PATH into the configured database (refused when the database holds data,
    unless --yes), then upgrade its schema to the current revision."""
    from planner.services import backup

    try:
        report = backup.restore(url=_url(), path=path, confirm=confirm,
                                pg_bindir=current_app.config.get("PG_BINDIR"))
    except backup.BackupError as exc:
        click.echo(f"Error: {exc}.", err=True)
        sys.exit(exc.exit_code)
    if verbose:
        _print_tables(report["tables"])
    schema = (f"schema upgraded from {report['revision']} to {report['upgraded_to']}"
              if report["revision"] != report["upgraded_to"] else f"schema at {report['upgraded_to']}")
    made = f" made {report['created_at']}" if report.get("created_at") else ""
    click.echo(f"Restored {report['path']} ({report['engine']} backup{made}, {report['bytes']:,} bytes): "
               f"{len(report['tables'])} tables, {report['rows']:,} rows, {report['seconds']:.2f} s; {schema}.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo", "with_demo", is_flag=True, help="Upgrade the database and load the demo first.")
@click.option("--boundaries", type=click.Path(dir_okay=False), envvar="PLANNER_DEMO_BOUNDARIES")
@_history_options
@click.pass_context
@with_appcontext
def serve(ctx, host, port, with_demo, boundaries, boundaries_2019=None, crosswalk=None, no_2019=False,
          no_reforms=False):
    """Upgrade the database (and load the demo), then serve on HOST:PORT."""
    from planner import config, migrate

    try:
        note = config.serving_key(current_app)
    except config.InsecureSecretKey as exc:
        raise click.ClickException(str(exc)) from None
    if note:
        click.echo(note)
    migrate.upgrade(_url())
    if with_demo:
        ctx.invoke(demo_command, boundaries=boundaries, password="demo123", boundaries_2019=boundaries_2019,
                   crosswalk=crosswalk, no_2019=no_2019, no_reforms=no_reforms)
    from werkzeug.serving import run_simple
    click.echo(f"Serving on http://{host}:{port}/  (production: gunicorn 'planner:create_app()')")
    run_simple(host, port, current_app._get_current_object(), threaded=True)


def init_app(app):
    app.cli.add_command(db_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(user_cli)
    app.cli.add_command(token_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(serve)


def main():
    from planner import create_app
    # cli=True: commands start with any key; `serve` then refuses a short one or keeps a generated one.
    cli = FlaskGroup(create_app=lambda: create_app(cli=True), help="The participant-development campaign planner.")
    cli.main(prog_name="planner")
