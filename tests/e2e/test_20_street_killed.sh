#!/usr/bin/env bash
# tests/e2e/test_20_street_killed.sh - the street daemon is killed (SIGKILL) while cases are
# being escalated through it; nothing is lost and nothing is applied twice.
#
# Both communities submit, accept and escalate cases while a worker at the street accepts and
# escalates whatever arrives. In the middle the street is killed with SIGKILL. While it is down
# the communities keep taking in and escalating cases (the backlog waits in their outboxes).
# Then the street is started again and the worker goes on until every case is at the district.
# Oracle: the set of case numbers the communities printed. At the district there must be exactly
# one row per case, each with one 'submit', one community 'escalate', one street 'accept' and one
# street 'escalate'; the community outboxes must drain; and each link's receiver inbox must
# equal its sender's acked seq.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init street_killed
cfg=$FQ_RUN_DIR/small.yaml
e2e_config_small "$cfg"
e2e_up "$cfg"

command -v jq >/dev/null || fail "jq is needed by this test"

N=30 # cases per community while the street runs (and is killed)
M=10 # cases per community while the street is down
COMMS=("$E2E_COMM1" "$E2E_COMM2")
work=$FQ_RUN_DIR/work
mkdir -p "$work"

# produce CODE COUNT TAG: submit+accept+escalate COUNT cases at community CODE; append each case
# number to $work/CODE.cases once it is escalated. Any failing step fails the producer.
produce() {
    local code=$1 count=$2 tag=$3 i no
    for ((i = 1; i <= count; i++)); do
        no=$(ctl "$code" submit --title "$tag $code #$i" --category wage_arrears --risk 3 \
            --party "工人$i:1370000$(printf %04d "$i"):申请人" --actor "grid-$tag") ||
            { echo "submit $tag #$i at $code failed" >&2; return 1; }
        ctl "$code" accept "$no" --actor "staff-$tag" >/dev/null ||
            { echo "accept $no at $code failed" >&2; return 1; }
        ctl "$code" escalate "$no" --actor "staff-$tag" --note "上报 $tag" >/dev/null ||
            { echo "escalate $no at $code failed" >&2; return 1; }
        echo "$no" >>"$work/$code.cases"
        sleep 0.02
    done
}

# street_pass: accept and escalate every case the street holds and has not sent up yet.
# Returns non-zero if the street did not answer; refusals of single cases are tolerated
# (the worker may race itself across a kill: accepted but not yet escalated).
street_pass() {
    local lst state no
    lst=$(ctl "$E2E_STREET" --timeout 2000 --json list --limit 10000) || return 1
    while read -r state no; do
        [[ -n $no ]] || continue
        [[ ! -e $work/stop-worker ]] || return 1
        if [[ $state == escalated ]]; then
            ctl "$E2E_STREET" --timeout 2000 accept "$no" --actor street-worker >/dev/null || continue
        fi
        ctl "$E2E_STREET" --timeout 2000 escalate "$no" --actor street-worker --note 转区 >/dev/null || true
    done < <(jq -r --arg s "$E2E_STREET" \
        'select(.unit == $s and (.state == "escalated" or .state == "accepted")) | "\(.state) \(.case_no)"' \
        <<<"$lst")
}

at_district() { psql_q "SELECT count(*) FROM district.cases WHERE unit='$E2E_DISTRICT'"; }
sent_by_street() {
    psql_q "SELECT count(*) FROM street.cases WHERE unit='$E2E_STREET' AND state='escalated' AND holder='$E2E_DISTRICT'"
}

# ---------------------------------------------------------------------------------------------
# Phase 1: producers at both communities, a worker at the street.
prod_pids=()
for code in "${COMMS[@]}"; do
    : >"$work/$code.cases"
    produce "$code" "$N" run >"$work/$code.produce1.log" 2>&1 &
    prod_pids+=($!)
done
rm -f "$work/stop-worker"
(
    while [[ ! -e $work/stop-worker ]]; do
        street_pass || true
        sleep 0.05
    done
) >"$work/worker.log" 2>&1 &
worker_pid=$!

# Kill the street once it is busy: some cases already sent up, others still coming in.
street_busy() { [[ $(sent_by_street) -ge 10 ]]; }
wait_until 60 street_busy
old_street_pid=$(<"$FQ_RUN_DIR/$E2E_STREET.pid")
district_before_kill=$(at_district)
cluster kill "$cfg" "$E2E_STREET" KILL
if alive "$old_street_pid"; then
    fail "streetd pid $old_street_pid still alive after SIGKILL"
