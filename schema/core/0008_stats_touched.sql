-- 0008_stats_touched.sql: the report up the link finds what changed through the history.
--
-- Every report interval a unit works out which days' figures may have changed since its last
-- report. It did so by reading every case it took in, asking of each whether it was updated,
-- taken in, given a history entry or an answer since: at 100,000 cases about half a second, on
-- the daemon's only connection, stalling ops requests and the link, and growing with the table
-- for ever. Every write that can move a figure records a history entry at the unit that writes
-- it, in the same transaction, copies from the other tiers included (stats_link.c says why
-- that covers each figure), so the cases to look at are those of the entries recorded since
-- the last report. recorded_at only grows, so this index is appended at its right edge; it
-- adds less to each write than an index on cases would, which every case update pays again.
CREATE INDEX case_events_recorded ON case_events (recorded_at, unit);

-- The last report's time by the database's clock, to compare recorded_at with. through_ms is by
-- the daemon's clock, which can differ from the database's (a daemon on another host, a test
-- clock); it still paces the reports. A unit that reported before this migration starts from
-- its through_ms.
ALTER TABLE stats_sent ADD COLUMN recorded_through timestamptz;
UPDATE stats_sent SET recorded_through = to_timestamp(through_ms / 1000.0);
