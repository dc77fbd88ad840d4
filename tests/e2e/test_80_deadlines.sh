#!/usr/bin/env bash
# tests/e2e/test_80_deadlines.sh - deadlines (时限) on the working-day calendar and supervision
# (督办), with real daemons and a test clock (FQ_TEST_CLOCK_FILE) moved by the test.
#
# The deployment (e2e_config_supervision): weekend sat/sun, holidays 2026-10-01..07, make-up
# working days (调休) Sunday 2026-09-27 and Saturday 2026-10-10; complex = 7 working days; a
# reminder at half the time, a 风险预警函 2 working days after the deadline's day.
#
# Phase 1 (auto_escalate true), "now" starts at Monday 2026-09-14 09:00 +08:00:
# (a) A, wage arrears at community 1, accepted and left alone: deadline 2026-09-23 23:59:59.999;
#     no notice before half the time, then a reminder (时限提醒); none more on the 23rd; a
#     工作提示函 on the 24th (and `list --overdue` shows A); a 风险预警函 on the 25th, which
#     escalates A to the street by itself; the street sees the notices in its copy, lists as
#     open only the warning (addressed to it too), cannot ack community 1's 工作提示函, and
#     acknowledges the warning while A waits to be accepted there; community 1 acknowledges its
#     工作提示函 after the escalation (the ack goes up to the street, A's holder, which records
#     it), and community 1's copy shows both acks; then the street accepts A (new clock:
#     2026-10-10, across the National Day week and both make-up days). An acknowledged notice
#     leaves `notices` and stays in --all.
# (p) P at community 1: paused Monday, resumed Wednesday (2 working days) -> deadline + 2 working
#     days; no notices while its clock stands still; overdue on the 26th (a Saturday), its risk
#     warning waits for the make-up Sunday 27th to count and comes on the 28th. At the end the
#     street escalates P to the district, and community 1's ack of P's 工作提示函 travels up
#     through the street to the district, which records it.
# (e) E at community 2: extension of 3 days asked, granted by the street (its answer one JSON
#     object with --json) -> 2026-09-27 (the make-up Sunday is a working day); a second request
#     refused: the deadline stays.
# (h) H accepted Tuesday 2026-09-29 at community 2: 7 working days across the holiday week.
# (k) A triage to high-risk recomputes the deadline (21 calendar days from the clock start).
# (s) Simple (same day, cut-off 17:30) accepted on a Saturday or after the cut-off.
# Phase 2 (auto_escalate false, a second deployment): a risk warning goes up to the street as a
# copy, but the case stays at the community. The street acknowledges the warning all the same:
# the ack goes down to the community as a directive and is recorded there, as "street-head
# (street)", and comes back up; the street neither lists as open nor can ack the 工作提示函 (not
# addressed to it).
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init deadlines
command -v jq >/dev/null || fail "jq is needed by this test"

SUP='系统 (督办)'
AUTO='系统 (自动)'

# kinds CODE CASE [--all]: the kinds of the notices on CASE in CODE's `notices` list, oldest
# first, space-separated.
kinds() {
    local code=$1 case_no=$2
    shift 2
    ctl "$code" --json notices "$@" |
        jq -rs --arg c "$case_no" '[.[] | select(.case_no == $c)] | sort_by(.at) | map(.kind) | join(" ")'
}

# notice_of CODE CASE KIND [--all]: that notice (one JSON object) from CODE's list.
notice_of() {
    local code=$1 case_no=$2 kind=$3
    shift 3
    ctl "$code" --json notices "$@" |
        jq -c --arg c "$case_no" --arg k "$kind" 'select(.case_no == $c and .kind == $k)'
}

# has_kinds CODE CASE "KINDS": for wait_until.
has_kinds() {
    local got
    got=$(kinds "$1" "$2") || return 1
    [[ $got == "$3" ]] || { echo "notices on $2 at $1: '$got'"; return 1; }
}
# wait_kinds CODE CASE "KINDS": wait (a supervision pass runs every second) for exactly those
# unacknowledged notices on CASE.
wait_kinds() { wait_until 10 has_kinds "$1" "$2" "$3"; }

# still_kinds CODE CASE "KINDS": give supervision time for two passes, then check CASE has
# exactly those unacknowledged notices (nothing new came).
still_kinds() {
    sleep 2.2
    assert_eq "$3" "$(kinds "$1" "$2")" "notices on $2 at $1 at $(now_label)"
}

now_label() { TZ=Asia/Shanghai date -d "@$(($(date +%s) + $(cat "$FQ_TEST_CLOCK_FILE")))" '+%F %T'; }

