#!/usr/bin/env bash
# tests/e2e/test_10_journey.sh - a case's whole journey through the three tiers.
#
# A grid worker submits a case at a community (with a party, a reporter and an address); the
# community accepts and escalates it; the street accepts and escalates it; the district accepts
# and resolves it; the result flows back down to the street and the community, which closes it;
# the close flows back up. At every tier the history must hold the same events in the same
# order (action, unit, actor, states, note), the case number must be the one assigned at intake,
# and each tier's rows must sit in its own schema under its own unit code. Last, 20 submissions
# in parallel at one community must get 20 distinct case numbers.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init journey
cfg=$FQ_RUN_DIR/small.yaml
e2e_config_small "$cfg"
e2e_up "$cfg"

command -v jq >/dev/null || fail "jq is needed by this test"

CASE_NO_RE='^440311001001-[0-9]{8}-[0-9]{4}$'
NOTE='提级会诊后双方达成调解协议'
PHONE=13800138000

# resolved_with_note CODE CASE: CODE sees CASE resolved and the district's note in its history.
resolved_with_note() {
    local j
    j=$(show_json "$1" "$2") || return 1
    [[ $(jq -r .state <<<"$j") == resolved ]] || return 1
    jq -e --arg n "$NOTE" --arg d "$E2E_DISTRICT" \
        'any(.history[]; .action == "resolve" and .note == $n and .unit == $d)' <<<"$j" >/dev/null
}

# ---------------------------------------------------------------------------------------------
# 1. Intake at the community.
out=$(ctl "$E2E_COMM1" --json submit --title '楼上漏水纠纷' --category neighbour \
    --description '楼上住户卫生间漏水，多次协商未果' --risk 2 --source grid \
    --party "李某:$PHONE:申请人" --party '赵某:13912345678:被申请人' \
    --address '光明街道东周社区东周路18号3栋402' --grid G-0101 --reporter 网格员陈某 \
    --actor grid-w01)
