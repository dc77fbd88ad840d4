# shellcheck shell=bash
# tests/e2e/lib.sh - helpers for fengqiao's end-to-end tests (real daemons, real PostgreSQL).
#
# Source it from a test script, then:
#
#   e2e_init NAME                 fresh run dir /tmp/fq-e2e-NAME.XXXXXX (FQ_RUN_DIR); on exit the
#                                 cluster is taken down, and on failure the logs' tails are shown
#   e2e_config_small FILE         write a 1 district / 1 street / 2 communities config, free ports
#   e2e_config_casework FILE      the same units plus categories, departments, triage rules
#   e2e_up CONFIG / e2e_down      scripts/cluster up / down
#   ctl CODE ARGS...              casectl --config CONFIG --unit CODE ARGS...
#   cluster ARGS...               scripts/cluster ARGS... (e.g. cluster kill "$E2E_CONFIG" CODE KILL)
#   psql_q SQL [PSQL_ARGS...]     psql -At on the private database (one value a line)
#   assert_eq EXPECTED ACTUAL MSG
#   assert_contains HAYSTACK NEEDLE MSG
#   assert_exit CODE CMD...       run CMD, check its exit code; its output is left in E2E_OUT
#   wait_until TIMEOUT_S CMD...   poll CMD every 0.1 s until it succeeds; fail on timeout
#   fail MSG                      print MSG and exit 1
#   e2e_skip MSG                  exit 77: scripts/test counts the test as skipped
#
# At the end, the look-ups the tests share (show_json, field, has_state, link_is, db_up, ...) and
# the crafted runs of fq-poke copies (pu, poke_copies, ...); each names its arguments.
#
# Units of the small config: E2E_DISTRICT, E2E_STREET, E2E_COMM1, E2E_COMM2.
# A test runs with `set -euo pipefail`; any failing command fails it.

set -euo pipefail

FQ_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FQ_BUILD_DIR=${FQ_BUILD_DIR:-$FQ_REPO/build}
export FQ_REPO FQ_BUILD_DIR

E2E_DISTRICT=440311000000
E2E_STREET=440311001000
E2E_COMM1=440311001001
E2E_COMM2=440311001002
E2E_NAME=""
E2E_CONFIG=""
E2E_OUT=""

_e2e_say() { printf '[e2e %s] %s\n' "${E2E_NAME:-?}" "$*" >&2; }

fail() {
    printf '[e2e %s] FAIL: %s\n' "${E2E_NAME:-?}" "$*" >&2
    exit 1
}

e2e_skip() {
    printf '[e2e %s] SKIP: %s\n' "${E2E_NAME:-?}" "$*" >&2
    exit 77
}