# ms ISO: unix milliseconds of an ISO time with +08:00 and milliseconds (as `show` prints them).
ms() {
    local iso=$1 s frac
    s=$(date -d "${iso:0:19}${iso:23}" +%s) || fail "bad time '$iso'"
    frac=${iso:20:3}
    echo $((s * 1000 + 10#$frac))
}

# last_steps CODE CASE [N]: the last N (default all) history entries: action from to actor.
last_steps() {
    field "$1" "$2" ".history[-${3:-1000}:][] | [.action, .from_state, .to_state, .actor] | join(\" \")"
}

# overdue_list CODE [LIST_ARGS...]: the overdue cases at CODE (with those filters too), sorted.
overdue_list() {
    local code=$1
    shift
    ctl "$code" --json list --overdue "$@" | jq -r 'select(.case_no) | .case_no' | sort | tr '\n' ' '
}

# =============================================================================================
# Phase 1: auto_escalate true.
cfg=$FQ_RUN_DIR/deadlines.yaml
e2e_config_supervision "$cfg" true
e2e_clock_init
e2e_clock_set '2026-09-14 09:00'
e2e_up "$cfg"

submit() {
    ctl "$1" submit --title "$2" --category wage_arrears --description "$3" \
        --party '张某:13700000001:申请人' --party '某劳务公司:0755-88880000:被申请人' --actor grid-w01
}

a=$(submit "$E2E_COMM1" '工地拖欠工资' '劳务公司拖欠两个月工资')
pc=$(submit "$E2E_COMM1" '装修公司拖欠工资' '等待法院判决')
e=$(submit "$E2E_COMM2" '餐馆拖欠工资' '需要劳动仲裁')
for c in "$a" "$pc"; do ctl "$E2E_COMM1" accept "$c" --actor comm1-staff >/dev/null; done
ctl "$E2E_COMM2" accept "$e" --actor comm2-staff >/dev/null

# (a) Accepted Monday 2026-09-14; 7 working days after that day: 15, 16, 17, 18, 21, 22, 23.
j=$(show_json "$E2E_COMM1" "$a")
assert_eq "accepted complex 2026-09-23T23:59:59.999+08:00" \
    "$(jq -r '"\(.state) \(.track) \(.deadline)"' <<<"$j")" "(a) state, track, deadline after accept"
assert_eq "2026-09-14T09:0" "$(jq -r '.clock_start[0:15]' <<<"$j")" "(a) the clock starts at the acceptance"
assert_eq "null 0 0 [] []" "$(jq -c -r '"\(.paused_since) \(.extension_days) \(.unsatisfied) \(.notices) \(.feedback)"' <<<"$j")" \
    "(a) paused_since, extension_days, unsatisfied, notices, feedback after accept"
a_start=$(ms "$(jq -r .clock_start <<<"$j")")
a_deadline=$(ms "$(jq -r .deadline <<<"$j")")
# The reminder point: clock start + 0.5 * (deadline - clock start), Saturday 2026-09-19 ~04:30.
a_half=$((a_start + (a_deadline - a_start) / 2))
assert_eq "2026-09-19 04:3" "$(TZ=Asia/Shanghai date -d "@$((a_half / 1000))" '+%F %H:%M' | cut -c1-15)" \
    "(a) the reminder point"
assert_eq "" "$(kinds "$E2E_COMM1" "$a" --all)" "(a) no notice right after accept"

# (k) A triage that changes the track recomputes the deadline from the clock start: a risk-4
# safety hazard (complex by its category) becomes high-risk, 21 calendar days from Monday the
# 14th = the end of Monday 2026-10-05 (calendar days: the holidays count), and goes up by itself.
k=$(ctl "$E2E_COMM2" submit --title '厂房外墙开裂' --category safety_hazard --risk 4 \
    --party '周某:13900000001:报告人' --actor grid-w02)
ctl "$E2E_COMM2" accept "$k" --actor comm2-staff >/dev/null
assert_eq "complex 2026-09-23T23:59:59.999+08:00" "$(field "$E2E_COMM2" "$k" '"\(.track) \(.deadline)"')" "(k) before triage"
j=$(ctl "$E2E_COMM2" --json triage "$k" --actor comm2-staff)
assert_eq "high_risk 2026-10-05T23:59:59.999+08:00 2026-09-14T09:0 escalated $E2E_STREET" \
    "$(jq -r '"\(.track) \(.deadline) \(.clock_start[0:15]) \(.state) \(.unit)"' <<<"$j")" "(k) after triage"

# (p) Paused Monday 10:00, for a court ruling.
e2e_clock_set '2026-09-14 10:00'
j=$(ctl "$E2E_COMM1" --json pause "$pc" --reason '等待法院判决' --actor comm1-staff)
assert_eq "2026-09-14T10:00" "$(jq -r '.paused_since[0:16]' <<<"$j")" "(p) paused_since"
assert_eq "2026-09-23T23:59:59.999+08:00" "$(jq -r .deadline <<<"$j")" "(p) deadline while paused"
assert_eq "pause accepted accepted comm1-staff|暂停计时: 等待法院判决" \
    "$(jq -r '.history[-1] | "\(.action) \(.from_state) \(.to_state) \(.actor)|\(.note)"' <<<"$j")" "(p) the pause entry"
assert_exit 1 ctl "$E2E_COMM1" pause "$pc" --reason again --actor comm1-staff
assert_contains "$E2E_OUT" "already paused" "(p) a second pause is refused"

# (e) Community 2 asks for 3 more days; the street grants them.
j=$(ctl "$E2E_COMM2" --json extend "$e" --days 3 --reason '需等待劳动仲裁结果' --actor comm2-staff)
assert_eq "3 2026-09-23T23:59:59.999+08:00 accepted $E2E_COMM2" \
    "$(jq -r '"\(.extension_days) \(.deadline) \(.state) \(.unit)"' <<<"$j")" "(e) after extend at community 2"
assert_eq "extend comm2-staff|申请延期 3 天: 需等待劳动仲裁结果" \
    "$(jq -r '.history[-1] | "\(.action) \(.actor)|\(.note)"' <<<"$j")" "(e) the extend entry"
assert_exit 1 ctl "$E2E_COMM2" extend "$e" --days 2 --reason again --actor comm2-staff
assert_contains "$E2E_OUT" "already waiting" "(e) a second request while one waits"
has_request() { [[ $(field "$E2E_STREET" "$e" .extension_days) == 3 ]]; }
wait_until 15 has_request
# Only the tier above decides, and only on a request.
assert_exit 1 ctl "$E2E_COMM2" extension "$e" --grant --actor comm2-staff
assert_exit 1 ctl "$E2E_DISTRICT" extension "$e" --grant --actor district-cmd
j=$(ctl "$E2E_STREET" --json extension "$e" --grant --note '同意延期' --actor street-lead)
assert_eq "$e|extension granted; the decision is on its way to the unit holding the case" \
    "$(jq -r '"\(.case)|\(.message)"' <<<"$j")" "(e) the street's answer, in --json"
# 3 working days after the old deadline's day (Wed 23rd): Thu 24, Fri 25, Sun 27 (调休).
E_NEW=2026-09-27T23:59:59.999+08:00
deadline_is() { [[ $(field "$1" "$2" .deadline) == "$3" ]]; }
wait_until 15 deadline_is "$E2E_COMM2" "$e" "$E_NEW"
j=$(show_json "$E2E_COMM2" "$e")
assert_eq "0 accepted $E2E_COMM2" "$(jq -r '"\(.extension_days) \(.state) \(.unit)"' <<<"$j")" "(e) after the grant"
assert_eq "extension accepted accepted street-lead ($E2E_STREET)" \
    "$(jq -r '.history[-1] | "\(.action) \(.from_state) \(.to_state) \(.actor)"' <<<"$j")" "(e) the extension entry"
assert_contains "$(jq -r '.history[-1].note' <<<"$j")" '上级批准延期 3 天, 时限至 2026-09-27 23:59' "(e) its note"
assert_contains "$(jq -r '.history[-1].note' <<<"$j")" '同意延期' "(e) its note carries the street's"
# The new copy comes back up.
wait_until 15 deadline_is "$E2E_STREET" "$e" "$E_NEW"
assert_eq "$(field "$E2E_COMM2" "$e" .history)" "$(field "$E2E_STREET" "$e" .history)" "(e) history at the street"
assert_exit 1 ctl "$E2E_STREET" extension "$e" --grant --actor street-lead
assert_contains "$E2E_OUT" "no extension asked for" "(e) nothing left to decide"
# A second request, refused: the deadline stays.
ctl "$E2E_COMM2" extend "$e" --days 2 --reason '仲裁延期开庭' --actor comm2-staff >/dev/null
has_request2() { [[ $(field "$E2E_STREET" "$e" .extension_days) == 2 ]]; }
wait_until 15 has_request2
ctl "$E2E_STREET" extension "$e" --refuse --note '不予延期, 请加快办理' --actor street-lead >/dev/null
refused() { [[ $(field "$E2E_COMM2" "$e" '"\(.history[-1].action) \(.extension_days)"') == "extension 0" ]]; }
wait_until 15 refused
j=$(show_json "$E2E_COMM2" "$e")
assert_eq "$E_NEW" "$(jq -r .deadline <<<"$j")" "(e) the deadline after a refusal"
assert_eq "extension street-lead ($E2E_STREET)|延期申请未获批准: 不予延期, 请加快办理" \
    "$(jq -r '.history[-1] | "\(.action) \(.actor)|\(.note)"' <<<"$j")" "(e) the refusal entry"
same_extension_tail() { [[ $(field "$E2E_STREET" "$e" '.history[-1].note') == 延期申请未获批准* ]]; }
wait_until 15 same_extension_tail
assert_eq "$E_NEW" "$(field "$E2E_STREET" "$e" .deadline)" "(e) the street's copy after the refusal"
# E is done with; settle it so that its own notices do not run on.
ctl "$E2E_COMM2" resolve "$e" --note '仲裁裁决已履行' --actor comm2-staff >/dev/null
ctl "$E2E_COMM2" close "$e" --note '已告知申请人' --actor comm2-staff >/dev/null

# Day by day to the reminder point: nothing for A (nor for the paused P).
for day in 2026-09-15 2026-09-16 2026-09-17 2026-09-18; do
    e2e_clock_set "$day 09:00"
    if [[ $day == 2026-09-16 ]]; then
        still_kinds "$E2E_COMM1" "$pc" ""
        # (p) Resumed Wednesday: the working days after the pause's day up to this day are 15 and
        # 16, so the deadline moves 2 working days: Wed 23rd -> Fri 25th.
        e2e_clock_set '2026-09-16 10:00'
        j=$(ctl "$E2E_COMM1" --json resume "$pc" --note '判决已出' --actor comm1-staff)
        assert_eq "null 2026-09-25T23:59:59.999+08:00" "$(jq -r '"\(.paused_since) \(.deadline)"' <<<"$j")" \
            "(p) paused_since and deadline after resume"
        assert_eq "resume comm1-staff|恢复计时, 时限顺延至 2026-09-25 23:59: 判决已出" \
            "$(jq -r '.history[-1] | "\(.action) \(.actor)|\(.note)"' <<<"$j")" "(p) the resume entry"
        assert_exit 1 ctl "$E2E_COMM1" resume "$pc" --actor comm1-staff
        assert_contains "$E2E_OUT" "not paused" "(p) a second resume is refused"
    fi
    still_kinds "$E2E_COMM1" "$a" ""
done
e2e_clock_set "@$((a_half / 1000 - 60))"
still_kinds "$E2E_COMM1" "$a" ""
e2e_clock_set "@$((a_half / 1000 + 1))"
wait_kinds "$E2E_COMM1" "$a" "reminder"
n=$(notice_of "$E2E_COMM1" "$a" reminder)
reminder_no=$(jq -r .number <<<"$n")
[[ $reminder_no =~ ^${E2E_COMM1}-提醒-2026-[0-9]{4}$ ]] || fail "(a) reminder number '$reminder_no'"
assert_eq "东周社区|时限 2026-09-23 23:59 将至|$E2E_COMM1|null|" \
    "$(jq -r '"\(.addressee)|\(.reason)|\(.unit)|\(.acked)|\(.acked_by)"' <<<"$n")" "(a) the reminder"
(($(ms "$(jq -r .at <<<"$n")") >= a_half)) || fail "(a) reminder at $(jq -r .at <<<"$n"), before the halfway point"
assert_eq "notice accepted accepted $SUP" "$(last_steps "$E2E_COMM1" "$a" 1)" "(a) the reminder's history entry"
assert_contains "$(field "$E2E_COMM1" "$a" '.history[-1].note')" "时限提醒" "(a) its note"
assert_eq "reminder" "$(field "$E2E_COMM1" "$a" '[.notices[].kind] | join(" ")')" "(a) notices in show"

# The last day in time: no 工作提示函, not overdue.
e2e_clock_set '2026-09-23 09:00'
still_kinds "$E2E_COMM1" "$a" "reminder"
e2e_clock_set '2026-09-23 23:59'
still_kinds "$E2E_COMM1" "$a" "reminder"
assert_eq "" "$(overdue_list "$E2E_COMM1")" "overdue at community 1 on 2026-09-23"

# Thursday the 24th, the 8th working day: a 工作提示函; A is overdue.
e2e_clock_set '2026-09-24 09:00'
wait_kinds "$E2E_COMM1" "$a" "reminder work_prompt"
n=$(notice_of "$E2E_COMM1" "$a" work_prompt)
prompt_no=$(jq -r .number <<<"$n")
[[ $prompt_no =~ ^${E2E_COMM1}-提示-2026-[0-9]{4}$ ]] || fail "(a) work prompt number '$prompt_no'"
assert_eq "东周社区|时限 2026-09-23 23:59 已过, 逾期 1 个工作日|2026-09-24" \
    "$(jq -r '"\(.addressee)|\(.reason)|\(.at[0:10])"' <<<"$n")" "(a) the 工作提示函"
assert_eq "$a " "$(overdue_list "$E2E_COMM1")" "overdue at community 1 on 2026-09-24"
still_kinds "$E2E_COMM1" "$a" "reminder work_prompt"

# Acknowledge the reminder: it leaves `notices`, stays in `notices --all`.
ctl "$E2E_COMM1" ack "$a" --notice "$reminder_no" --note '已安排专人跟进' --actor comm1-head >/dev/null
assert_eq "work_prompt" "$(kinds "$E2E_COMM1" "$a")" "(a) unacknowledged notices after the ack"
assert_eq "reminder work_prompt" "$(kinds "$E2E_COMM1" "$a" --all)" "(a) all notices after the ack"
n=$(notice_of "$E2E_COMM1" "$a" reminder --all)
assert_eq "comm1-head 2026-09-24" "$(jq -r '"\(.acked_by) \(.acked[0:10])"' <<<"$n")" "(a) the acknowledged reminder"
assert_eq "ack accepted accepted comm1-head" "$(last_steps "$E2E_COMM1" "$a" 1)" "(a) the ack's history entry"
assert_contains "$(field "$E2E_COMM1" "$a" '.history[-1].note')" "$reminder_no" "(a) the ack entry names the notice"
assert_exit 1 ctl "$E2E_COMM1" ack "$a" --notice "$reminder_no" --actor comm1-head
assert_contains "$E2E_OUT" "already acknowledged" "(a) a second ack"
assert_exit 1 ctl "$E2E_COMM1" ack "$a" --notice "${E2E_COMM1}-提醒-2026-9999" --actor comm1-head
assert_contains "$E2E_OUT" "no such notice" "(a) an ack of an unknown notice"

# Friday the 25th. The rule: a 风险预警函 once the working days after the deadline's day
# (Wed 23rd) up to today number warning_after_working_days (2). Thu 24th counts 1, Fri 25th
# counts 2: the warning comes on the 25th (not the 28th: no holiday lies in between).
e2e_clock_set '2026-09-25 09:00'
wait_until 10 has_state "$E2E_COMM1" "$a" escalated "$E2E_STREET"
assert_eq "work_prompt risk_warning" "$(kinds "$E2E_COMM1" "$a")" "(a) unacknowledged notices on the 25th"
n=$(notice_of "$E2E_COMM1" "$a" risk_warning)
warning_no=$(jq -r .number <<<"$n")
[[ $warning_no =~ ^${E2E_COMM1}-预警-2026-[0-9]{4}$ ]] || fail "(a) risk warning number '$warning_no'"
assert_eq "东周社区负责人; 光明街道综治中心|时限 2026-09-23 23:59 已过, 逾期 2 个工作日|2026-09-25" \
    "$(jq -r '"\(.addressee)|\(.reason)|\(.at[0:10])"' <<<"$n")" "(a) the 风险预警函"
assert_eq "notice accepted accepted $SUP
escalate accepted escalated $AUTO" "$(last_steps "$E2E_COMM1" "$a" 2)" "(a) warning, then the automatic escalation"
assert_eq "风险预警后自动提级" "$(field "$E2E_COMM1" "$a" '.history[-1].note')" "(a) the escalation's note"
assert_eq "submit accept notice notice ack notice escalate" \
    "$(field "$E2E_COMM1" "$a" '[.history[].action] | join(" ")')" "(a) the whole history at community 1"
# The street has the case, with the notices (the reminder acknowledged) in its copy.
wait_until 15 has_state "$E2E_STREET" "$a" escalated "$E2E_STREET"
j=$(show_json "$E2E_STREET" "$a")
assert_eq "$reminder_no:reminder:comm1-head $prompt_no:work_prompt: $warning_no:risk_warning:" \
    "$(jq -r '[.notices | sort_by(.at)[] | "\(.number):\(.kind):\(.acked_by)"] | join(" ")' <<<"$j")" \
    "(a) notices in the street's copy"
assert_eq "$(field "$E2E_COMM1" "$a" .history)" "$(jq '.history' <<<"$j")" "(a) history at the street"
# A notice is signed for by the units it is addressed to, and those are the ones that list it as
# open. The street's open notices on A: the warning (addressed to it too), not community 1's
# 工作提示函, addressed to community 1 alone, for which it cannot sign though it holds A now.
assert_eq "risk_warning" "$(kinds "$E2E_STREET" "$a")" "(a) the street's open notices on A"
assert_eq "reminder work_prompt risk_warning" "$(kinds "$E2E_STREET" "$a" --all)" "(a) every notice on A at the street"
assert_exit 1 ctl "$E2E_STREET" ack "$a" --notice "$prompt_no" --actor street-head
assert_contains "$E2E_OUT" "notice $prompt_no is addressed to 东周社区, not to this unit" \
    "(a) the street acks community 1's 工作提示函"
# Community 1 still lists its 工作提示函 and the warning, and signs for the 工作提示函 though A
# has gone up: the ack goes to the street, A's holder, which records it, and comes back down.
assert_eq "work_prompt risk_warning" "$(kinds "$E2E_COMM1" "$a")" "(a) community 1's open notices after the escalation"
j=$(ctl "$E2E_COMM1" --json ack "$a" --notice "$prompt_no" --note '已说明逾期原因' --actor comm1-head)
assert_eq "$a|notice acknowledged; the acknowledgement is on its way to the unit holding the case" \
    "$(jq -r '"\(.case)|\(.message)"' <<<"$j")" "(a) community 1's ack of its 工作提示函 after the escalation"
# last_ack_by CODE CASE ACTOR: CASE's last history entry at CODE is an ack by ACTOR.
last_ack_by() { [[ $(field "$1" "$2" '.history[-1] | "\(.action) \(.actor)"') == "ack $3" ]]; }
wait_until 15 last_ack_by "$E2E_STREET" "$a" "comm1-head ($E2E_COMM1)"
assert_eq "ack escalated escalated comm1-head ($E2E_COMM1)|签收督办 $prompt_no: 已说明逾期原因" \
    "$(field "$E2E_STREET" "$a" '.history[-1] | "\(.action) \(.from_state) \(.to_state) \(.actor)|\(.note)"')" \
    "(a) community 1's ack recorded at the street, A's holder"
wait_until 15 last_ack_by "$E2E_COMM1" "$a" "comm1-head ($E2E_COMM1)"
assert_eq "risk_warning" "$(kinds "$E2E_COMM1" "$a")" "(a) community 1's open notices after its ack"
assert_eq "comm1-head ($E2E_COMM1)" "$(notice_of "$E2E_COMM1" "$a" work_prompt --all | jq -r .acked_by)" \
    "(a) the acknowledged 工作提示函 at community 1"
assert_exit 1 ctl "$E2E_COMM1" ack "$a" --notice "$prompt_no" --actor comm1-head
assert_contains "$E2E_OUT" "already acknowledged" "(a) a second ack of the 工作提示函"
# The street, the warning's addressee and now A's holder, signs for it before it accepts A.
j=$(ctl "$E2E_STREET" --json ack "$a" --notice "$warning_no" --note '街道已接手' --actor street-head)
assert_eq "ack escalated escalated street-head|签收督办 $warning_no: 街道已接手" \
    "$(jq -r '.history[-1] | "\(.action) \(.from_state) \(.to_state) \(.actor)|\(.note)"' <<<"$j")" \
    "(a) the street's ack of the warning while A waits to be accepted"
assert_eq "" "$(ctl "$E2E_STREET" --json notices | jq -r --arg n "$warning_no" 'select(.number == $n) | .number')" \
    "(a) the acknowledged warning in the street's notices"
assert_eq "street-head" "$(ctl "$E2E_STREET" --json notices --all | jq -r --arg n "$warning_no" 'select(.number == $n) | .acked_by')" \
    "(a) the acknowledged warning in the street's notices --all"
# Community 1, which took A in, sees the ack in its copy.
acked_below() { [[ $(notice_of "$E2E_COMM1" "$a" risk_warning --all | jq -r .acked_by) == street-head ]]; }
wait_until 15 acked_below
# The street accepts: its own clock, from Friday the 25th: Sun 27 (调休), Mon 28, Tue 29, Wed 30,
# (National Day 1..7 off), Thu Oct 8, Fri 9, Sat 10 (调休) = the 7th working day.
j=$(ctl "$E2E_STREET" --json accept "$a" --actor street-staff)
assert_eq "accepted $E2E_STREET 2026-10-10T23:59:59.999+08:00 2026-09-25" \
    "$(jq -r '"\(.state) \(.unit) \(.deadline) \(.clock_start[0:10])"' <<<"$j")" "(a) at the street after accept"
assert_eq "" "$(overdue_list "$E2E_STREET")" "overdue at the street after it accepted A"

# (p) Deadline Fri 25th (after the pause). Saturday 26th: past it, a 工作提示函 (the reminder
# came at its halfway point, during the days above).
still_kinds "$E2E_COMM1" "$pc" "reminder"
e2e_clock_set '2026-09-26 09:00'
wait_kinds "$E2E_COMM1" "$pc" "reminder work_prompt"
# Notices are numbered per unit, kind and year: P's reminder was community 1's second.
assert_eq "${E2E_COMM1}-提醒-2026-0002 ${E2E_COMM1}-提示-2026-0002" \
    "$(ctl "$E2E_COMM1" --json notices | jq -rs --arg c "$pc" '[.[] | select(.case_no == $c)] | sort_by(.at) | map(.number) | join(" ")')" \
    "(p) notice numbers"
# (s) A simple case (same day, cut-off 17:30) accepted on Saturday 26th: due at the cut-off of
# the next working day, the make-up Sunday 27th.
s1=$(ctl "$E2E_COMM2" submit --title '周六受理的噪音投诉' --category noise --party '孙某:13800000002:申请人' --actor grid-w02)
j=$(ctl "$E2E_COMM2" --json accept "$s1" --actor comm2-staff)
assert_eq "simple 2026-09-27T17:30:00.000+08:00" "$(jq -r '"\(.track) \(.deadline)"' <<<"$j")" "(s) same-day deadline on a day off"
ctl "$E2E_COMM2" resolve "$s1" --note '已调解' --actor comm2-staff >/dev/null
ctl "$E2E_COMM2" close "$s1" --actor comm2-staff >/dev/null
# Sunday 27th is a make-up working day: 1 working day after the 25th, no warning yet.
e2e_clock_set '2026-09-27 09:00'
still_kinds "$E2E_COMM1" "$pc" "reminder work_prompt"
assert_eq "accepted $E2E_COMM1" "$(field "$E2E_COMM1" "$pc" '"\(.state) \(.unit)"')" "(p) on the 27th"
# Monday 28th: 2 working days (27, 28): the warning, and up it goes.
e2e_clock_set '2026-09-28 09:00'
wait_until 10 has_state "$E2E_COMM1" "$pc" escalated "$E2E_STREET"
assert_eq "reminder work_prompt risk_warning" "$(kinds "$E2E_COMM1" "$pc")" "(p) notices on the 28th"
assert_eq "notice accepted accepted $SUP
escalate accepted escalated $AUTO" "$(last_steps "$E2E_COMM1" "$pc" 2)" "(p) warning, then the automatic escalation"

# (h) Accepted Tuesday 2026-09-29 at community 2. Working days after it: Wed 30 (1); Oct 1..7
# National Day; Thu 8 (2), Fri 9 (3), Sat 10 (调休, 4), Mon 12 (5), Tue 13 (6), Wed 14 (7).
e2e_clock_set '2026-09-29 09:00'
h=$(submit "$E2E_COMM2" '国庆前受理的欠薪' '跨国庆假期')
j=$(ctl "$E2E_COMM2" --json accept "$h" --actor comm2-staff)
assert_eq "2026-10-14T23:59:59.999+08:00" "$(jq -r .deadline <<<"$j")" "(h) deadline across the National Day week"
# (s) A simple case accepted Wednesday 30th after the 17:30 cut-off: due at the cut-off of the
# next working day, Thursday 2026-10-08, after the holiday week.
e2e_clock_set '2026-09-30 18:00'
s2=$(ctl "$E2E_COMM2" submit --title '节前晚间噪音投诉' --category noise --party '孙某:13800000002:申请人' --actor grid-w02)
j=$(ctl "$E2E_COMM2" --json accept "$s2" --actor comm2-staff)
assert_eq "simple 2026-10-08T17:30:00.000+08:00" "$(jq -r '"\(.track) \(.deadline)"' <<<"$j")" "(s) same-day deadline after the cut-off"
# Overdue on the 29th: P (escalated, still on its old deadline), not A: the street's new clock
# came down with A's copy.
assert_eq "2026-10-10T23:59:59.999+08:00" "$(field "$E2E_COMM1" "$a" .deadline)" "(a) community 1's copy: the street's deadline"
assert_eq "$pc " "$(overdue_list "$E2E_COMM1")" "overdue at community 1 on 2026-09-29"
assert_eq "$pc " "$(overdue_list "$E2E_STREET")" "overdue at the street on 2026-09-29"
# Overdue with other filters (each combination is a statement of its own: store_list.c).
pc_state=$(field "$E2E_STREET" "$pc" .state)
pc_holder=$(field "$E2E_STREET" "$pc" .unit)
pc_cat=$(field "$E2E_STREET" "$pc" .category)
assert_eq "$pc " "$(overdue_list "$E2E_STREET" --state "$pc_state" --unit "$pc_holder")" \
    "overdue at the street, in P's state and held by its holder"
assert_eq "$pc " "$(overdue_list "$E2E_STREET" --category "$pc_cat" --to 2026-09-30)" \
    "overdue at the street, P's category, taken in by the 30th"
assert_eq "" "$(overdue_list "$E2E_STREET" --state resolved)" "overdue and resolved at the street"
assert_eq "" "$(overdue_list "$E2E_STREET" --unit "$E2E_COMM2")" "overdue, held by community 2"
assert_eq "" "$(overdue_list "$E2E_STREET" --from 2026-10-01)" "overdue, taken in from October"

# (p) The street takes P and sends it on up to the district. Community 1 signs for P's
# 工作提示函 all the same: the ack goes up to the street, which passes it on to the district,
# P's holder, which records it; it comes back down with the district's copy.
ctl "$E2E_STREET" accept "$pc" --actor street-staff >/dev/null
ctl "$E2E_STREET" escalate "$pc" --actor street-staff >/dev/null
wait_until 15 has_state "$E2E_COMM1" "$pc" escalated "$E2E_DISTRICT"
pc_prompt=$(notice_of "$E2E_COMM1" "$pc" work_prompt | jq -r .number)
ctl "$E2E_COMM1" ack "$pc" --notice "$pc_prompt" --note '已说明' --actor comm1-head >/dev/null
wait_until 15 last_ack_by "$E2E_DISTRICT" "$pc" "comm1-head ($E2E_COMM1)"
assert_eq "ack escalated escalated comm1-head ($E2E_COMM1)|签收督办 $pc_prompt: 已说明" \
    "$(field "$E2E_DISTRICT" "$pc" '.history[-1] | "\(.action) \(.from_state) \(.to_state) \(.actor)|\(.note)"')" \
    "(p) community 1's ack recorded at the district, P's holder"
wait_until 15 last_ack_by "$E2E_COMM1" "$pc" "comm1-head ($E2E_COMM1)"
assert_eq "reminder risk_warning" "$(kinds "$E2E_COMM1" "$pc")" "(p) community 1's open notices after its ack"
for code in "$E2E_COMM1" "$E2E_STREET" "$E2E_DISTRICT"; do
    assert_exit 0 ctl "$code" verify "$pc"
done

e2e_down

# =============================================================================================
# Phase 2: auto_escalate false - the warning goes up as a copy; the case stays.
cfg2=$FQ_RUN_DIR/deadlines-noauto.yaml
e2e_config_supervision "$cfg2" false
e2e_clock_init
e2e_clock_set '2026-09-14 09:00'
e2e_up "$cfg2"
w=$(submit "$E2E_COMM1" '物流公司拖欠工资' '不自动提级')
ctl "$E2E_COMM1" accept "$w" --actor comm1-staff >/dev/null
assert_eq "2026-09-23T23:59:59.999+08:00" "$(field "$E2E_COMM1" "$w" .deadline)" "(w) deadline"
# Straight to Friday the 25th: past the deadline (工作提示函) and 2 working days on (风险预警函).
e2e_clock_set '2026-09-25 09:00'
wait_kinds "$E2E_COMM1" "$w" "work_prompt risk_warning"
still_kinds "$E2E_COMM1" "$w" "work_prompt risk_warning"
j=$(show_json "$E2E_COMM1" "$w")
assert_eq "accepted $E2E_COMM1" "$(jq -r '"\(.state) \(.unit)"' <<<"$j")" "(w) stays at the community"
assert_eq "submit accept notice notice" "$(jq -r '[.history[].action] | join(" ")' <<<"$j")" "(w) no escalation"
has_copy() { [[ $(field "$E2E_STREET" "$w" '[.notices[].kind] | join(" ")') == *risk_warning* ]]; }
wait_until 15 has_copy
j=$(show_json "$E2E_STREET" "$w")
assert_eq "accepted $E2E_COMM1" "$(jq -r '"\(.state) \(.unit)"' <<<"$j")" "(w) the street's copy: state and holder"
assert_eq "$(field "$E2E_COMM1" "$w" .history)" "$(jq '.history' <<<"$j")" "(w) history at the street"
assert_exit 1 ctl "$E2E_STREET" accept "$w" --actor street-staff
# The street, to which the 风险预警函 is addressed too, acknowledges it though community 1 holds
# W: the ack goes down to the holder, which records it, and comes back up with its copy. The
# 工作提示函 is addressed to the community alone: the street cannot sign for it.
assert_eq "risk_warning" "$(kinds "$E2E_STREET" "$w")" "(w) the street's open notices"
w_prompt=$(notice_of "$E2E_STREET" "$w" work_prompt --all | jq -r .number)
w_warning=$(notice_of "$E2E_STREET" "$w" risk_warning | jq -r .number)
assert_exit 1 ctl "$E2E_STREET" ack "$w" --notice "$w_prompt" --actor street-head
assert_contains "$E2E_OUT" "notice $w_prompt is addressed to 东周社区, not to this unit" \
    "(w) the street acks the 工作提示函"
j=$(ctl "$E2E_STREET" --json ack "$w" --notice "$w_warning" --note '街道已阅, 督促办理' --actor street-head)
assert_eq "$w|notice acknowledged; the acknowledgement is on its way to the unit holding the case" \
    "$(jq -r '"\(.case)|\(.message)"' <<<"$j")" "(w) the street's ack of the 风险预警函"
has_ack() { [[ $(field "$1" "$w" '.history[-1].action') == ack ]]; }
wait_until 15 has_ack "$E2E_COMM1"
j=$(show_json "$E2E_COMM1" "$w")
assert_eq "ack accepted accepted street-head ($E2E_STREET)|签收督办 $w_warning: 街道已阅, 督促办理" \
    "$(jq -r '.history[-1] | "\(.action) \(.from_state) \(.to_state) \(.actor)|\(.note)"' <<<"$j")" \
    "(w) the ack entry at community 1, the holder"
assert_eq "risk_warning:street-head ($E2E_STREET) work_prompt:" \
    "$(jq -r '[.notices | sort_by(.kind)[] | "\(.kind):\(.acked_by)"] | join(" ")' <<<"$j")" \
    "(w) the notices at community 1"
assert_eq "accepted $E2E_COMM1" "$(jq -r '"\(.state) \(.unit)"' <<<"$j")" "(w) still at community 1"
wait_until 15 has_ack "$E2E_STREET"
assert_eq "$(jq '.history' <<<"$j")" "$(field "$E2E_STREET" "$w" .history)" "(w) history at the street after the ack"
assert_eq "" "$(kinds "$E2E_STREET" "$w")" "(w) the street's open notices after its ack"
assert_eq "work_prompt" "$(kinds "$E2E_COMM1" "$w")" "(w) community 1's open notices"
assert_eq "street-head ($E2E_STREET)" "$(notice_of "$E2E_STREET" "$w" risk_warning --all | jq -r .acked_by)" \
    "(w) the acknowledged warning in the street's notices --all"
for code in "$E2E_COMM1" "$E2E_STREET"; do
    assert_exit 0 ctl "$code" verify "$w"
done
assert_exit 1 ctl "$E2E_STREET" ack "$w" --notice "$w_warning" --actor street-head
assert_contains "$E2E_OUT" "already acknowledged" "(w) a second ack by the street"

echo "test_80_deadlines: ok"
