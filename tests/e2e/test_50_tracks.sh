#!/usr/bin/env bash
# tests/e2e/test_50_tracks.sh - one case per track (分级诊疗), with real daemons.
#
# (a) simple (普通门诊): a noise dispute at community 1 is taken in, accepted, triaged (rule
#     邻里小事), resolved and closed the same day at the community; the street and the district
#     never see it (no rows in their schemas once every outbox has drained).
# (b) complex (专科门诊): wage arrears of three workers with an amount, taken in at community 2
#     and escalated; the street triages it (rule 多人欠薪) and assigns a lead (人社所) and two
#     co-handlers (司法所, 派出所); each signs for it, a 人民调解协议书 goes on the file, the
#     co-handlers' results are recorded without resolving, the lead's result resolves it and
#     sends it back to community 2, which sees the document and closes it; the district never
#     sees it.
# (c) high_risk (特需门诊): a safety hazard with risk 4 triaged at community 1 goes up to the
#     street by itself, triaged there goes up to the district by itself (entries by 系统 (自动));
#     the district resolves it (提级会诊) and community 1 closes it.
# (d) long_term (社区门诊): a land dispute walked in at the street, triaged --to community 1, is
#     sent down by itself; the community accepts it, records three visits (seen at the street
#     too), resolves it; the street, where it was taken in, closes it.
# Every tier that saw a case holds the same history (unit, action, states, actor, note, hash)
# and `casectl verify` finds its hash chain intact there.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init tracks
cfg=$FQ_RUN_DIR/casework.yaml
e2e_config_casework "$cfg"
e2e_up "$cfg"

command -v jq >/dev/null || fail "jq is needed by this test"

AUTO='系统 (自动)'
TODAY=$(TZ=Asia/Shanghai date +%F)

# drained: every unit's outbox is empty (nothing is still on its way to another tier).
drained() {
    local code d
    for code in "$E2E_COMM1" "$E2E_COMM2" "$E2E_STREET" "$E2E_DISTRICT"; do
        d=$(ctl "$code" --json status | jq '[.links[].outbox_depth] | add') || return 1
        [[ $d == 0 ]] || { echo "outbox depth $d at $code"; return 1; }
    done
}

# never_saw SCHEMA CODE UUID: no trace of the case under any unit of that tier.
never_saw() {
    local t
    for t in cases case_events case_departments case_documents; do
        assert_eq 0 "$(psql_q "SELECT count(*) FROM $1.$t WHERE uuid='$3'")" \
            "rows of the case in $1.$t ($2 never saw it)"
    done
    assert_exit 1 ctl "$2" show "$3"
    assert_contains "$E2E_OUT" "casectl: $2: " "refusal of show at $2"
}

# same_file CASE CODE...: every CODE holds the same history (every field, hashes included) as the
# first, and `verify` finds its chain intact there, counting all its entries.
same_file() {
    local case_no=$1 first=$2 ref j n code
    shift
    ref=$(field "$first" "$case_no" '.history')
    for code in "$@"; do
        j=$(show_json "$code" "$case_no")
        assert_eq "$ref" "$(jq '.history' <<<"$j")" "history of $case_no at $code vs at $first"
        n=$(jq '.history | length' <<<"$j")
        assert_exit 0 ctl "$code" verify "$case_no"
        assert_eq "case $case_no: $n entries, hash chain intact" "$E2E_OUT" "verify $case_no at $code"
    done
}

# Every history entry carries a hash, and no two are alike.
distinct_hashes() {
    jq -e '[.history[].hash] | (all(test("^[0-9a-f]{64}$"))) and (length == (unique | length))' \
        <<<"$(show_json "$1" "$2")" >/dev/null || fail "hashes of $2 at $1: $(field "$1" "$2" '[.history[].hash]')"
}

# =============================================================================================
# (a) simple: settled on the spot at community 1.
a=$(ctl "$E2E_COMM1" submit --title '楼上深夜噪音扰民' --category noise --risk 1 \
    --description '楼上住户每晚十一点后搬动家具' --party '王某:13800138001:申请人' \
    --party '孙某:13800138002:被申请人' --reporter 网格员陈某 --actor grid-w01)
