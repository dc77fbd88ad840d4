#!/usr/bin/env bash
# tests/e2e/test_25_link_batch.sh - runs of copies of cases new to the receiver go in set-based
# (one statement per table), and land exactly as copies applied one by one would.
#
# (a) A backlog: the street is killed; the communities take in cases with several parties, a
#     document and several history entries, and escalate them, while one community also moves a
#     case the street already knows (start, resolve) in between. The street comes back and the
#     backlog drains. Oracle: the communities' own rows. At the street every case is there once,
#     with the same case row, parties, history (entries and hashes; casectl verify passes) and
#     documents as the community's copy; the known case ends up as the community has it.
# (b) Playing a community ourselves (fq-poke copies, sent back to back so they arrive as one
#     run): new copies, a second copy of one of them (a case community 2 keeps and sent up for
#     the record, so a newer copy may come from it), and an invalid copy. The new ones are
#     inserted by one statement (their rows share one xmin; two when the run arrived in two
#     reads), the second copy updates after the first, the invalid one is quarantined, the
#     sequence moves past all of it.
# (c) A run the database refuses at once (one copy carries a department role the schema's CHECK
#     refuses): it is rolled back and applied one by one; the good copies land, the bad one is
#     quarantined with the database's reason, and the link goes on carrying cases.
# (d) Runs sent to the database whole (link_whole.c): a run of new copies is written by one
#     transaction without a savepoint (its cases share their xmin with the inbox row it moved);
#     a copy of a case the street has already, whose history has no entry made at the street,
#     fails the run sent whole on the cases' key and is applied as an update instead; a run whose
#     inbox moved behind the daemon's back is refused by the database, not applied twice; a
#     new case whose history names entries the street stores fails the run on the entries' key
#     and lands in a receive transaction, the stored entries skipped.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init link_batch
cfg=$FQ_RUN_DIR/small.yaml
e2e_config_small "$cfg"
e2e_up "$cfg"

command -v jq >/dev/null || fail "jq is needed by this test"

S=$E2E_STREET
C1=$E2E_COMM1
C2=$E2E_COMM2
street_log=$FQ_RUN_DIR/$S.log
[[ -f $street_log ]] || fail "no street log at $street_log"

# digest SCHEMA UNIT UUID: everything a copy carries about the case, as this unit stores it.
digest() {
    local w="unit = '$2' AND uuid = '$3'"
    psql_q "SELECT concat_ws(' | ',
        (SELECT concat_ws(',', case_no, title, description, category, risk, track, source,
                address, grid, reporter, state, holder, origin_unit, version,
                (extract(epoch FROM created_at) * 1000)::int8,
                (extract(epoch FROM updated_at) * 1000)::int8,
                coalesce((extract(epoch FROM deadline) * 1000)::int8, 0), amount, bounce_count,
                track_rule, binding, clock_start_ms, paused_ms, extension_days, unsatisfied)
           FROM $1.cases WHERE $w),
        (SELECT string_agg(concat_ws(',', idx, name, phone, role), ';' ORDER BY idx)
           FROM $1.case_parties WHERE $w),
        (SELECT count(*) || ':' || string_agg(concat_ws(',', event_uuid, at_ms, at_unit, action,
                from_state, to_state, actor, note, prev_hash, hash), ';' ORDER BY at_ms, event_uuid)
           FROM $1.case_events WHERE $w),
        (SELECT string_agg(concat_ws(',', doc_uuid, kind, number, doc_date, parties, terms,
                court, at_unit, at_ms), ';' ORDER BY doc_uuid)
           FROM $1.case_documents WHERE $w))"
}

# =============================================================================================
# (a) A backlog of new cases and updates to a known one.

# K: a case the street knows and has sent back down to C1, which goes on working on it.
k=$(ctl "$C1" submit --title '已知案件 K' --category neighbour --party '甲:13700000001:申请人' \
    --party '乙:13700000002:被申请人' --actor grid-k)
ctl "$C1" accept "$k" >/dev/null
ctl "$C1" escalate "$k" --note 上报 >/dev/null
wait_until 15 has_state "$S" "$k" escalated
ctl "$S" accept "$k" >/dev/null
ctl "$S" dispatch "$k" --to "$C1" --note 下派回社区 >/dev/null
wait_until 15 has_state "$C1" "$k" dispatched
ctl "$C1" accept "$k" >/dev/null
wait_until 15 has_state "$S" "$k" accepted
k_uuid=$(uuid_of "$C1" "$k")

