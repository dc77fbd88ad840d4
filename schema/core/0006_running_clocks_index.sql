-- 0006_running_clocks_index.sql: the supervision pass looks, once a second, for cases whose
-- clock runs at this unit. Indexed by (holder, deadline) alone, it read every case the unit
-- holds, including the ones waiting to be accepted: after a link was down, a street holding
-- 100,000 newly escalated cases read them all every second while it drained them. The index
-- now holds only the cases whose clock runs, exactly those the pass can pick.
DROP INDEX cases_holder_deadline;
CREATE INDEX cases_running_clock ON cases (holder, deadline, unit)
    WHERE deadline IS NOT NULL AND paused_ms = 0 AND clock_start_ms > 0
      AND state IN ('accepted', 'in_progress', 'reopened');