[[ $a =~ ^440311001001-[0-9]{8}-[0-9]{4}$ ]] || fail "submit printed '$a', not a case number of community 1"
a_uuid=$(field "$E2E_COMM1" "$a" .uuid)
j=$(show_json "$E2E_COMM1" "$a")
assert_eq reported "$(jq -r .state <<<"$j")" "(a) state after submit"
assert_eq simple "$(jq -r .track <<<"$j")" "(a) track after submit: the category's default"
ctl "$E2E_COMM1" accept "$a" --actor comm1-staff >/dev/null
j=$(ctl "$E2E_COMM1" --json triage "$a" --actor comm1-staff)
assert_eq simple "$(jq -r .track <<<"$j")" "(a) track after triage"
assert_eq "rule 5: 邻里小事" "$(jq -r .track_rule <<<"$j")" "(a) rule that set the track"
assert_eq accepted "$(jq -r .state <<<"$j")" "(a) a simple case stays after triage"
assert_eq "$E2E_COMM1" "$(jq -r .unit <<<"$j")" "(a) a simple case stays at the community"
ctl "$E2E_COMM1" resolve "$a" --note '当场调解, 楼上承诺22点后不再搬动家具' --actor comm1-staff >/dev/null
ctl "$E2E_COMM1" close "$a" --note '当日回访, 申请人满意' --actor comm1-staff >/dev/null

j=$(show_json "$E2E_COMM1" "$a")
assert_eq "closed $E2E_COMM1 $E2E_COMM1" "$(jq -r '"\(.state) \(.unit) \(.origin_unit)"' <<<"$j")" \
    "(a) state, holder, origin at the end"
assert_eq "$E2E_COMM1 submit none reported grid-w01
$E2E_COMM1 accept reported accepted comm1-staff
$E2E_COMM1 triage accepted accepted comm1-staff
$E2E_COMM1 resolve accepted resolved comm1-staff
$E2E_COMM1 close resolved closed comm1-staff" "$(steps "$E2E_COMM1" "$a")" "(a) history at the community"
assert_contains "$(jq -r '.history[2].note' <<<"$j")" 邻里小事 "(a) the triage entry names the rule"
assert_eq '当场调解, 楼上承诺22点后不再搬动家具' "$(jq -r '.history[3].note' <<<"$j")" "(a) resolve note"
# Same day: taken in and closed on one day (China time), today.
assert_eq "$TODAY $TODAY" "$(jq -r '"\(.history[0].at[0:10]) \(.history[-1].at[0:10])"' <<<"$j")" \
    "(a) days of the submit and the close"
distinct_hashes "$E2E_COMM1" "$a"
same_file "$a" "$E2E_COMM1"
# Nothing of it went up.
wait_until 15 drained
never_saw street "$E2E_STREET" "$a_uuid"
never_saw district "$E2E_DISTRICT" "$a_uuid"

# =============================================================================================
# (b) complex: wage arrears of several workers, handled by a joint team at the street.
AGREEMENT_NO='光明司调字〔2026〕第018号'
AGREEMENT_DATE=2026-03-18
AGREEMENT_PARTIES='申请人张甲、张乙、张丙; 被申请人深圳某建筑劳务有限公司'
AGREEMENT_TERMS='被申请人于2026年3月31日前一次性支付拖欠工资共计186000元'
b=$(ctl "$E2E_COMM2" submit --title '工地拖欠三名农民工工资' --category wage_arrears \
    --description '某工地劳务公司拖欠三名工人2025年下半年工资' --risk 2 --amount 186000 \
    --party '张甲:13700000001:申请人' --party '张乙:13700000002:申请人' \
    --party '张丙:13700000003:申请人' --party '深圳某建筑劳务有限公司:0755-88880000:被申请人' \
    --actor grid-w02)
[[ $b =~ ^440311001002-[0-9]{8}-[0-9]{4}$ ]] || fail "submit printed '$b', not a case number of community 2"
b_uuid=$(field "$E2E_COMM2" "$b" .uuid)
ctl "$E2E_COMM2" accept "$b" --actor comm2-staff >/dev/null
ctl "$E2E_COMM2" escalate "$b" --actor comm2-staff --note '涉及多名工人, 需街道联调' >/dev/null
assert_eq "escalated $E2E_STREET" "$(field "$E2E_COMM2" "$b" '"\(.state) \(.unit)"')" "(b) community after escalate"

