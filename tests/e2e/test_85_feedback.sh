#!/usr/bin/env bash
# tests/e2e/test_85_feedback.sh - feedback to the citizen (反馈), the citizen's answer (满意度回访)
# and re-handling (一把手重办), with real daemons and a test clock.
#
# (a) Community 1: resolved -> feedback -> 不满意 -> reopened by itself (系统 (自动), 一把手重办)
#     with a new clock and a later deadline -> resolved -> 满意 -> closed by itself.
# (b) Community 1: 不满意 -> reopened -> resolved -> 不满意 again: the counter reaches 2, and the
#     case is reopened and sent up to the street by itself; the street holds the same file.
# (c) Community 2: 不满意 -> reopened; a reviewer finds the complaint unreasonable (review):
#     the counter goes back to 0, the answer is marked unreasonable and no longer counts in the
#     unit's satisfaction figures.
# Also refused: feedback or an answer on a case that is not resolved, a bad channel or answer,
# a review with nothing to review.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init feedback
command -v jq >/dev/null || fail "jq is needed by this test"
cfg=$FQ_RUN_DIR/feedback.yaml
e2e_config_supervision "$cfg" false
e2e_clock_init
e2e_clock_set '2026-09-14 09:00'
e2e_up "$cfg"

AUTO='系统 (自动)'

# tail_steps JSON N: the last N history entries: action from to actor|note, one a line.
tail_steps() {
    jq -r ".history[-$2:][] | \"\(.action) \(.from_state) \(.to_state) \(.actor)|\(.note)\"" <<<"$1"
}

# feedback_rows JSON: channel|text|answer|comment|unreasonable|review_reason, one a line.
feedback_rows() {
    jq -r '.feedback[] | [.channel, .text, .answer, .comment, (.unreasonable | tostring), .review_reason] | join("|")' <<<"$1"
}

submit() {
    ctl "$1" submit --title "$2" --category wage_arrears --description '拖欠工资' \
        --party "$3:13700000001:申请人" --party '某劳务公司:0755-88880000:被申请人' --actor grid-w01
}

a=$(submit "$E2E_COMM1" '小区保洁员被拖欠工资' 张某)
b=$(submit "$E2E_COMM1" '快递员被拖欠提成' 李某)
c=$(submit "$E2E_COMM2" '保安被拖欠加班费' 王某)
for x in "$a" "$b"; do ctl "$E2E_COMM1" accept "$x" --actor comm1-staff >/dev/null; done
ctl "$E2E_COMM2" accept "$c" --actor comm2-staff >/dev/null
# Monday 14th + 7 working days.
assert_eq "2026-09-23T23:59:59.999+08:00" "$(field "$E2E_COMM1" "$a" .deadline)" "(a) first deadline"

# Nothing to give feedback on yet.
assert_exit 1 ctl "$E2E_COMM1" feedback "$a" --channel phone --text '正在办理'
assert_exit 1 ctl "$E2E_COMM1" satisfaction "$a" --answer satisfied

# =============================================================================================
# (a) Wednesday the 16th: resolved, told by phone, 不满意.
e2e_clock_set '2026-09-16 10:00'
ctl "$E2E_COMM1" resolve "$a" --note '协调物业公司补发工资' --actor comm1-staff >/dev/null
assert_exit 1 ctl "$E2E_COMM1" feedback "$a" --channel pigeon --text x
assert_contains "$E2E_OUT" "--channel" "(a) an unknown channel"
assert_exit 1 ctl "$E2E_COMM1" feedback "$a" --channel phone --text ''
ctl "$E2E_COMM1" feedback "$a" --channel phone --text '已电话告知处理结果' --actor comm1-staff >/dev/null
assert_exit 1 ctl "$E2E_COMM1" satisfaction "$a" --answer meh
assert_contains "$E2E_OUT" "unsatisfied" "(a) an unknown answer"
assert_eq "resolved $E2E_COMM1" "$(field "$E2E_COMM1" "$a" '"\(.state) \(.unit)"')" "(a) refusals changed nothing"
j=$(ctl "$E2E_COMM1" --json satisfaction "$a" --answer unsatisfied --comment '只补发了一半' --actor comm1-staff)
assert_eq "reopened $E2E_COMM1 1" "$(jq -r '"\(.state) \(.unit) \(.unsatisfied)"' <<<"$j")" "(a) after 不满意"
assert_eq "feedback resolved resolved comm1-staff|反馈 (phone): 已电话告知处理结果
satisfaction resolved resolved comm1-staff|不满意: 只补发了一半
reopen resolved reopened $AUTO|群众不满意, 由承办部门一把手重办" "$(tail_steps "$j" 3)" "(a) feedback, answer, reopen"
assert_contains "$(jq -r '.history[-1].note' <<<"$j")" 一把手重办 "(a) the reopen names the department head"
# The new clock starts at the reopening (Wed 16th): 17, 18, 21, 22, 23, 24, 25.
assert_eq "2026-09-16T10:00 2026-09-25T23:59:59.999+08:00" "$(jq -r '"\(.clock_start[0:16]) \(.deadline)"' <<<"$j")" \
    "(a) clock and deadline after the reopening"