cluster kill "$cfg" "$S" KILL
wait_until 10 link_is "$C1" "$S" false
wait_until 10 link_is "$C2" "$S" false

# new_case CODE I: a case with three parties, a document and five history entries, escalated.
new_case() {
    local code=$1 i=$2 no
    no=$(ctl "$code" submit --title "积压案件 $code #$i" --category wage_arrears --risk 2 \
        --description "第 $i 件, \"引号\" 与 \\反斜杠\\ {花括号,逗号}" --address "光明路 $i 号" \
        --party "工人$i:1370000$(printf %04d "$i"):申请人" --party "老板$i:13900000000:被申请人" \
        --party "证人$i::证人" --actor "grid-$i")
    ctl "$code" accept "$no" --actor staff >/dev/null
    ctl "$code" attach "$no" --kind mediation_agreement --number "调协-$i" --date 2026-03-0$((i % 9 + 1)) \
        --parties "工人$i, 老板$i" --terms "分期支付 $i 万元" >/dev/null
    ctl "$code" start "$no" --actor "调解员$i" --note "开始调处 $i" >/dev/null
    ctl "$code" escalate "$no" --actor staff --note "调处不成, 上报 $i" >/dev/null
    echo "$code $no" >>"$FQ_RUN_DIR/backlog"
}
: >"$FQ_RUN_DIR/backlog"
new_case "$C1" 1
new_case "$C1" 2
ctl "$C1" start "$k" --actor 调解员K --note 开始调处 >/dev/null
new_case "$C1" 3
ctl "$C1" attach "$k" --kind legal_opinion --number 意见-K --date 2026-03-01 >/dev/null
new_case "$C1" 4
ctl "$C1" resolve "$k" --actor 调解员K --note 已化解 >/dev/null
new_case "$C1" 5
for i in 1 2 3 4; do
    new_case "$C2" "$i"
done
n_new=$(wc -l <"$FQ_RUN_DIR/backlog")
depth=$(ctl "$C1" --json status | jq '[.links[].outbox_depth] | add')
((depth >= 8)) || fail "outbox depth at $C1 while the street is down is $depth, expected >= 8"

cluster start "$cfg" "$S" >/dev/null || fail "scripts/cluster start $S failed"
drained() {
    [[ $(psql_q "SELECT count(*) FROM community.outbox") == 0 ]] &&
        [[ $(psql_q "SELECT count(*) FROM street.cases WHERE unit = '$S' AND holder = '$S'") == "$n_new" ]]
}
wait_until 30 drained

while read -r code no; do
    uuid=$(uuid_of "$code" "$no")
    assert_eq 1 "$(psql_q "SELECT count(*) FROM street.cases WHERE unit = '$S' AND case_no = '$no'")" \
        "rows for $no at the street"
    want=$(digest community "$code" "$uuid")
    [[ $want == *"escalated,$S,$code,"* && $want == *' | 5:'* ]] ||
        fail "$no at $code is not the escalated five-entry case the test made: $want"
    assert_eq "$want" "$(digest street "$S" "$uuid")" "the street's copy of $no"
    assert_eq "$code false" "$(psql_q "SELECT from_child || ' ' || sent_up FROM street.cases WHERE unit = '$S' AND uuid = '$uuid'")" \
        "from_child and sent_up of $no at the street"
    assert_exit 0 ctl "$S" verify "$no"
done <"$FQ_RUN_DIR/backlog"

# K moved at C1 while the street was down; its updates came in the same backlog, in order.
wait_until 10 has_state "$S" "$k" resolved
assert_eq "$(digest community "$C1" "$k_uuid")" "$(digest street "$S" "$k_uuid")" "the street's copy of $k"
assert_exit 0 ctl "$S" verify "$k"
assert_eq 0 "$(psql_q "SELECT count(*) FROM street.quarantine")" "messages quarantined at the street"
assert_eq 0 "$(fallbacks "$S")" "runs the street had to apply one by one"

# =============================================================================================
# (b) Crafted runs from C2 (we play it; the real one is stopped once its outbox is empty).
cluster kill "$cfg" "$C2" TERM
# rows N: "version events parties" of crafted case N at the street, or nothing.
rows() {
    psql_q "SELECT c.version || ' ' || (SELECT count(*) FROM street.case_events e WHERE e.unit = c.unit AND e.uuid = c.uuid)
                || ' ' || (SELECT count(*) FROM street.case_parties p WHERE p.unit = c.unit AND p.uuid = c.uuid)
              FROM street.cases c WHERE c.unit = '$S' AND c.uuid = '$(pu "$1")'"
}

