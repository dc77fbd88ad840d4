-- 0007_list_index.sql: indexes for the case list (`casectl list`, store_list.c), which now
-- names only the filters given. The common lists are by state, by the holder, and by both: a
-- street's operator pages through the escalated cases the street holds, oldest first, with
-- their total, while 100,000 of them wait. Each index begins with what picks the rows and ends
-- with the list's order (created_at, case_no), so a page is read in order from the index,
-- stopping at its end, and a total is counted in the index alone.
-- (state, holder, unit, ...) serves state and holder together, and a state alone (its count,
-- and a rare state's page); it replaces (state, unit), which served only the list. A common
-- state's page walks (created_at, unit) from the newest day, as does the list with no filter.
DROP INDEX cases_state;
CREATE INDEX cases_state_holder_created ON cases (state, holder, unit, created_at, case_no);
CREATE INDEX cases_holder_created ON cases (holder, unit, created_at, case_no);
