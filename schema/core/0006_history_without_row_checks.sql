-- 0006_history_without_row_checks.sql: parties and history entries are written for every case
-- on every hop, and a foreign key checks each row with its own query. The daemons' connections
-- ask for custom plans (db.c: generic plans chose the wrong index on young tables), so each of
-- those checks was also planned afresh: two planned queries per case, most of a batched
-- intake's cost. The guarantee they gave is kept by the only code that writes these rows: it
-- inserts them in the transaction that inserts or locks the case row (intake, a neighbour's
-- copy, an action), and no case row is ever deleted. Documents, departments, notices and
-- feedback, written rarely, keep their foreign keys.
ALTER TABLE case_parties DROP CONSTRAINT IF EXISTS case_parties_unit_uuid_fkey;
ALTER TABLE case_events DROP CONSTRAINT IF EXISTS case_events_unit_uuid_fkey;
