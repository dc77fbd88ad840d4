#!/usr/bin/env bash
# tests/e2e/test_44_entry_authors.sh - a neighbour's copy brings only history entries (and
# documents, notices and feedback records) made on its side of the tree. Only the holder writes a case's chain, and an entry
# travels along the tree, so an entry new to the receiver comes from a child only if it was made
# at that child or below it, and from the parent only if it was made outside the receiver's part
# of the tree. A copy bringing any other entry is refused whole and quarantined; the link goes
# on.
#
# (a) Playing community 2 (fq-poke copies, one run): new cases whose entries say they were made
#     at the street itself, at the other community, at the district, and at a unit the
#     deployment does not have, between two good ones. The good ones land; each bad one is
#     quarantined with a reason naming the entry's unit, and nothing of it is stored. Documents,
#     notices and feedback records are checked the same way.
# (b) A run that goes to the database whole (link_whole.c) with one such copy: the transaction
#     fails on the check, and the run is applied again, the good copy kept.
# (c) A copy of a case community 2 keeps whose one new entry says it was made at the street:
#     refused, the case stays as it was; the honest next copy is applied.
# (d) From the parent: the street's database is given an entry claiming to be community 1's
#     (its chain intact), and the street acts on the case. Community 1 refuses that copy, names
#     the entry's unit, and keeps the case as it had it; the street counts the copy as refused.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init entry_authors
cfg=$FQ_RUN_DIR/small.yaml
e2e_config_small "$cfg"
e2e_up "$cfg"

command -v jq >/dev/null || fail "jq is needed by this test"

D=$E2E_DISTRICT
S=$E2E_STREET
C1=$E2E_COMM1
C2=$E2E_COMM2
street_log=$FQ_RUN_DIR/$S.log

# stored N: "version entries" of crafted case N at the street, or nothing.
stored() {
    psql_q "SELECT c.version || ' ' || (SELECT count(*) FROM street.case_events e
                                          WHERE e.unit = c.unit AND e.uuid = c.uuid)
              FROM street.cases c WHERE c.unit = '$S' AND c.uuid = '$(pu "$1")'"
}
# entries_of N: history entries of crafted case N at the street (0 when it has none).
entries_of() { psql_q "SELECT count(*) FROM street.case_events WHERE unit = '$S' AND uuid = '$(pu "$1")'"; }

# =============================================================================================
# (a) New cases: entries made where community 2 cannot have them from.
play_community2 "$cfg"
seq0=$(crafted_seq)
[[ $seq0 =~ ^[0-9]+$ ]] || fail "no inbox row at the street for $C2"
q0=$(crafted_quarantined)
poke_copies $((seq0 + 1)) 41:2:holder="$C2" 42:2:author="$S" 43:2:author="$C1" 44:2:author="$D" \
    45:2:author=999999999999 46:2
assert_contains "$E2E_OUT" "ack seq=$((seq0 + 6)) rejected=0" "cumulative ack of the run"
assert_eq $((seq0 + 6)) "$(crafted_seq)" "street inbox from $C2 after the run"
assert_eq $((q0 + 4)) "$(crafted_quarantined)" "copies quarantined at the street"
assert_eq "2 2" "$(stored 41)" "good copy 41 (version, entries)"
assert_eq "2 2" "$(stored 46)" "good copy 46"
for n in 42 43 44 45; do
    assert_eq "" "$(stored "$n")" "case of refused copy $n at the street"
    assert_eq 0 "$(entries_of "$n")" "entries of refused copy $n at the street"
done
assert_contains "$(crafted_reason $((seq0 + 2)))" "history entry 00000000-0000-4000-8001-004200000000 was made at $S, which is not on the side of the tree that $C2 stands for" \
    "reason for an entry made at the street itself"
assert_contains "$(crafted_reason $((seq0 + 3)))" "was made at $C1, which is not on the side of the tree that $C2" \
    "reason for an entry made at the other community"
assert_contains "$(crafted_reason $((seq0 + 4)))" "was made at $D, which is not on the side" \
    "reason for an entry made at the district"
assert_contains "$(crafted_reason $((seq0 + 5)))" "history entry 1 was made at unit 999999999999, which this deployment does not have" \
    "reason for an entry made at an unknown unit"
assert_eq 4 "$(psql_q "SELECT count(*) FROM street.quarantine WHERE unit = '$S' AND peer = '$C2'
                         AND reason LIKE '%was made at%'")" "quarantine rows naming where the entry was made"

