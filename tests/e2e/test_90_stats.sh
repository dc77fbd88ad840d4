#!/usr/bin/env bash
# tests/e2e/test_90_stats.sh - statistics (分析研判) up the link, and the monthly and daily
# reports, with real daemons and a test clock (Tuesday 2026-11-17 and Wednesday 2026-11-18).
#
# Cases are taken in at both communities, at the street (walk-ins, a hotline call) and at the
# district, in several categories, tracks and sources; some are resolved (one late, one only on
# its second try), some closed, some answered (满意, 基本满意, 不满意); some are escalated and
# handled above the unit that took them in. The test keeps its own ledger of what it did, and:
# - each unit's own figures (`stats` at a community; SQL on the unit's schema for what it took
#   in) match the ledger: a case counts once, at the unit that took it in (origin);
# - the street's figures are its own plus its two communities', the district's everyone's,
#   once the reports (stats.report_interval_ms 500) have come up the link, for the month and for
#   each day;
# - the rates agree with the counts;
# - the district's monthly report (月报) and daily report (日报) exist as Markdown and CSV (with a
#   UTF-8 BOM), carry the Chinese headings, and their numbers are the `stats` numbers, per unit
#   too; the daily report lists the high-risk case as a key dispute;
# - a case resolved late and then reopened after a 不满意 still counts as resolved late;
# - a resolution that reaches the community that took the case in only as a copy from the
#   street after the community has moved on to the next day (Thursday 2026-11-19) and
#   reported, still reaches the district for the day it fell on.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init stats
command -v jq >/dev/null || fail "jq is needed by this test"
cfg=$FQ_RUN_DIR/stats.yaml
e2e_config_supervision "$cfg" false
e2e_clock_init
D1=2026-11-17
D2=2026-11-18
MONTH=2026-11
e2e_clock_set "$D1 09:30"
e2e_up "$cfg"

ALL_UNITS="$E2E_DISTRICT $E2E_STREET $E2E_COMM1 $E2E_COMM2"
declare -A NAME=([$E2E_DISTRICT]='光明区综治中心' [$E2E_STREET]='光明街道综治中心'
    [$E2E_COMM1]='东周社区' [$E2E_COMM2]='翠湖社区')
declare -A SCHEMA=([$E2E_DISTRICT]=district [$E2E_STREET]=street [$E2E_COMM1]=community
    [$E2E_COMM2]=community)

# ---- the ledger ------------------------------------------------------------------------------
# One line per figure the test caused, for the unit that took the case in (its origin):
#   R UNIT DAY CATEGORY TRACK SOURCE   taken in (受理)
#   V UNIT DAY ON_TIME WD              first resolution (化解), on time 0/1, working days taken
#   C UNIT DAY                         first closing (办结)
#   A UNIT DAY SATISFIED               an answer that counts, 满意/基本满意 1, 不满意 0
LEDGER=$FQ_RUN_DIR/ledger
: >"$LEDGER"
book() { echo "$*" >>"$LEDGER"; }

# expected "UNIT..." FROM TO: the figures the ledger gives for those units and days, as the
# JSON object `project` makes of a `stats` answer.
expected() {
    awk -v units=" $1 " -v from="$2" -v to="$3" '
        function key(k) { return k == "-" ? "" : k }
        index(units, " " $2 " ") && $3 >= from && $3 <= to {
            if ($1 == "R") { rec++; cat[$4]++; trk[$5]++; src[key($6)]++ }
            if ($1 == "V") { res++; ont += $4; wd += $5 }
            if ($1 == "C") clo++
            if ($1 == "A") { ans++; sat += $4 }
        }
        function obj(a,   k, s, sep) { s = "{"; for (k in a) { s = s sep "\"" k "\":" a[k]; sep = "," } return s "}" }
        END {
            printf "{\"received\":%d,\"resolved\":%d,\"closed\":%d,\"on_time\":%d,\"answered\":%d,", rec, res, clo, ont, ans
            printf "\"satisfied\":%d,\"wd_sum\":%d,\"by_category\":%s,\"by_track\":%s,\"by_source\":%s}\n", sat, wd, obj(cat), obj(trk), obj(src)
        }' "$LEDGER" | jq -S -c .
}

