-- 0014_figures_by_period.sql: a unit's figures for a period read what falls in the period.
--
-- A unit works out its figures for the days a report up the link carries (every
-- stats.report_interval_ms) and for `casectl stats` and the reports. Resolutions and closings
-- were found by reading every resolution and closing entry the unit ever recorded, and answers
-- every answer; with no index on to_state that was a pass over the whole history at every
-- report (91 ms at 200,000 entries, on the daemon's only connection, growing for ever). These
-- indexes find the entries and answers of the period; the first resolution and closing of each
-- case found are then looked up by the case (stats.c).
--
-- The first index is partial: only the entries that resolve or close a case get an entry in
-- it, so the submissions, acceptances and escalations that make up most writes do not pay
-- for it.
CREATE INDEX case_events_outcome ON case_events (at_ms, unit)
    WHERE to_state IN ('resolved', 'closed');
CREATE INDEX feedback_at ON feedback (at_ms, unit);
