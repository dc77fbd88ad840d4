-- 0013_outbox_window.sql: a link reads its outbox in the key's order, whatever the statistics say.
--
-- A link sends the next window of its outbox: the rows past what it has sent, oldest first, as
-- many as the window has room for. After an outage that is the head of a backlog of 100,000
-- rows. The planner weighs reading the key in order and stopping at the window's end against
-- reading every row past the mark and sorting them. On a table not analyzed since it was
-- nearly empty, or never (autovacuum had not come by after a busy minute), it guesses that
-- `unit = $1 AND peer = $2 AND seq > $3` matches a handful of rows and takes the sort: each
-- window then read and sorted the whole backlog, 0.36 s instead of well under a millisecond
-- (EXPLAIN ANALYZE in a drain of 100,000 after 60,000 cases had gone through).
--
-- A sort is never the right plan here, since the key gives the order. So the read runs with
-- sorts disabled, in a function because a setting attached to a function is in force while
-- the function's statement is planned. The window is planned at each call. The function reads
-- its own tier's outbox (the search path it was created with), whoever calls it.
CREATE FUNCTION outbox_window(p_unit text, p_peer text, p_after bigint, p_limit int)
RETURNS TABLE (seq bigint, msg_id uuid, body bytea, body_kind int)
LANGUAGE sql STABLE
SET enable_sort = off
SET search_path FROM CURRENT
AS $$
    SELECT o.seq, o.msg_id, o.body, o.body_kind
      FROM outbox o
     WHERE o.unit = p_unit AND o.peer = p_peer AND o.seq > p_after
       AND o.poisoned_reason IS NULL
     ORDER BY o.seq
     LIMIT p_limit
$$;