# project: the counts of a `stats` answer (stdin), keys sorted.
project() {
    jq -S -c '{received, resolved, closed, on_time, answered, satisfied, wd_sum, by_category, by_track, by_source}'
}

stats_json() {
    local code=$1
    shift
    ctl "$code" --json stats "$@"
}

# matches CODE "UNITS" FROM TO: CODE's stats for the period are the ledger's for UNITS.
matches() {
    local want got
    want=$(expected "$2" "$3" "$4")
    got=$(stats_json "$1" --from "$3" --to "$4" | project) || return 1
    [[ $got == "$want" ]] || { printf 'want %s\ngot  %s\n' "$want" "$got"; return 1; }
}

# rates_agree JSON: the rates are the counts' (to the 0.1 printed), null when nothing to divide.
rates_agree() {
    jq -e '
        def r(a; b): if b == 0 then null else 100 * a / b end;
        def near(x; y): (x == null and y == null) or (x != null and y != null and ((x - y) | fabs) <= 0.05001);
        near(.resolution_rate; r(.resolved; .received)) and near(.on_time_rate; r(.on_time; .resolved))
        and near(.satisfaction_rate; r(.satisfied; .answered))
        and near(.avg_working_days; (if .resolved == 0 then null else .wd_sum / .resolved end))' \
        <<<"$1" >/dev/null || fail "rates do not agree with the counts: $1"
}

# ---- day 1: Tuesday 2026-11-17 ---------------------------------------------------------------
submit() { # submit CODE CATEGORY SOURCE TITLE [RISK]
    local src=()
    [[ $3 == - ]] || src=(--source "$3")
    ctl "$1" submit --title "$4" --category "$2" "${src[@]}" --risk "${5:-1}" \
        --party '赵某:13900000001:申请人' --actor desk
}

# c1 community 1: noise, by phone; settled on the spot, 满意 -> closed.
c1=$(submit "$E2E_COMM1" noise phone '广场舞噪音')
book R "$E2E_COMM1" $D1 noise simple phone
ctl "$E2E_COMM1" accept "$c1" --actor s1 >/dev/null
ctl "$E2E_COMM1" resolve "$c1" --note '协商调整时段' --actor s1 >/dev/null
ctl "$E2E_COMM1" feedback "$c1" --channel phone --text '电话告知' --actor s1 >/dev/null
ctl "$E2E_COMM1" satisfaction "$c1" --answer satisfied --actor s1 >/dev/null
book V "$E2E_COMM1" $D1 1 0
book A "$E2E_COMM1" $D1 1
book C "$E2E_COMM1" $D1

# c2 community 1: wage arrears from the grid, sent up; the street resolves it; back at community
# 1, 基本满意 -> closed. Counted at community 1 only.
c2=$(submit "$E2E_COMM1" wage_arrears grid '超市拖欠工资')
book R "$E2E_COMM1" $D1 wage_arrears complex grid
ctl "$E2E_COMM1" accept "$c2" --actor s1 >/dev/null
ctl "$E2E_COMM1" escalate "$c2" --note '需街道协调' --actor s1 >/dev/null
wait_until 15 has_state "$E2E_STREET" "$c2" escalated "$E2E_STREET"
ctl "$E2E_STREET" accept "$c2" --actor st1 >/dev/null
ctl "$E2E_STREET" resolve "$c2" --note '街道约谈, 已支付' --actor st1 >/dev/null
wait_until 15 has_state "$E2E_COMM1" "$c2" resolved "$E2E_COMM1"
ctl "$E2E_COMM1" feedback "$c2" --channel visit --text '上门告知' --actor s1 >/dev/null
ctl "$E2E_COMM1" satisfaction "$c2" --answer basically_satisfied --actor s1 >/dev/null
book V "$E2E_COMM1" $D1 1 0
book A "$E2E_COMM1" $D1 1
book C "$E2E_COMM1" $D1

