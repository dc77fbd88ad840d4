#!/usr/bin/env bash
# tests/e2e/test_70_verify_and_errors.sh - the case list, the tamper-evident case file, bad input.
#
# (c) list (run first, on a street with no other cases): 25 walk-in cases across the five
#     categories, moved into known states, tracks, holders and departments; every filter
#     (--state, --track, --category, --dept, --unit, --from/--to in China time, and
#     combinations: every state at every holder, up to all filters at once, with --overdue)
#     gives exactly the expected case numbers, in --json and in the text table, whose line
#     "第 P 页, 第 a-b 条, 共 N 条" counts right; --limit 10 pages through all 25 newest first,
#     page 3 holding the remainder; filtered lists page right by 1, 2, 3, 4 and 7, pages past
#     the middle (read from the oldest end) included.
# (a) verify: a case seen by all three tiers verifies at each; one history row edited in the
#     street's schema makes `verify` there exit 1 naming that entry (position and action) while
#     the community's and the district's copies (and the street's other cases) still verify;
#     with the edited row's hash recomputed by event_hash(), verify names the next entry.
#     `verify --json` prints one object (case_no, entries, intact, broken_at, message), also
#     for a broken chain (exit 1), and none for a case that does not exist.
# (b) bad input: each refused with exit 1 (2 for a usage error), a message naming the problem,
#     and nothing changed (the case's version, state, history, departments and documents, or
#     the number of cases, are the same before and after).
# (d) impossible calendar days (2026-02-30, 2026-11-31) are refused like any other bad date.
# (e) a repeated single-valued option (--title, --lead, --note, --state, --from, --unit) and
#     conflicting ones (--grant with --refuse, --unit with --endpoint) are usage errors (exit 2)
#     naming them; --party repeats.
# (f) every kind of usage error (no verb, an unknown verb or option, an ambiguous one, an option
#     without its value or a flag with one, an option the verb does not take, a bad value, an
#     argument too many or too few) exits 2 and says what was wrong on its first line,
#     "casectl: [VERB: ]WHAT", before the usage.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init verify_errors
cfg=$FQ_RUN_DIR/casework.yaml
e2e_config_casework "$cfg"
e2e_up "$cfg"

command -v jq >/dev/null || fail "jq is needed by this test"

S=$E2E_STREET
TODAY=$(TZ=Asia/Shanghai date +%F)
YESTERDAY=$(TZ=Asia/Shanghai date -d yesterday +%F)
TOMORROW=$(TZ=Asia/Shanghai date -d tomorrow +%F)
NO_RE='44031100[0-9]{4}-[0-9]{8}-[0-9]{4}'

# =============================================================================================
# (c) The list.
CATS=(neighbour noise wage_arrears safety_hazard land_housing)
declare -A ST TR CAT HOLD DEPTS
ALL=()
for ((i = 1; i <= 25; i++)); do
    cat=${CATS[$(((i - 1) % 5))]}
    k=$(((i - 1) / 5))
    risk=1
    [[ $cat == safety_hazard && $k -lt 2 ]] && risk=4
    no=$(ctl "$S" submit --title "列表测试 $i" --category "$cat" --risk "$risk" --source walk_in \
        --actor street-desk)
    [[ $no =~ ^$S-[0-9]{8}-[0-9]{4}$ ]] || fail "submit $i printed '$no'"
    ALL+=("$no")
    CAT[$no]=$cat ST[$no]=reported HOLD[$no]=$S DEPTS[$no]=""
    case $cat in neighbour | noise) TR[$no]=simple ;; land_housing) TR[$no]=long_term ;; *) TR[$no]=complex ;; esac
    [[ $cat == noise ]] && continue
    ctl "$S" accept "$no" --actor street-staff >/dev/null
    ST[$no]=accepted
    case $cat:$k in
    neighbour:0 | neighbour:1)
        ctl "$S" resolve "$no" --note '当场化解' --actor street-staff >/dev/null
        ST[$no]=resolved ;;
    wage_arrears:0 | wage_arrears:1 | wage_arrears:2)
        ctl "$S" assign "$no" --lead hrss_office --co justice_office --actor street-staff >/dev/null
        ST[$no]=in_progress DEPTS[$no]="hrss_office justice_office" ;;
    wage_arrears:*)
        ctl "$S" assign "$no" --lead justice_office --actor street-staff >/dev/null
        ST[$no]=in_progress DEPTS[$no]="justice_office" ;;
    safety_hazard:0 | safety_hazard:1)
        ctl "$S" triage "$no" --actor street-staff >/dev/null # risk 4: high_risk, up by itself
        ST[$no]=escalated TR[$no]=high_risk HOLD[$no]=$E2E_DISTRICT ;;
    safety_hazard:*)
        ctl "$S" triage "$no" --actor street-staff >/dev/null # no rule matches: the default
        TR[$no]=complex ;;
    land_housing:0)
        ctl "$S" withdraw "$no" --reason '当事人自行和解, 申请撤回' --actor street-staff >/dev/null
        ST[$no]=withdrawn ;;
    land_housing:1)
        ctl "$S" triage "$no" --to "$E2E_COMM1" --actor street-staff >/dev/null
        ST[$no]=dispatched HOLD[$no]=$E2E_COMM1 ;;
    esac