wait_until 15 has_state "$E2E_STREET" "$b" escalated "$E2E_STREET"
ctl "$E2E_STREET" accept "$b" --actor street-staff >/dev/null
j=$(ctl "$E2E_STREET" --json triage "$b" --actor street-staff)
assert_eq "complex|rule 3: 多人欠薪|accepted|$E2E_STREET" \
    "$(jq -r '[.track, .track_rule, .state, .unit] | join("|")' <<<"$j")" "(b) street after triage"
j=$(ctl "$E2E_STREET" --json assign "$b" --lead hrss_office --co justice_office --co police_station \
    --actor street-staff --note '联调联处')
assert_eq in_progress "$(jq -r .state <<<"$j")" "(b) state after assign"
dept_table() { jq -r '.departments | sort_by(.dept)[] | [.dept, .role, .status, .result] | join(":")' <<<"$1"; }
assert_eq "hrss_office:lead:assigned:
justice_office:co:assigned:
police_station:co:assigned:" "$(dept_table "$j")" "(b) departments after assign"
for d in hrss_office justice_office police_station; do
    ctl "$E2E_STREET" dept-accept "$b" --dept "$d" --actor "$d-clerk" >/dev/null
done
j=$(show_json "$E2E_STREET" "$b")
assert_eq "hrss_office:lead:accepted:
justice_office:co:accepted:
police_station:co:accepted:" "$(dept_table "$j")" "(b) departments after each signed (签收)"
ctl "$E2E_STREET" attach "$b" --kind mediation_agreement --number "$AGREEMENT_NO" \
    --date "$AGREEMENT_DATE" --parties "$AGREEMENT_PARTIES" --terms "$AGREEMENT_TERMS" \
    --actor justice_office-clerk >/dev/null
ctl "$E2E_STREET" dept-result "$b" --dept justice_office --note '主持调解, 双方签订人民调解协议书' \
    --actor justice_office-clerk >/dev/null
ctl "$E2E_STREET" dept-result "$b" --dept police_station --note '调解现场秩序维护, 无冲突' \
    --actor police_station-clerk >/dev/null
# The co-handlers' results are recorded; the case is still being handled at the street.
j=$(show_json "$E2E_STREET" "$b")
assert_eq "in_progress $E2E_STREET" "$(jq -r '"\(.state) \(.unit)"' <<<"$j")" "(b) after the co-handlers' results"
assert_eq "hrss_office:lead:accepted:
justice_office:co:done:主持调解, 双方签订人民调解协议书
police_station:co:done:调解现场秩序维护, 无冲突" "$(dept_table "$j")" "(b) departments after the co-handlers' results"
j=$(ctl "$E2E_STREET" --json dept-result "$b" --dept hrss_office --note '督促劳务公司按协议支付, 已付清' \
    --actor hrss_office-clerk)
assert_eq "resolved $E2E_COMM2" "$(jq -r '"\(.state) \(.unit)"' <<<"$j")" "(b) the lead's result resolves it, back to community 2"
assert_eq "hrss_office:lead:done:督促劳务公司按协议支付, 已付清
justice_office:co:done:主持调解, 双方签订人民调解协议书
police_station:co:done:调解现场秩序维护, 无冲突" "$(dept_table "$j")" "(b) departments at the street after the lead's result"
assert_exit 1 ctl "$E2E_STREET" close "$b" --actor street-staff

wait_until 15 has_state "$E2E_COMM2" "$b" resolved "$E2E_COMM2"
want_doc="mediation_agreement|$AGREEMENT_NO|$AGREEMENT_DATE|$AGREEMENT_PARTIES|$AGREEMENT_TERMS||$E2E_STREET"
doc_of() { field "$1" "$b" '.documents[] | [.kind, .number, .date, .parties, .terms, .court, .unit] | join("|")'; }
assert_eq "$want_doc" "$(doc_of "$E2E_COMM2")" "(b) the agreement at community 2"
ctl "$E2E_COMM2" close "$b" --actor comm2-staff --note '回访三名工人, 工资已到账' >/dev/null
wait_until 15 has_state "$E2E_STREET" "$b" closed "$E2E_COMM2"