# c3 community 2: neighbours, walked in; simple (due today 17:30), resolved only tomorrow: late.
c3=$(submit "$E2E_COMM2" neighbour walk_in '邻居占用楼道')
book R "$E2E_COMM2" $D1 neighbour simple walk_in
ctl "$E2E_COMM2" accept "$c3" --actor s2 >/dev/null
assert_eq "${D1}T17:30:00.000+08:00" "$(field "$E2E_COMM2" "$c3" .deadline)" "c3 deadline (same day)"

# c4 community 2: a safety hazard of risk 4: triaged high-risk, up to the street by itself, up to
# the district from there; open.
c4=$(submit "$E2E_COMM2" safety_hazard grid '老旧围墙倾斜' 4)
book R "$E2E_COMM2" $D1 safety_hazard high_risk grid
ctl "$E2E_COMM2" accept "$c4" --actor s2 >/dev/null
ctl "$E2E_COMM2" triage "$c4" --actor s2 >/dev/null
wait_until 15 has_state "$E2E_STREET" "$c4" escalated "$E2E_STREET"
ctl "$E2E_STREET" accept "$c4" --actor st1 >/dev/null
ctl "$E2E_STREET" triage "$c4" --actor st1 >/dev/null
wait_until 15 has_state "$E2E_DISTRICT" "$c4" escalated "$E2E_DISTRICT"
ctl "$E2E_DISTRICT" accept "$c4" --actor d1 >/dev/null

# c5 street: a land dispute walked in; resolved and closed at the street.
c5=$(submit "$E2E_STREET" land_housing walk_in '宅基地边界纠纷')
book R "$E2E_STREET" $D1 land_housing long_term walk_in
ctl "$E2E_STREET" accept "$c5" --actor st1 >/dev/null
ctl "$E2E_STREET" resolve "$c5" --note '按档案划界' --actor st1 >/dev/null
ctl "$E2E_STREET" close "$c5" --note '双方签字' --actor st1 >/dev/null
book V "$E2E_STREET" $D1 1 0
book C "$E2E_STREET" $D1

# c6 street: wage arrears from the 12345 hotline; open.
c6=$(submit "$E2E_STREET" wage_arrears hotline_12345 '12345转办欠薪')
book R "$E2E_STREET" $D1 wage_arrears complex hotline_12345
ctl "$E2E_STREET" accept "$c6" --actor st1 >/dev/null

# c7 district: a safety hazard (complex, risk 2) from the app; resolved, 不满意 -> reopened.
c7=$(submit "$E2E_DISTRICT" safety_hazard app '工地夜间施工隐患' 2)
book R "$E2E_DISTRICT" $D1 safety_hazard complex app
ctl "$E2E_DISTRICT" accept "$c7" --actor d1 >/dev/null
ctl "$E2E_DISTRICT" resolve "$c7" --note '责令整改' --actor d1 >/dev/null
ctl "$E2E_DISTRICT" feedback "$c7" --channel sms --text '短信告知' --actor d1 >/dev/null
ctl "$E2E_DISTRICT" satisfaction "$c7" --answer unsatisfied --comment '整改不到位' --actor d1 >/dev/null
book V "$E2E_DISTRICT" $D1 1 0
book A "$E2E_DISTRICT" $D1 0
assert_eq reopened "$(field "$E2E_DISTRICT" "$c7" .state)" "c7 after 不满意"

# ---- day 2: Wednesday 2026-11-18 -------------------------------------------------------------
e2e_clock_set "$D2 10:00"

# c3 resolved a day late: 1 working day, not on time.
ctl "$E2E_COMM2" resolve "$c3" --note '楼道已清理' --actor s2 >/dev/null
book V "$E2E_COMM2" $D2 0 1

# c7 resolved again and 满意 -> closed: its first resolution stays on day 1.
ctl "$E2E_DISTRICT" resolve "$c7" --note '复查合格' --actor d1 >/dev/null
ctl "$E2E_DISTRICT" satisfaction "$c7" --answer satisfied --actor d1 >/dev/null
book A "$E2E_DISTRICT" $D2 1
book C "$E2E_DISTRICT" $D2

