#!/usr/bin/env bash
# tests/e2e/test_35_write_fails_late.sh - a write the daemon sent ahead without waiting (libpq
# pipeline mode: the state change, the history entry, the outbox message) fails in the
# database. The request must be answered with the database's error, nothing of it may stay
# (neither the new state nor the entry nor a message to the street), and the daemon must carry
# on with the next requests on the same connection. The same for a submission, which goes to the
# server as a transaction of its own sent whole.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init write_fails_late
cfg=$FQ_RUN_DIR/small.yaml
e2e_config_small "$cfg"
e2e_up "$cfg"

state_of() {
    ctl "$E2E_COMM1" show "$1" --json | jq -r .state
}
street_has() {
    [[ $(psql_q "SELECT count(*) FROM street.cases WHERE case_no = '$1'") == 1 ]]
}
entries_of() {
    psql_q "SELECT count(*) FROM community.case_events e JOIN community.cases c USING (unit, uuid) WHERE c.case_no = '$1'"
}

case_no=$(ctl "$E2E_COMM1" submit --title "楼道堆物" --category neighbour --actor grid-01 --json | jq -r .case_no)
ctl "$E2E_COMM1" accept "$case_no" --actor staff-01 >/dev/null
assert_eq accepted "$(state_of "$case_no")" "state after accept"
entries=$(entries_of "$case_no")
outbox=$(psql_q "SELECT count(*) FROM community.outbox")

# The database now refuses one history note; the daemon learns of it only after sending on.
psql_q "ALTER TABLE community.case_events ADD CONSTRAINT test_35_refused CHECK (note <> '拒收的备注')"

assert_exit 1 ctl "$E2E_COMM1" resolve "$case_no" --actor staff-01 --note "拒收的备注"
assert_contains "$E2E_OUT" "database error" "a late failure is answered as the database's error"
assert_contains "$E2E_OUT" "test_35_refused" "the answer names what the database refused"
assert_eq accepted "$(state_of "$case_no")" "state after the failed resolve"
assert_eq "$entries" "$(entries_of "$case_no")" "history entries after the failed resolve"

# An escalation whose entry fails must not leave its message to the street behind either.
assert_exit 1 ctl "$E2E_COMM1" escalate "$case_no" --actor staff-01 --note "拒收的备注"
assert_eq accepted "$(state_of "$case_no")" "state after the failed escalation"
assert_eq "$outbox" "$(psql_q "SELECT count(*) FROM community.outbox")" "outbox after the failed escalation"

# The same connection carries on: the next requests go through, in order, and the case moves.
ctl "$E2E_COMM1" escalate "$case_no" --actor staff-01 --note "需街道协调" >/dev/null
assert_eq escalated "$(state_of "$case_no")" "state after a good escalation"
assert_eq $((entries + 1)) "$(entries_of "$case_no")" "history entries after a good escalation"
second=$(ctl "$E2E_COMM1" submit --title "路灯不亮" --category neighbour --actor grid-01 --json | jq -r .case_no)
assert_exit 0 ctl "$E2E_COMM1" verify "$case_no"
assert_exit 0 ctl "$E2E_COMM1" verify "$second"
wait_until 20 street_has "$case_no"
assert_eq "0 0" "$(psql_q "SELECT count(*) FROM community.quarantine") $(psql_q "SELECT count(*) FROM street.quarantine")" \
    "quarantined messages at the community and the street"

# A submission goes to the server as a transaction of its own, sent whole without waiting
# (fq_store_submit_whole); its insert of the party fails there. On a fresh connection that
# transaction is also the one preparing the intake's statements, so the next one must prepare
# them again rather than name statements the server skipped.
counter() { psql_q "SELECT last FROM community.case_counters WHERE unit = '$E2E_COMM1'"; }
psql_q "ALTER TABLE community.case_parties ADD CONSTRAINT test_35_party CHECK (name <> '拒收的当事人')"
cluster kill "$cfg" "$E2E_COMM1" TERM >/dev/null
cluster start "$cfg" "$E2E_COMM1" >/dev/null || fail "scripts/cluster start $E2E_COMM1 failed"
last=$(counter)
assert_exit 1 ctl "$E2E_COMM1" submit --title "拒收的受理" --category neighbour --actor grid-01 \
    --party "拒收的当事人:13800138000:申请人"
assert_contains "$E2E_OUT" "database error" "a submission failing in the database is answered so"
assert_contains "$E2E_OUT" "test_35_party" "the answer names what the database refused"
assert_eq "0 $last" "$(psql_q "SELECT count(*) FROM community.cases WHERE title = '拒收的受理'") $(counter)" \
    "cases kept and the daily counter after the failed submission"
third=$(ctl "$E2E_COMM1" submit --title "井盖松动" --category neighbour --actor grid-01 \
    --party "李某:13900139000:申请人" --json | jq -r .case_no)
assert_eq "$((last + 1))" "$((10#${third##*-}))" "the next submission takes the next number, none skipped"
assert_exit 0 ctl "$E2E_COMM1" verify "$third"
assert_eq "李某" "$(psql_q "SELECT p.name FROM community.case_parties p JOIN community.cases c USING (unit, uuid) WHERE c.case_no = '$third'")" \
    "the party of the submission after the failed one"
# The insert numbers the cases itself: past 9999 the sequence grows a digit, as
# fq_case_no_format does, instead of being cut to four.
psql_q "UPDATE community.case_counters SET last = 9998 WHERE unit = '$E2E_COMM1'"
for want in 9999 10000; do
    no=$(ctl "$E2E_COMM1" submit --title "第$want件" --category neighbour --actor grid-01)
    assert_eq "$want" "${no##*-}" "the sequence of case $no"
    assert_exit 0 ctl "$E2E_COMM1" verify "$no"
done
e2e_down
