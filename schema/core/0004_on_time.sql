-- 0004_on_time.sql: whether a case's first resolution came by the deadline it had then. A
-- reopened case gets a new deadline, which must not turn a late resolution into an on-time one.
ALTER TABLE cases ADD COLUMN resolved_on_time boolean;  -- NULL until first resolved
