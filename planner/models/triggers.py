"""The SQL of the triggers that keep enrolment_day (see models.fieldwork.EnrolmentDay), per dialect.

Shared by the migration that created them (93a704b05a48) and by every later migration that
recreates `activity` or `enrolment_day`: on SQLite, Alembic's batch_alter_table copies a table into
a new one, so the triggers go with the old `activity`, and renaming the copy fails while a trigger
names a table that is gone. Such a migration calls drop_enrolment_triggers before the alter and
create_enrolment_triggers after it (harmless on PostgreSQL, where it is done the same way).
"""
NEW = "(NEW.new_voluntary_si + NEW.new_household_hi)"
OLD = "(OLD.new_voluntary_si + OLD.new_household_hi)"
ADD_NEW = (f"INSERT INTO enrolment_day (commune_id, day, new_participants) VALUES (NEW.commune_id, NEW.done_on, {NEW}) "
           "ON CONFLICT (commune_id, day) DO UPDATE SET new_participants = "
           "enrolment_day.new_participants + excluded.new_participants")
TAKE_OLD = (f"UPDATE enrolment_day SET new_participants = new_participants - {OLD} "
            "WHERE commune_id = OLD.commune_id AND day = OLD.done_on")

TRIGGERS = {
    "sqlite": [
        f"CREATE TRIGGER enrolment_day_insert AFTER INSERT ON activity WHEN NEW.status = 'approved' "
        f"BEGIN {ADD_NEW}; END",
        f"CREATE TRIGGER enrolment_day_delete AFTER DELETE ON activity WHEN OLD.status = 'approved' "
        f"BEGIN {TAKE_OLD}; END",
        # one trigger per direction, so an update that changes nothing relevant touches nothing
        f"CREATE TRIGGER enrolment_day_update_old AFTER UPDATE ON activity WHEN OLD.status = 'approved' "
        f"BEGIN {TAKE_OLD}; END",
        f"CREATE TRIGGER enrolment_day_update_new AFTER UPDATE ON activity WHEN NEW.status = 'approved' "
        f"BEGIN {ADD_NEW}; END",
    ],
    "postgresql": [
        f"""CREATE FUNCTION enrolment_day_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'approved' THEN {TAKE_OLD}; END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'approved' THEN {ADD_NEW}; END IF;
          RETURN NULL;
        END $$""",
        "CREATE TRIGGER enrolment_day_sync AFTER INSERT OR UPDATE OR DELETE ON activity "
        "FOR EACH ROW EXECUTE FUNCTION enrolment_day_sync()",
    ],
}
DROP = {
    "sqlite": [f"DROP TRIGGER IF EXISTS enrolment_day_{name}" for name in ("insert", "delete", "update_old", "update_new")],
    "postgresql": ["DROP TRIGGER IF EXISTS enrolment_day_sync ON activity", "DROP FUNCTION IF EXISTS enrolment_day_sync()"],
}
BACKFILL = ("INSERT INTO enrolment_day (commune_id, day, new_participants) "
            "SELECT commune_id, done_on, SUM(new_voluntary_si + new_household_hi) FROM activity "
            "WHERE status = 'approved' GROUP BY commune_id, done_on")
# The trigger names each dialect's catalogue shows once they exist (for checks and tests).
NAMES = {
    "sqlite": ["enrolment_day_insert", "enrolment_day_delete", "enrolment_day_update_old", "enrolment_day_update_new"],
    "postgresql": ["enrolment_day_sync"],
}


def create_enrolment_triggers(execute, dialect):
    """Create the triggers with execute(sql) (op.execute in a migration)."""
    for statement in TRIGGERS[dialect]:
        execute(statement)


def drop_enrolment_triggers(execute, dialect):
    for statement in DROP[dialect]:
        execute(statement)