case_no=$(jq -r .case_no <<<"$out")
uuid=$(jq -r .uuid <<<"$out")
[[ $case_no =~ $CASE_NO_RE ]] || fail "case number '$case_no' does not match $CASE_NO_RE"
[[ $uuid =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] || fail "bad uuid '$uuid'"
assert_eq reported "$(jq -r .state <<<"$out")" "state after submit"
assert_eq "$E2E_COMM1" "$(jq -r .unit <<<"$out")" "unit after submit"

j=$(show_json "$E2E_COMM1" "$case_no")
# The date in the number is the day the case was taken in (the created time, +08:00).
created_day=$(jq -r '.created[0:10]' <<<"$j" | tr -d -)
assert_eq "$created_day" "$(cut -d- -f2 <<<"$case_no")" "date part of the case number vs created"
assert_eq "$uuid" "$(jq -r .uuid <<<"$j")" "show by number gives the submitted uuid"
assert_eq "$case_no" "$(field "$E2E_COMM1" "$uuid" .case_no)" "show by uuid gives the same number"
assert_eq "$E2E_COMM1" "$(jq -r .origin_unit <<<"$j")" "origin unit at intake"
assert_eq 2 "$(jq -r '.parties | length' <<<"$j")" "parties at intake"
assert_eq 1 "$(jq -r '.history | length' <<<"$j")" "history after submit"
assert_eq "grid G-0101" "$(jq -r '"\(.source) \(.grid)"' <<<"$j")" "source and grid at intake"
# show prints how the case came in: the channel by its name, the reporter, address and grid.
assert_contains "$(ctl "$E2E_COMM1" show "$case_no")" \
    $'来源 source         网格上报 (grid)\n报告人 reporter     网格员陈某\n地址 address        光明街道东周社区东周路18号3栋402\n网格 grid           G-0101\n' \
    "show: source, reporter, address and grid"

# 2. The community accepts and escalates.
ctl "$E2E_COMM1" accept "$case_no" --actor comm-staff-01 >/dev/null
ctl "$E2E_COMM1" escalate "$case_no" --actor comm-staff-01 --note '涉及物业与业委会，社区无法调处' >/dev/null
assert_eq escalated "$(field "$E2E_COMM1" "$case_no" .state)" "community state after escalate"
assert_eq "$E2E_STREET" "$(field "$E2E_COMM1" "$case_no" .unit)" "community's copy names the street as holder"

# The community no longer holds it: acting on it there is refused.
assert_exit 1 ctl "$E2E_COMM1" accept "$case_no" --actor comm-staff-01

# 3. The street receives, accepts and escalates.
wait_until 15 has_state "$E2E_STREET" "$case_no" escalated "$E2E_STREET"
ctl "$E2E_STREET" accept "$case_no" --actor street-staff-07 >/dev/null
ctl "$E2E_STREET" escalate "$case_no" --actor street-staff-07 --note '需区级多部门会诊' >/dev/null

# 4. The district receives, accepts and resolves with a note.
wait_until 15 has_state "$E2E_DISTRICT" "$case_no" escalated "$E2E_DISTRICT"
ctl "$E2E_DISTRICT" accept "$case_no" --actor district-cmd-02 >/dev/null
assert_exit 1 ctl "$E2E_DISTRICT" resolve "$case_no" --actor district-cmd-02
ctl "$E2E_DISTRICT" resolve "$case_no" --actor district-cmd-02 --note "$NOTE" >/dev/null
# The result goes back to the unit that took the case in.
assert_eq "$E2E_COMM1" "$(field "$E2E_DISTRICT" "$case_no" .unit)" "holder at the district after resolve"
# The district cannot close it: only the holder (the community) may.
assert_exit 1 ctl "$E2E_DISTRICT" close "$case_no" --actor district-cmd-02

# 5. The resolution flows down to the street and the community.
wait_until 15 resolved_with_note "$E2E_STREET" "$case_no"
wait_until 15 resolved_with_note "$E2E_COMM1" "$case_no"
assert_eq "$E2E_COMM1" "$(field "$E2E_COMM1" "$case_no" .unit)" "holder at the community after resolve"
assert_exit 1 ctl "$E2E_STREET" close "$case_no" --actor street-staff-07

# 6. The community closes the loop; the close flows up.
ctl "$E2E_COMM1" close "$case_no" --actor comm-staff-02 --note '已电话回访当事人，表示满意' >/dev/null
wait_until 15 has_state "$E2E_STREET" "$case_no" closed "$E2E_COMM1"
wait_until 15 has_state "$E2E_DISTRICT" "$case_no" closed "$E2E_COMM1"

# ---------------------------------------------------------------------------------------------
# The history at every tier: same events, same order, same units, actors and states.
want_actions="submit accept escalate accept escalate accept resolve close"
want_units="$E2E_COMM1 $E2E_COMM1 $E2E_COMM1 $E2E_STREET $E2E_STREET $E2E_DISTRICT $E2E_DISTRICT $E2E_COMM1"
want_actors="grid-w01 comm-staff-01 comm-staff-01 street-staff-07 street-staff-07 district-cmd-02 district-cmd-02 comm-staff-02"
want_from="none reported accepted escalated accepted escalated accepted resolved"
want_to="reported accepted escalated accepted escalated accepted resolved closed"

for code in "$E2E_COMM1" "$E2E_STREET" "$E2E_DISTRICT"; do
    j=$(show_json "$code" "$case_no")
    assert_eq "$case_no" "$(jq -r .case_no <<<"$j")" "case number at $code"
    assert_eq "$uuid" "$(jq -r .uuid <<<"$j")" "uuid at $code"
    assert_eq closed "$(jq -r .state <<<"$j")" "state at $code"
    assert_eq "$E2E_COMM1" "$(jq -r .unit <<<"$j")" "holder at $code"
    assert_eq "$E2E_COMM1" "$(jq -r .origin_unit <<<"$j")" "origin unit at $code"
    assert_eq 2 "$(jq -r .risk <<<"$j")" "risk at $code"
    assert_eq '光明街道东周社区东周路18号3栋402' "$(jq -r .address <<<"$j")" "address at $code"
    assert_eq 网格员陈某 "$(jq -r .reporter <<<"$j")" "reporter at $code"
    assert_eq "李某:$PHONE:申请人" \
        "$(jq -r '.parties[] | select(.name == "李某") | "\(.name):\(.phone):\(.role)"' <<<"$j")" \
        "party with a phone number at $code"
    assert_eq "$want_actions" "$(jq -r '[.history[].action] | join(" ")' <<<"$j")" "history actions at $code"
    assert_eq "$want_units" "$(jq -r '[.history[].unit] | join(" ")' <<<"$j")" "history units at $code"
    assert_eq "$want_actors" "$(jq -r '[.history[].actor] | join(" ")' <<<"$j")" "history actors at $code"
    assert_eq "$want_from" "$(jq -r '[.history[].from_state] | join(" ")' <<<"$j")" "history from_state at $code"
    assert_eq "$want_to" "$(jq -r '[.history[].to_state] | join(" ")' <<<"$j")" "history to_state at $code"
    assert_eq "$NOTE" "$(jq -r '.history[6].note' <<<"$j")" "resolve note at $code"
    # Times are ISO 8601 in +08:00 and never go backwards.
    jq -e '[.history[].at] | all(test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+\\+08:00$"))' <<<"$j" >/dev/null ||
        fail "history times at $code are not ISO 8601 +08:00: $(jq -c '[.history[].at]' <<<"$j")"
    jq -e '[.history[].at] as $a | $a == ($a | sort)' <<<"$j" >/dev/null ||
        fail "history times at $code are out of order: $(jq -c '[.history[].at]' <<<"$j")"
done

# ---------------------------------------------------------------------------------------------
# Storage: each tier's rows are in its own schema, under its own unit code, exactly once.
for spec in "community:$E2E_COMM1" "street:$E2E_STREET" "district:$E2E_DISTRICT"; do
    schema=${spec%%:*} code=${spec#*:}
    assert_eq 1 "$(psql_q "SELECT count(*) FROM $schema.cases WHERE unit='$code' AND uuid='$uuid'")" \
        "rows for the case in $schema.cases under $code"
    assert_eq 0 "$(psql_q "SELECT count(*) FROM $schema.cases WHERE unit<>'$code' AND uuid='$uuid'")" \
        "rows for the case in $schema.cases under another unit"
    assert_eq "$case_no|closed|$E2E_COMM1|$E2E_COMM1" \
        "$(psql_q "SELECT case_no||'|'||state||'|'||holder||'|'||origin_unit FROM $schema.cases WHERE unit='$code' AND uuid='$uuid'")" \
        "case row in $schema"
    assert_eq "$want_actions" \
        "$(psql_q "SELECT string_agg(action, ' ' ORDER BY at, recorded_at) FROM $schema.case_events WHERE unit='$code' AND uuid='$uuid'")" \
        "case_events actions in $schema"
    assert_eq "$want_units" \
        "$(psql_q "SELECT string_agg(at_unit, ' ' ORDER BY at, recorded_at) FROM $schema.case_events WHERE unit='$code' AND uuid='$uuid'")" \
        "case_events at_unit in $schema"
    assert_eq 0 "$(psql_q "SELECT count(*) FROM $schema.case_events WHERE unit<>'$code' AND uuid='$uuid'")" \
        "case_events for the case in $schema under another unit"
done
assert_eq 0 "$(psql_q "SELECT count(*) FROM community.cases WHERE unit IN ('$E2E_DISTRICT', '$E2E_STREET')")" \
    "rows of the street or district units in community.cases"
assert_eq 0 "$(psql_q "SELECT count(*) FROM street.cases WHERE unit IN ('$E2E_DISTRICT', '$E2E_COMM1', '$E2E_COMM2')")" \
    "rows of other units in street.cases"
assert_eq 0 "$(psql_q "SELECT count(*) FROM district.cases WHERE unit<>'$E2E_DISTRICT'")" \
    "rows of other units in district.cases"
# The other community never saw the case.
assert_exit 1 ctl "$E2E_COMM2" show "$case_no"
# Every tier recorded the very same events (one event id per transition, copied, not re-made).
ev() { psql_q "SELECT string_agg(event_uuid::text, ' ' ORDER BY event_uuid) FROM $1.case_events WHERE uuid='$uuid'"; }
ev_c=$(ev community) ev_s=$(ev street) ev_d=$(ev district)
assert_eq 8 "$(wc -w <<<"$ev_c")" "distinct events in community.case_events"
assert_eq "$ev_c" "$ev_s" "event ids community vs street"
assert_eq "$ev_c" "$ev_d" "event ids community vs district"
# The links have drained.
for code in "$E2E_COMM1" "$E2E_STREET" "$E2E_DISTRICT"; do
    st=$(ctl "$code" --json status)
    assert_eq 0 "$(jq '[.links[].outbox_depth] | add' <<<"$st")" "outbox depth at $code"
    assert_eq 0 "$(jq '[.links[].poisoned] | add' <<<"$st")" "poisoned messages at $code"
done

# Parties' phone numbers are masked in the logs (the design's security promise).
if grep -l "$PHONE" "$FQ_RUN_DIR"/*.log >/dev/null 2>&1; then
    fail "a party's phone number appears unmasked in: $(grep -l "$PHONE" "$FQ_RUN_DIR"/*.log | tr '\n' ' ')"
fi

# ---------------------------------------------------------------------------------------------
# Case numbers under concurrency: 20 submissions in parallel at one community.
N=20
pdir=$FQ_RUN_DIR/parallel
mkdir -p "$pdir"
pids=()
for ((i = 1; i <= N; i++)); do
    ctl "$E2E_COMM2" submit --title "并发登记 $i" --category neighbour --actor "grid-p$i" \
        >"$pdir/$i.out" 2>"$pdir/$i.err" &
    pids+=($!)
done
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || fail "parallel submit $((i + 1)) failed: $(cat "$pdir/$((i + 1)).err")"
done
nums=$(cat "$pdir"/*.out)
bad=$(grep -Ev '^440311001002-[0-9]{8}-[0-9]{4}$' <<<"$nums" || true)
[[ -z $bad ]] || fail "parallel submits printed bad case numbers: $bad"
assert_eq "$N" "$(wc -l <<<"$nums")" "case numbers printed by $N parallel submits"
assert_eq "$N" "$(sort -u <<<"$nums" | wc -l)" "distinct case numbers from $N parallel submits
$(sort <<<"$nums" | uniq -d)"
# The database agrees: N cases, N distinct numbers, each the one printed.
assert_eq "$N $N" "$(psql_q "SELECT count(*) || ' ' || count(DISTINCT case_no) FROM community.cases WHERE unit='$E2E_COMM2' AND title LIKE '并发登记 %'")" \
    "parallel cases in community.cases"
assert_eq "$(sort <<<"$nums")" \
    "$(psql_q "SELECT case_no FROM community.cases WHERE unit='$E2E_COMM2' AND title LIKE '并发登记 %' ORDER BY case_no")" \
    "parallel case numbers in community.cases"

# A healthy link resends nothing: each message was acked well within link.resend_ms, also the
# first one after a quiet spell longer than that (the wait for its ack starts when it is sent).
resent=$(cat "$FQ_RUN_DIR"/*.log | grep -c 'no ack from' || true)
assert_eq 0 "$resent" "resends on healthy links
$(cat "$FQ_RUN_DIR"/*.log | grep 'no ack from' | head -n 5)"

echo "test_10_journey: ok"