want_b="$E2E_COMM2 submit none reported grid-w02
$E2E_COMM2 accept reported accepted comm2-staff
$E2E_COMM2 escalate accepted escalated comm2-staff
$E2E_STREET accept escalated accepted street-staff
$E2E_STREET triage accepted accepted street-staff
$E2E_STREET assign accepted in_progress street-staff
$E2E_STREET dept-accept in_progress in_progress hrss_office-clerk
$E2E_STREET dept-accept in_progress in_progress justice_office-clerk
$E2E_STREET dept-accept in_progress in_progress police_station-clerk
$E2E_STREET attach in_progress in_progress justice_office-clerk
$E2E_STREET dept-result in_progress in_progress justice_office-clerk
$E2E_STREET dept-result in_progress in_progress police_station-clerk
$E2E_STREET dept-result in_progress resolved hrss_office-clerk
$E2E_COMM2 close resolved closed comm2-staff"
for code in "$E2E_COMM2" "$E2E_STREET"; do
    j=$(show_json "$code" "$b")
    assert_eq "$b_uuid closed $E2E_COMM2 $E2E_COMM2" "$(jq -r '"\(.uuid) \(.state) \(.unit) \(.origin_unit)"' <<<"$j")" \
        "(b) uuid, state, holder, origin at $code"
    assert_eq "complex|rule 3: 多人欠薪|186000|4" "$(jq -r '[.track, .track_rule, .amount, (.parties | length)] | join("|")' <<<"$j")" \
        "(b) track, rule, amount, parties at $code"
    assert_eq "$want_doc" "$(doc_of "$code")" "(b) the agreement at $code"
    assert_eq "$want_b" "$(steps "$code" "$b")" "(b) history at $code"
    assert_contains "$(jq -r '.history[9].note' <<<"$j")" "$AGREEMENT_NO" "(b) the attach entry at $code"
    assert_contains "$(jq -r '.history[12].note' <<<"$j")" '督促劳务公司按协议支付, 已付清' "(b) the lead's result entry at $code"
done
assert_eq "hrss_office:lead:done:督促劳务公司按协议支付, 已付清
justice_office:co:done:主持调解, 双方签订人民调解协议书
police_station:co:done:调解现场秩序维护, 无冲突" "$(dept_table "$(show_json "$E2E_STREET" "$b")")" "(b) departments at the street at the end"
distinct_hashes "$E2E_STREET" "$b"
same_file "$b" "$E2E_COMM2" "$E2E_STREET"
wait_until 15 drained
never_saw district "$E2E_DISTRICT" "$b_uuid"
assert_exit 1 ctl "$E2E_COMM1" show "$b"

# =============================================================================================
# (c) high_risk: up to the district by itself, 提级会诊 there.
c=$(ctl "$E2E_COMM1" submit --title '老旧厂房外墙大面积开裂' --category safety_hazard --risk 4 \
    --description '外墙开裂, 临街人行道每日人流较多' --party '周某:13900000001:报告人' --actor grid-w01)
c_uuid=$(field "$E2E_COMM1" "$c" .uuid)
assert_eq complex "$(field "$E2E_COMM1" "$c" .track)" "(c) track after submit: the category's default"
ctl "$E2E_COMM1" accept "$c" --actor comm1-staff >/dev/null
j=$(ctl "$E2E_COMM1" --json triage "$c" --actor comm1-staff)
assert_eq "high_risk|rule 2: 高风险隐患|escalated|$E2E_STREET" \
    "$(jq -r '[.track, .track_rule, .state, .unit] | join("|")' <<<"$j")" "(c) community after triage"
assert_eq "escalate accepted escalated $AUTO" \
    "$(jq -r '.history[-1] | "\(.action) \(.from_state) \(.to_state) \(.actor)"' <<<"$j")" \
    "(c) the community's automatic escalation"

wait_until 15 has_state "$E2E_STREET" "$c" escalated "$E2E_STREET"
ctl "$E2E_STREET" accept "$c" --actor street-staff >/dev/null
j=$(ctl "$E2E_STREET" --json triage "$c" --actor street-staff)
assert_eq "high_risk|rule 2: 高风险隐患|escalated|$E2E_DISTRICT" \
    "$(jq -r '[.track, .track_rule, .state, .unit] | join("|")' <<<"$j")" "(c) street after triage"

