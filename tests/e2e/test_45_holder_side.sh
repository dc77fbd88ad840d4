#!/usr/bin/env bash
# tests/e2e/test_45_holder_side.sh - a neighbour's copy moves a case on only from where the case
# can have moved. Only the holder acts, and its copy travels the tree to every unit with a copy,
# so a newer copy from neighbour P is taken only if the receiver has the case held on P's side;
# and a copy names as holder a unit on P's side, the receiver, or where the case was taken in
# (a resolution goes back there). A new case comes from the side it was taken in on. Any other
# copy is refused whole and quarantined with its reason; the link goes on.
#
# (a) Playing community 2 (fq-poke copies), new cases: one escalated to the street and one
#     community 2 keeps land; one said to be held by the other community, one by the district,
#     and one said to be taken in at the other community are refused, nothing of them stored.
# (b) Newer copies, in one run: of the case the street holds (refused, unchanged); of the case
#     community 2 keeps, moved on twice (kept, then escalated to the street) and then once more
#     by community 2, which no longer holds it (refused); of another kept case, one handing it
#     to the district, two tiers up (refused), then an honest one (applied).
# (c) From the parent, with real daemons: the street returns a case to community 1, then, its
#     database forged to say the street still holds it, acts on it. Community 1, which holds the
#     case, refuses the street's newer copy with the reason and keeps its own.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init holder_side
cfg=$FQ_RUN_DIR/small.yaml
e2e_config_small "$cfg"
e2e_up "$cfg"

command -v jq >/dev/null || fail "jq is needed by this test"

D=$E2E_DISTRICT
S=$E2E_STREET
C1=$E2E_COMM1
C2=$E2E_COMM2

# stored N: "version entries holder" of crafted case N at the street, or nothing.
stored() {
    psql_q "SELECT c.version || ' ' || (SELECT count(*) FROM street.case_events e
                                          WHERE e.unit = c.unit AND e.uuid = c.uuid) || ' ' || c.holder
              FROM street.cases c WHERE c.unit = '$S' AND c.uuid = '$(pu "$1")'"
}
# crafted_no N: the case number fq-poke gives crafted case N.
crafted_no() { printf '%s-20260101-%04d' "$C2" "$1"; }
side="on the side of the tree that $C2 stands for"

# =============================================================================================
# (a) New cases.
play_community2 "$cfg"
seq0=$(crafted_seq)
[[ $seq0 =~ ^[0-9]+$ ]] || fail "no inbox row at the street for $C2"
q0=$(crafted_quarantined)
poke_copies $((seq0 + 1)) 61:2 62:2:holder="$C2" 63:2:holder="$C1" 64:2:holder="$D" \
    65:2:origin="$C1" 66:2:holder="$C2"
assert_contains "$E2E_OUT" "ack seq=$((seq0 + 6)) rejected=0" "cumulative ack of the new copies"
assert_eq $((q0 + 3)) "$(crafted_quarantined)" "copies quarantined after the new ones"
assert_eq "2 2 $S" "$(stored 61)" "case 61, escalated to the street"
assert_eq "2 2 $C2" "$(stored 62)" "case 62, kept by community 2"
assert_eq "2 2 $C2" "$(stored 66)" "case 66, kept by community 2"
for n in 63 64 65; do
    assert_eq "" "$(stored "$n")" "refused new copy $n at the street"
done
assert_contains "$(crafted_reason $((seq0 + 3)))" \
    "case $(crafted_no 63): the copy from $C2 says it is held by $C1, which is neither this unit, nor where the case was taken in, nor $side" \
    "reason for a new case held by the other community"
assert_contains "$(crafted_reason $((seq0 + 4)))" "says it is held by $D, which is neither" \
    "reason for a new case held by the district"
assert_contains "$(crafted_reason $((seq0 + 5)))" \
    "case $(crafted_no 65): the copy from $C2 says it was taken in at $C1, which is neither this unit nor $side" \
    "reason for a new case taken in at the other community"

