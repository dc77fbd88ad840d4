-- 0005_indexes_lead_with_the_case.sql: no index leads with `unit`.
--
-- Every query names the unit, and most also name the case. When several indexes began with
-- `unit`, the planner could not tell them apart on a young table: a plan made while the table
-- was empty used whichever came first, e.g. (unit, holder, deadline) to find one case by uuid,
-- and kept it, so each lookup read every case of the unit. The connections worked around that
-- by planning every statement afresh (plan_cache_mode=force_custom_plan), which made planning
-- the largest cost of a case at every hop, foreign-key checks included. Now each index begins
-- with the column that picks the rows (the case, the state, the department, the day), so the
-- right index is the only one that fits, and a statement is planned once per connection.
-- The children's foreign keys hang on the cases' primary key: they are dropped and re-added.
ALTER TABLE case_parties DROP CONSTRAINT case_parties_unit_uuid_fkey;
ALTER TABLE case_events DROP CONSTRAINT case_events_unit_uuid_fkey;
ALTER TABLE case_departments DROP CONSTRAINT case_departments_unit_uuid_fkey;
ALTER TABLE case_documents DROP CONSTRAINT case_documents_unit_uuid_fkey;
ALTER TABLE notices DROP CONSTRAINT notices_unit_uuid_fkey;
ALTER TABLE feedback DROP CONSTRAINT feedback_unit_uuid_fkey;

ALTER TABLE cases DROP CONSTRAINT cases_pkey, ADD PRIMARY KEY (uuid, unit);
ALTER TABLE cases DROP CONSTRAINT cases_unit_case_no_key, ADD UNIQUE (case_no, unit);
DROP INDEX cases_unit_state;
CREATE INDEX cases_state ON cases (state, unit);
DROP INDEX cases_unit_created;
CREATE INDEX cases_created ON cases (created_at, unit);
DROP INDEX cases_unit_holder_deadline;
CREATE INDEX cases_holder_deadline ON cases (holder, deadline, unit);

ALTER TABLE case_parties DROP CONSTRAINT case_parties_pkey, ADD PRIMARY KEY (uuid, unit, idx);
ALTER TABLE case_events DROP CONSTRAINT case_events_pkey, ADD PRIMARY KEY (event_uuid, unit);
DROP INDEX case_events_case;
CREATE INDEX case_events_case ON case_events (uuid, unit, at);
ALTER TABLE case_departments DROP CONSTRAINT case_departments_pkey,
    ADD PRIMARY KEY (uuid, unit, dept);
DROP INDEX case_departments_dept;
CREATE INDEX case_departments_dept ON case_departments (dept, unit);
ALTER TABLE case_documents DROP CONSTRAINT case_documents_pkey, ADD PRIMARY KEY (doc_uuid, unit);
CREATE INDEX case_documents_case ON case_documents (uuid, unit);
ALTER TABLE notices DROP CONSTRAINT notices_pkey, ADD PRIMARY KEY (notice_uuid, unit);
DROP INDEX notices_case;
CREATE INDEX notices_case ON notices (uuid, unit, kind, at_ms);
ALTER TABLE feedback DROP CONSTRAINT feedback_pkey, ADD PRIMARY KEY (fb_uuid, unit);
CREATE INDEX feedback_case ON feedback (uuid, unit);

ALTER TABLE case_parties ADD FOREIGN KEY (unit, uuid) REFERENCES cases (unit, uuid);
ALTER TABLE case_events ADD FOREIGN KEY (unit, uuid) REFERENCES cases (unit, uuid);
ALTER TABLE case_departments ADD FOREIGN KEY (unit, uuid) REFERENCES cases (unit, uuid);
ALTER TABLE case_documents ADD FOREIGN KEY (unit, uuid) REFERENCES cases (unit, uuid);
ALTER TABLE notices ADD FOREIGN KEY (unit, uuid) REFERENCES cases (unit, uuid);
ALTER TABLE feedback ADD FOREIGN KEY (unit, uuid) REFERENCES cases (unit, uuid);