# c8 community 1: noise by WeChat, resolved, not closed.
c8=$(submit "$E2E_COMM1" noise wechat '装修噪音')
book R "$E2E_COMM1" $D2 noise simple wechat
ctl "$E2E_COMM1" accept "$c8" --actor s1 >/dev/null
ctl "$E2E_COMM1" resolve "$c8" --note '限定施工时间' --actor s1 >/dev/null
book V "$E2E_COMM1" $D2 1 0

# c9 community 2: wage arrears by SMS, resolved, 满意 -> closed.
c9=$(submit "$E2E_COMM2" wage_arrears sms '保姆工资纠纷')
book R "$E2E_COMM2" $D2 wage_arrears complex sms
ctl "$E2E_COMM2" accept "$c9" --actor s2 >/dev/null
ctl "$E2E_COMM2" resolve "$c9" --note '雇主已支付' --actor s2 >/dev/null
ctl "$E2E_COMM2" satisfaction "$c9" --answer satisfied --actor s2 >/dev/null
book V "$E2E_COMM2" $D2 1 0
book A "$E2E_COMM2" $D2 1
book C "$E2E_COMM2" $D2

# c10 district: noise, no source given; open.
c10=$(submit "$E2E_DISTRICT" noise - '商铺外放音乐')
book R "$E2E_DISTRICT" $D2 noise simple -
ctl "$E2E_DISTRICT" accept "$c10" --actor d1 >/dev/null

