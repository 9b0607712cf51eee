"""A posted (or reversed) journal entry balances and has at least two lines: checked by a deferred constraint
trigger at commit, whoever writes the rows (services check it first, with a clearer message). Then the roles get
ERP's permissions (Finance: the books; Manager and Admin also `erp.reopen_period`)."""

from django.db import migrations

from apps.core.roles import sync_roles

CHECK_FUNCTION = """
CREATE OR REPLACE FUNCTION erp_assert_entry_balanced(target bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    entry_status varchar;
    total_debit numeric;
    total_credit numeric;
    line_count integer;
BEGIN
    SELECT status INTO entry_status FROM erp_journalentry WHERE id = target;
    -- a draft may be anything; a deleted entry has nothing left to check
    IF entry_status IS NULL OR entry_status NOT IN ('posted', 'reversed') THEN
        RETURN;
    END IF;
    SELECT COALESCE(SUM(l.debit), 0), COALESCE(SUM(l.credit), 0), COUNT(*)
      INTO total_debit, total_credit, line_count
      FROM erp_journalline l WHERE l.entry_id = target;
    IF total_debit <> total_credit OR line_count < 2 THEN
        RAISE EXCEPTION 'journal entry % is % but unbalanced: debit %, credit %, % lines',
            target, entry_status, total_debit, total_credit, line_count
            USING ERRCODE = 'check_violation', CONSTRAINT = 'erp_journalentry_balanced';
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION erp_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'erp_journalentry' THEN
        PERFORM erp_assert_entry_balanced(NEW.id);
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM erp_assert_entry_balanced(OLD.entry_id);  -- what a changed or removed line leaves behind
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM erp_assert_entry_balanced(NEW.entry_id);
    END IF;
    RETURN NULL;
END;
$$;
"""
TRIGGERS = """
CREATE CONSTRAINT TRIGGER erp_journalentry_balanced
    AFTER INSERT OR UPDATE ON erp_journalentry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION erp_check_entry_balanced();
CREATE CONSTRAINT TRIGGER erp_journalline_balanced
    AFTER INSERT OR UPDATE OR DELETE ON erp_journalline
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION erp_check_entry_balanced();
"""
DROP = """
DROP TRIGGER IF EXISTS erp_journalline_balanced ON erp_journalline;
DROP TRIGGER IF EXISTS erp_journalentry_balanced ON erp_journalentry;
DROP FUNCTION IF EXISTS erp_check_entry_balanced();
DROP FUNCTION IF EXISTS erp_assert_entry_balanced(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [("erp", "0001_ledger"), ("core", "0002_roles_and_reference_data")]

    operations = [
        migrations.RunSQL(CHECK_FUNCTION + TRIGGERS, DROP),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
