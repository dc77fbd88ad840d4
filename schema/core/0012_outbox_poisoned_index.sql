-- 0012_outbox_poisoned_index.sql: `casectl status` without reading the whole outbox.
--
-- The status of a link counted the rows of its outbox, refused or waiting. After a long
-- outage that is the whole backlog: with 100,000 messages queued each status took 150-160 ms,
-- in the daemon's one loop, while it should be draining them. The number waiting now comes
-- from the link's sequence numbers (link_out.next_seq - acked_seq), the oldest from the row
-- just above the ack, and the refused ones, which are few, from this index of them alone.
CREATE INDEX outbox_poisoned ON outbox (unit, peer, seq) WHERE poisoned_reason IS NOT NULL;