done

# want KEY VALUE: the case numbers whose KEY (ST TR CAT HOLD DEPTS, or ALL) matches, sorted.
want() {
    local no
    for no in "${ALL[@]}"; do
        case $1 in
        ALL) echo "$no" ;;
        ST) [[ ${ST[$no]} == "$2" ]] && echo "$no" ;;
        TR) [[ ${TR[$no]} == "$2" ]] && echo "$no" ;;
        CAT) [[ ${CAT[$no]} == "$2" ]] && echo "$no" ;;
        HOLD) [[ ${HOLD[$no]} == "$2" ]] && echo "$no" ;;
        DEPTS) [[ " ${DEPTS[$no]} " == *" $2 "* ]] && echo "$no" ;;
        esac
    done | sort
    return 0
}

# rows TEXT: the case numbers in a text table, in order.
rows() { grep -Eo "^$NO_RE" <<<"$1" || true; }
count() {
    if [[ -z $1 ]]; then echo 0; else wc -l <<<"$1"; fi
}

# check_list DESC EXPECTED -- LIST_ARGS...: the list with those filters holds exactly EXPECTED
# (sorted case numbers, one a line), in --json and in the text table with its total.
check_list() {
    local desc=$1 expected=$2 j t n
    shift 3
    n=$(count "$expected")
    j=$(ctl "$S" --json list --limit 100 "$@") || fail "list $* failed"
    assert_eq "$expected" "$(jq -r .case_no <<<"$j" | sort)" "list --json $* ($desc)"
    assert_eq "$n" "$(count "$(jq -r .case_no <<<"$j")")" "list --json $* count ($desc)"
    t=$(ctl "$S" list --limit 100 "$@") || fail "list $* failed"
    assert_eq "$expected" "$(rows "$t" | sort)" "list $* ($desc)"
    assert_contains "$t" "共 $n 条" "list $* total ($desc)"
    assert_contains "$(head -n 1 <<<"$t")" 案件编号 "list $* header ($desc)"
}

assert_eq 25 "$(count "$(want ALL)")" "cases submitted"
check_list "everything" "$(want ALL)" --
for s in reported accepted resolved in_progress escalated withdrawn dispatched closed; do
    check_list "state $s" "$(want ST "$s")" -- --state "$s"
done
for t in simple complex high_risk long_term; do
    check_list "track $t" "$(want TR "$t")" -- --track "$t"
done
for c in "${CATS[@]}"; do
    check_list "category $c" "$(want CAT "$c")" -- --category "$c"
done
for d in hrss_office justice_office police_station; do
    check_list "department $d" "$(want DEPTS "$d")" -- --dept "$d"
done
for h in "$S" "$E2E_DISTRICT" "$E2E_COMM1" "$E2E_COMM2"; do
    check_list "holder $h" "$(want HOLD "$h")" -- --unit "$h"
done
# The expected counts, spelled out once (so that the bookkeeping above is checked too).
assert_eq "5 9 2 5 2 1 1" "$(for s in reported accepted resolved in_progress escalated withdrawn dispatched; do
    count "$(want ST "$s")"; done | tr '\n' ' ' | sed 's/ $//')" "expected cases per state"
assert_eq "10 8 2 5 3 5" "$( (for k in simple complex high_risk long_term; do count "$(want TR "$k")"; done
    count "$(want DEPTS hrss_office)"; count "$(want DEPTS justice_office)") | tr '\n' ' ' | sed 's/ $//')" \
    "expected cases per track, then for hrss_office and justice_office"