# Documents the same: one attached at the street, one at community 2.
seqd=$(crafted_seq)
poke_copies $((seqd + 1)) 51:2:doc="$S" 52:2:doc="$C2"
assert_contains "$(crafted_reason $((seqd + 1)))" "case $C2-20260101-0051: document 00000000-0000-4000-8004-000000000051 was made at $S, which is not on the side of the tree that $C2 stands for" \
    "reason for a document attached at the street"
assert_contains "$E2E_OUT" "ack seq=$((seqd + 2)) rejected=0" "cumulative ack of the documents' run"
assert_eq "" "$(stored 51)" "case of the copy with the street's document"
assert_eq "2 2" "$(stored 52)" "copy with community 2's document"
assert_eq "$C2" "$(psql_q "SELECT string_agg(at_unit, ',') FROM street.case_documents
                            WHERE unit = '$S' AND uuid IN ('$(pu 51)', '$(pu 52)')")" \
    "documents stored at the street"

# Notices and feedback records the same: a reminder issued at the street, a feedback record made
# at the district, a notice from a unit the deployment does not have, and one of each made at
# community 2.
seqn=$(crafted_seq)
poke_copies $((seqn + 1)) 53:2:notice="$S" 54:2:feedback="$D" 56:2:notice=999999999999 \
    55:2:notice="$C2":feedback="$C2"
assert_contains "$(crafted_reason $((seqn + 1)))" "case $C2-20260101-0053: notice 00000000-0000-4000-8005-000000000053 was made at $S, which is not on the side of the tree that $C2 stands for" \
    "reason for a notice issued at the street"
assert_contains "$(crafted_reason $((seqn + 2)))" "case $C2-20260101-0054: feedback record 00000000-0000-4000-8006-000000000054 was made at $D, which is not on the side" \
    "reason for a feedback record made at the district"
assert_contains "$(crafted_reason $((seqn + 3)))" "case $C2-20260101-0056: notice 1 was made at unit 999999999999, which this deployment does not have" \
    "reason for a notice from an unknown unit"
assert_contains "$E2E_OUT" "ack seq=$((seqn + 4)) rejected=0" "cumulative ack of the notices' run"
for n in 53 54 56; do
    assert_eq "" "$(stored "$n")" "case of refused copy $n"
done
assert_eq "2 2" "$(stored 55)" "copy with community 2's notice and feedback"
in_run="('$(pu 53)', '$(pu 54)', '$(pu 55)', '$(pu 56)')"
assert_eq "$C2 $C2" "$(psql_q "SELECT (SELECT string_agg(at_unit, ',') FROM street.notices
                                         WHERE unit = '$S' AND uuid IN $in_run) || ' ' ||
                                      (SELECT string_agg(at_unit, ',') FROM street.feedback
                                         WHERE unit = '$S' AND uuid IN $in_run)")" \
    "notices and feedback records stored at the street (where made)"
# What a later copy changes of a stored record is an update of its own: a review finds community
# 2's feedback unreasonable.
seqr=$(crafted_seq)
poke_copies $((seqr + 1)) 57:2:holder="$C2":feedback="$C2" 57:3:holder="$C2":feedback="$C2":review=诉求不合理
assert_contains "$E2E_OUT" "ack seq=$((seqr + 2)) rejected=0" "ack of the review's run"
assert_eq "true 诉求不合理" "$(psql_q "SELECT unreasonable || ' ' || review_reason FROM street.feedback
                                     WHERE unit = '$S' AND uuid = '$(pu 57)'")" \
    "feedback record 57 at the street after the review"

# =============================================================================================
# (b) A run sent whole: both copies look new and have no entry made at the street.
whole0=$(grep -c "copies from $C2 not taken whole" "$street_log" || true)
seq1=$(crafted_seq)
poke_copies $((seq1 + 1)) 47:2 48:2:author="$C1"
assert_contains "$E2E_OUT" "ack seq=$((seq1 + 2)) rejected=$((seq1 + 2)) reason=" "refusal of copy 48"
assert_contains "$E2E_OUT" "ack seq=$((seq1 + 2)) rejected=0" "cumulative ack"
wait_until 5 eval '(( $(grep -c "copies from $C2 not taken whole" "$street_log" || true) > whole0 ))'
assert_contains "$(grep "copies from $C2 not taken whole" "$street_log" | tail -n 1)" "was made at $C1" \
    "the run sent whole failed on the entry's unit"
