#!/usr/bin/env bash
# tests/e2e/test_60_dept_returns.sh - departments returning a case (退单), and the binding
# assignment by the tier above.
#
# A wage case from community 1 is escalated to the street and assigned there to a lead and a
# co-handler. A co-handler's return is only recorded: the state and bounce_count stay. The
# lead's return sends the case back to accepted with its departments cleared and bounce_count
# up by one. With casework.max_returns 2, the first two lead returns keep the case at the street
# (reassigned each time); the third sends it up to the district by itself (an escalate entry by
# 系统 (自动) whose note mentions 退单3次). The district sees bounce_count 3 and the three returns
# in the history, accepts and assigns labour_inspection: the assignment is binding, the lead's
# return is refused and changes nothing, the lead's result resolves the case back to community
# 1, which closes it. Every tier holds the same history and verifies it.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init dept_returns
cfg=$FQ_RUN_DIR/casework.yaml
e2e_config_casework "$cfg"
e2e_up "$cfg"

command -v jq >/dev/null || fail "jq is needed by this test"

AUTO='系统 (自动)'

# has_field CODE CASE JQ_EXPR VALUE: CODE's view of CASE has that value.
has_field() {
    local v
    v=$(field "$1" "$2" "$3") || return 1
    [[ $v == "$4" ]] || { echo "$3 = $v"; return 1; }
}

# summary JSON: state holder bounce_count binding version history-length
summary() { jq -r '"\(.state) \(.unit) \(.bounce_count) \(.binding) \(.version) \(.history | length)"' <<<"$1"; }
depts() { jq -r '.departments | sort_by(.dept)[] | [.dept, .role, .status, .reason] | join(":")' <<<"$1"; }

# =============================================================================================
n=$(ctl "$E2E_COMM1" submit --title '餐馆拖欠两名厨师三个月工资' --category wage_arrears \
    --amount 54000 --party '刘某:13500000001:申请人' --party '某餐饮管理有限公司:13500000009:被申请人' \
    --actor grid-w01)
[[ $n =~ ^440311001001-[0-9]{8}-[0-9]{4}$ ]] || fail "submit printed '$n', not a case number of community 1"
uuid=$(field "$E2E_COMM1" "$n" .uuid)
ctl "$E2E_COMM1" accept "$n" --actor comm1-staff >/dev/null
ctl "$E2E_COMM1" escalate "$n" --actor comm1-staff --note '社区调解未果' >/dev/null
wait_until 15 has_state "$E2E_STREET" "$n" escalated "$E2E_STREET"
ctl "$E2E_STREET" accept "$n" --actor street-staff >/dev/null
# Two parties only: no rule matches, the default track applies.
j=$(ctl "$E2E_STREET" --json triage "$n" --actor street-staff)
assert_eq "complex|default" "$(jq -r '"\(.track)|\(.track_rule)"' <<<"$j")" "track and rule after triage"

j=$(ctl "$E2E_STREET" --json assign "$n" --lead hrss_office --co justice_office --actor street-staff)
assert_eq "hrss_office:lead:assigned:
justice_office:co:assigned:" "$(depts "$j")" "departments after the first assignment"
ctl "$E2E_STREET" dept-accept "$n" --dept hrss_office --actor hrss-clerk >/dev/null

# A co-handler's return is recorded, nothing more.
before=$(show_json "$E2E_STREET" "$n")
read -r _ _ _ _ v0 h0 <<<"$(summary "$before")"
j=$(ctl "$E2E_STREET" --json dept-return "$n" --dept justice_office --reason '非本所职责范围' --actor justice-clerk)
assert_eq "in_progress $E2E_STREET 0 false $((v0 + 1)) $((h0 + 1))" "$(summary "$j")" \
    "state, holder, bounce_count, binding, version, history after a co-handler's return"
assert_eq "hrss_office:lead:accepted:
justice_office:co:returned:非本所职责范围" "$(depts "$j")" "departments after a co-handler's return"
assert_contains "$(jq -r '.history[-1].note' <<<"$j")" '非本所职责范围' "the co-handler's return entry"
# The same department cannot return it twice; a department not on the case cannot return it.
assert_exit 1 ctl "$E2E_STREET" dept-return "$n" --dept justice_office --reason '再退' --actor justice-clerk
assert_exit 1 ctl "$E2E_STREET" dept-return "$n" --dept police_station --reason '不在派单中' --actor police-clerk
assert_contains "$E2E_OUT" "casectl: $E2E_STREET: " "refusal of a return by a department not on the case"
assert_eq "in_progress $E2E_STREET 0 false $((v0 + 1)) $((h0 + 1))" "$(summary "$(show_json "$E2E_STREET" "$n")")" \
    "the refused returns changed nothing"

