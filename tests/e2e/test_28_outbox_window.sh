#!/usr/bin/env bash
# tests/e2e/test_28_outbox_window.sh - a link reads the next window of its outbox in the key's
# order: about the window's rows, not the backlog behind it, whatever the table's statistics say.
#
# The trap: the community tier's outbox with autovacuum off for it, 20,000 rows queued and
# acknowledged (deleted), as a busy hour leaves it, then 40,000 queued for one peer, as an outage
# leaves it, and no ANALYZE since. The planner then guesses that `unit = .. AND peer = .. AND
# seq > ..` matches a handful of rows, and reading all of them and sorting looks cheapest. With
# the default costs that happens from about 30,000 pages (100,000 queued rows, as in the
# bench's drain); this test's 12,000 pages sit at the edge, and random_page_cost = 8 (a slow
# disk's setting) in the reading session tips them. Checked first: the same SELECT written out
# is planned with a sort, else the trap did not set and the test says so. Oracle, for
# outbox_window (migration 0013), the read the link makes:
# (a) it returns the window: the next 256 waiting rows, oldest first, a refused row skipped;
# (b) it reads a tenth of the table's pages at most (pg_stat_get_xact_blocks_fetched in the
#     reading transaction): the window's few dozen, where a sort reads all of them;
# (c) a window beyond the last row is empty, and one at the tail holds what is left.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init outbox_window
cfg=$FQ_RUN_DIR/small.yaml
e2e_config_small "$cfg"
e2e_up "$cfg"

C1=$E2E_COMM1
S=$E2E_STREET
# The community is stopped: the rows queued below are not messages it could send.
cluster kill "$cfg" "$C1" >/dev/null

psql_q "ALTER TABLE community.outbox SET (autovacuum_enabled = off)"
queue() { # queue FROM TO: rows FROM..TO from C1 to S, 1,500 bytes of body each
    psql_q "INSERT INTO community.outbox (unit, peer, seq, body)
            SELECT '$C1', '$S', g, convert_to(repeat('x', 1500), 'UTF8')
              FROM generate_series($1, $2) g"
}
queue 1000001 1020000
psql_q "DELETE FROM community.outbox WHERE unit = '$C1' AND peer = '$S'"
queue 1020001 1060000
after=1030000
psql_q "UPDATE community.outbox SET poisoned_reason = 'refused by the test'
         WHERE unit = '$C1' AND peer = '$S' AND seq = $((after + 10))"

costs="SET random_page_cost = 8;"
plan=$(psql_q "$costs SET search_path = community; EXPLAIN SELECT seq FROM outbox
               WHERE unit = '$C1' AND peer = '$S' AND seq > $after AND poisoned_reason IS NULL
               ORDER BY seq LIMIT 256")
[[ $plan == *Sort* ]] ||
    fail "the trap did not set: the planner no longer sorts this outbox here, so the test shows nothing. Plan: $plan"

# window AFTER LIMIT: "ROWS FIRST LAST ORDERED BLOCKS" of one read. psql runs the statements
# as one transaction, so the blocks counted are the ones this read fetched.
window() {
    psql_q "$costs CREATE TEMP TABLE w ON COMMIT DROP AS
              SELECT row_number() OVER () AS i, seq
                FROM community.outbox_window('$C1', '$S', $1, $2);
            SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0),
                   coalesce(bool_and(seq > prev), true),
                   pg_stat_get_xact_blocks_fetched('community.outbox'::regclass)
              FROM (SELECT seq, lag(seq, 1, 0::bigint) OVER (ORDER BY i) AS prev FROM w) x" |
        tr '|' ' '
}
pages=$(psql_q "SELECT pg_relation_size('community.outbox') / current_setting('block_size')::int")

# (a) the next 256 waiting rows, in order, the refused one skipped
read -r n first last ordered blocks <<<"$(window $after 256)"
assert_eq 256 "$n" "rows in the window"
assert_eq $((after + 1)) "$first" "first row of the window"
assert_eq $((after + 257)) "$last" "last row of the window (one refused row skipped)"
assert_eq t "$ordered" "the window is in sequence order"

# (b) what it read: the window's pages, not the backlog's
((blocks > 0)) || fail "the window read no block of the outbox: the count is not measuring it"
((blocks * 10 <= pages)) ||
    fail "the window of 256 rows read $blocks of the outbox's $pages pages: it read the backlog"
echo "window of 256 rows: $blocks of $pages pages read"

# (c) the tail
read -r n first last ordered blocks <<<"$(window 1060000 256)"
assert_eq "0 0 0" "$n $first $last" "a window past the last row"
read -r n first last ordered blocks <<<"$(window 1059900 256)"
assert_eq "100 1059901 1060000 t" "$n $first $last $ordered" "a window at the tail"

echo "PASS outbox_window"