fi
((district_before_kill < 2 * (N + M))) || fail "all cases were at the district before the kill"
echo "street killed with $district_before_kill of $((2 * (N + M))) cases at the district" >&2

touch "$work/stop-worker"
wait "$worker_pid" || true
for i in "${!prod_pids[@]}"; do
    wait "${prod_pids[$i]}" ||
        fail "producer at ${COMMS[$i]} failed (street killed): $(cat "$work/${COMMS[$i]}.produce1.log")"
done

# Phase 2: the street is down; the communities notice and keep working.
for code in "${COMMS[@]}"; do
    wait_until 10 link_is "$code" "$E2E_STREET" false
done
for code in "${COMMS[@]}"; do
    produce "$code" "$M" down >"$work/$code.produce2.log" 2>&1 ||
        fail "intake at $code while the street is down failed: $(cat "$work/$code.produce2.log")"
done
# The depth status reports is what waits in the outbox: read between two counts of it (only
# new rows, e.g. statistics, can come while the street is down).
waiting() { psql_q "SELECT count(*) FROM community.outbox WHERE unit='$1' AND poisoned_reason IS NULL"; }
for code in "${COMMS[@]}"; do
    low=$(waiting "$code")
    depth=$(ctl "$code" --json status | jq '[.links[].outbox_depth] | add')
    high=$(waiting "$code")
    ((depth >= M)) || fail "outbox depth at $code while the street is down is $depth, expected >= $M"
    ((low <= depth && depth <= high)) ||
        fail "outbox depth at $code is $depth, but its outbox held $low then $high messages"
done
assert_exit 1 ctl "$E2E_STREET" --timeout 1000 status
# A silent daemon may still carry a request out later: casectl says so, lest a change be repeated.
assert_contains "$E2E_OUT" "may still carry the request out" "casectl's message when no answer comes"
# --timeout takes whole milliseconds only ("3s" was read as 3 ms).
for t in 3s 0 4294967297; do
    assert_exit 2 ctl "$E2E_STREET" --timeout "$t" status
    assert_contains "$E2E_OUT" "--timeout needs a number of milliseconds" "casectl --timeout $t"
done

# Phase 3: the street comes back; the backlog drains; the worker finishes the job.
echo "street down, $(at_district) cases at the district; starting the street again" >&2
cluster start "$cfg" "$E2E_STREET" >/dev/null || fail "scripts/cluster start $E2E_STREET failed"
[[ $(tr '\0' ' ' 2>/dev/null <"/proc/$(<"$FQ_RUN_DIR/$E2E_STREET.pid")/cmdline") == *streetd*"--unit $E2E_STREET"* ]] ||
    fail "streetd is not running after the restart"
new_street_pid=$(<"$FQ_RUN_DIR/$E2E_STREET.pid")
rm -f "$work/stop-worker"
[[ $new_street_pid != "$old_street_pid" ]] || fail "street pid did not change across the restart"

total=$(cat "$work/$E2E_COMM1.cases" "$work/$E2E_COMM2.cases" | wc -l)
assert_eq $((2 * (N + M))) "$total" "cases escalated by the communities"
all_arrived() {
    street_pass >/dev/null 2>&1 || true
    [[ $(at_district) -ge $total ]]
}
wait_until 90 all_arrived

# ---------------------------------------------------------------------------------------------
# Checks against the oracle (the case numbers the communities printed).
expected=$(sort "$work/$E2E_COMM1.cases" "$work/$E2E_COMM2.cases")
assert_eq "$total" "$(sort -u <<<"$expected" | wc -l)" "distinct case numbers printed by the communities"

assert_eq "$total $total $total" \
    "$(psql_q "SELECT count(*) || ' ' || count(DISTINCT uuid) || ' ' || count(DISTINCT case_no) FROM district.cases WHERE unit='$E2E_DISTRICT'")" \
    "district.cases rows / distinct uuids / distinct numbers"
assert_eq "$expected" \
    "$(psql_q "SELECT case_no FROM district.cases WHERE unit='$E2E_DISTRICT' ORDER BY case_no")" \
    "the district's case numbers are exactly the escalated ones"
assert_eq 0 "$(psql_q "SELECT count(*) FROM district.cases WHERE unit='$E2E_DISTRICT' AND (state<>'escalated' OR holder<>'$E2E_DISTRICT')")" \
    "district cases not waiting for the district's acceptance"

