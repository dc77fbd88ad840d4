#!/usr/bin/env bash
# tests/e2e/test_30_pg_restart.sh - PostgreSQL crashes and restarts (pg_ctl restart -m immediate)
# under running daemons, with cases in flight.
#
# No daemon is restarted: each must notice the lost connection, reconnect on its own, and go on.
# Oracle: the case numbers casectl printed (exit 0 means committed). Cases taken in and escalated
# right before the crash, and during it, are neither lost nor duplicated; after the restart every
# unit answers `status` with its database up, and new cases travel community → street → district.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init pg_restart
cfg=$FQ_RUN_DIR/small.yaml
e2e_config_small "$cfg"
e2e_up "$cfg"

command -v jq >/dev/null || fail "jq is needed by this test"

UNITS=("$E2E_DISTRICT" "$E2E_STREET" "$E2E_COMM1" "$E2E_COMM2")
COMMS=("$E2E_COMM1" "$E2E_COMM2")
work=$FQ_RUN_DIR/work
mkdir -p "$work"

declare -A pid_before
for code in "${UNITS[@]}"; do
    pid_before[$code]=$(<"$FQ_RUN_DIR/$code.pid")
done

# escalate_one CODE TAG: submit+accept+escalate one case at community CODE; print its number.
escalate_one() {
    local no
    no=$(ctl "$1" submit --title "$2" --category neighbour --actor grid-pg) || return 1
    echo "$no" >>"$work/$1.submitted"
    ctl "$1" accept "$no" --actor staff-pg >/dev/null || return 1
    ctl "$1" escalate "$no" --actor staff-pg >/dev/null || return 1
    echo "$no" >>"$work/$1.escalated"
    echo "$no"
}

# A warm-up case proves the path works before the crash.
warm=$(escalate_one "$E2E_COMM1" 'warm-up')
has_at() { ctl "$1" --json show "$2" >/dev/null 2>&1; }
wait_until 15 has_at "$E2E_STREET" "$warm"

# Producers that run straight through the crash; a refused call (the database is away) is
# allowed, but whatever casectl confirmed must survive.
rm -f "$work/stop"
prod_pids=()
for code in "${COMMS[@]}"; do
    (
        i=0
        while [[ ! -e $work/stop ]]; do
            i=$((i + 1))
            escalate_one "$code" "through-crash $code #$i" >/dev/null 2>&1 || true
            sleep 0.02
        done
    ) &
    prod_pids+=($!)
done

# Cases taken in and escalated right before the crash, not waited for.
for code in "${COMMS[@]}"; do
    for i in 1 2 3 4 5; do
        escalate_one "$code" "just-before $code #$i" >/dev/null
    done
done
just_before=$(cat "$work/$E2E_COMM1.escalated" "$work/$E2E_COMM2.escalated" | sort -u)

cluster pg-restart "$cfg"

# Every unit answers again, with its database up, without being restarted.
for code in "${UNITS[@]}"; do
    wait_until 30 db_up "$code"
done
sleep 1 # let the producers run a little on the recovered database
touch "$work/stop"
for pid in "${prod_pids[@]}"; do wait "$pid" || true; done

for code in "${UNITS[@]}"; do
    now=$(<"$FQ_RUN_DIR/$code.pid")
    assert_eq "${pid_before[$code]}" "$now" "pid of $code across the PostgreSQL restart"
    alive "$now" || fail "daemon $code (pid $now) is gone after the PostgreSQL restart"
done

# The links come back up.
links_up() {
    local st
    st=$(ctl "$1" --json status) || return 1
    [[ $(jq -r '[.links[].up] | all' <<<"$st") == true ]]
}
for code in "${UNITS[@]}"; do
    wait_until 15 links_up "$code"
done

# New cases after the restart travel all the way up.
after=()
for code in "${COMMS[@]}"; do
    after+=("$(escalate_one "$code" "after $code")")
