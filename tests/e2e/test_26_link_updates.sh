#!/usr/bin/env bash
# tests/e2e/test_26_link_updates.sh - runs of copies of cases the receiver already holds go in
# set-based (sync_update.c), and land exactly as copies applied one by one would.
#
# (a) Back down to a community that was down: community 1 escalates cases to the street and is
#     killed (SIGKILL); the street accepts them and escalates, assigns, resolves through a
#     department, attaches and dispatches back, and the district acts on the ones it got, so
#     several copies of each case wait for community 1. It comes back and drains them. Oracle:
#     the street's rows. At community 1 every case row, history (casectl verify passes),
#     document and department is the street's; no run fell back to one by one, and the final
#     copies of several cases were written by one statement (rows sharing one xmin: one by one,
#     each copy has its own savepoint and so its own xmin).
# (b) Up through a street that was down: the street is killed, the district accepts and
#     resolves cases the street had escalated. The street applies the district's copies as runs
#     of updates and forwards each case once, as it then stands, to community 1.
# (c) Crafted runs (we play community 2): updates of cases community 2 keeps and sent up for the
#     record, two copies of one case in one run, an older copy, an invalid copy. The updated rows share one xmin, the
#     older copy changes nothing but adds no duplicate, the invalid one is quarantined.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init link_updates
cfg=$FQ_RUN_DIR/casework.yaml
e2e_config_casework "$cfg"
e2e_up "$cfg"

command -v jq >/dev/null || fail "jq is needed by this test"

D=$E2E_DISTRICT
S=$E2E_STREET
C1=$E2E_COMM1
C2=$E2E_COMM2

# digest SCHEMA UNIT UUID: what a copy sets of the case at the receiver, as this unit stores it.
digest() {
    local w="unit = '$2' AND uuid = '$3'"
    psql_q "SELECT concat_ws(' | ',
        (SELECT concat_ws(',', case_no, title, category, risk, track, state, holder, origin_unit,
                version, (extract(epoch FROM updated_at) * 1000)::int8,
                coalesce((extract(epoch FROM deadline) * 1000)::int8, 0), bounce_count,
                track_rule, binding, clock_start_ms, paused_ms, extension_days, unsatisfied,
                coalesce(resolved_on_time::text, '-'))
           FROM $1.cases WHERE $w),
        (SELECT count(*) || ':' || string_agg(concat_ws(',', event_uuid, at_ms, at_unit, action,
                from_state, to_state, actor, note, prev_hash, hash), ';' ORDER BY at_ms, event_uuid)
           FROM $1.case_events WHERE $w),
        (SELECT string_agg(concat_ws(',', doc_uuid, kind, number, doc_date, parties, terms,
                court, at_unit, at_ms), ';' ORDER BY doc_uuid)
           FROM $1.case_documents WHERE $w),
        (SELECT string_agg(concat_ws(',', dept, role, status, reason, result, assigned_by), ';'
                ORDER BY dept)
           FROM $1.case_departments WHERE $w))"
}

# same SCHEMA_A UNIT_A SCHEMA_B UNIT_B NO: the two units' stores of case NO agree.
same() {
    local uuid
    uuid=$(uuid_of "$2" "$5")
    assert_eq "$(digest "$1" "$2" "$uuid")" "$(digest "$3" "$4" "$uuid")" "$4's copy of $5 against $2's"
}

# =============================================================================================
# (a) A backlog of updates for community 1.
cases=()
for i in 1 2 3 4 5 6 7 8; do
    no=$(ctl "$C1" submit --title "回流案件 $i" --category wage_arrears --risk 2 \
        --party "工人$i:1370000000$i:申请人" --party "老板$i:13900000000:被申请人" --actor "grid-$i")
    ctl "$C1" accept "$no" --actor staff >/dev/null
    ctl "$C1" escalate "$no" --actor staff --note "上报 $i" >/dev/null
    cases+=("$no")
done
for no in "${cases[@]}"; do
    wait_until 15 has_state "$S" "$no" escalated
done

cluster kill "$cfg" "$C1" KILL
wait_until 10 link_is "$S" "$C1" false

# Two copies or more of every case wait for community 1.
for no in "${cases[@]}"; do
    ctl "$S" accept "$no" --actor street-staff >/dev/null
done
ctl "$S" escalate "${cases[0]}" --actor street-staff --note 请区里处理 >/dev/null
ctl "$S" escalate "${cases[1]}" --actor street-staff --note 请区里处理 >/dev/null
ctl "$S" assign "${cases[2]}" --lead hrss_office --co justice_office --actor street-staff >/dev/null
ctl "$S" assign "${cases[3]}" --lead hrss_office --actor street-staff >/dev/null
ctl "$S" dept-accept "${cases[3]}" --dept hrss_office --actor hrss-clerk >/dev/null
ctl "$S" dept-result "${cases[3]}" --dept hrss_office --note 已追回工资 --actor hrss-clerk >/dev/null
ctl "$S" attach "${cases[4]}" --kind mediation_agreement --number 调协-5 --date 2026-03-05 \
    --parties '工人5, 老板5' --terms '一次付清' >/dev/null
ctl "$S" dispatch "${cases[4]}" --to "$C1" --note 下派回社区 >/dev/null
ctl "$S" start "${cases[5]}" --actor 调解员 --note 开始调处 >/dev/null
ctl "$S" resolve "${cases[6]}" --actor 调解员 --note 当场化解 >/dev/null
wait_until 15 has_state "$D" "${cases[0]}" escalated
wait_until 15 has_state "$D" "${cases[1]}" escalated
ctl "$D" accept "${cases[0]}" --actor district-staff >/dev/null
wait_until 15 has_state "$S" "${cases[0]}" accepted
wait_until 15 has_state "$S" "${cases[6]}" resolved