wait_until 15 has_state "$E2E_DISTRICT" "$c" escalated "$E2E_DISTRICT"
ctl "$E2E_DISTRICT" accept "$c" --actor district-cmd >/dev/null
C_NOTE='提级会诊: 区住建局、应急局现场研判, 设置围挡并限期加固'
j=$(ctl "$E2E_DISTRICT" --json resolve "$c" --note "$C_NOTE" --actor district-cmd)
assert_eq "resolved $E2E_COMM1" "$(jq -r '"\(.state) \(.unit)"' <<<"$j")" "(c) district after resolve"
wait_until 15 has_state "$E2E_COMM1" "$c" resolved "$E2E_COMM1"
ctl "$E2E_COMM1" close "$c" --actor comm1-staff --note '已告知报告人' >/dev/null
wait_until 15 has_state "$E2E_STREET" "$c" closed "$E2E_COMM1"
wait_until 15 has_state "$E2E_DISTRICT" "$c" closed "$E2E_COMM1"

want_c="$E2E_COMM1 submit none reported grid-w01
$E2E_COMM1 accept reported accepted comm1-staff
$E2E_COMM1 triage accepted accepted comm1-staff
$E2E_COMM1 escalate accepted escalated $AUTO
$E2E_STREET accept escalated accepted street-staff
$E2E_STREET triage accepted accepted street-staff
$E2E_STREET escalate accepted escalated $AUTO
$E2E_DISTRICT accept escalated accepted district-cmd
$E2E_DISTRICT resolve accepted resolved district-cmd
$E2E_COMM1 close resolved closed comm1-staff"
for code in "$E2E_COMM1" "$E2E_STREET" "$E2E_DISTRICT"; do
    j=$(show_json "$code" "$c")
    assert_eq "$c_uuid closed $E2E_COMM1 $E2E_COMM1 high_risk 4" \
        "$(jq -r '"\(.uuid) \(.state) \(.unit) \(.origin_unit) \(.track) \(.risk)"' <<<"$j")" \
        "(c) uuid, state, holder, origin, track, risk at $code"
    assert_eq "$want_c" "$(steps "$code" "$c")" "(c) history at $code"
    assert_eq "$C_NOTE" "$(jq -r '.history[8].note' <<<"$j")" "(c) the district's resolve note at $code"
    assert_contains "$(jq -r '.history[2].note' <<<"$j")" 高风险隐患 "(c) the community's triage entry at $code"
done
distinct_hashes "$E2E_DISTRICT" "$c"
same_file "$c" "$E2E_COMM1" "$E2E_STREET" "$E2E_DISTRICT"
assert_exit 1 ctl "$E2E_COMM2" show "$c"

# =============================================================================================
# (d) long_term: walked in at the street, followed up by community 1.
d=$(ctl "$E2E_STREET" submit --title '宅基地边界历史遗留纠纷' --category land_housing --risk 2 \
    --source walk_in --description '两户宅基地边界自1987年起有争议' \
    --party '陈某:13600000001:申请人' --party '林某:13600000002:被申请人' --actor street-desk)
[[ $d =~ ^440311001000-[0-9]{8}-[0-9]{4}$ ]] || fail "submit printed '$d', not a case number of the street"
d_uuid=$(field "$E2E_STREET" "$d" .uuid)
ctl "$E2E_STREET" accept "$d" --actor street-staff >/dev/null
j=$(ctl "$E2E_STREET" --json triage "$d" --to "$E2E_COMM1" --actor street-staff)
assert_eq "long_term|rule 4: 历史遗留|dispatched|$E2E_COMM1|$E2E_STREET" \
    "$(jq -r '[.track, .track_rule, .state, .unit, .origin_unit] | join("|")' <<<"$j")" "(d) street after triage --to"
assert_eq "dispatch accepted dispatched $AUTO" \
    "$(jq -r '.history[-1] | "\(.action) \(.from_state) \(.to_state) \(.actor)"' <<<"$j")" \
    "(d) the street's automatic dispatch"
assert_exit 1 ctl "$E2E_STREET" resolve "$d" --note x --actor street-staff