[[ $(jq -r .deadline <<<"$j") > 2026-09-23T23:59:59.999+08:00 ]] || fail "(a) the new deadline is not later"
assert_eq "phone|已电话告知处理结果|||false|
||unsatisfied|只补发了一半|false|" "$(feedback_rows "$j")" "(a) feedback after 不满意"
assert_exit 1 ctl "$E2E_COMM1" satisfaction "$a" --answer satisfied
assert_contains "$E2E_OUT" "reopen" "(a) no answer on a reopened case"

# Thursday the 17th: handled again, told in person, 满意: closed by itself.
e2e_clock_set '2026-09-17 15:00'
ctl "$E2E_COMM1" resolve "$a" --note '社区书记督办, 工资全部补发' --actor comm1-head >/dev/null
ctl "$E2E_COMM1" feedback "$a" --channel visit --text '上门告知, 工资已全部到账' --actor comm1-head >/dev/null
j=$(ctl "$E2E_COMM1" --json satisfaction "$a" --answer satisfied --comment '感谢社区' --actor comm1-head)
assert_eq "closed $E2E_COMM1 1" "$(jq -r '"\(.state) \(.unit) \(.unsatisfied)"' <<<"$j")" "(a) after 满意"
assert_eq "satisfaction resolved resolved comm1-head|满意: 感谢社区
close resolved closed $AUTO|群众满意, 办结" "$(tail_steps "$j" 2)" "(a) the answer and the automatic close"
assert_eq "submit accept resolve feedback satisfaction reopen resolve feedback satisfaction close" \
    "$(jq -r '[.history[].action] | join(" ")' <<<"$j")" "(a) the whole history"
assert_eq "phone|已电话告知处理结果|||false|
||unsatisfied|只补发了一半|false|
visit|上门告知, 工资已全部到账|||false|
||satisfied|感谢社区|false|" "$(feedback_rows "$j")" "(a) all feedback"
assert_exit 0 ctl "$E2E_COMM1" verify "$a"
assert_exit 1 ctl "$E2E_COMM1" satisfaction "$a" --answer satisfied
assert_exit 1 ctl "$E2E_COMM1" feedback "$a" --channel sms --text again
# Never escalated: the street never saw it.
assert_exit 1 ctl "$E2E_STREET" show "$a"

# =============================================================================================
# (b) Two 不满意: reopened, then reopened and sent up.
ctl "$E2E_COMM1" resolve "$b" --note '快递站承诺月底结清' --actor comm1-staff >/dev/null
ctl "$E2E_COMM1" feedback "$b" --channel sms --text '短信告知处理结果' --actor comm1-staff >/dev/null
j=$(ctl "$E2E_COMM1" --json satisfaction "$b" --answer unsatisfied --comment '月底太晚' --actor comm1-staff)
assert_eq "reopened $E2E_COMM1 1" "$(jq -r '"\(.state) \(.unit) \(.unsatisfied)"' <<<"$j")" "(b) after the first 不满意"
ctl "$E2E_COMM1" resolve "$b" --note '一把手约谈站长, 本周结清' --actor comm1-head >/dev/null
ctl "$E2E_COMM1" feedback "$b" --channel wechat --text '微信告知' --actor comm1-head >/dev/null
j=$(ctl "$E2E_COMM1" --json satisfaction "$b" --answer unsatisfied --comment '仍未到账' --actor comm1-head)
assert_eq "escalated $E2E_STREET 2" "$(jq -r '"\(.state) \(.unit) \(.unsatisfied)"' <<<"$j")" "(b) after the second 不满意"
steps_b=$(tail_steps "$j" 3)
assert_eq "satisfaction resolved resolved comm1-head|不满意: 仍未到账" "$(sed -n 1p <<<"$steps_b")" "(b) the second answer"
assert_eq "reopen resolved reopened $AUTO" "$(sed -n 2p <<<"$steps_b" | cut -d'|' -f1)" "(b) reopened by itself"
assert_contains "$(sed -n 2p <<<"$steps_b")" 一把手重办 "(b) the second reopen's note"
assert_eq "escalate reopened escalated $AUTO" "$(sed -n 3p <<<"$steps_b" | cut -d'|' -f1)" "(b) then sent up by itself"
assert_eq "submit accept resolve feedback satisfaction reopen resolve feedback satisfaction reopen escalate" \
    "$(jq -r '[.history[].action] | join(" ")' <<<"$j")" "(b) the whole history at community 1"