# Lead return 1.
REASONS=('劳动关系不明, 需先劳动仲裁' '欠薪主体为外地公司, 司法所无法联系' '证据材料不全, 无法核定金额')
j=$(ctl "$E2E_STREET" --json dept-return "$n" --dept hrss_office --reason "${REASONS[0]}" --actor hrss-clerk)
assert_eq "accepted $E2E_STREET 1 false" "$(summary "$j" | cut -d' ' -f1-4)" "after the lead's 1st return"
assert_eq 0 "$(jq '.departments | length' <<<"$j")" "departments after the lead's 1st return"

# Reassigned; a co-handler returns (no count), then the lead returns (2).
ctl "$E2E_STREET" assign "$n" --lead justice_office --co police_station --actor street-staff >/dev/null
j=$(ctl "$E2E_STREET" --json dept-return "$n" --dept police_station --reason '非治安案件' --actor police-clerk)
assert_eq "in_progress $E2E_STREET 1 false" "$(summary "$j" | cut -d' ' -f1-4)" "after a co-handler's return in the 2nd assignment"
j=$(ctl "$E2E_STREET" --json dept-return "$n" --dept justice_office --reason "${REASONS[1]}" --actor justice-clerk)
assert_eq "accepted $E2E_STREET 2 false" "$(summary "$j" | cut -d' ' -f1-4)" "after the lead's 2nd return (at the limit, still here)"
assert_eq 0 "$(jq '.departments | length' <<<"$j")" "departments after the lead's 2nd return"
assert_eq dept-return "$(jq -r '.history[-1].action' <<<"$j")" "no escalation at the limit"

# Reassigned; the lead returns a third time: over the limit, up to the district by itself.
ctl "$E2E_STREET" assign "$n" --lead hrss_office --actor street-staff >/dev/null
j=$(ctl "$E2E_STREET" --json dept-return "$n" --dept hrss_office --reason "${REASONS[2]}" --actor hrss-clerk)
assert_eq "escalated $E2E_DISTRICT 3" "$(summary "$j" | cut -d' ' -f1-3)" "after the lead's 3rd return"
assert_eq "escalate accepted escalated $AUTO" \
    "$(jq -r '.history[-1] | "\(.action) \(.from_state) \(.to_state) \(.actor)"' <<<"$j")" "the automatic escalation"
assert_contains "$(jq -r '.history[-1].note' <<<"$j")" '退单3次' "the automatic escalation's note"
# The street no longer holds it.
assert_exit 1 ctl "$E2E_STREET" assign "$n" --lead hrss_office --actor street-staff