done
for no in "${after[@]}"; do
    wait_until 15 has_at "$E2E_STREET" "$no"
    ctl "$E2E_STREET" accept "$no" --actor street-pg >/dev/null
    ctl "$E2E_STREET" escalate "$no" --actor street-pg >/dev/null
done
for no in "${after[@]}"; do
    wait_until 15 has_at "$E2E_DISTRICT" "$no"
    assert_eq escalated "$(field "$E2E_DISTRICT" "$no" .state)" "state of $no at the district"
done

# Nothing confirmed is lost: every case casectl printed is at its community, and every
# escalated one reaches the street exactly once.
submitted=$(cat "$work/$E2E_COMM1.submitted" "$work/$E2E_COMM2.submitted" | sort)
escalated=$(cat "$work/$E2E_COMM1.escalated" "$work/$E2E_COMM2.escalated" | sort)
n_sub=$(wc -l <<<"$submitted")
n_esc=$(wc -l <<<"$escalated")
echo "confirmed: $n_sub submitted, $n_esc escalated (through the crash and after)" >&2
assert_eq "$n_sub" "$(sort -u <<<"$submitted" | wc -l)" "distinct case numbers printed"
missing=$(comm -23 <(echo "$submitted") \
    <(psql_q "SELECT case_no FROM community.cases WHERE unit IN ('$E2E_COMM1', '$E2E_COMM2') ORDER BY case_no"))
[[ -z $missing ]] || fail "cases confirmed by submit but missing at their community: $missing"

all_at_street() {
    local have
    have=$(psql_q "SELECT case_no FROM street.cases WHERE unit='$E2E_STREET' ORDER BY case_no")
    missing=$(comm -23 <(echo "$escalated") <(echo "$have"))
    [[ -z $missing ]] || { echo "not at the street: $missing"; return 1; }
}
wait_until 30 all_at_street
while read -r no; do
    [[ -n $no ]] || continue
    grep -qx "$no" <<<"$escalated" || fail "just-before case $no not recorded as escalated"
done <<<"$just_before"
assert_eq 0 "$(psql_q "SELECT count(*) FROM (SELECT uuid FROM street.cases GROUP BY unit, uuid HAVING count(*) > 1) d")" \
    "cases held twice at the street"
# Each escalated case's history at the street holds one submit and one community escalate.
bad=$(psql_q "
SELECT c.case_no FROM street.cases c JOIN street.case_events e ON e.unit = c.unit AND e.uuid = c.uuid
 WHERE c.unit = '$E2E_STREET'
 GROUP BY c.case_no, c.origin_unit
HAVING count(*) FILTER (WHERE e.action = 'submit') <> 1
    OR count(*) FILTER (WHERE e.action = 'escalate' AND e.at_unit = c.origin_unit) <> 1
    OR count(*) <> count(DISTINCT e.event_uuid)")
[[ -z $bad ]] || fail "street histories with a step missing or repeated: $bad"

# The backlog drains and the links agree.
drained() {
    local code st
    for code in "${COMMS[@]}"; do
        st=$(ctl "$code" --json status) || return 1
        [[ $(jq '[.links[].outbox_depth] | add' <<<"$st") == 0 ]] || { echo "$code: $st"; return 1; }
    done
    [[ $(psql_q "SELECT count(*) FROM community.outbox") == 0 ]]
}
wait_until 20 drained
for code in "${COMMS[@]}"; do
    assert_eq "$(psql_q "SELECT acked_seq FROM community.link_out WHERE unit='$code' AND peer='$E2E_STREET'")" \
        "$(psql_q "SELECT last_seq FROM street.inbox WHERE unit='$E2E_STREET' AND peer='$code'")" \
        "street inbox from $code vs its acked seq"
done
assert_eq "0 0" "$(psql_q "SELECT count(*) FROM street.quarantine") $(psql_q "SELECT count(*) FROM community.outbox WHERE poisoned_reason IS NOT NULL")" \
    "quarantined / poisoned messages"

echo "test_30_pg_restart: ok"
