#!/usr/bin/env bash
# tests/e2e/test_27_link_kicks.sh - the sender looks into the outbox of a peer only when a commit
# queued for that peer, or when an ack opens a window that was full; and what is queued still
# leaves at once.
#
# The link's periodic look (once a heartbeat interval) is set to a minute and the window to one
# message, so that within the test only those kicks can send anything. PostgreSQL counts the
# outbox reads (pg_stat_statements, loaded for this test's private server). Oracle: the cases'
# states at the receivers, and the number of outbox reads each step may cost:
# (a) submissions and accepts at a community queue nothing: no outbox is read;
# (b) an escalation reaches the street at once, with at most two reads (the queued copy, and
#     one more after its ack, as the window was full); the street, which queued nothing on
#     applying it, reads none of its three outboxes;
# (c) the street's accept queues a copy for that community only: at most two reads again;
# (d) three escalations queued while the street is paused, with a window of one: the second and
#     third leave on the acks.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init link_kicks
cfg=$FQ_RUN_DIR/small.yaml
e2e_config_small "$cfg"
sed -i 's/^link: .*/link: {heartbeat_ms: 60000, link_timeout_ms: 180000, resend_ms: 60000, window: 1}/' "$cfg"
printf 'stats:\n  report_interval_ms: 86400000\n' >>"$cfg"
grep -q 'heartbeat_ms: 60000' "$cfg" || fail "could not set the link timings in $cfg"
e2e_up "$cfg"

command -v jq >/dev/null || fail "jq is needed by this test"

S=$E2E_STREET
C1=$E2E_COMM1

psql_q "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
cluster pg-restart "$cfg" >/dev/null
for code in "$E2E_DISTRICT" "$S" "$C1" "$E2E_COMM2"; do
    wait_until 30 db_up "$code"
done
psql_q "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
wait_until 10 link_is "$C1" "$S" true
wait_until 10 link_is "$S" "$E2E_DISTRICT" true
sleep 0.5 # the reconnects' own looks (every outbox, once) are behind us

# reads: outbox reads by every daemon since the last reset (the fetch statement, all schemas).
reads() {
    psql_q "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
            WHERE query LIKE 'SELECT seq, msg_id, body, body_kind FROM outbox%'"
}
reset() { psql_q "SELECT pg_stat_statements_reset()" >/dev/null; }
submit() {
    ctl "$C1" submit --title "$1" --category neighbour --actor grid-01 |
        grep -oE '[0-9]{12}-[0-9]{8}-[0-9]{4}' | head -1
}

# (a) Nothing queued, nothing read.
reset
cases=()
for i in 1 2 3 4 5; do
    no=$(submit "楼道堆物 $i")
    [[ -n $no ]] || fail "submission $i printed no case number"
    ctl "$C1" accept "$no" --actor comm-01 >/dev/null
    cases+=("$no")
done
assert_eq 0 "$(reads)" "outbox reads after 5 submissions and 5 accepts (they queue nothing)"

# (b) An escalation leaves at once; the street, queuing nothing, reads nothing.
reset
ctl "$C1" escalate "${cases[0]}" --actor comm-01 >/dev/null
wait_until 5 has_state "$S" "${cases[0]}" escalated
sleep 0.3 # the ack's look, if any, is counted too
n=$(reads)
((n >= 1 && n <= 2)) || fail "outbox reads for one escalation: expected 1 or 2, got $n"

# (c) The street's accept queues for the community only.
reset
ctl "$S" accept "${cases[0]}" --actor street-01 >/dev/null
wait_until 5 has_state "$C1" "${cases[0]}" accepted
sleep 0.3
n=$(reads)
((n >= 1 && n <= 2)) || fail "outbox reads for the street's accept: expected 1 or 2, got $n"

# (d) A window of one: what it held back leaves on the acks, not at the next periodic look. The
#     street is paused (SIGSTOP) while the three are queued, so that no ack can come back before
#     the window is full.
street_pid=$(<"$FQ_RUN_DIR/$S.pid")
kill -STOP "$street_pid"
for no in "${cases[@]:1:3}"; do
    ctl "$C1" escalate "$no" --actor comm-01 >/dev/null
done
kill -CONT "$street_pid"
for no in "${cases[@]:1:3}"; do
    wait_until 5 has_state "$S" "$no" escalated
done

e2e_down
echo "test_27_link_kicks: ok"