# Filters combine.
comb() { # comb KEY1 VAL1 KEY2 VAL2
    comm -12 <(want "$1" "$2") <(want "$3" "$4")
}
check_list "complex hazards" "$(comb CAT safety_hazard TR complex)" -- --category safety_hazard --track complex
check_list "accepted land cases" "$(comb ST accepted CAT land_housing)" -- --state accepted --category land_housing
check_list "resolved simple cases" "$(comb ST resolved TR simple)" -- --track simple --state resolved
check_list "hrss cases in progress" "$(comb DEPTS hrss_office ST in_progress)" -- --dept hrss_office --state in_progress
assert_eq 3 "$(count "$(comb CAT safety_hazard TR complex)")" "expected complex hazards"
# match KEY VALUE [KEY VALUE...]: the case numbers matching all of them, sorted.
match() {
    local out
    out=$(want "$1" "$2")
    shift 2
    while (($#)); do
        out=$(comm -12 <(echo "$out") <(want "$1" "$2"))
        shift 2
    done
    echo "$out"
}
# The list writes a condition only for a filter given, its parameters numbered as they come
# (store_list.c): each combination is a statement of its own, so combinations are checked
# one by one. Every state at every holder:
for s in reported accepted resolved in_progress escalated withdrawn dispatched; do
    for h in "$S" "$E2E_DISTRICT" "$E2E_COMM1"; do
        check_list "state $s held by $h" "$(match ST "$s" HOLD "$h")" -- --state "$s" --unit "$h"
    done
done
assert_eq "2 1" "$(count "$(match ST escalated HOLD "$E2E_DISTRICT")") $(count "$(match ST dispatched HOLD "$E2E_COMM1")")" \
    "expected escalated at the district, dispatched to community 1"
check_list "complex in progress at the street" "$(match TR complex ST in_progress HOLD "$S")" -- \
    --track complex --state in_progress --unit "$S"
check_list "justice office, complex" "$(match DEPTS justice_office TR complex)" -- \
    --dept justice_office --track complex
check_list "hrss office at the street from today" "$(match DEPTS hrss_office HOLD "$S")" -- \
    --dept hrss_office --unit "$S" --from "$TODAY"
check_list "land cases at community 1 today" "$(match CAT land_housing HOLD "$E2E_COMM1")" -- \
    --category land_housing --unit "$E2E_COMM1" --from "$TODAY" --to "$TODAY"
check_list "escalated to the district up to yesterday" "" -- --state escalated --unit "$E2E_DISTRICT" \
    --to "$YESTERDAY"
every=(--state in_progress --track complex --category wage_arrears --dept justice_office --unit "$S"
    --from "$TODAY" --to "$TODAY")
check_list "every filter" "$(match ST in_progress TR complex CAT wage_arrears DEPTS justice_office HOLD "$S")" \
    -- "${every[@]}"
assert_eq 5 "$(count "$(match ST in_progress TR complex CAT wage_arrears DEPTS justice_office HOLD "$S")")" \
    "expected cases for every filter"
# No deadline here has passed (test_80 lists overdue cases): overdue alone and with the rest.
check_list "overdue" "" -- --overdue
check_list "every filter, overdue" "" -- "${every[@]}" --overdue
# Days, China time.
check_list "from today" "$(want ALL)" -- --from "$TODAY"
check_list "to today" "$(want ALL)" -- --to "$TODAY"
check_list "today only" "$(want ALL)" -- --from "$TODAY" --to "$TODAY"
check_list "to yesterday" "" -- --to "$YESTERDAY"
check_list "from tomorrow" "" -- --from "$TOMORROW"
check_list "today, noise" "$(want CAT noise)" -- --from "$TODAY" --to "$TODAY" --category noise

# Paging, newest first: 10 + 10 + 5.
newest_first=$(printf '%s\n' "${ALL[@]}" | tac)
paged=""
for p in 1 2 3; do
    t=$(ctl "$S" list --limit 10 --page "$p")
    r=$(rows "$t")
    lo=$(((p - 1) * 10 + 1))
    hi=$((p < 3 ? p * 10 : 25))
    assert_eq "$((hi - lo + 1))" "$(count "$r")" "rows on page $p"
    assert_contains "$t" "第 $p 页, 第 $lo-$hi 条, 共 25 条" "footer of page $p"
    assert_eq "$(sed -n "${lo},${hi}p" <<<"$newest_first")" "$r" "cases on page $p, newest first"
    j=$(ctl "$S" --json list --limit 10 --page "$p")
    assert_eq "$r" "$(jq -r .case_no <<<"$j")" "page $p in --json vs text"
    paged+="$r"$'\n'
done
assert_eq "$(want ALL)" "$(sed '/^$/d' <<<"$paged" | sort)" "the three pages together"
t=$(ctl "$S" list --limit 10 --page 4)
assert_eq 0 "$(count "$(rows "$t")")" "rows on page 4"
assert_contains "$t" "共 25 条" "total on page 4"
# check_pages DESC LIMIT EXPECTED -- LIST_ARGS...: paged LIMIT at a time, the list gives EXPECTED
# (newest first, one a line) page by page, each footer right; the page after the last is empty.
# Pages past the middle are read from the oldest end (store_list.c): both ways are checked.
check_pages() {
    local desc=$1 limit=$2 expected=$3 n p lo hi t
    shift 4
    n=$(count "$expected")
    for ((p = 1; (p - 1) * limit < n; p++)); do
        t=$(ctl "$S" list --limit "$limit" --page "$p" "$@")
        lo=$(((p - 1) * limit + 1))
        hi=$((p * limit < n ? p * limit : n))
        assert_eq "$(sed -n "${lo},${hi}p" <<<"$expected")" "$(rows "$t")" "page $p by $limit ($desc)"
        assert_contains "$t" "第 $p 页, 第 $lo-$hi 条, 共 $n 条" "footer of page $p by $limit ($desc)"
    done
    t=$(ctl "$S" list --limit "$limit" --page "$p" "$@")
    assert_eq 0 "$(count "$(rows "$t")")" "rows on page $p by $limit, past the end ($desc)"
    assert_contains "$t" "共 $n 条" "total on page $p by $limit, past the end ($desc)"
}
# newest KEY VALUE [KEY VALUE...]: match, newest first.
newest() { grep -Fx -f <(match "$@") <<<"$newest_first" || true; }
check_pages "everything" 3 "$newest_first" --
check_pages "everything" 7 "$newest_first" --
check_pages "accepted" 4 "$(newest ST accepted)" -- --state accepted
check_pages "held by the street" 2 "$(newest HOLD "$S")" -- --unit "$S"
check_pages "complex in progress at the street" 1 "$(newest TR complex ST in_progress HOLD "$S")" -- \
    --track complex --state in_progress --unit "$S"
# The default page is 20 long.
t=$(ctl "$S" list)
assert_eq 20 "$(count "$(rows "$t")")" "rows on the default page"
assert_contains "$t" "第 1 页, 第 1-20 条, 共 25 条" "footer of the default page"
# The holder column and the state column print in Chinese.
t=$(ctl "$S" list --state escalated)
assert_contains "$t" 光明区综治中心 "holder name in the table"

# =============================================================================================
# (a) The tamper-evident case file.
v=$(ctl "$E2E_COMM1" submit --title '小区消防通道长期被占用' --category safety_hazard --risk 2 \
    --party '何某:13300000001:报告人' --actor grid-w01)
v_uuid=$(field "$E2E_COMM1" "$v" .uuid)
ctl "$E2E_COMM1" accept "$v" --actor comm1-staff >/dev/null
ctl "$E2E_COMM1" escalate "$v" --actor comm1-staff --note '物业拒不整改' >/dev/null
wait_until 15 has_state "$S" "$v" escalated "$S"
ctl "$S" accept "$v" --actor street-staff >/dev/null
ctl "$S" escalate "$v" --actor street-staff --note '需区住建局协调' >/dev/null
wait_until 15 has_state "$E2E_DISTRICT" "$v" escalated "$E2E_DISTRICT"
ctl "$E2E_DISTRICT" accept "$v" --actor district-cmd >/dev/null
for code in "$E2E_COMM1" "$S"; do
    wait_until 15 has_entries "$code" "$v" 6
done
for code in "$E2E_COMM1" "$S" "$E2E_DISTRICT"; do
    assert_exit 0 ctl "$code" verify "$v"
    assert_eq "case $v: 6 entries, hash chain intact" "$E2E_OUT" "verify of the untouched case at $code"
done
other=${ALL[0]}
assert_exit 0 ctl "$S" verify "$other"
# verify_json CODE CASE RC: `verify --json` exits RC and prints one JSON object; prints
# [case_no, entries, intact, broken_at] and, on a second line, its message.
verify_json() {
    local rc=0 j
    j=$(ctl "$1" --json verify "$2" 2>/dev/null) || rc=$?
    assert_eq "$3" "$rc" "exit of verify --json $2 at $1"
    assert_eq 1 "$(jq -s length <<<"$j")" "JSON objects from verify --json $2 at $1: $j"
    jq -c '[.case_no, .entries, .intact, .broken_at]' <<<"$j"
    jq -r .message <<<"$j"
}
assert_eq "[\"$v\",6,true,null]
case $v: 6 entries, hash chain intact" "$(verify_json "$S" "$v" 0)" "verify --json of the untouched case"
# Found by its uuid, it names the case by number.
assert_eq "[\"$v\",6,true,null]" "$(verify_json "$E2E_DISTRICT" "$v_uuid" 0 | head -n 1)" \
    "verify --json by uuid at the district"
assert_exit 1 ctl "$S" --json verify "$S-20000101-9999"
assert_eq "" "$(ctl "$S" --json verify "$S-20000101-9999" 2>/dev/null || true)" \
    "verify --json of no case prints no object, only the refusal"

# The hash is SHA-256 over the length-prefixed fields (schema/core/0002_casework.sql), whoever
# computes it: the submit entry and the three tiers' accept entries, as the community holds
# them, recomputed here outside PostgreSQL. (Their fields are ASCII, so a length in characters
# is one in bytes.)
while IFS='|' read -r prev id ms unit action from to actor note hash; do
    line="$prev$id$ms$unit$action$from$to$actor$note"
    [[ $line != *[![:ascii:]]* ]] || fail "entry $action of $v is not ASCII: $line"
    s=""
    for f in "$prev" "$id" "$ms" "$unit" "$action" "$from" "$to" "$actor" "$note"; do
        s+="${#f}:$f"
    done
    assert_eq "$(printf '%s' "$s" | sha256sum | cut -d' ' -f1)" "$hash" "hash of the $action entry"
done < <(psql_q "SELECT prev_hash, event_uuid, at_ms, at_unit, action, from_state, to_state, actor,
                        note, hash FROM community.case_events
                  WHERE unit = '$E2E_COMM1' AND uuid = '$v_uuid' AND action IN ('submit', 'accept')
                  ORDER BY at_ms")
[[ $(psql_q "SELECT count(*) FROM community.case_events WHERE unit = '$E2E_COMM1' AND uuid = '$v_uuid'
              AND action IN ('submit', 'accept')") == 4 ]] || fail "not 4 submit and accept entries of $v"

# The street's 3rd entry (the community's escalate), in the order verify walks the file.
third=$(psql_q "SELECT event_uuid FROM street.case_events WHERE unit='$S' AND uuid='$v_uuid'
                ORDER BY at_ms, recorded_at OFFSET 2 LIMIT 1")
assert_eq "escalate|$E2E_COMM1" \
    "$(psql_q "SELECT action||'|'||at_unit FROM street.case_events WHERE unit='$S' AND event_uuid='$third'")" \
    "the street's 3rd entry"
third_ms=$(psql_q "SELECT at_ms FROM street.case_events WHERE unit='$S' AND event_uuid='$third'")
psql_q "UPDATE street.case_events SET note='篡改' WHERE unit='$S' AND event_uuid='$third'" >/dev/null
assert_exit 1 ctl "$S" verify "$v"
assert_contains "$E2E_OUT" "casectl: $S: " "verify's refusal"
assert_contains "$E2E_OUT" "entry 3 (escalate at $E2E_COMM1, at_ms $third_ms" "verify names the edited entry"
j=$(verify_json "$S" "$v" 1)
assert_eq "[\"$v\",6,false,3]" "$(head -n 1 <<<"$j")" "verify --json names the edited entry"
assert_contains "$(tail -n 1 <<<"$j")" "entry 3 (escalate at $E2E_COMM1" "verify --json's message"
for code in "$E2E_COMM1" "$E2E_DISTRICT"; do
    assert_exit 0 ctl "$code" verify "$v"
    assert_eq "case $v: 6 entries, hash chain intact" "$E2E_OUT" "verify at $code after the street's copy was edited"
done
assert_exit 0 ctl "$S" verify "$other"
assert_contains "$E2E_OUT" "hash chain intact" "another case at the street"

# The forger recomputes the edited row's own hash: the chain now breaks at the next entry.
psql_q "UPDATE street.case_events SET hash = street.event_hash(prev_hash, event_uuid, at_ms, at_unit,
            action, from_state, to_state, actor, note) WHERE unit='$S' AND event_uuid='$third'" >/dev/null
fourth_ms=$(psql_q "SELECT at_ms FROM street.case_events WHERE unit='$S' AND uuid='$v_uuid'
                    ORDER BY at_ms, recorded_at OFFSET 3 LIMIT 1")
assert_exit 1 ctl "$S" verify "$v"
assert_contains "$E2E_OUT" "entry 4 (accept at $S, at_ms $fourth_ms" "verify names the entry after the re-hashed one"
assert_eq "[\"$v\",6,false,4]" "$(verify_json "$S" "$v" 1 | head -n 1)" "verify --json after the re-hash"
[[ $E2E_OUT != *"entry 3 ("* ]] || fail "verify still names entry 3 after its hash was recomputed: $E2E_OUT"
assert_exit 0 ctl "$E2E_COMM1" verify "$v"

# =============================================================================================
# (b) Bad input: refused, clearly, and nothing changed.

# snap CODE CASE: what a refused command must leave alone.
snap() {
    show_json "$1" "$2" | jq -c '[.version, .state, .unit, .track, .track_rule, .bounce_count,
        (.history | length), .departments, .documents]'
}

# refused CODE CASE EXIT NEEDLE CMD_ARGS...: `ctl CODE CMD_ARGS...` exits EXIT, says NEEDLE
# (and, for a refusal, "casectl: CODE: "), and CASE is as it was.
refused() {
    local code=$1 case_ref=$2 want=$3 needle=$4 before
    shift 4
    before=$(snap "$code" "$case_ref")
    assert_exit "$want" ctl "$code" "$@"
    if [[ $want == 1 ]]; then
        assert_contains "$E2E_OUT" "casectl: $code: " "refusal of '$*'"
    fi
    assert_contains "$E2E_OUT" "$needle" "message of '$*'"
    assert_eq "$before" "$(snap "$code" "$case_ref")" "'$*' changed nothing"
}

e=$(ctl "$S" submit --title '装修公司拖欠工人工资' --category wage_arrears --amount 30000 \
    --party '郑某:13200000001:申请人' --source walk_in --actor street-desk)
ctl "$S" accept "$e" --actor street-staff >/dev/null
L=$(ctl "$S" submit --title '自建房产权分割纠纷' --category land_housing --source walk_in --actor street-desk)
ctl "$S" accept "$L" --actor street-staff >/dev/null

refused "$S" "$e" 1 no_such_dept assign "$e" --lead no_such_dept
refused "$S" "$e" 1 housing_bureau assign "$e" --lead housing_bureau
refused "$S" "$e" 1 labour_inspection assign "$e" --lead hrss_office --co labour_inspection
refused "$S" "$e" 1 reason triage "$e" --track high_risk
refused "$S" "$e" 1 nonsense triage "$e" --track nonsense --reason x
refused "$S" "$e" 1 complex visit "$e" --date 2026-03-01 --by 网格员 --note 走访
refused "$S" "$L" 1 YYYY-MM-DD visit "$L" --date 2026/03/01 --by 网格员 --note 走访
refused "$S" "$L" 1 YYYY-MM-DD visit "$L" --date 昨天 --by 网格员 --note 走访
refused "$S" "$L" 1 YYYY-MM-DD visit "$L" --date 2026-03-01 --by 网格员
refused "$S" "$e" 1 no_such_kind attach "$e" --kind no_such_kind --number X-1 --date 2026-03-01
refused "$S" "$e" 1 court attach "$e" --kind judicial_confirmation --number '(2026)粤0311民特1号' --date 2026-03-01
refused "$S" "$e" 1 "$E2E_DISTRICT" dispatch "$e" --to "$E2E_DISTRICT"
refused "$S" "$e" 1 440311002001 dispatch "$e" --to 440311002001
refused "$S" "$e" 1 "$e" return "$e" --reason '请社区处理'
refused "$S" "$e" 1 accepted accept "$e" --actor street-staff
refused "$S" "$e" 1 in_progress dept-accept "$e" --dept hrss_office
refused "$S" "$e" 2 usage close "$e" --lead x
refused "$S" "$e" 2 usage assign "$e" --lead hrss_office --date 2026-03-01
# A case held elsewhere: the street cannot act on a case it sent to the district.
refused "$S" "$v" 1 "$E2E_DISTRICT" resolve "$v" --note 越权
# An unknown category: nothing taken in.
n_before=$(psql_q "SELECT count(*) FROM street.cases WHERE unit='$S'")
assert_exit 1 ctl "$S" submit --title '未知类别' --category no_such_category --actor street-desk
assert_contains "$E2E_OUT" "casectl: $S: " "refusal of an unknown category"
assert_contains "$E2E_OUT" no_such_category "refusal of an unknown category names it"
assert_eq "$n_before" "$(psql_q "SELECT count(*) FROM street.cases WHERE unit='$S'")" "cases after the refused submit"
# Bad days in list filters.
assert_exit 1 ctl "$S" list --from not-a-date
assert_contains "$E2E_OUT" "casectl: $S: " "refusal of list --from not-a-date"
assert_contains "$E2E_OUT" not-a-date "refusal of list --from not-a-date names it"
assert_exit 1 ctl "$S" list --to 2026-13-01
assert_contains "$E2E_OUT" 2026-13-01 "refusal of list --to 2026-13-01 names it"
# Filters naming what does not exist are refused, naming it, instead of listing nothing.
for bad in "--state resolvd" "--track urgent" "--category no_such_category" \
    "--dept no_such_department" "--unit 440311009999"; do
    # shellcheck disable=SC2086 # word splitting of "--option value" is intended
    assert_exit 1 ctl "$S" list $bad
    assert_contains "$E2E_OUT" "unknown" "refusal of list $bad"
    assert_contains "$E2E_OUT" "'${bad#* }'" "refusal of list $bad names the value"
done
assert_contains "$(ctl "$S" list --state resolvd 2>&1 || true)" "reported|accepted|in_progress" \
    "refusal of an unknown state lists the states"
# The good versions of some of the above work (so the refusals above were about the input).
ctl "$S" visit "$L" --date 2026-03-01 --by 网格员 --note 走访 >/dev/null
ctl "$S" attach "$e" --kind judicial_confirmation --number '(2026)粤0311民特1号' --date 2026-03-01 \
    --court 深圳市光明区人民法院 >/dev/null
assert_eq "judicial_confirmation 深圳市光明区人民法院" "$(field "$S" "$e" '.documents[0] | "\(.kind) \(.court)"')" \
    "the judicial confirmation with its court"
ctl "$S" assign "$e" --lead hrss_office --co justice_office >/dev/null
assert_eq in_progress "$(field "$S" "$e" .state)" "state after a good assignment"

# =============================================================================================
# (d) Days that do not exist on the calendar are bad dates too.
refused "$S" "$L" 1 2026-02-30 visit "$L" --date 2026-02-30 --by 网格员 --note 走访
refused "$S" "$e" 1 2026-11-31 attach "$e" --kind legal_opinion --number 法意-1 --date 2026-11-31
assert_exit 1 ctl "$S" list --from 2026-02-30
assert_contains "$E2E_OUT" "'2026-02-30' is not a day" "refusal of list --from 2026-02-30"

# =============================================================================================
# (e) An option given twice, or two that contradict each other, is a usage error saying which,
#     not the last one winning; --party and --co may repeat.
refused "$S" "$e" 2 "extension: --refuse and --grant conflict" extension "$e" --refuse --grant
refused "$S" "$e" 2 "extension: --grant given twice" extension "$e" --grant --grant
refused "$S" "$e" 2 "assign: --lead given twice" assign "$e" --lead hrss_office --lead justice_office
refused "$S" "$e" 2 "resolve: --note given twice" resolve "$e" --note 已化解 --note=未化解
n_before=$(psql_q "SELECT count(*) FROM street.cases")
assert_exit 2 ctl "$S" submit --title x --title y --category wage_arrears
assert_contains "$E2E_OUT" "submit: --title given twice" "refusal of two --title"
assert_exit 2 ctl "$S" list --state accepted --state closed
assert_contains "$E2E_OUT" "list: --state given twice" "refusal of two --state"
assert_exit 2 ctl "$S" stats --from 2026-01-01 --from 2026-02-01 --to 2026-03-01
assert_contains "$E2E_OUT" "stats: --from given twice" "refusal of two --from"
assert_exit 2 "$FQ_BUILD_DIR/casectl" --config "$cfg" --unit "$S" --unit "$E2E_COMM1" status
assert_contains "$E2E_OUT" "casectl: --unit given twice" "refusal of two --unit"
street_ops=$("$FQ_BUILD_DIR/casectl" --config "$cfg" units | awk -F'\t' -v c="$S" '$1 == c { print $3 }')
assert_exit 2 "$FQ_BUILD_DIR/casectl" --config "$cfg" --unit "$E2E_COMM1" --endpoint "$street_ops" status
assert_contains "$E2E_OUT" "casectl: --unit and --endpoint conflict" "refusal of --unit with --endpoint"
assert_exit 0 "$FQ_BUILD_DIR/casectl" --config "$cfg" --endpoint "$street_ops" status
assert_eq "$n_before" "$(psql_q "SELECT count(*) FROM street.cases")" "cases after refused usage"
two=$(ctl "$S" submit --title 两个当事人 --category wage_arrears --actor street-desk \
    --party '甲:13200000002:申请人' --party '乙:13200000003:被申请人')
assert_eq 2 "$(field "$S" "$two" '.parties | length')" "two --party options"

# =============================================================================================
# (f) Every usage error says what was wrong, on its first line, before the usage.
# usage_error WANT ARGS...: casectl ARGS exits 2, its first line is "casectl: WANT", and the
# usage of the verb (or of casectl) follows.
usage_error() {
    local want=$1
    shift
    assert_exit 2 "$FQ_BUILD_DIR/casectl" "$@"
    assert_eq "casectl: $want" "$(head -n 1 <<<"$E2E_OUT")" "the first line of 'casectl $*'"
    assert_contains "$E2E_OUT" $'\nusage: casectl ' "the usage after 'casectl $*'"
}
g=(--config "$cfg" --unit "$S")
n_before=$(psql_q "SELECT count(*) FROM street.cases")
usage_error "no verb given" "${g[@]}"
usage_error "unknown option --bogus" --config "$cfg" --bogus status
usage_error "--config needs a value" --config
usage_error "unknown verb 'frobnicate'" "${g[@]}" frobnicate
# A mistyped verb gets the verb it was likely meant to be, and the verbs, not the whole usage.
assert_eq "usage: casectl " "$(sed -n '2p' <<<"$E2E_OUT" | cut -c1-15)" "the line after an unknown verb like no other"
for typo in acept:accept resol:resolve esclate:escalate; do
    usage_error "unknown verb '${typo%%:*}'" "${g[@]}" "${typo%%:*}"
    assert_eq "did you mean '${typo#*:}'?" "$(sed -n '2p' <<<"$E2E_OUT")" "the verb meant by '${typo%%:*}'"
    assert_contains "$E2E_OUT" $'\nverbs: submit ' "the verbs listed after '${typo%%:*}'"
    (($(wc -l <<<"$E2E_OUT") < 12)) ||
        fail "the unknown verb '${typo%%:*}' printed $(wc -l <<<"$E2E_OUT") lines: the whole usage"
done
# casectl help [VERB], as people type it: the usage, or the verb's, as --help gives them.
assert_exit 0 "$FQ_BUILD_DIR/casectl" help
assert_eq "$("$FQ_BUILD_DIR/casectl" --help)" "$E2E_OUT" "casectl help is casectl --help"
assert_exit 0 "$FQ_BUILD_DIR/casectl" help escalate
assert_eq "$("$FQ_BUILD_DIR/casectl" escalate --help)" "$E2E_OUT" "casectl help escalate"
assert_contains "$E2E_OUT" "usage: casectl [GLOBAL OPTIONS] escalate" "casectl help escalate"
usage_error "unknown verb 'esclate'" help esclate
assert_eq "did you mean 'escalate'?" "$(sed -n '2p' <<<"$E2E_OUT")" "casectl help esclate"
usage_error "help: takes at most one verb, not 'close'" help accept close
usage_error "status: unexpected argument 'now'" "${g[@]}" status now
usage_error "units: unexpected argument 'all'" --config "$cfg" units all
usage_error "accept: name the case (number or uuid)" "${g[@]}" accept
usage_error "accept: unexpected argument '$L': name one case only" "${g[@]}" accept "$e" "$L"
usage_error "accept: unknown option --frob" "${g[@]}" accept "$e" --frob
usage_error "accept: --track is not an option of this verb" "${g[@]}" accept "$e" --track simple
usage_error "resolve: --note needs a value" "${g[@]}" resolve "$e" --note
usage_error "resolve: --no is ambiguous (--note or another)" "${g[@]}" resolve "$e" --no x
usage_error "extension: --grant takes no value" "${g[@]}" extension "$e" --grant=yes
usage_error "submit: --title and --category are required" "${g[@]}" submit --title 缺少类别
usage_error "submit: unexpected argument 'extra'" "${g[@]}" submit --title x --category wage_arrears extra
usage_error "list: --limit needs a whole number from 1 to 1000000, not '0'" "${g[@]}" list --limit 0
usage_error "list: --state needs a value" "${g[@]}" list --state
usage_error "list: unexpected argument 'accepted'" "${g[@]}" list accepted
usage_error "notices: unknown option --open" "${g[@]}" notices --open
usage_error "stats: --from needs a day as YYYY-MM-DD, not '2026-13-01'" "${g[@]}" stats --from 2026-13-01
usage_error "report: say which report: monthly or daily" "${g[@]}" report
usage_error "report: no report 'weekly': monthly or daily" "${g[@]}" report weekly
usage_error "report: the monthly report takes --month, not --day" "${g[@]}" report monthly --day 2026-03-01
usage_error "keygen: unknown option --force" --config "$cfg" keygen --force
assert_eq "$n_before" "$(psql_q "SELECT count(*) FROM street.cases")" "cases after the usage errors"

echo "test_70_verify_and_errors: ok"