wait_until 15 has_state "$E2E_COMM1" "$d" dispatched "$E2E_COMM1"
ctl "$E2E_COMM1" accept "$d" --actor comm1-staff >/dev/null
VISITS=("2026-01-08|网格员陈某|双方各执一词, 情绪平稳"
    "2026-02-12|网格员陈某|调取1987年宅基地档案"
    "2026-03-05|社区书记李某|双方同意按档案划界")
for v in "${VISITS[@]}"; do
    IFS='|' read -r vdate vby vnote <<<"$v"
    ctl "$E2E_COMM1" visit "$d" --date "$vdate" --by "$vby" --note "$vnote" --actor comm1-staff >/dev/null
done
# The visits are pushed up to the street's copy.
wait_until 15 has_entries "$E2E_STREET" "$d" 8
for code in "$E2E_COMM1" "$E2E_STREET"; do
    j=$(show_json "$code" "$d")
    assert_eq "accepted $E2E_COMM1" "$(jq -r '"\(.state) \(.unit)"' <<<"$j")" "(d) state and holder at $code during the visits"
    for i in 0 1 2; do
        IFS='|' read -r vdate vby vnote <<<"${VISITS[$i]}"
        e=$(jq -c ".history[$((5 + i))]" <<<"$j")
        assert_eq "visit $E2E_COMM1 accepted accepted" "$(jq -r '"\(.action) \(.unit) \(.from_state) \(.to_state)"' <<<"$e")" \
            "(d) visit $((i + 1)) at $code"
        for part in "$vdate" "$vby" "$vnote"; do
            assert_contains "$(jq -r .note <<<"$e")" "$part" "(d) visit $((i + 1)) note at $code"
        done
    done
done
D_NOTE='按1987年档案划定边界, 双方签字确认'
j=$(ctl "$E2E_COMM1" --json resolve "$d" --note "$D_NOTE" --actor comm1-staff)
assert_eq "resolved $E2E_STREET" "$(jq -r '"\(.state) \(.unit)"' <<<"$j")" "(d) after resolve: back to the street that took it in"
assert_exit 1 ctl "$E2E_COMM1" close "$d" --actor comm1-staff
wait_until 15 has_state "$E2E_STREET" "$d" resolved "$E2E_STREET"
ctl "$E2E_STREET" close "$d" --actor street-staff --note '回访双方, 无异议' >/dev/null
wait_until 15 has_state "$E2E_COMM1" "$d" closed "$E2E_STREET"

want_d="$E2E_STREET submit none reported street-desk
$E2E_STREET accept reported accepted street-staff
$E2E_STREET triage accepted accepted street-staff
$E2E_STREET dispatch accepted dispatched $AUTO
$E2E_COMM1 accept dispatched accepted comm1-staff
$E2E_COMM1 visit accepted accepted comm1-staff
$E2E_COMM1 visit accepted accepted comm1-staff
$E2E_COMM1 visit accepted accepted comm1-staff
$E2E_COMM1 resolve accepted resolved comm1-staff
$E2E_STREET close resolved closed street-staff"
for code in "$E2E_STREET" "$E2E_COMM1"; do
    j=$(show_json "$code" "$d")
    assert_eq "$d_uuid closed $E2E_STREET $E2E_STREET long_term" \
        "$(jq -r '"\(.uuid) \(.state) \(.unit) \(.origin_unit) \(.track)"' <<<"$j")" \
        "(d) uuid, state, holder, origin, track at $code"
    assert_eq "$want_d" "$(steps "$code" "$d")" "(d) history at $code"
    assert_eq "$D_NOTE" "$(jq -r '.history[8].note' <<<"$j")" "(d) the resolve note at $code"
done
same_file "$d" "$E2E_STREET" "$E2E_COMM1"
wait_until 15 drained
never_saw district "$E2E_DISTRICT" "$d_uuid"
assert_exit 1 ctl "$E2E_COMM2" show "$d"

# Every tier's links are clean.
for code in "$E2E_COMM1" "$E2E_COMM2" "$E2E_STREET" "$E2E_DISTRICT"; do
    assert_eq 0 "$(ctl "$code" --json status | jq '[.links[].poisoned] | add')" "poisoned messages at $code"
done

echo "test_50_tracks: ok"