# The answer, the reopening and the escalation share one millisecond: the daily report gives
# the state the chain ends in, not whichever of the three the database reads first.
row=$(ctl "$E2E_COMM1" report daily --day 2026-09-17 --out - | grep -F "| $b |") ||
    fail "(b) not in community 1's daily report"
assert_contains "$row" "| 已上报上级 |" "(b) its state in community 1's daily report"
# The community no longer holds it.
assert_exit 1 ctl "$E2E_COMM1" resolve "$b" --note x --actor comm1-staff
wait_until 15 has_state "$E2E_STREET" "$b" escalated "$E2E_STREET"
jc=$(show_json "$E2E_COMM1" "$b")
js=$(show_json "$E2E_STREET" "$b")
assert_eq "$(jq '.history' <<<"$jc")" "$(jq '.history' <<<"$js")" "(b) the history at the street"
assert_eq "$(feedback_rows "$jc")" "$(feedback_rows "$js")" "(b) the feedback at the street"
assert_eq "2 $E2E_COMM1" "$(jq -r '"\(.unsatisfied) \(.origin_unit)"' <<<"$js")" "(b) counter and origin at the street"
assert_exit 0 ctl "$E2E_STREET" verify "$b"
# The street takes it on.
j=$(ctl "$E2E_STREET" --json accept "$b" --actor street-staff)
assert_eq "accepted $E2E_STREET" "$(jq -r '"\(.state) \(.unit)"' <<<"$j")" "(b) accepted at the street"

# =============================================================================================
# (c) 不满意, then found unreasonable on review.
ctl "$E2E_COMM2" resolve "$c" --note '加班费已按劳动合同计算支付' --actor comm2-staff >/dev/null
assert_exit 1 ctl "$E2E_COMM2" review "$c" --reason '无不满意可复核' --actor reviewer
assert_contains "$E2E_OUT" "no 不满意" "(c) review before any 不满意"
ctl "$E2E_COMM2" feedback "$c" --channel letter --text '书面告知' --actor comm2-staff >/dev/null
j=$(ctl "$E2E_COMM2" --json satisfaction "$c" --answer unsatisfied --comment '要求双倍赔偿' --actor comm2-staff)
assert_eq "reopened 1" "$(jq -r '"\(.state) \(.unsatisfied)"' <<<"$j")" "(c) after 不满意"
assert_exit 1 ctl "$E2E_COMM2" review "$c" --reason '' --actor reviewer
j=$(ctl "$E2E_COMM2" --json review "$c" --reason '诉求超出法定标准' --actor reviewer)
assert_eq "reopened 0" "$(jq -r '"\(.state) \(.unsatisfied)"' <<<"$j")" "(c) after the review"
assert_eq "review reopened reopened reviewer|复核: 不满意诉求不合理, 不计入考核: 诉求超出法定标准" \
    "$(tail_steps "$j" 1)" "(c) the review entry"
assert_eq "letter|书面告知|||false|
||unsatisfied|要求双倍赔偿|true|诉求超出法定标准" "$(feedback_rows "$j")" "(c) the answer marked unreasonable"
assert_exit 1 ctl "$E2E_COMM2" review "$c" --reason again --actor reviewer
assert_contains "$E2E_OUT" "no 不满意" "(c) nothing left to review"
# Resolved again and 满意: closed; only that answer counts for community 2.
ctl "$E2E_COMM2" resolve "$c" --note '再次解释法律规定' --actor comm2-head >/dev/null
j=$(ctl "$E2E_COMM2" --json satisfaction "$c" --answer basically_satisfied --actor comm2-head)
assert_eq "closed 0" "$(jq -r '"\(.state) \(.unsatisfied)"' <<<"$j")" "(c) after 基本满意"
assert_eq "close resolved closed $AUTO" "$(tail_steps "$j" 1 | cut -d'|' -f1)" "(c) closed by itself"
j=$(ctl "$E2E_COMM2" --json stats --from 2026-09-01 --to 2026-09-30)
assert_eq "1 1 1 100" "$(jq -r '"\(.received) \(.answered) \(.satisfied) \(.satisfaction_rate)"' <<<"$j")" \
    "(c) community 2's figures: the unreasonable 不满意 does not count"
# Community 1: a took 2 answers (1 满意), b 2 (none); both count.
j=$(ctl "$E2E_COMM1" --json stats --from 2026-09-01 --to 2026-09-30)
assert_eq "2 4 1 25" "$(jq -r '"\(.received) \(.answered) \(.satisfied) \(.satisfaction_rate)"' <<<"$j")" \
    "community 1's figures"

echo "test_85_feedback: ok"
