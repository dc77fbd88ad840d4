#!/usr/bin/env bash
# tests/e2e/test_55_dispatch_elsewhere.sh - a case sent down to another child than the one it
# came from: every child that holds a copy keeps receiving its changes, so the loop closes.
#
# A dispute taken in at community 1 goes up to the street, which finds that it belongs to
# community 2 and dispatches it there (下派). Community 1 took the citizen's report and closes
# the loop with them, so it must follow the case:
# - community 1's copy shows the dispatch to community 2;
# - community 2 accepts and resolves it; resolved, it is held by community 1, where it was taken
#   in, and community 1's copy knows it, so community 1 can close it;
# - community 2 sees the close;
# - all three hold the same history, and `casectl verify` finds each chain intact.
# Then the guard on how many children may hold a copy of one case: a case whose copies are
# already at as many children as a unit follows (16) is not sent down to one more.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init dispatch
cfg=$FQ_RUN_DIR/casework.yaml
e2e_config_casework "$cfg"
e2e_up "$cfg"

command -v jq >/dev/null || fail "jq is needed by this test"

C1=$E2E_COMM1 C2=$E2E_COMM2 S=$E2E_STREET

n=$(ctl "$C1" submit --title '两户共用楼道堆放杂物' --category neighbour --risk 2 \
    --description '申请人住翠湖社区, 来东周社区网格站反映' --party '周某:13900000001:申请人' \
    --party '吴某:13900000002:被申请人' --actor grid-w01)
ctl "$C1" accept "$n" --actor comm1-staff >/dev/null
ctl "$C1" escalate "$n" --actor comm1-staff --note '当事人住翠湖社区' >/dev/null
wait_until 15 has_state "$S" "$n" escalated "$S"
ctl "$S" accept "$n" --actor street-staff >/dev/null
j=$(ctl "$S" --json dispatch "$n" --to "$C2" --actor street-staff --note '属地处置')
assert_eq "dispatched $C2" "$(jq -r '"\(.state) \(.unit)"' <<<"$j")" "the street after its dispatch"

# Community 1 follows the case it took in, as community 2 gets it.
wait_until 15 has_state "$C2" "$n" dispatched "$C2"
wait_until 15 has_state "$C1" "$n" dispatched "$C2"

ctl "$C2" accept "$n" --actor comm2-staff >/dev/null
j=$(ctl "$C2" --json resolve "$n" --note '双方同意当日清理楼道' --actor comm2-staff)
assert_eq "resolved $C1" "$(jq -r '"\(.state) \(.unit)"' <<<"$j")" \
    "resolved at community 2: held by community 1, where it was taken in"
assert_exit 1 ctl "$C2" close "$n" --actor comm2-staff
wait_until 15 has_state "$C1" "$n" resolved "$C1"
ctl "$C1" close "$n" --note '回访申请人, 满意' --actor comm1-staff >/dev/null
wait_until 15 has_state "$S" "$n" closed "$C1"
wait_until 15 has_state "$C2" "$n" closed "$C1"

want="$C1 submit none reported grid-w01
$C1 accept reported accepted comm1-staff
$C1 escalate accepted escalated comm1-staff
$S accept escalated accepted street-staff
$S dispatch accepted dispatched street-staff
$C2 accept dispatched accepted comm2-staff
$C2 resolve accepted resolved comm2-staff
$C1 close resolved closed comm1-staff"
for code in "$C1" "$S" "$C2"; do
    assert_eq "$want" "$(steps "$code" "$n")" "history at $code"
    assert_exit 0 ctl "$code" verify "$n"
    assert_eq "case $n: 8 entries, hash chain intact" "$E2E_OUT" "verify at $code"
done
ref=$(field "$C1" "$n" '.history')
for code in "$S" "$C2"; do
    assert_eq "$ref" "$(field "$code" "$n" '.history')" "every field of the history at $code vs community 1"
done
# Each child that holds a copy got each of the street's changes once: community 1 the accept,
# the dispatch and community 2's accept and resolve (its own close is not sent back to it).
assert_eq 8 "$(psql_q "SELECT count(*) FROM community.case_events e JOIN community.cases c USING (unit, uuid) WHERE c.unit = '$C1' AND c.case_no = '$n'")" \
    "entries at community 1"

# The guard: copies at 16 children already (a case sent down again and again), one more refused.
m=$(ctl "$S" submit --title '街道受理的邻里纠纷' --category neighbour --risk 2 \
    --description '来访' --party '郑某:13900000003:申请人' --actor street-desk)
ctl "$S" accept "$m" --actor street-staff >/dev/null
others=$(for i in $(seq 101 116); do printf "'440311001%03d'," "$i"; done)
psql_q "UPDATE street.cases SET children = ARRAY[${others%,}] WHERE unit = '$S' AND case_no = '$m'" >/dev/null
assert_exit 1 ctl "$S" dispatch "$m" --to "$C2" --actor street-staff
assert_contains "$E2E_OUT" "held in copies by 16 units below already" "the refusal names the limit"
assert_eq "accepted $S" "$(field "$S" "$m" '"\(.state) \(.unit)"')" "the refused dispatch changed nothing"
psql_q "UPDATE street.cases SET children = '{}' WHERE unit = '$S' AND case_no = '$m'" >/dev/null
ctl "$S" dispatch "$m" --to "$C2" --actor street-staff >/dev/null
wait_until 15 has_state "$C2" "$m" dispatched "$C2"

echo "test_55_dispatch_elsewhere: ok"