# Each case's history at the district: exactly one of each step, no event twice.
bad=$(psql_q "
SELECT c.case_no || ' submit=' || count(e.*) FILTER (WHERE e.action = 'submit')
       || ' comm_escalate=' || count(e.*) FILTER (WHERE e.action = 'escalate' AND e.at_unit = c.origin_unit)
       || ' street_accept=' || count(e.*) FILTER (WHERE e.action = 'accept' AND e.at_unit = '$E2E_STREET')
       || ' street_escalate=' || count(e.*) FILTER (WHERE e.action = 'escalate' AND e.at_unit = '$E2E_STREET')
       || ' events=' || count(e.*) || ' distinct=' || count(DISTINCT e.event_uuid)
  FROM district.cases c
  LEFT JOIN district.case_events e ON e.unit = c.unit AND e.uuid = c.uuid
 WHERE c.unit = '$E2E_DISTRICT'
 GROUP BY c.case_no, c.origin_unit
HAVING count(e.*) FILTER (WHERE e.action = 'submit') <> 1
    OR count(e.*) FILTER (WHERE e.action = 'escalate' AND e.at_unit = c.origin_unit) <> 1
    OR count(e.*) FILTER (WHERE e.action = 'accept' AND e.at_unit = '$E2E_STREET') <> 1
    OR count(e.*) FILTER (WHERE e.action = 'escalate' AND e.at_unit = '$E2E_STREET') <> 1
    OR count(e.*) <> 5
    OR count(e.*) <> count(DISTINCT e.event_uuid)")
[[ -z $bad ]] || fail "district histories with a step missing or repeated:
$bad"

# The street holds one copy of each case, sent up.
assert_eq "$total $total" \
    "$(psql_q "SELECT count(*) || ' ' || count(DISTINCT uuid) FROM street.cases WHERE unit='$E2E_STREET' AND state='escalated' AND holder='$E2E_DISTRICT'")" \
    "street copies sent up"
assert_eq 0 "$(psql_q "SELECT count(*) FROM street.cases WHERE unit='$E2E_STREET' AND NOT (state='escalated' AND holder='$E2E_DISTRICT')")" \
    "street cases left behind"

# The links drain: community outboxes empty, and every receiver's inbox equals its sender's acks.
outboxes_empty() {
    [[ $(psql_q "SELECT count(*) FROM community.outbox") == 0 ]] &&
        [[ $(psql_q "SELECT count(*) FROM street.outbox WHERE peer='$E2E_DISTRICT'") == 0 ]]
}
wait_until 20 outboxes_empty
for code in "${COMMS[@]}"; do
    st=$(ctl "$code" --json status)
    assert_eq "0 0 true" "$(jq -r '[([.links[].outbox_depth] | add), ([.links[].poisoned] | add), .links[0].up] | join(" ")' <<<"$st")" \
        "outbox depth / poisoned / link up at $code"
done
links_agree() {
    local a b code
    a=$(psql_q "SELECT last_seq FROM district.inbox WHERE unit='$E2E_DISTRICT' AND peer='$E2E_STREET'")
    b=$(psql_q "SELECT acked_seq FROM street.link_out WHERE unit='$E2E_STREET' AND peer='$E2E_DISTRICT'")
    [[ -n $a && $a == "$b" ]] || { echo "district inbox $a, street acked $b"; return 1; }
    for code in "${COMMS[@]}"; do
        a=$(psql_q "SELECT last_seq FROM street.inbox WHERE unit='$E2E_STREET' AND peer='$code'")
        b=$(psql_q "SELECT acked_seq FROM community.link_out WHERE unit='$code' AND peer='$E2E_STREET'")
        [[ -n $a && $a == "$b" ]] || { echo "street inbox from $code $a, $code acked $b"; return 1; }
    done
}
wait_until 10 links_agree
d_in=$(psql_q "SELECT last_seq FROM district.inbox WHERE unit='$E2E_DISTRICT' AND peer='$E2E_STREET'")
((d_in >= total)) || fail "district inbox from the street is at seq $d_in, fewer than the $total escalations"
assert_eq "0 0" "$(psql_q "SELECT count(*) FROM street.quarantine") $(psql_q "SELECT count(*) FROM district.quarantine")" \
    "quarantined messages at street and district"

# The street's changes flow back down: each community copy names the district as holder and
# holds the same five events.
copies_updated() {
    local n
    n=$(psql_q "SELECT count(*) FROM community.cases c WHERE c.holder='$E2E_DISTRICT' AND c.state='escalated'
                  AND (SELECT count(*) FROM community.case_events e WHERE e.unit=c.unit AND e.uuid=c.uuid) = 5")
    [[ $n == "$total" ]] || { echo "$n of $total community copies updated"; return 1; }
}
wait_until 20 copies_updated

echo "test_20_street_killed: ok"
