"""The audit trail and the access log refuse TRUNCATE too, not only UPDATE and DELETE row by row
(a TRUNCATE, directly or cascaded from the users table, fires no row trigger).

One way round it: a session with `audit.allow_truncate` set to `on`. Only a disposable database
sets it: the test suite's (tests/environment.py, through PGOPTIONS), whose flush between
transactional tests empties every table. A production connection never sets it."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION audit_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('audit.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
CREATE TRIGGER access_event_no_truncate
    BEFORE TRUNCATE ON audit_accessevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS access_event_no_truncate ON audit_accessevent;
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_refuse_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_access_ids_fast")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