wait_until 15 has_state "$E2E_DISTRICT" "$n" escalated "$E2E_DISTRICT"
j=$(show_json "$E2E_DISTRICT" "$n")
assert_eq 3 "$(jq -r .bounce_count <<<"$j")" "bounce_count at the district"
assert_eq false "$(jq -r .binding <<<"$j")" "binding at the district before it assigns"
for code in "$E2E_DISTRICT" "$E2E_STREET"; do
    j=$(show_json "$code" "$n")
    lead_returns=$(jq -r '[.history[] | select(.action == "dept-return" and .to_state == "accepted")] | length' <<<"$j")
    assert_eq 3 "$lead_returns" "the lead's returns in the history at $code"
    for i in 0 1 2; do
        assert_contains "$(jq -r "[.history[] | select(.action == \"dept-return\" and .to_state == \"accepted\")][$i].note" <<<"$j")" \
            "${REASONS[$i]}" "the lead's return $((i + 1)) at $code"
        assert_contains "$(jq -r "[.history[] | select(.action == \"dept-return\" and .to_state == \"accepted\")][$i].note" <<<"$j")" \
            "退单" "the lead's return $((i + 1)) at $code"
    done
    assert_eq "$E2E_STREET escalate $AUTO" "$(jq -r '.history[-1] | "\(.unit) \(.action) \(.actor)"' <<<"$j")" \
        "the automatic escalation at $code"
done

# The district's assignment is binding.
ctl "$E2E_DISTRICT" accept "$n" --actor district-cmd >/dev/null
j=$(ctl "$E2E_DISTRICT" --json assign "$n" --lead labour_inspection --actor district-cmd --note '指定区劳动监察大队承办')
assert_eq "in_progress $E2E_DISTRICT 3 true" "$(summary "$j" | cut -d' ' -f1-4)" "after the district's assignment"
assert_eq "labour_inspection:lead:assigned:" "$(depts "$j")" "departments at the district"
ctl "$E2E_DISTRICT" dept-accept "$n" --dept labour_inspection --actor labour-clerk >/dev/null
before=$(summary "$(show_json "$E2E_DISTRICT" "$n")")
assert_exit 1 ctl "$E2E_DISTRICT" dept-return "$n" --dept labour_inspection --reason '不属本队管辖' --actor labour-clerk
assert_contains "$E2E_OUT" "casectl: $E2E_DISTRICT: " "refusal of a return of a binding assignment"
assert_contains "$E2E_OUT" binding "refusal of a return of a binding assignment names why"
assert_eq "$before" "$(summary "$(show_json "$E2E_DISTRICT" "$n")")" "the refused return changed nothing"
assert_eq "labour_inspection:lead:accepted:" "$(depts "$(show_json "$E2E_DISTRICT" "$n")")" \
    "departments after the refused return"
wait_until 15 has_field "$E2E_STREET" "$n" .binding true
wait_until 15 has_field "$E2E_COMM1" "$n" .binding true

RESULT='责令限期支付, 餐饮公司已付清54000元'
j=$(ctl "$E2E_DISTRICT" --json dept-result "$n" --dept labour_inspection --note "$RESULT" --actor labour-clerk)
assert_eq "resolved $E2E_COMM1 3 true" "$(summary "$j" | cut -d' ' -f1-4)" "after the binding lead's result"
wait_until 15 has_state "$E2E_COMM1" "$n" resolved "$E2E_COMM1"
ctl "$E2E_COMM1" close "$n" --actor comm1-staff --note '回访申请人, 工资已到账' >/dev/null
wait_until 15 has_state "$E2E_STREET" "$n" closed "$E2E_COMM1"
wait_until 15 has_state "$E2E_DISTRICT" "$n" closed "$E2E_COMM1"

# =============================================================================================
# The whole file, at every tier.
want="$E2E_COMM1 submit none reported grid-w01
$E2E_COMM1 accept reported accepted comm1-staff
$E2E_COMM1 escalate accepted escalated comm1-staff
$E2E_STREET accept escalated accepted street-staff
$E2E_STREET triage accepted accepted street-staff
$E2E_STREET assign accepted in_progress street-staff
$E2E_STREET dept-accept in_progress in_progress hrss-clerk
$E2E_STREET dept-return in_progress in_progress justice-clerk
$E2E_STREET dept-return in_progress accepted hrss-clerk
$E2E_STREET assign accepted in_progress street-staff
$E2E_STREET dept-return in_progress in_progress police-clerk
$E2E_STREET dept-return in_progress accepted justice-clerk
$E2E_STREET assign accepted in_progress street-staff
$E2E_STREET dept-return in_progress accepted hrss-clerk
$E2E_STREET escalate accepted escalated $AUTO
$E2E_DISTRICT accept escalated accepted district-cmd
$E2E_DISTRICT assign accepted in_progress district-cmd
$E2E_DISTRICT dept-accept in_progress in_progress labour-clerk
$E2E_DISTRICT dept-result in_progress resolved labour-clerk
$E2E_COMM1 close resolved closed comm1-staff"
ref=$(field "$E2E_COMM1" "$n" .history)
for code in "$E2E_COMM1" "$E2E_STREET" "$E2E_DISTRICT"; do
    j=$(show_json "$code" "$n")
    assert_eq "$uuid closed $E2E_COMM1 $E2E_COMM1 3 true" \
        "$(jq -r '"\(.uuid) \(.state) \(.unit) \(.origin_unit) \(.bounce_count) \(.binding)"' <<<"$j")" \
        "uuid, state, holder, origin, bounce_count, binding at $code"
    assert_eq "$want" "$(steps "$code" "$n")" "history at $code"
    assert_eq "$ref" "$(jq .history <<<"$j")" "history at $code vs at the community (notes, times, hashes)"
    assert_contains "$(jq -r '.history[18].note' <<<"$j")" "$RESULT" "the lead's result at $code"
    assert_exit 0 ctl "$code" verify "$n"
    assert_eq "case $n: 20 entries, hash chain intact" "$E2E_OUT" "verify at $code"
    # The database agrees with show.
    schema=$(case $code in "$E2E_DISTRICT") echo district ;; "$E2E_STREET") echo street ;; *) echo community ;; esac)
    assert_eq "3|true|closed" "$(psql_q "SELECT bounce_count||'|'||binding::text||'|'||state FROM $schema.cases WHERE unit='$code' AND uuid='$uuid'")" \
        "bounce_count, binding, state in $schema.cases"
    assert_eq 20 "$(psql_q "SELECT count(*) FROM $schema.case_events WHERE unit='$code' AND uuid='$uuid'")" \
        "rows in $schema.case_events"
done

echo "test_60_dept_returns: ok"