cluster start "$cfg" "$C1" >/dev/null || fail "scripts/cluster start $C1 failed"
wait_until 30 outbox_empty street "$C1"
wait_until 10 has_state "$C1" "${cases[4]}" dispatched

uuids=()
for no in "${cases[@]}"; do
    same street "$S" community "$C1" "$no"
    assert_exit 0 ctl "$C1" verify "$no"
    uuids+=("'$(uuid_of "$C1" "$no")'")
done
in_list=$(IFS=,; echo "${uuids[*]}")
[[ $(digest community "$C1" "$(uuid_of "$C1" "${cases[2]}")") == *"hrss_office,lead,assigned"*"justice_office,co,assigned"* ]] ||
    fail "the departments of ${cases[2]} did not reach $C1"
[[ $(digest community "$C1" "$(uuid_of "$C1" "${cases[3]}")") == *",resolved,$C1,"*",true | "* ]] ||
    fail "${cases[3]} is not resolved on time at $C1"
assert_eq 0 "$(psql_q "SELECT count(*) FROM community.quarantine WHERE unit = '$C1'")" "messages quarantined at $C1"
assert_eq 0 "$(fallbacks "$C1")" "runs $C1 had to apply one by one"
xmins=$(psql_q "SELECT count(DISTINCT xmin::text) FROM community.cases WHERE unit = '$C1' AND uuid IN ($in_list)")
((xmins < ${#cases[@]})) ||
    fail "each of the ${#cases[@]} cases at $C1 was written by its own statement ($xmins xmins): no set-based update"

# =============================================================================================
# (b) The street is down while the district acts: its copies reach community 1 through the street.
cluster kill "$cfg" "$S" KILL
wait_until 10 link_is "$D" "$S" false
ctl "$D" resolve "${cases[0]}" --actor district-staff --note 区里化解 >/dev/null
ctl "$D" accept "${cases[1]}" --actor district-staff >/dev/null
ctl "$D" assign "${cases[1]}" --lead labour_inspection --actor district-staff >/dev/null
cluster start "$cfg" "$S" >/dev/null || fail "scripts/cluster start $S failed"
wait_until 30 outbox_empty district "$S"
wait_until 30 outbox_empty street "$C1"
wait_until 10 has_state "$C1" "${cases[0]}" resolved
for no in "${cases[0]}" "${cases[1]}"; do
    same district "$D" street "$S" "$no"
    same street "$S" community "$C1" "$no"
    assert_exit 0 ctl "$C1" verify "$no"
done
assert_eq 0 "$(fallbacks "$S")" "runs $S had to apply one by one"
assert_eq 0 "$(psql_q "SELECT count(*) FROM street.quarantine")" "messages quarantined at the street"

# =============================================================================================
# (c) Crafted runs from community 2 (we play it; the real one is stopped).
wait_until 15 outbox_empty community "$S"
cluster kill "$cfg" "$C2" TERM
# rows N: "version events" of crafted case N at the street, or nothing.
rows() {
    psql_q "SELECT c.version || ' ' || (SELECT count(*) FROM street.case_events e WHERE e.unit = c.unit AND e.uuid = c.uuid)
              FROM street.cases c WHERE c.unit = '$S' AND c.uuid = '$(pu "$1")'"
}
# xmin_of N: the transaction that last wrote crafted case N's row at the street.
xmin_of() { psql_q "SELECT xmin FROM street.cases WHERE unit = '$S' AND uuid = '$(pu "$1")'"; }

seq0=$(crafted_seq)
[[ $seq0 =~ ^[0-9]+$ ]] || seq0=0
k=:holder=$C2 # community 2 keeps each case, so newer copies of it come from its side
poke_copies $((seq0 + 1)) 1:2$k 2:2$k 3:3$k 4:2$k
assert_eq "2 2|2 2|3 3|2 2" "$(rows 1)|$(rows 2)|$(rows 3)|$(rows 4)" "crafted cases, first copies"
q0=$(crafted_quarantined)
x3=$(xmin_of 3)
# 1 and 2 move on, 1 twice in the run; 3 gets an older copy; the fourth is invalid; 4 moves on.
poke_copies $((seq0 + 5)) 1:3$k 2:4$k 3:2$k 9:0 1:5$k 4:3$k
assert_contains "$E2E_OUT" "ack seq=$((seq0 + 8)) rejected=$((seq0 + 8)) reason=" "refusal of the invalid copy"
assert_contains "$E2E_OUT" "ack seq=$((seq0 + 10)) rejected=0" "cumulative ack of the crafted run"
assert_eq $((seq0 + 10)) "$(crafted_seq)" "street inbox from $C2 after the crafted run"
assert_eq "5 5|4 4|3 3|3 3" "$(rows 1)|$(rows 2)|$(rows 3)|$(rows 4)" "crafted cases after their updates"
assert_eq "$x3" "$(xmin_of 3)" "case 3's row after an older copy"
assert_eq "" "$(rows 9)" "the invalid copy"
assert_eq $((q0 + 1)) "$(crafted_quarantined)" "quarantined copies from $C2"
assert_eq 1 "$(psql_q "SELECT count(DISTINCT xmin::text) FROM street.cases WHERE unit = '$S' AND uuid IN ('$(pu 1)', '$(pu 2)', '$(pu 4)')")" \
    "updates of one run written by one statement per round (one xmin)"
assert_eq 0 "$(fallbacks "$S")" "runs $S had to apply one by one"

echo "test_26_link_updates: ok"