e2e_init() {
    (($# == 1)) || fail "usage: e2e_init NAME"
    E2E_NAME=$1
    [[ $E2E_NAME =~ ^[A-Za-z0-9_.-]+$ ]] || fail "e2e_init: NAME may hold only letters, digits, _ . -"
    # Every test gets its own private PostgreSQL: ignore a server named by the caller's
    # environment and any libpq variables that would point psql elsewhere.
    unset FQ_DATABASE_URL PGHOST PGPORT PGDATABASE PGUSER PGDATA
    FQ_RUN_DIR=$(mktemp -d "/tmp/fq-e2e-$E2E_NAME.XXXXXX")
    export FQ_RUN_DIR
    # Tell scripts/test where this test's daemons live, so it can clean up after a timeout.
    if [[ -n ${FQ_E2E_RUNDIRS:-} ]]; then
        echo "$FQ_RUN_DIR" >>"$FQ_E2E_RUNDIRS"
    fi
    trap '_e2e_exit' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    _e2e_say "run dir $FQ_RUN_DIR"
}

_e2e_exit() {
    local rc=$? f
    trap - EXIT INT TERM HUP
    set +e
    if ((rc != 0 && rc != 77)); then
        _e2e_say "failed (exit $rc); last lines of the logs in $FQ_RUN_DIR:"
        for f in "$FQ_RUN_DIR"/*.log; do
            [[ -f $f ]] || continue
            printf -- '--- %s\n' "$f" >&2
            tail -n 25 "$f" >&2
        done
        if [[ -f $FQ_RUN_DIR/pg.env ]]; then
            # shellcheck disable=SC1091
            f=$( (. "$FQ_RUN_DIR/pg.env" && echo "$FQ_PG_DIR/postgres.log"))
            if [[ -f $f ]]; then
                printf -- '--- %s\n' "$f" >&2
                tail -n 15 "$f" >&2
            fi
        fi
    fi
    bash "$FQ_REPO/scripts/cluster" down "${E2E_CONFIG:-$FQ_RUN_DIR/none.yaml}" 2>&1 | sed 's/^/    /' >&2
    if ((rc == 0 || rc == 77)) && [[ -z ${FQ_E2E_KEEP:-} ]]; then
        rm -rf "$FQ_RUN_DIR"
    else
        _e2e_say "run dir kept: $FQ_RUN_DIR"
    fi
    exit "$rc"
}

# Set the array E2E_PORTS to N distinct TCP ports that nothing on 127.0.0.1 uses now.
# Ports come from below the kernel's ephemeral range, so outgoing connections do not take them.
e2e_free_ports() {
    local n=$1 lo=20000 hi used p tries=0
    hi=$(awk '{print $1 - 1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32767)
    ((hi > lo + 1000)) || { lo=10000; hi=19999; }
    if command -v ss >/dev/null 2>&1; then
        used=" $(ss -Htan 2>/dev/null | awk '{n = split($4, a, ":"); print a[n]}' | tr '\n' ' ') "
    else
        used=" "
    fi
    E2E_PORTS=()
    while ((${#E2E_PORTS[@]} < n)); do
        ((++tries < 10000)) || fail "e2e_free_ports: no free ports found"
        p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
        [[ $used != *" $p "* ]] || continue
        # Something listening answers a connect; a free port refuses it.
        if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            continue
        fi
        used+="$p "
        E2E_PORTS+=("$p")
    done
}

# _e2e_units FILE WHO: write the head of a generated config: the four units of the small
# deployment on fresh free ports, with fast link timings. WHO names the generator.
_e2e_units() {
    local file=$1 who=$2 ep=tcp://127.0.0.1
    e2e_free_ports 6
    local p=("${E2E_PORTS[@]}")
    cat >"$file" <<EOF
# generated by tests/e2e/lib.sh ($who) for test ${E2E_NAME:-?}
name: 测试部署
database:
  url: "dbname=fengqiao"
link: {heartbeat_ms: 200, link_timeout_ms: 1000, resend_ms: 500}
units:
  - {code: "$E2E_DISTRICT", name: 光明区综治中心, tier: district, ops: "$ep:${p[0]}", link: "$ep:${p[1]}"}
  - {code: "$E2E_STREET", name: 光明街道综治中心, tier: street, parent: "$E2E_DISTRICT", ops: "$ep:${p[2]}", link: "$ep:${p[3]}"}
  - {code: "$E2E_COMM1", name: 东周社区, tier: community, parent: "$E2E_STREET", ops: "$ep:${p[4]}"}
  - {code: "$E2E_COMM2", name: 翠湖社区, tier: community, parent: "$E2E_STREET", ops: "$ep:${p[5]}"}
EOF
}

e2e_config_small() {
    (($# == 1)) || fail "usage: e2e_config_small FILE"
    local file=$1
    _e2e_units "$file" e2e_config_small
    cat >>"$file" <<EOF
categories:
  - {code: neighbour, name: 邻里纠纷, track: simple}
  - {code: wage_arrears, name: 劳资欠薪纠纷, track: complex}
  - {code: safety_hazard, name: 安全隐患, track: high_risk}
  - {code: land_housing, name: 土地房屋纠纷, track: long_term}
departments:
  - {code: justice_office, name: 司法所, tier: street, presence: resident, categories: [neighbour, land_housing]}
  - {code: labour_inspection, name: 劳动监察大队, tier: street, presence: rotating, categories: [wage_arrears]}
  - {code: emergency_bureau, name: 应急管理局, tier: district, presence: on_call, categories: [safety_hazard]}
EOF
    E2E_CONFIG=$file
}

# e2e_config_casework FILE: the small deployment's units (fresh free ports, fast link timings)
# with the categories, departments, casework limits and triage rules the casework tests use.
e2e_config_casework() {
    (($# == 1)) || fail "usage: e2e_config_casework FILE"
    local file=$1
    _e2e_units "$file" e2e_config_casework
    cat >>"$file" <<EOF
categories:
  - {code: neighbour, name: 邻里纠纷, track: simple}
  - {code: noise, name: 噪音扰民, track: simple}
  - {code: wage_arrears, name: 劳资欠薪纠纷, track: complex}
  - {code: safety_hazard, name: 安全隐患, track: complex}
  - {code: land_housing, name: 土地房屋纠纷, track: long_term}
departments:
  - {code: justice_office, name: 司法所, tier: street, presence: resident, categories: [neighbour, wage_arrears]}
  - {code: hrss_office, name: 人社所, tier: street, presence: resident, categories: [wage_arrears]}
  - {code: police_station, name: 派出所, tier: street, presence: rotating, categories: [neighbour, safety_hazard]}
  - {code: housing_bureau, name: 区住建局, tier: district, presence: on_call, categories: [safety_hazard, land_housing]}
  - {code: labour_inspection, name: 区劳动监察大队, tier: district, presence: rotating, categories: [wage_arrears]}
casework: {max_returns: 2}
triage:
  default: complex
  rules:
    - {name: 人身安全风险, track: high_risk, keywords: [跳楼, 坍塌, 危及]}
    - {name: 高风险隐患, track: high_risk, categories: [safety_hazard], risk_min: 3}
    - {name: 多人欠薪, track: complex, categories: [wage_arrears], parties_min: 3}
    - {name: 历史遗留, track: long_term, categories: [land_housing]}
    - {name: 邻里小事, track: simple, categories: [neighbour, noise], risk_max: 2}
EOF
    E2E_CONFIG=$file
}

e2e_up() {
    (($# == 1)) || fail "usage: e2e_up CONFIG"
    E2E_CONFIG=$1
    bash "$FQ_REPO/scripts/cluster" up "$E2E_CONFIG" >"$FQ_RUN_DIR/cluster-up.out" ||
        fail "scripts/cluster up $E2E_CONFIG failed"
    cat "$FQ_RUN_DIR/cluster-up.out" >&2
}

e2e_down() {
    [[ -n $E2E_CONFIG ]] || fail "e2e_down: no cluster (call e2e_up first)"
    bash "$FQ_REPO/scripts/cluster" down "$E2E_CONFIG" || fail "scripts/cluster down failed"
}

cluster() {
    bash "$FQ_REPO/scripts/cluster" "$@"
}

ctl() {
    (($# >= 1)) || fail "usage: ctl CODE ARGS..."
    [[ -n $E2E_CONFIG ]] || fail "ctl: no config (call e2e_config_small or e2e_up first)"
    local code=$1
    shift
    "$FQ_BUILD_DIR/casectl" --config "$E2E_CONFIG" --unit "$code" "$@"
}

psql_q() {
    (($# >= 1)) || fail "usage: psql_q SQL [PSQL_ARGS...]"
    [[ -f $FQ_RUN_DIR/pg.env ]] || fail "psql_q: no private PostgreSQL in $FQ_RUN_DIR"
    local sql=$1
    shift
    (
        set -a
        # shellcheck disable=SC1091
        . "$FQ_RUN_DIR/pg.env"
        set +a
        "$FQ_PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$@" -c "$sql"
    )
}

assert_eq() {
    (($# == 3)) || fail "usage: assert_eq EXPECTED ACTUAL MSG"
    [[ $1 == "$2" ]] || fail "$3: expected '$1', got '$2'"
}

assert_contains() {
    (($# == 3)) || fail "usage: assert_contains HAYSTACK NEEDLE MSG"
    [[ $1 == *"$2"* ]] || fail "$3: '$2' not found in:
$1"
}

assert_exit() {
    (($# >= 2)) || fail "usage: assert_exit CODE CMD..."
    local want=$1 rc=0
    shift
    E2E_OUT=$("$@" 2>&1) || rc=$?
    [[ $rc == "$want" ]] || fail "'$*' exited $rc, expected $want; output:
$E2E_OUT"
}

wait_until() {
    (($# >= 2)) || fail "usage: wait_until TIMEOUT_S CMD..."
    local timeout=$1 out="" limit_ms start now
    shift
    [[ $timeout =~ ^[0-9]+([.][0-9]+)?$ ]] || fail "wait_until: bad timeout '$timeout'"
    limit_ms=$(awk -v t="$timeout" 'BEGIN { printf "%d", t * 1000 }')
    start=$(date +%s%N)
    while true; do
        if out=$("$@" 2>&1); then
            return 0
        fi
        now=$(date +%s%N)
        if (((now - start) / 1000000 >= limit_ms)); then
            fail "timed out after ${timeout}s waiting for: $*
last output: $out"
        fi
        sleep 0.1
    done
}

# e2e_config_supervision FILE [AUTO_ESCALATE]: the casework deployment (e2e_config_casework) plus
# a working-day calendar with the 2026 National Day week and its make-up days (调休), deadlines
# by track (sla), notices (督办) and fast statistics reports. AUTO_ESCALATE (true or false,
# default true) is notices.auto_escalate: whether a 风险预警函 also escalates the case.
e2e_config_supervision() {
    (($# == 1 || $# == 2)) || fail "usage: e2e_config_supervision FILE [true|false]"
    local file=$1 auto=${2:-true}
    [[ $auto == true || $auto == false ]] || fail "e2e_config_supervision: AUTO_ESCALATE is true or false, not '$auto'"
    e2e_config_casework "$file"
    sed -i "s/(e2e_config_casework)/(e2e_config_supervision)/" "$file"
    cat >>"$file" <<EOF
calendar:
  weekend: [sat, sun]
  holidays: [2026-10-01..2026-10-07]
  workdays: [2026-09-27, 2026-10-10]    # 调休
sla:
  cutoff: "17:30"
  tracks:
    simple: {same_day: true}
    complex: {working_days: 7}
    high_risk: {calendar_days: 21}
    long_term: {calendar_days: 90}
notices:
  reminder_at: 0.5
  warning_after_working_days: 2
  auto_escalate: $auto
stats:
  report_interval_ms: 500
EOF
}

# e2e_clock_init: a test clock for the daemons and casectl (FQ_TEST_CLOCK_FILE, offset 0 for
# now). Call it before e2e_up so the daemons inherit it.
e2e_clock_init() {
    FQ_TEST_CLOCK_FILE=$FQ_RUN_DIR/clock.$RANDOM$RANDOM
    export FQ_TEST_CLOCK_FILE
    echo 0 >"$FQ_TEST_CLOCK_FILE"
}

# e2e_clock_set 'YYYY-MM-DD HH:MM[:SS]' | @EPOCH_SECONDS: put "now" at that moment (the first
# form in China Standard Time, +08:00) for every process reading FQ_TEST_CLOCK_FILE (they re-read
# it every 100 ms). The file is replaced in one rename, so no reader sees half a number; then it
# waits 0.3 s, so that a daemon acting right after this sees the new time.
e2e_clock_set() {
    (($# == 1)) || fail "usage: e2e_clock_set 'YYYY-MM-DD HH:MM[:SS]' | @EPOCH_SECONDS"
    [[ -n ${FQ_TEST_CLOCK_FILE:-} ]] || fail "e2e_clock_set: no test clock (call e2e_clock_init first)"
    local target
    if [[ $1 =~ ^@[0-9]+$ ]]; then
        target=${1#@}
    else
        target=$(date -d "$1 +08:00" +%s) || fail "e2e_clock_set: bad moment '$1'"
    fi
    echo "$((target - $(date +%s)))" >"$FQ_TEST_CLOCK_FILE.tmp"
    mv -f "$FQ_TEST_CLOCK_FILE.tmp" "$FQ_TEST_CLOCK_FILE"
    sleep 0.3
}

# ---- looking at cases, links and daemons ------------------------------------------------------

# alive PID: the process runs (a zombie, not reaped yet, has an empty cmdline and counts as gone).
alive() { [[ -n $(tr -d '\0' 2>/dev/null <"/proc/$1/cmdline") ]]; }

# show_json CODE CASE: the case (number or uuid) as unit CODE knows it (one JSON object).
show_json() { ctl "$1" --json show "$2"; }

# field CODE CASE JQ_EXPR: one value of CODE's view of CASE (jq -r).
field() { show_json "$1" "$2" | jq -r "$3"; }

# uuid_of CODE CASE: the uuid of CASE as CODE knows it.
uuid_of() { field "$1" "$2" .uuid; }

# has_state CODE CASE STATE [HOLDER]: CODE sees CASE in STATE (held by HOLDER); if not, prints
# what it sees and returns 1 (just 1 when `show` fails, e.g. the case has not arrived yet).
has_state() {
    local j
    j=$(show_json "$1" "$2") || return 1
    [[ $(jq -r .state <<<"$j") == "$3" ]] || { echo "state $(jq -r .state <<<"$j")"; return 1; }
    if (($# > 3)); then
        [[ $(jq -r .unit <<<"$j") == "$4" ]] || { echo "holder $(jq -r .unit <<<"$j")"; return 1; }
    fi
}

# has_entries CODE CASE N: CODE's history of CASE has N entries (if not, prints how many).
has_entries() {
    local n
    n=$(field "$1" "$2" '.history | length') || return 1
    [[ $n == "$3" ]] || { echo "$n entries"; return 1; }
}

# steps CODE CASE: CODE's history of CASE, one entry a line: unit action from_state to_state actor.
steps() { field "$1" "$2" '.history[] | [.unit, .action, .from_state, .to_state, .actor] | join(" ")'; }

# db_up CODE: unit CODE answers `status`, with its database up.
db_up() {
    local st
    st=$(ctl "$1" --json status) || return 1
    [[ $(jq -r .database <<<"$st") == up ]]
}

# link_is CODE PEER true|false: CODE's `status` shows its link to PEER up (true) or down (false).
link_is() {
    [[ $(ctl "$1" --json status | jq -r --arg p "$2" '.links[] | select(.peer == $p) | .up') == "$3" ]]
}

# outbox_empty SCHEMA PEER: nothing waits in the SCHEMA tier's outbox for PEER.
outbox_empty() { [[ $(psql_q "SELECT count(*) FROM $1.outbox WHERE peer = '$2'") == 0 ]]; }

# fallbacks CODE: how many runs of copies CODE's daemon had to apply one by one (its log says so).
fallbacks() { grep -c 'not applied at once' "$FQ_RUN_DIR/$1.log" || true; }

# key_file CODE key|pub: the file of unit CODE's secret (key) or public (pub) link key; the
# configs the tests write keep them in keys/ beside themselves (link.keys by default).
key_file() { echo "$(dirname "$E2E_CONFIG")/keys/$1.$2"; }

# poke_as CHILD PARENT: fq-poke's options to speak on PARENT's link with CHILD's keys.
poke_as() { echo --key "$(key_file "$1" key)" --server-key "$(key_file "$2" pub)"; }

# link_endpoint CODE: the link endpoint (tcp://HOST:PORT) of unit CODE in E2E_CONFIG; fails if none.
link_endpoint() {
    local ep
    ep=$(grep -E "code: \"$1\"" "$E2E_CONFIG" | grep -oE 'link: "[^"]+"' | cut -d'"' -f2) || true
    [[ $ep == tcp://* ]] || fail "no link endpoint for $1 in $E2E_CONFIG"
    echo "$ep"
}

# ---- crafted runs: the test plays community 2 (E2E_COMM2, stopped first) toward the street -------

# pu N: the uuid fq-poke gives crafted case N.
pu() { printf '00000000-0000-4000-8000-%012d' "$1"; }

# poke_copies FIRST_SEQ COPY...: fq-poke sends the copies (N:VERSION[:bad|:entries=M|:author=UNIT|
# :doc=UNIT], category neighbour) to the street as community 2, back to back as one run, with
# seqs from FIRST_SEQ; output in E2E_OUT.
poke_copies() {
    local first=$1 link args=() c
    shift
    link=$(link_endpoint "$E2E_STREET")
    for c in "$@"; do args+=(--copy "$c"); done
    # shellcheck disable=SC2046 # poke_as gives whole options
    assert_exit 0 "$FQ_BUILD_DIR/fq-poke" link "$link" copies --identity "$E2E_COMM2" --to "$E2E_STREET" \
        --category neighbour --seq "$first" --timeout 5000 $(poke_as "$E2E_COMM2" "$E2E_STREET") "${args[@]}"
}

# crafted_seq: the last seq the street's inbox took from community 2.
crafted_seq() { psql_q "SELECT last_seq FROM street.inbox WHERE unit = '$E2E_STREET' AND peer = '$E2E_COMM2'"; }

# crafted_reason SEQ: the street's ack refusing crafted message SEQ, from E2E_OUT (poke_copies).
crafted_reason() { grep -F "ack seq=$1 rejected=$1 reason=" <<<"$E2E_OUT" | head -n 1; }

# play_community2 CONFIG: community 2 escalates one real case, so the street has heard from it,
# waits for its copy to be acked, and is stopped; the test then plays it (poke_copies).
play_community2() {
    local real
    real=$(ctl "$E2E_COMM2" submit --title '真实案件' --category neighbour --party '李四:13700000002:申请人')
    ctl "$E2E_COMM2" accept "$real" >/dev/null
    ctl "$E2E_COMM2" escalate "$real" >/dev/null
    wait_until 15 has_state "$E2E_STREET" "$real" escalated
    wait_until 15 outbox_empty community "$E2E_STREET"
    cluster kill "$1" "$E2E_COMM2" TERM
}

# crafted_quarantined: how many messages from community 2 the street has quarantined.
crafted_quarantined() {
    psql_q "SELECT count(*) FROM street.quarantine WHERE unit = '$E2E_STREET' AND peer = '$E2E_COMM2'"
}