# =============================================================================================
# (b) Newer copies in one run, applied set-based where they may be (sync_update.c) and one by
# one from the first that may not.
seq1=$(crafted_seq)
poke_copies $((seq1 + 1)) 61:3 62:3:holder="$C2" 62:4 62:5:holder="$C2" \
    66:3:holder="$D" 66:3:holder="$C2"
assert_contains "$E2E_OUT" "ack seq=$((seq1 + 6)) rejected=0" "cumulative ack of the newer copies"
assert_contains "$(crafted_reason $((seq1 + 1)))" \
    "case $(crafted_no 61): version 3 from $C2, but this unit has version 2 held by $S, which is not $side; only the holder moves a case on" \
    "reason for a newer copy of a case the street holds"
assert_eq "2 2 $S" "$(stored 61)" "case 61 after the refused copy"
assert_contains "$(crafted_reason $((seq1 + 4)))" \
    "case $(crafted_no 62): version 5 from $C2, but this unit has version 4 held by $S" \
    "reason for a copy from community 2 after it handed case 62 to the street"
assert_eq "4 4 $S" "$(stored 62)" "case 62: kept, escalated, and not taken back"
assert_contains "$(crafted_reason $((seq1 + 5)))" \
    "case $(crafted_no 66): the copy from $C2 says it is held by $D, which is neither" \
    "reason for a newer copy handing case 66 two tiers up"
assert_eq "3 3 $C2" "$(stored 66)" "case 66 after the honest copy that followed"
assert_eq $((q0 + 6)) "$(crafted_quarantined)" "copies quarantined after the newer ones"
assert_eq $((seq1 + 6)) "$(crafted_seq)" "street inbox from $C2 at the end"

# =============================================================================================
# (c) From the parent: the street moves on a case community 1 holds.
no=$(ctl "$C1" submit --title '噪音扰民' --category neighbour --party '张三:13700000001:申请人')
ctl "$C1" accept "$no" >/dev/null
ctl "$C1" escalate "$no" >/dev/null
wait_until 15 has_state "$S" "$no" escalated
ctl "$S" return "$no" --reason '请社区先行调解' >/dev/null
wait_until 15 has_state "$C1" "$no" returned "$C1"
uuid=$(uuid_of "$S" "$no")
version=$(field "$C1" "$no" .version)
have=$(field "$C1" "$no" '.history | length')
cq0=$(psql_q "SELECT count(*) FROM community.quarantine WHERE unit = '$C1' AND peer = '$S'")
psql_q "UPDATE street.cases SET holder = '$S' WHERE unit = '$S' AND uuid = '$uuid'" >/dev/null
ctl "$S" accept "$no" --actor 越权者 >/dev/null

cq_more() {
    (($(psql_q "SELECT count(*) FROM community.quarantine WHERE unit = '$C1' AND peer = '$S'") > cq0))
}
wait_until 15 cq_more
assert_eq "case $no: version $((version + 1)) from $S, but this unit has version $version held by $C1, which is not on the side of the tree that $S stands for; only the holder moves a case on" \
    "$(psql_q "SELECT reason FROM community.quarantine WHERE unit = '$C1' AND peer = '$S'
                ORDER BY id DESC LIMIT 1")" "community 1's reason for refusing the street's copy"
assert_eq "returned $C1 $version $have" \
    "$(field "$C1" "$no" '[.state, .unit, .version, (.history | length)] | join(" ")')" \
    "community 1's case after the refusal (state, holder, version, entries)"
poisoned() { [[ $(ctl "$S" --json status | jq '[.links[].poisoned] | add') -ge 1 ]]; }
wait_until 10 poisoned
# Community 1 still holds the case and acts on it.
ctl "$C1" accept "$no" >/dev/null
assert_exit 0 ctl "$C1" verify "$no"

e2e_down
echo PASS