seq0=$(crafted_seq)
[[ $seq0 =~ ^[0-9]+$ ]] || fail "no inbox row at the street for $C2"
q0=$(crafted_quarantined)
# 1, 2, 3 and 5 are new; the fourth copy is a later version of 1, which community 2 keeps; the
# fifth is invalid.
poke_copies $((seq0 + 1)) 1:2:holder="$C2" 2:3 3:2 1:3:holder="$C2" 4:0 5:2
assert_contains "$E2E_OUT" "ack seq=$((seq0 + 5)) rejected=$((seq0 + 5)) reason=" "refusal of the invalid copy"
assert_contains "$E2E_OUT" "ack seq=$((seq0 + 6)) rejected=0" "cumulative ack of the crafted run"
assert_eq $((seq0 + 6)) "$(crafted_seq)" "street inbox from $C2 after the crafted run"
assert_eq "3 3 2" "$(rows 1)" "case 1 after its new copy and its update in one run"
assert_eq "3 3 2" "$(rows 2)" "case 2"
assert_eq "2 2 2" "$(rows 3)" "case 3"
assert_eq "" "$(rows 4)" "the invalid copy"
assert_eq "2 2 2" "$(rows 5)" "case 5"
assert_eq $((q0 + 1)) "$(crafted_quarantined)" "quarantined copies from $C2"
# The street reads what has arrived: on a busy machine the run can reach it in two reads (ZeroMQ
# hands over what one read of the TCP socket decoded), each committed as a run of its own. One by
# one, each copy would have its own savepoint, so its own xmin: three. Set-based, at most two.
xmins=$(psql_q "SELECT count(DISTINCT xmin::text) || ' ' || min(from_child) || ' ' || bool_or(sent_up)
    FROM street.cases WHERE unit = '$S' AND uuid IN ('$(pu 2)', '$(pu 3)', '$(pu 5)')")
[[ $xmins == "1 $C2 false" || $xmins == "2 $C2 false" ]] ||
    fail "new copies of one run inserted by one statement (one xmin, two if the run came in two reads), from_child, sent_up: expected '1 $C2 false' (or '2 ...'), got '$xmins'"
assert_eq 0 "$(fallbacks "$S")" "runs the street had to apply one by one"

# =============================================================================================
# (c) A run the database refuses at once falls back to one by one.
seq1=$(crafted_seq)
poke_copies $((seq1 + 1)) 6:2 7:2:bad 8:2
assert_contains "$E2E_OUT" "ack seq=$((seq1 + 2)) rejected=$((seq1 + 2)) reason=" "refusal of the copy the database refuses"
assert_contains "$E2E_OUT" "check constraint" "the database's reason"
assert_contains "$E2E_OUT" "ack seq=$((seq1 + 3)) rejected=0" "cumulative ack after the fallback"
assert_eq $((seq1 + 3)) "$(crafted_seq)" "street inbox from $C2 after the fallback"
assert_eq "2 2 2" "$(rows 6)" "case 6, before the bad copy"
assert_eq "" "$(rows 7)" "the copy the database refuses"
assert_eq "2 2 2" "$(rows 8)" "case 8, after the bad copy"
assert_eq $((q0 + 2)) "$(crafted_quarantined)" "quarantined copies from $C2"
assert_contains "$(psql_q "SELECT reason FROM street.quarantine WHERE peer = '$C2' ORDER BY id DESC LIMIT 1")" \
    "check constraint" "quarantine reason of the refused copy"
assert_eq 1 "$(fallbacks "$S")" "runs the street applied one by one"

# The link is not wedged: the next crafted copy lands, and a real case still goes end to end.
poke_copies $((seq1 + 4)) 9:1
assert_eq "1 1 2" "$(rows 9)" "case 9, after the fallback"
no=$(ctl "$C1" submit --title '回退之后' --category neighbour --party '丙:13700000003:申请人')
ctl "$C1" accept "$no" >/dev/null
ctl "$C1" escalate "$no" >/dev/null
wait_until 15 has_state "$S" "$no" escalated
assert_eq "$(digest community "$C1" "$(uuid_of "$C1" "$no")")" "$(digest street "$S" "$(uuid_of "$C1" "$no")")" \
    "the street's copy of $no"

# =============================================================================================
# (d) Runs sent whole.
street_log_lines() { grep -c "copies from $C2 not taken whole" "$street_log" || true; }
inbox_xmin() { psql_q "SELECT xmin FROM street.inbox WHERE unit = '$S' AND peer = '$C2'"; }
seq2=$(crafted_seq)
whole0=$(street_log_lines)
poke_copies $((seq2 + 1)) 10:2 11:2 12:2
assert_contains "$E2E_OUT" "ack seq=$((seq2 + 3)) rejected=0" "ack of a run of new copies"
assert_eq "2 2 2" "$(rows 10)" "case 10"
assert_eq "2 2 2" "$(rows 12)" "case 12"
# A receive transaction inserts new copies under a savepoint, so their xmin is a subtransaction's
# and the inbox's is the top transaction's; sent whole, they are one. (The run may come in two
# reads: the last one moved the inbox.)
same=$(psql_q "SELECT count(*) FROM street.cases WHERE unit = '$S' AND xmin = '$(inbox_xmin)'
    AND uuid IN ('$(pu 10)', '$(pu 11)', '$(pu 12)')")
((same >= 1)) || fail "no copy of the run shares its xmin with the inbox row: the run was not sent whole"
assert_eq "$whole0" "$(street_log_lines)" "runs not taken whole, after a run of new copies"

# The street has case 1, but the crafted history has no entry made at the street: the run goes
# whole, the cases' key fails it, and it is applied in a receive transaction as an update.
poke_copies $((seq2 + 4)) 1:4:holder="$C2"
assert_contains "$E2E_OUT" "ack seq=$((seq2 + 4)) rejected=0" "ack of the copy of a held case"
assert_eq "4 4 2" "$(rows 1)" "case 1 after a later copy that looked new"
assert_eq $((whole0 + 1)) "$(street_log_lines)" "runs not taken whole, after the copy of a held case"
assert_contains "$(grep "copies from $C2 not taken whole" "$street_log" | tail -n 1)" "cases_pkey" \
    "why the run of the held case's copy was not taken whole"
assert_eq $((seq2 + 4)) "$(crafted_seq)" "street inbox from $C2 after the copy of a held case"

# The inbox moved behind the daemon's back (as if another process had taken seq2 + 5): the run
# sent whole must not apply that seq again. The database refuses the move; the receive
# transaction reads the inbox, finds seq2 + 5 taken, and acks it without applying it.
psql_q "UPDATE street.inbox SET last_seq = $((seq2 + 5)) WHERE unit = '$S' AND peer = '$C2'" >/dev/null
poke_copies $((seq2 + 5)) 13:2
assert_contains "$E2E_OUT" "ack seq=$((seq2 + 5)) rejected=0" "ack of a seq the inbox already holds"
assert_eq "" "$(rows 13)" "a copy whose seq the inbox already holds"
assert_contains "$(grep "copies from $C2 not taken whole" "$street_log" | tail -n 1)" \
    "the inbox from $C2 is no longer at $((seq2 + 4))" "why the run was refused"
poke_copies $((seq2 + 6)) 14:2
assert_eq "2 2 2" "$(rows 14)" "case 14, after the inbox was moved"

# Case 15 is new, but a peer's mistake gave its history the uuids of case 14's entries, which
# the street stores. Sent whole, history goes in without skipping stored entries, so the
# entries' key fails the run; applied again in a receive transaction, the case goes in and the
# entries stored already are skipped, as before runs went whole.
poke_copies $((seq2 + 7)) 15:2:entries=14
assert_contains "$E2E_OUT" "ack seq=$((seq2 + 7)) rejected=0" "ack of a new case naming stored entries"
assert_eq "2 0 2" "$(rows 15)" "case 15, whose entries are case 14's"
assert_eq "2 2 2" "$(rows 14)" "case 14, after a copy named its entries"
assert_contains "$(grep "copies from $C2 not taken whole" "$street_log" | tail -n 1)" \
    "case_events_pkey" "why the run naming stored entries was not taken whole"
assert_eq $((seq2 + 7)) "$(crafted_seq)" "street inbox from $C2 at the end"
assert_eq 1 "$(fallbacks "$S")" "runs the street applied one by one, at the end"

echo "test_25_link_batch: ok"