# ---- each unit's own figures -----------------------------------------------------------------
# What each unit took in, straight from its schema: cases it holds a copy of and took in itself.
for u in $ALL_UNITS; do
    want=$(awk -v u="$u" '$1 == "R" && $2 == u' "$LEDGER" | wc -l)
    assert_eq "$want" "$(psql_q "SELECT count(*) FROM ${SCHEMA[$u]}.cases WHERE unit = '$u' AND origin_unit = '$u'")" \
        "cases taken in at $u (SQL)"
    want=$(awk -v u="$u" '$1 == "R" && $2 == u {print $4}' "$LEDGER" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')
    assert_eq "$want" "$(psql_q "SELECT category || '=' || count(*) FROM ${SCHEMA[$u]}.cases WHERE unit = '$u' AND origin_unit = '$u' GROUP BY category ORDER BY category" | tr '\n' ' ')" \
        "categories taken in at $u (SQL)"
done
# The street and the district also hold copies of cases they did not take in; those do not count.
assert_eq 4 "$(psql_q "SELECT count(*) FROM street.cases WHERE unit = '$E2E_STREET'")" "copies at the street (c2, c4, c5, c6)"
assert_eq 3 "$(psql_q "SELECT count(*) FROM district.cases WHERE unit = '$E2E_DISTRICT'")" "copies at the district (c4, c7, c10)"

for u in "$E2E_COMM1" "$E2E_COMM2"; do
    for period in "$D1 $D1" "$D2 $D2" "$MONTH-01 $MONTH-30"; do
        # shellcheck disable=SC2086
        wait_until 5 matches "$u" "$u" $period
    done
    j=$(stats_json "$u")
    assert_eq "$u $MONTH-01 $MONTH-30 1" "$(jq -r '"\(.unit) \(.from) \(.to) \(.units)"' <<<"$j")" "default period of stats at $u"
    assert_eq "$(expected "$u" "$MONTH-01" "$MONTH-30")" "$(project <<<"$j")" "$u's figures for the month"
    rates_agree "$j"
done

# ---- up the link -------------------------------------------------------------------------------
STREET_AREA="$E2E_STREET $E2E_COMM1 $E2E_COMM2"
for period in "$MONTH-01 $MONTH-30" "$D1 $D1" "$D2 $D2"; do
    # shellcheck disable=SC2086
    wait_until 20 matches "$E2E_STREET" "$STREET_AREA" $period
    # shellcheck disable=SC2086
    wait_until 20 matches "$E2E_DISTRICT" "$ALL_UNITS" $period
done
j=$(stats_json "$E2E_STREET")
assert_eq "3" "$(jq -r .units <<<"$j")" "units in the street's figures"
rates_agree "$j"
jd=$(stats_json "$E2E_DISTRICT")
assert_eq "$E2E_DISTRICT $MONTH-01 $MONTH-30 4" "$(jq -r '"\(.unit) \(.from) \(.to) \(.units)"' <<<"$jd")" "the district's default period"
assert_eq "$(expected "$ALL_UNITS" "$MONTH-01" "$MONTH-30")" "$(project <<<"$jd")" "the district's figures for the month"
rates_agree "$jd"
# The district's figures are the sum of every unit's own.
sum=$(for u in $ALL_UNITS; do expected "$u" "$MONTH-01" "$MONTH-30"; done | jq -s -S -c '
    def addmap(a; b): reduce (b | to_entries[]) as $e (a; .[$e.key] += $e.value);
    reduce .[] as $x ({received: 0, resolved: 0, closed: 0, on_time: 0, answered: 0, satisfied: 0,
                       wd_sum: 0, by_category: {}, by_track: {}, by_source: {}};
        .received += $x.received | .resolved += $x.resolved | .closed += $x.closed
        | .on_time += $x.on_time | .answered += $x.answered | .satisfied += $x.satisfied
        | .wd_sum += $x.wd_sum | .by_category = addmap(.by_category; $x.by_category)
        | .by_track = addmap(.by_track; $x.by_track) | .by_source = addmap(.by_source; $x.by_source))')
assert_eq "$sum" "$(project <<<"$jd")" "the district's figures = the sum of each unit's own"
# Spelled out, so a wrong ledger cannot hide a wrong count: 10 cases in, 7 resolved (c3 late,
# 1 working day), 5 closed, 5 answers of which 4 满意/基本满意.
assert_eq "10 7 5 6 5 4 1" "$(jq -r '"\(.received) \(.resolved) \(.closed) \(.on_time) \(.answered) \(.satisfied) \(.wd_sum)"' <<<"$jd")" \
    "the district's month in numbers"

# ---- reports at the district ---------------------------------------------------------------------
OUT=$FQ_RUN_DIR/reports
mkdir -p "$OUT"
pct() { jq -r "if .$1 == null then \"-\" else (.$1 * 10 | round / 10 | tostring | if test(\"[.]\") then . else . + \".0\" end) + \"%\" end" <<<"$2"; }

# check_report KIND MD CSV STATS_JSON: headings, the overall figures and each unit's own.
check_report() {
    local kind=$1 md=$2 csv=$3 j=$4 u own label f
    [[ -s $md && -s $csv ]] || fail "$kind report files missing: $md $csv"
    assert_eq "efbbbf" "$(head -c 3 "$csv" | od -An -tx1 | tr -d ' \n')" "$kind CSV starts with a UTF-8 BOM"
    for f in 受理 化解 办结 化解率 按期率 满意率; do
        assert_contains "$(cat "$md")" "| $f |" "$kind Markdown row $f"
    done
    assert_contains "$(cat "$md")" "| 受理 | $(jq -r .received <<<"$j") |" "$kind Markdown: 受理"
    assert_contains "$(cat "$md")" "| 化解 | $(jq -r .resolved <<<"$j") |" "$kind Markdown: 化解"
    assert_contains "$(cat "$md")" "| 办结 | $(jq -r .closed <<<"$j") |" "$kind Markdown: 办结"
    assert_contains "$(cat "$md")" "| 化解率 | $(pct resolution_rate "$j") |" "$kind Markdown: 化解率"
    assert_contains "$(cat "$md")" "| 满意率 | $(pct satisfaction_rate "$j") |" "$kind Markdown: 满意率"
    assert_contains "$(cat "$csv")" "总体,${NAME[$E2E_DISTRICT]},受理,$(jq -r .received <<<"$j")" "$kind CSV: 受理"
    assert_contains "$(cat "$csv")" "总体,${NAME[$E2E_DISTRICT]},化解,$(jq -r .resolved <<<"$j")" "$kind CSV: 化解"
    assert_contains "$(cat "$csv")" "总体,${NAME[$E2E_DISTRICT]},办结,$(jq -r .closed <<<"$j")" "$kind CSV: 办结"
    assert_contains "$(cat "$csv")" "总体,${NAME[$E2E_DISTRICT]},化解率,$(pct resolution_rate "$j")" "$kind CSV: 化解率"
}

files=$(ctl "$E2E_DISTRICT" report monthly --month "$MONTH" --out "$OUT")
md=$(grep '[.]md$' <<<"$files")
csv=$(grep '[.]csv$' <<<"$files")
assert_eq "$OUT/$E2E_DISTRICT-月报-$MONTH.md $OUT/$E2E_DISTRICT-月报-$MONTH.csv" "$md $csv" "monthly report files"
assert_contains "$(head -n 1 "$md")" "月报" "monthly report title"
assert_contains "$(cat "$md")" "2026年11月" "monthly report month"
check_report monthly "$md" "$csv" "$jd"
# Each unit's row is that unit's own figures (a case counts once, where it was taken in).
for u in $ALL_UNITS; do
    label=${NAME[$u]}
    [[ $u == "$E2E_DISTRICT" ]] && label="$label (本级)"
    own=$(expected "$u" "$MONTH-01" "$MONTH-30")
    assert_contains "$(cat "$md")" "| $label | $(jq -r '"\(.received) | \(.resolved) | \(.closed)"' <<<"$own") |" \
        "monthly report: row of $label"
    assert_contains "$(cat "$csv")" "各单位,$label,受理,$(jq -r .received <<<"$own")" "monthly CSV: 受理 of $label"
    assert_contains "$(cat "$csv")" "各单位,$label,化解,$(jq -r .resolved <<<"$own")" "monthly CSV: 化解 of $label"
done
assert_contains "$(cat "$md")" "| 合计 | $(jq -r '"\(.received) | \(.resolved) | \(.closed)"' <<<"$jd") |" "monthly report: 合计"
for c in noise:噪音扰民 wage_arrears:劳资欠薪纠纷 safety_hazard:安全隐患 land_housing:土地房屋纠纷; do
    assert_contains "$(cat "$csv")" "按类别,${c#*:},受理,$(jq -r ".by_category.${c%%:*} // 0" <<<"$jd")" "monthly CSV: category ${c%%:*}"
done

jd2=$(stats_json "$E2E_DISTRICT" --from "$D2" --to "$D2")
files=$(ctl "$E2E_DISTRICT" report daily --day "$D2" --out "$OUT")
md=$(grep '[.]md$' <<<"$files")
csv=$(grep '[.]csv$' <<<"$files")
assert_eq "$OUT/$E2E_DISTRICT-日报-$D2.md $OUT/$E2E_DISTRICT-日报-$D2.csv" "$md $csv" "daily report files"
assert_contains "$(head -n 1 "$md")" "日报" "daily report title"
assert_contains "$(cat "$md")" "2026年11月18日" "daily report day"
check_report daily "$md" "$csv" "$jd2"
# The key disputes of the day: the high-risk case taken up to the district; not a closed one.
row=$(grep -F "| $c4 |" "$md") || fail "daily report: no row for the high-risk case $c4:
$(cat "$md")"
assert_contains "$row" "| 老旧围墙倾斜 | 安全隐患 | 特需门诊 | 已受理 | 光明区综治中心 |" "daily report: the high-risk case's row"
assert_contains "$row" "高风险" "daily report: why $c4 is listed"
assert_contains "$row" "上报" "daily report: why $c4 is listed"
assert_contains "$(cat "$csv")" "$c4" "daily CSV: the high-risk case"
[[ $(cat "$md") != *"$c1"* ]] || fail "daily report lists $c1, closed on day 1"

# ---- a late resolution stays late -----------------------------------------------------------
# c3 was resolved a day late (Wed 10:00, due Tue 17:30). The citizen is not satisfied: the case
# is reopened with a new clock (due Wed 17:30). Its first resolution - the one the figures count -
# is still the late one, so 按期化解 must not change; only the answer is new.
ctl "$E2E_COMM2" feedback "$c3" --channel phone --text '电话告知' --actor s2 >/dev/null
j=$(ctl "$E2E_COMM2" --json satisfaction "$c3" --answer unsatisfied --comment '楼道又被占用' --actor s2)
book A "$E2E_COMM2" $D2 0
assert_eq "reopened ${D2}T17:30:00.000+08:00" "$(jq -r '"\(.state) \(.deadline)"' <<<"$j")" "c3 reopened with a new deadline"
want=$(expected "$E2E_COMM2" "$MONTH-01" "$MONTH-30")
j=$(stats_json "$E2E_COMM2" --from "$MONTH-01" --to "$MONTH-30")
assert_eq "$(jq .on_time <<<"$want")" "$(jq .on_time <<<"$j")" \
    "community 2's on-time resolutions (按期化解) after the late-resolved c3 was reopened"
assert_eq "$want" "$(project <<<"$j")" "community 2's figures after c3 was reopened"
wait_until 20 matches "$E2E_DISTRICT" "$ALL_UNITS" "$MONTH-01" "$MONTH-30"

# ---- a change that reaches the unit that took the case in only as a copy --------------------
# c11 community 2: wage arrears, sent up; the street resolves it on day 2 while community 2 is
# down. The street is stopped too, so community 2 comes back on day 3 and reports (day 3 is its
# today) before the copy with the resolution arrives. From then on nothing community 2 does
# itself touches day 2: only the copy from above changes its figures for that day, and they
# must still reach the street and the district.
c11=$(submit "$E2E_COMM2" wage_arrears grid '物业拖欠保洁工资')
book R "$E2E_COMM2" $D2 wage_arrears complex grid
ctl "$E2E_COMM2" accept "$c11" --actor s2 >/dev/null
ctl "$E2E_COMM2" escalate "$c11" --note '需街道协调' --actor s2 >/dev/null
wait_until 15 has_state "$E2E_STREET" "$c11" escalated "$E2E_STREET"
ctl "$E2E_STREET" accept "$c11" --actor st1 >/dev/null
wait_until 15 has_state "$E2E_COMM2" "$c11" accepted "$E2E_STREET"
cluster kill "$cfg" "$E2E_COMM2" >/dev/null
ctl "$E2E_STREET" resolve "$c11" --note '物业已补发' --actor st1 >/dev/null
book V "$E2E_COMM2" $D2 1 0
cluster kill "$cfg" "$E2E_STREET" >/dev/null
D3=2026-11-19
e2e_clock_set "$D3 09:00"
cluster start "$cfg" "$E2E_COMM2" >/dev/null
# c3, reopened on day 2 and due at 17:30, is overdue now: community 2 issues its 工作提示函 by
# itself, which touches day 2 as well; let that happen and be reported before the copy comes.
c3_uuid=$(field "$E2E_COMM2" "$c3" .uuid)
d3_ms=$(($(date -d "$D3 00:00 +08:00" +%s) * 1000))
prompted() {
    [[ $(psql_q "SELECT count(*) FROM community.notices WHERE unit = '$E2E_COMM2'
                 AND uuid = '$c3_uuid' AND kind = 'work_prompt' AND at_ms >= $d3_ms") == 1 ]]
}
reported_since_own_entries() { # through_ms and at_ms are both the daemon's clock
    [[ $(psql_q "SELECT s.through_ms > (SELECT max(at_ms) FROM community.case_events
                 WHERE unit = '$E2E_COMM2' AND at_unit = '$E2E_COMM2')
                 FROM community.stats_sent s WHERE s.unit = '$E2E_COMM2'") == t ]]
}
wait_until 15 prompted
wait_until 15 reported_since_own_entries
assert_eq "accepted $E2E_STREET" "$(field "$E2E_COMM2" "$c11" '"\(.state) \(.unit)"')" \
    "c11 at community 2 before the copy from the street arrives"
cluster start "$cfg" "$E2E_STREET" >/dev/null
wait_until 20 has_state "$E2E_COMM2" "$c11" resolved "$E2E_COMM2"
wait_until 5 matches "$E2E_COMM2" "$E2E_COMM2" "$D2" "$D2"
wait_until 20 matches "$E2E_STREET" "$STREET_AREA" "$D2" "$D2"
wait_until 20 matches "$E2E_DISTRICT" "$ALL_UNITS" "$D2" "$D2"
wait_until 20 matches "$E2E_DISTRICT" "$ALL_UNITS" "$MONTH-01" "$MONTH-30"

echo "test_90_stats: ok"