assert_eq "2 2" "$(stored 47)" "good copy 47 of the run sent whole"
assert_eq "" "$(stored 48)" "refused copy 48"

# =============================================================================================
# (c) A case community 2 keeps (41, version 2): a copy whose new entry claims the street's hand.
seq2=$(crafted_seq)
poke_copies $((seq2 + 1)) 41:3:author="$S":holder="$C2"
assert_contains "$(crafted_reason $((seq2 + 1)))" "history entry 00000000-0000-4000-8001-004100000002 was made at $S" \
    "refusal of an update bringing an entry made at the street"
assert_eq "2 2" "$(stored 41)" "case 41 after the refused update"
poke_copies $((seq2 + 2)) 41:3:holder="$C2"
assert_contains "$E2E_OUT" "ack seq=$((seq2 + 2)) rejected=0" "ack of the honest update"
assert_eq "3 3" "$(stored 41)" "case 41 after the honest update"

# =============================================================================================
# (d) From the parent: an entry at the street that says it was made at community 1.
no=$(ctl "$C1" submit --title '楼道漏水' --category neighbour --party '张三:13700000001:申请人' --actor grid-1)
ctl "$C1" accept "$no" >/dev/null
ctl "$C1" escalate "$no" --note 上报 >/dev/null
wait_until 15 has_state "$S" "$no" escalated
ctl "$S" accept "$no" >/dev/null
wait_until 15 has_state "$C1" "$no" accepted "$S"
uuid=$(uuid_of "$S" "$no")
have=$(field "$C1" "$no" '.history | length')
version=$(field "$C1" "$no" .version)
cq0=$(psql_q "SELECT count(*) FROM community.quarantine WHERE unit = '$C1' AND peer = '$S'")

# the forged entry chains to the street's tip, so the street's own chain stays whole
forged=00000000-0000-4000-8003-000000000001
psql_q "WITH tip AS (SELECT e.hash FROM street.case_events e
                      WHERE e.unit = '$S' AND e.uuid = '$uuid'
                        AND NOT EXISTS (SELECT 1 FROM street.case_events f
                                         WHERE f.unit = e.unit AND f.uuid = e.uuid
                                           AND f.prev_hash = e.hash)),
             v AS (SELECT (extract(epoch FROM now()) * 1000)::int8 AS at_ms)
        INSERT INTO street.case_events (unit, uuid, event_uuid, at, at_ms, at_unit, action,
                                        from_state, to_state, actor, note, prev_hash, hash)
        SELECT '$S', '$uuid', '$forged', to_timestamp(v.at_ms / 1000.0), v.at_ms, '$C1', 'note',
               'accepted', 'accepted', '冒名者', '社区已同意', tip.hash,
               street.event_hash(tip.hash, '$forged', v.at_ms, '$C1', 'note', 'accepted',
                                 'accepted', '冒名者', '社区已同意')
          FROM tip, v" >/dev/null
ctl "$S" start "$no" --actor 调解员 --note 开始调处 >/dev/null
assert_exit 0 ctl "$S" verify "$no"

cq_more() {
    (($(psql_q "SELECT count(*) FROM community.quarantine WHERE unit = '$C1' AND peer = '$S'") > cq0))
}
wait_until 15 cq_more
reason=$(psql_q "SELECT reason FROM community.quarantine WHERE unit = '$C1' AND peer = '$S'
                  ORDER BY id DESC LIMIT 1")
assert_eq "case $no: history entry $forged was made at $C1, which is not on the side of the tree that $S stands for" \
    "$reason" "community 1's reason for refusing the street's copy (the whole of it)"
assert_eq "$version" "$(field "$C1" "$no" .version)" "community 1's version of $no after the refusal"
assert_eq "$have" "$(field "$C1" "$no" '.history | length')" "community 1's history of $no after the refusal"
assert_eq 0 "$(psql_q "SELECT count(*) FROM community.case_events WHERE event_uuid = '$forged'")" \
    "the forged entry at community 1"
poisoned() { [[ $(ctl "$S" --json status | jq '[.links[].poisoned] | add') -ge 1 ]]; }
wait_until 10 poisoned
assert_contains "$(psql_q "SELECT poisoned_reason FROM street.outbox WHERE unit = '$S' AND peer = '$C1'
                             AND poisoned_reason IS NOT NULL")" "was made at $C1" \
    "the street's refused copy to community 1"

e2e_down
echo PASS
