#!/usr/bin/env bash
# tests/e2e/test_40_bad_input.sh - bad input at every door.
#
# (a) Broken deployment files (a YAML syntax error, an unknown key, a duplicate unit code, a unit
#     whose parent is missing, a tcp port past 65535 or not a number, an endpoint two sockets
#     would bind): streetd (really started, not only --check-config) and casectl
#     report FILE:LINE:COL: at the faulty spot and exit non-zero before opening any socket.
# (b) Garbage and an oversized request on a community's ops socket: a clear refusal, and the
#     daemon goes on serving.
# (c) Garbage and an oversized frame on the street's link endpoint, from a peer holding a real
#     child's key: a rejecting ack with a reason, the bytes kept in street.quarantine, and the
#     real links still carry cases end to end. A stranger's key gets no connection at all
#     (test_42). An ack for messages the street never sent is held to what it sent, so what
#     it sends later still goes out.
# (d) Illegal changes through casectl are refused with a clear message and change nothing;
#     unknown cases and verbs are refused with the documented exit codes.
# (e) Text a case may hold: a title of only spaces (U+3000 too) is no title; a one-line field (title, party, actor) with a control character,
#     free text (description, note) with one other than a newline or tab, any field with a
#     bidirectional override or isolate (U+202A-U+202E, U+2066-U+2069), invalid UTF-8, and a
#     field over its limit in characters are refused by the daemon, the field named, nothing
#     written; 200 Chinese characters (600 bytes) make a title. A copy from a neighbour holding
#     a control character is quarantined, the field named. No daemon log holds a raw control
#     character.
# (f) Text stored before those checks (put in with psql, as an older version might have taken it
#     in) holding escape sequences, C1 and bidirectional controls: `casectl show`, `list` and
#     `notices` print it escaped as the logs do (\x1b, \u202e), with no raw control byte, and
#     --json escapes it the JSON way (\u001b) and gives back exactly what is stored. `show`
#     prints the description, its lines (\n, \r\n) under each other and its tabs kept, and the
#     source, reporter, address and grid escaped. The 日报 that `report --out DIR` writes holds
#     the title escaped the same way, in its Markdown and its CSV.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init bad_input
cfg=$FQ_RUN_DIR/small.yaml
e2e_config_small "$cfg"
e2e_up "$cfg"

command -v jq >/dev/null || fail "jq is needed by this test"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Can strace show us the daemon's socket calls? (Optional: the port check runs either way.)
have_strace=0
if command -v strace >/dev/null 2>&1 && strace -f -qq -o /dev/null -e trace=bind true 2>/dev/null; then
    have_strace=1
fi

# =============================================================================================
# (a) Broken configuration files.
e2e_free_ports 6
P=("${E2E_PORTS[@]}")
STREET_OPS=${P[2]} STREET_LINK=${P[3]}

# write_cfg FILE VARIANT: a 1 district / 1 street / 1 community deployment in block style
# (one key a line, so that line and column are easy to point at), with one fault.
write_cfg() {
    local file=$1 variant=$2 ep=tcp://127.0.0.1
    local street_tier="tier: street" extra_key="" comm_parent="$E2E_STREET" dup=""
    local street_ops="$ep:$STREET_OPS" street_link="$ep:$STREET_LINK"
    case $variant in
    ok) ;;
    syntax) street_tier="tier: street: community" ;;
    unknown_key) extra_key=$'\n    colour: red' ;;
    duplicate) dup=$(printf '  - code: "%s"\n    name: 公明街道综治中心\n    tier: street\n    parent: "%s"\n    ops: "%s:%s"\n    link: "%s:%s"\n' \
        "$E2E_STREET" "$E2E_DISTRICT" "$ep" "${P[4]}" "$ep" "${P[5]}") ;;
    missing_parent) comm_parent=440311009000 ;;
    port_range) street_ops="$ep:99999" ;;
    port_abc) street_link="$ep:abc" ;;
    dup_endpoint) street_link="$ep:${P[0]}" ;; # the district's ops
    *) fail "write_cfg: unknown variant $variant" ;;
    esac
    {
        cat <<EOF
# broken on purpose by tests/e2e/test_40_bad_input.sh ($variant)
name: 坏配置测试
database:
  url: "dbname=fengqiao"
link:
  heartbeat_ms: 200
  link_timeout_ms: 1000
  resend_ms: 500
units:
  - code: "$E2E_DISTRICT"
    name: 光明区综治中心
    tier: district
    ops: "$ep:${P[0]}"
    link: "$ep:${P[1]}"
  - code: "$E2E_STREET"
    name: 光明街道综治中心
    $street_tier$extra_key
    parent: "$E2E_DISTRICT"
    ops: "$street_ops"
    link: "$street_link"
EOF
        [[ -z $dup ]] || printf '%s\n' "$dup"
        cat <<EOF
  - code: "$E2E_COMM1"
    name: 东周社区
    tier: community
    parent: "$comm_parent"
    ops: "$ep:${P[4]}"
categories:
  - code: neighbour
    name: 邻里纠纷
    track: simple
EOF
    } >"$file"
}

# where FILE REGEX OCCURRENCE COLUMN_REGEX: "LINE:COL" of the OCCURRENCE-th line matching REGEX,
# COL being 1 + the length of what COLUMN_REGEX matches at the start of that line.
where() {
    local file=$1 re=$2 nth=$3 colre=$4 line text prefix
    line=$(grep -nE -- "$re" "$file" | sed -n "${nth}p" | cut -d: -f1)
    [[ -n $line ]] || fail "where: no line $nth matching /$re/ in $file"
    text=$(sed -n "${line}p" "$file")
    prefix=$(grep -oE -- "^$colre" <<<"$text") || fail "where: /^$colre/ does not match line $line of $file"
    echo "$line:$((${#prefix} + 1))"
}

# The same file without a fault is accepted: the faults below are the only reason for refusal.
good=$FQ_RUN_DIR/good.yaml
write_cfg "$good" ok
assert_exit 0 "$FQ_BUILD_DIR/streetd" --config "$good" --unit "$E2E_STREET" --check-config
assert_exit 0 "$FQ_BUILD_DIR/casectl" --config "$good" units

# variant -> "LINE:COL" (computed from the written file) and a word the message must name.
declare -A at word
variants=(syntax unknown_key duplicate missing_parent port_range port_abc dup_endpoint)
for v in "${variants[@]}"; do
    write_cfg "$FQ_RUN_DIR/$v.yaml" "$v"
done
at[syntax]=$(where "$FQ_RUN_DIR/syntax.yaml" '^    tier: street: community$' 1 '    tier: street')
at[unknown_key]=$(where "$FQ_RUN_DIR/unknown_key.yaml" '^    colour: red$' 1 '    ')
at[duplicate]=$(where "$FQ_RUN_DIR/duplicate.yaml" "^  - code: \"$E2E_STREET\"\$" 2 '  - code: ')
at[missing_parent]=$(where "$FQ_RUN_DIR/missing_parent.yaml" '^    parent: "440311009000"$' 1 '    parent: ')
word[syntax]=""
word[unknown_key]=colour
word[duplicate]=$E2E_STREET
word[missing_parent]=440311009000
at[port_range]=$(where "$FQ_RUN_DIR/port_range.yaml" '^    ops: "tcp://127.0.0.1:99999"$' 1 '    ops: ')
at[port_abc]=$(where "$FQ_RUN_DIR/port_abc.yaml" '^    link: "tcp://127.0.0.1:abc"$' 1 '    link: ')
at[dup_endpoint]=$(where "$FQ_RUN_DIR/dup_endpoint.yaml" "^    link: \"tcp://127.0.0.1:${P[0]}\"\$" 1 '    link: ')
word[port_range]="port '99999', not a number 1 to 65535"
word[port_abc]="port 'abc', not a number 1 to 65535"
word[dup_endpoint]="duplicate endpoint 'tcp://127.0.0.1:${P[0]}': link of unit $E2E_STREET is already ops of unit $E2E_DISTRICT"

for v in "${variants[@]}"; do
    f=$FQ_RUN_DIR/$v.yaml
    want="$f:${at[$v]}: "
    # Start the daemon for real (not --check-config); it must give up on its own, at once.
    listening "$STREET_OPS" && fail "port $STREET_OPS is taken before starting streetd ($v)"
    run=("$FQ_BUILD_DIR/streetd" --config "$f" --unit "$E2E_STREET")
    if ((have_strace)); then
        run=(strace -f -qq -o "$FQ_RUN_DIR/$v.strace" -e "trace=bind,listen" "${run[@]}")
    fi
    # Run it in the foreground under a time limit: 124 means it was still running after 10 s.
    # (Polling /proc/PID/cmdline raced with exec, which can read as empty for an instant.)
    rc=0
    timeout -k 2 10 "${run[@]}" >"$FQ_RUN_DIR/$v.out" 2>"$FQ_RUN_DIR/$v.err" </dev/null || rc=$?
    if ((rc == 124 || rc == 137)); then
        serving=no
        listening "$STREET_OPS" && serving=yes
        fail "streetd with a broken config ($v) still ran after 10 s (ops port listening: $serving)"
    fi
    err=$(<"$FQ_RUN_DIR/$v.err")
    ((rc != 0)) || fail "streetd exited 0 with a broken config ($v); stderr: $err"
    first=$(head -n 1 <<<"$err")
    [[ $first =~ ^"$f":[0-9]+:[0-9]+:\  ]] || fail "streetd ($v): stderr does not start with FILE:LINE:COL: — got: $err"
    [[ $first == "$want"* ]] || fail "streetd ($v): expected the error at ${at[$v]}, got: $first"
    [[ -z ${word[$v]} ]] || assert_contains "$first" "${word[$v]}" "streetd's message for $v"
    listening "$STREET_OPS" && fail "something listens on the ops port $STREET_OPS after streetd refused $v"
    listening "$STREET_LINK" && fail "something listens on the link port $STREET_LINK after streetd refused $v"
    if ((have_strace)); then
        calls=$(grep -E 'bind\([0-9]+, \{sa_family=AF_(INET|INET6|UNIX)|listen\(' "$FQ_RUN_DIR/$v.strace" || true)
        [[ -z $calls ]] || fail "streetd opened sockets before refusing $v:
$calls"
    fi
    # --check-config and casectl say the same.
    assert_exit 1 "$FQ_BUILD_DIR/streetd" --config "$f" --unit "$E2E_STREET" --check-config
    [[ $(head -n 1 <<<"$E2E_OUT") == "$want"* ]] || fail "streetd --check-config ($v): $E2E_OUT"
    assert_exit 1 "$FQ_BUILD_DIR/casectl" --config "$f" units
    [[ $(head -n 1 <<<"$E2E_OUT") == "$want"* ]] || fail "casectl units ($v): expected $want..., got: $E2E_OUT"
done

# =============================================================================================
# (b) Hostile requests on a community's ops socket.
ops_of() { "$FQ_BUILD_DIR/casectl" --config "$cfg" units | awk -F'\t' -v c="$1" '$1 == c { print $3 }'; }
comm_ops=$(ops_of "$E2E_COMM1")
[[ $comm_ops == tcp://* ]] || fail "no ops endpoint for $E2E_COMM1 in casectl units"

assert_exit 0 "$FQ_BUILD_DIR/fq-poke" ops "$comm_ops" garbage
[[ $E2E_OUT =~ ^status=2\ error=malformed\ request ]] || fail "ops garbage: unexpected answer: $E2E_OUT"
assert_exit 0 ctl "$E2E_COMM1" status
assert_exit 0 "$FQ_BUILD_DIR/fq-poke" ops "$comm_ops" oversized --size 300000
[[ $E2E_OUT =~ ^status=2\ error=request\ of\ 300000\ bytes\ exceeds\ the\ limit ]] ||
    fail "ops oversized: unexpected answer: $E2E_OUT"
assert_exit 0 ctl "$E2E_COMM1" status
# Far beyond the limit: no crash, the daemon still serves.
"$FQ_BUILD_DIR/fq-poke" ops "$comm_ops" oversized --size 4000000 --timeout 2000 >/dev/null 2>&1 || true
assert_exit 0 ctl "$E2E_COMM1" status
assert_eq up "$(ctl "$E2E_COMM1" --json status | jq -r .database)" "community database after hostile requests"

# =============================================================================================
# (c) Hostile frames on the street's link endpoint.
street_link=$(link_endpoint "$E2E_STREET")
inbox_of() { psql_q "SELECT coalesce(max(last_seq), 0) FROM street.inbox WHERE unit='$E2E_STREET' AND peer='$1'"; }
inbox_before="$(inbox_of "$E2E_COMM1") $(inbox_of "$E2E_COMM2")"
qcount() { psql_q "SELECT count(*) FROM street.quarantine WHERE unit='$E2E_STREET'"; }

# poke IDENTITY WHAT PEER_LABEL [ARGS]: one hostile frame sent with community 2's key and the
# routing id IDENTITY; check the ack and the quarantine row.
poke() {
    local id=$1 what=$2 label=$3 before reason row
    shift 3
    before=$(qcount)
    # shellcheck disable=SC2046 # poke_as gives whole options
    assert_exit 0 "$FQ_BUILD_DIR/fq-poke" link "$street_link" "$what" --identity "$id" \
        $(poke_as "$E2E_COMM2" "$E2E_STREET") "$@"
    [[ $E2E_OUT =~ ^ack\ seq=[0-9]+\ rejected=[0-9]+\ reason=(.+)$ ]] ||
        fail "link $what as $id: expected a rejecting ack with a reason, got: $E2E_OUT"
    reason=${BASH_REMATCH[1]}
    assert_eq $((before + 1)) "$(qcount)" "street.quarantine rows after link $what as $id"
    row=$(psql_q "SELECT peer || '|' || reason FROM street.quarantine WHERE unit='$E2E_STREET' ORDER BY id DESC LIMIT 1")
    assert_eq "$label|$reason" "$row" "quarantined sender and reason for link $what as $id"
    echo "$reason"
}

r=$(poke "$E2E_COMM2" garbage "$E2E_COMM2")
assert_contains "$r" "not a fengqiao Envelope" "reason for garbage from $E2E_COMM2"
assert_eq 1 "$(psql_q "SELECT count(*) FROM street.quarantine WHERE peer='$E2E_COMM2' AND position('this is not a protobuf message'::bytea IN bytes) > 0")" \
    "the garbage bytes are kept in street.quarantine"
r=$(poke "$E2E_COMM2" oversized "$E2E_COMM2" --size 300000)
assert_contains "$r" "300000 bytes exceeds the limit" "reason for an oversized frame from $E2E_COMM2"
# The routing id is the sender's to pick: the street goes by the key, so garbage sent with
# community 2's key under community 1's name is community 2's.
r=$(poke "$E2E_COMM1" garbage "$E2E_COMM2")
assert_contains "$r" "not a fengqiao Envelope" "reason for garbage from $E2E_COMM2 named $E2E_COMM1"
# A well-formed envelope from a real child's key that claims to come from another unit.
r=$(poke "$E2E_COMM2" envelope "$E2E_COMM2")
assert_contains "$r" "from_unit" "reason for an envelope whose from_unit is not the sender"

# An ack from a child for a billion messages the street never sent it: were it taken, the
# street would count as delivered every message it writes for that child from now on, and
# never send them (the journey below waits for the street's copies down to that child).
# Community 2 is stopped meanwhile: the street answers a child on the connection it last heard
# its key on, and the real community's heartbeats would take the street's answer from fq-poke.
cluster kill "$E2E_CONFIG" "$E2E_COMM2" >/dev/null
# shellcheck disable=SC2046 # poke_as gives whole options
assert_exit 0 "$FQ_BUILD_DIR/fq-poke" link "$street_link" ack --identity "$E2E_COMM2" --to "$E2E_STREET" --seq 1000000000 \
    $(poke_as "$E2E_COMM2" "$E2E_STREET")
assert_eq heard "$E2E_OUT" "the street heard the bogus ack"
wait_until 5 grep -q "$E2E_COMM2 acked 1000000000, past the last message it can have had" "$FQ_RUN_DIR/$E2E_STREET.log"
assert_eq 0 "$(psql_q "SELECT count(*) FROM street.link_out WHERE unit='$E2E_STREET' AND peer='$E2E_COMM2' AND acked_seq > next_seq")" \
    "the street's recorded ack for $E2E_COMM2 past what it gave out"
cluster start "$E2E_CONFIG" "$E2E_COMM2" >/dev/null

# Nothing was applied: no case appeared, no inbox moved.
assert_eq 0 "$(psql_q "SELECT count(*) FROM street.cases")" "cases at the street after hostile frames"
assert_eq "$inbox_before" "$(inbox_of "$E2E_COMM1") $(inbox_of "$E2E_COMM2")" "street inboxes after hostile frames"
assert_exit 0 ctl "$E2E_STREET" status

# The real links still carry cases end to end, from both communities (the one whose identity
# was borrowed included), and back down.
journey() {
    local code=$1 no
    no=$(ctl "$code" submit --title "坏输入之后 $code" --category neighbour --actor grid-bad)
    ctl "$code" accept "$no" >/dev/null
    ctl "$code" escalate "$no" >/dev/null
    wait_until 15 has_state "$E2E_STREET" "$no" escalated
    ctl "$E2E_STREET" accept "$no" >/dev/null
    ctl "$E2E_STREET" escalate "$no" >/dev/null
    wait_until 15 has_state "$E2E_DISTRICT" "$no" escalated
    ctl "$E2E_DISTRICT" accept "$no" >/dev/null
    ctl "$E2E_DISTRICT" resolve "$no" --note 已化解 >/dev/null
    wait_until 15 has_state "$code" "$no" resolved
    ctl "$code" close "$no" >/dev/null
    wait_until 15 has_state "$E2E_DISTRICT" "$no" closed
}
journey "$E2E_COMM1"
journey "$E2E_COMM2"
for code in "$E2E_COMM1" "$E2E_COMM2" "$E2E_STREET"; do
    assert_eq 0 "$(ctl "$code" --json status | jq '[.links[].poisoned] | add')" "poisoned messages at $code"
done
# status counts a refused message as refused, not as waiting. No real peer refuses one here,
# so one is written as a refusal leaves it: kept below the ack, marked with its reason.
psql_q "INSERT INTO street.outbox (unit, peer, seq, body, poisoned_reason)
        VALUES ('$E2E_STREET', '$E2E_COMM1', 0, '\x00', 'refused in a test')" >/dev/null
refused_not_waiting() { # once the copies of the journeys are delivered
    local got
    got=$(ctl "$E2E_STREET" --json status | jq -r --arg p "$E2E_COMM1" '.links[] | select(.peer == $p) | "\(.poisoned) \(.outbox_depth)"')
    [[ $got == "1 0" ]] || { echo "refused / waiting messages to $E2E_COMM1 at the street: $got"; return 1; }
}
wait_until 10 refused_not_waiting
psql_q "DELETE FROM street.outbox WHERE unit='$E2E_STREET' AND peer='$E2E_COMM1' AND seq = 0" >/dev/null
assert_eq 0 "$(psql_q "SELECT count(*) FROM street.quarantine WHERE peer IN ('$E2E_COMM1', '$E2E_DISTRICT')")" \
    "real messages quarantined at the street"

# =============================================================================================
# (d) Illegal changes through casectl.
no=$(ctl "$E2E_COMM1" submit --title '非法操作测试' --category neighbour --actor grid-bad)
before=$(show_json "$E2E_COMM1" "$no")
snap() { jq -c '{state, unit, version, updated, n: (.history | length)}' <<<"$1"; }

rc=0
msg=$(ctl "$E2E_COMM1" close "$no" --actor grid-bad 2>&1 >/dev/null) || rc=$?
assert_eq 1 "$rc" "exit of close on a reported case"
assert_contains "$msg" "casectl: $E2E_COMM1: " "refusal prefix"
assert_contains "$msg" "reported" "refusal names the state"
assert_contains "$msg" "close" "refusal names the action"
assert_contains "$msg" "$no" "refusal names the case"
assert_eq "$(snap "$before")" "$(snap "$(show_json "$E2E_COMM1" "$no")")" "case after a refused close"

# Other illegal moves on a reported case change nothing either.
assert_exit 1 ctl "$E2E_COMM1" resolve "$no" --note 不应成功
assert_exit 1 ctl "$E2E_COMM1" escalate "$no"
assert_exit 1 ctl "$E2E_STREET" accept "$no"
assert_eq "$(snap "$before")" "$(snap "$(show_json "$E2E_COMM1" "$no")")" "case after refused resolve/escalate"

# resolve without a note is refused.
ctl "$E2E_COMM1" accept "$no" --actor grid-bad >/dev/null
before=$(show_json "$E2E_COMM1" "$no")
assert_eq accepted "$(jq -r .state <<<"$before")" "state after accept"
assert_exit 1 ctl "$E2E_COMM1" resolve "$no" --actor grid-bad
assert_contains "$E2E_OUT" note "refusal of resolve without a note"
assert_eq "$(snap "$before")" "$(snap "$(show_json "$E2E_COMM1" "$no")")" "case after resolve without a note"
assert_eq 2 "$(psql_q "SELECT count(*) FROM community.case_events WHERE unit='$E2E_COMM1' AND uuid='$(jq -r .uuid <<<"$before")'")" \
    "history rows after refused changes"

# Unknown case, unknown verb, bad usage, unknown unit.
assert_exit 1 ctl "$E2E_COMM1" show "$E2E_COMM1-20000101-9999"
assert_contains "$E2E_OUT" "$E2E_COMM1-20000101-9999" "refusal names the unknown case"
assert_exit 1 ctl "$E2E_COMM1" show 00000000-0000-4000-8000-000000000000
assert_exit 2 ctl "$E2E_COMM1" frobnicate
assert_exit 2 ctl "$E2E_COMM1" submit --title 缺少类别
assert_exit 2 ctl "$E2E_COMM1" submit --title 风险越界 --category neighbour --risk 5
n_before=$(psql_q "SELECT count(*) FROM community.cases WHERE unit='$E2E_COMM1'")
assert_exit 1 ctl "$E2E_COMM1" submit --title 未知类别 --category no_such_category
assert_eq "$n_before" "$(psql_q "SELECT count(*) FROM community.cases WHERE unit='$E2E_COMM1'")" \
    "cases after a refused submit"
assert_exit 0 ctl "$E2E_COMM1" status

# =============================================================================================
# (e) Text a case may hold.
n_cases() { psql_q "SELECT count(*) FROM community.cases WHERE unit='$E2E_COMM1'"; }
# refused_submit WORDS ARGS...: the submission is refused (exit 1, not a database error), its
# message holds WORDS, and nothing is written.
refused_submit() {
    local words=$1 before
    shift
    before=$(n_cases)
    assert_exit 1 ctl "$E2E_COMM1" submit --category neighbour --actor grid-text "$@"
    assert_contains "$E2E_OUT" "$words" "refusal of submit $*"
    [[ $E2E_OUT != *"database error"* ]] || fail "submit $* was refused by the database: $E2E_OUT"
    assert_eq "$before" "$(n_cases)" "cases after a refused submit ($words)"
}
forged=$'噪音\n2026-01-01 00:00:00.000 '"$E2E_COMM1"$' ERROR forged line'
refused_submit "title: control character U+000A at character 3" --title "$forged"
refused_submit "title: control character U+001B" --title $'\e[2J清屏'
refused_submit "title: control character U+007F" --title $'删除\x7f'
refused_submit "description: control character U+0007" --title 正常 --description $'响铃\a'
refused_submit "description: control character U+000D" --title 正常 --description $'覆盖\r伪造'
refused_submit "party 2 phone: control character U+001B" --title 正常 \
    --party '王某:13800138000:申请人' --party $'李某:138\e[0m00138000:被申请人'
refused_submit "reporter: control character U+0009" --title 正常 --reporter $'a\tb'
# Bidirectional overrides and isolates ("Trojan Source"): the title would display reordered.
refused_submit "title: bidirectional control character U+202E at character 3" --title $'欠薪\xe2\x80\xae退回'
refused_submit "description: bidirectional control character U+2066" --title 正常 --description $'说明\xe2\x81\xa6隔离\xe2\x81\xa9'
refused_submit "title: not valid UTF-8 (byte 0xff at byte 7)" --title $'坏编\xff码'
refused_submit "address: not valid UTF-8" --title 正常 --address $'\xe4\xb8'
refused_submit "a case needs a title: it is empty or only spaces" --title '   '
refused_submit "a case needs a title: it is empty or only spaces" --title '　　' # U+3000
refused_submit "a case needs a title: it is empty or only spaces" --title $' \u3000\u00a0 '
refused_submit "title: 201 characters long, at most 200 allowed" --title "$(printf '中%.0s' {1..201})"
refused_submit "description: 4001 characters long, at most 4000 allowed" --title 正常 \
    --description "$(printf '述%.0s' {1..4001})"

# At the limit in characters, in more bytes than the limit: taken, and kept as given; free
# text keeps its lines and tabs.
title200=$(printf '中%.0s' {1..200})
no=$(ctl "$E2E_COMM1" submit --title "$title200" --category neighbour --actor grid-text \
    --description $'第一行\n\t第二行\r\n第三行')
assert_eq "$title200" "$(field "$E2E_COMM1" "$no" .title)" "a title of 200 Chinese characters"
assert_eq $'第一行\n\t第二行\r\n第三行' "$(field "$E2E_COMM1" "$no" .description)" "a description of several lines"

# The fields of an action, the case it names and a list's filters alike.
events() { psql_q "SELECT count(*) FROM community.case_events WHERE unit='$E2E_COMM1' AND uuid='$(uuid_of "$E2E_COMM1" "$no")'"; }
ev_before=$(events)
assert_exit 1 ctl "$E2E_COMM1" accept "$no" --actor $'grid\e]0;pwned\a'
assert_contains "$E2E_OUT" "actor: control character U+001B" "refusal of an actor with an escape"
ctl "$E2E_COMM1" accept "$no" --actor grid-text >/dev/null
assert_exit 1 ctl "$E2E_COMM1" resolve "$no" --note $'已化解\x1b[31m'
assert_contains "$E2E_OUT" "note: control character U+001B" "refusal of a note with an escape"
assert_exit 1 ctl "$E2E_COMM1" resolve "$no" --note $'已化解\xe2\x80\xad'
assert_contains "$E2E_OUT" "note: bidirectional control character U+202D" "refusal of a note with an override"
assert_exit 1 ctl "$E2E_COMM1" resolve "$no" --note '　 　'
assert_contains "$E2E_OUT" "say how it was resolved (--note)" "refusal of a note of only spaces"
assert_exit 1 ctl "$E2E_COMM1" withdraw "$no" --reason $'\xc3\x28'
assert_contains "$E2E_OUT" "reason: not valid UTF-8" "refusal of a reason of invalid UTF-8"
assert_exit 1 ctl "$E2E_COMM1" withdraw "$no" --reason "$(printf '因%.0s' {1..1001})"
assert_contains "$E2E_OUT" "reason: 1001 characters long, at most 1000 allowed" "refusal of a long reason"
assert_eq $((ev_before + 1)) "$(events)" "history entries after refused actions (the accept only)"
assert_exit 2 ctl "$E2E_COMM1" show $'\e[2J'"$no"
assert_contains "$E2E_OUT" "case: control character U+001B" "refusal of a case ref with an escape"
assert_exit 1 ctl "$E2E_COMM1" list --category $'x\e[2J'
assert_contains "$E2E_OUT" "category: control character U+001B" "refusal of a list filter with an escape"

# A neighbour's copy is held to the same: a title edited under the community (as an older
# version might have taken it in) travels up, and the street quarantines it naming the field.
bad=$(ctl "$E2E_COMM1" submit --title 副本检查 --category neighbour --actor grid-text)
psql_q "UPDATE community.cases SET title = E'副本\\n伪造' WHERE unit='$E2E_COMM1' AND case_no='$bad'" >/dev/null
ctl "$E2E_COMM1" accept "$bad" >/dev/null
ctl "$E2E_COMM1" escalate "$bad" >/dev/null
quarantined_title() {
    [[ $(psql_q "SELECT count(*) FROM street.quarantine WHERE unit='$E2E_STREET' AND peer='$E2E_COMM1'
                 AND reason LIKE '%$bad: title: control character U+000A%'") == 1 ]]
}
wait_until 15 quarantined_title
assert_eq 0 "$(psql_q "SELECT count(*) FROM street.cases WHERE case_no='$bad'")" "a copy with a control character at the street"

# =============================================================================================
# (f) Text stored before the doors checked it (or by another client) is shown escaped: the
#     operator's terminal never gets a raw control character or bidirectional control.
old=$(ctl "$E2E_COMM1" submit --title 旧数据 --category neighbour --party '王某:13800138000:申请人' \
    --actor grid-text)
ctl "$E2E_COMM1" accept "$old" --actor grid-text >/dev/null
old_uuid=$(uuid_of "$E2E_COMM1" "$old")
where="unit='$E2E_COMM1' AND uuid='$old_uuid'"
psql_q "UPDATE community.cases SET title = E'欠薪\\x1b[2J清屏\\x1b]0;pwned\\x07\\u202e末尾\\u009b',
        description = E'描述\\x1b[31m红\\n第二行\\tTab\\r\\n第三行\\u202e\\r伪造',
        address = E'东周路\\x1b[2J1号\\n伪造', grid = E'G\\u202e01', reporter = E'陈某\\x1b]0;x\\x07',
        source = E'grid\\x1b[1m' WHERE $where" >/dev/null
psql_q "UPDATE community.case_parties SET name = E'王某\\x1b[8m' WHERE $where" >/dev/null
psql_q "UPDATE community.case_events SET note = E'受理\\n  2026-01-01 00:00:00  伪造\\x1b[0m',
        actor = E'grid\\x1b]0;t\\x07' WHERE $where AND action = 'accept'" >/dev/null
# The notice is dated today (noon, China Standard Time), so that the day's 日报 lists the case.
today=$(TZ=Asia/Shanghai date +%F)
psql_q "INSERT INTO community.notices (unit, uuid, notice_uuid, number, kind, addressee, reason,
        at_unit, at_ms) VALUES ('$E2E_COMM1', '$old_uuid', gen_random_uuid(), E'N-\\x1b[1m',
        'reminder', E'东周社区\\u2066', E'理由\\x1b[5m', '$E2E_COMM1',
        $(date -d "$today 12:00 +08:00" +%s)000)" >/dev/null
stored_title=$'欠薪\x1b[2J清屏\x1b]0;pwned\x07\xe2\x80\xae末尾\xc2\x9b'
shown_title='欠薪\x1b[2J清屏\x1b]0;pwned\x07\u202e末尾\u009b'
# no_raw WHAT TEXT: TEXT holds no control character but newlines and tabs, no C1 control, no
# bidirectional control.
no_raw() {
    ! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' <<<"$2" || fail "$1 holds a raw control character:
$(cat -v <<<"$2")"
    [[ $2 != *$'\xc2\x9b'* && $2 != *$'\xe2\x80\xae'* && $2 != *$'\xe2\x81\xa6'* ]] ||
        fail "$1 holds a raw C1 or bidirectional control: $(cat -v <<<"$2")"
}
out=$(ctl "$E2E_COMM1" show "$old")
no_raw "show" "$out"
assert_contains "$out" "标题 title          $shown_title" "show: the title, escaped"
assert_contains "$out" '王某\x1b[8m 13800138000 申请人' "show: the party, escaped"
# The description: its lines under each other, a tab kept, the rest escaped (a lone \r too).
ind='                    ' # under the labels, 20 columns
assert_contains "$out" $'描述 description    描述\\x1b[31m红\n'"$ind"$'第二行\tTab\n'"$ind"$'第三行\\u202e\\r伪造\n状态 state' \
    "show: the description, its lines kept, escaped"
assert_contains "$out" '经办 grid\x1b]0;t\x07  «受理\n  2026-01-01 00:00:00  伪造\x1b[0m»' \
    "show: the history entry on one line, escaped"
assert_contains "$out" 'N-\x1b[1m 时限提醒 致 东周社区\u2066: 理由\x1b[5m  (未签收)' "show: the notice, escaped"
assert_contains "$out" '来源 source         grid\x1b[1m
报告人 reporter     陈某\x1b]0;x\x07
地址 address        东周路\x1b[2J1号\n伪造
网格 grid           G\u202e01
' "show: source, reporter, address and grid, escaped"
out=$(ctl "$E2E_COMM1" list)
no_raw "list" "$out"
assert_contains "$out" "$shown_title" "list: the title, escaped"
out=$(ctl "$E2E_COMM1" notices)
no_raw "notices" "$out"
assert_contains "$out" 'N-\x1b[1m  时限提醒  案件 '"$old"'  致 东周社区\u2066: 理由\x1b[5m' "notices: escaped"
# A description of several lines taken in as usual (in (e)) shows the same way.
assert_contains "$(ctl "$E2E_COMM1" show "$no")" \
    "标题 title          $title200"$'\n描述 description    第一行\n'"$ind"$'\t第二行\n'"$ind"$'第三行\n状态 state' \
    "show: a description of several lines"
# JSON escapes them the JSON way, and says exactly what is stored.
out=$(ctl "$E2E_COMM1" --json show "$old")
no_raw "show --json" "$out"
assert_contains "$out" '"title":"欠薪\u001b[2J清屏\u001b]0;pwned\u0007\u202e末尾\u009b"' "show --json: the title"
assert_eq "$stored_title" "$(jq -r .title <<<"$out")" "show --json: the title as stored"
assert_eq $'王某\x1b[8m' "$(jq -r '.parties[0].name' <<<"$out")" "show --json: the party as stored"
assert_eq $'东周路\x1b[2J1号\n伪造|G\xe2\x80\xae01|陈某\x1b]0;x\x07|grid\x1b[1m' \
    "$(jq -r '"\(.address)|\(.grid)|\(.reporter)|\(.source)"' <<<"$out")" \
    "show --json: address, grid, reporter and source as stored"
assert_eq $'描述\x1b[31m红\n第二行\tTab\r\n第三行\xe2\x80\xae\r伪造' "$(jq -r .description <<<"$out")" \
    "show --json: the description as stored"
out=$(ctl "$E2E_COMM1" --json notices)
no_raw "notices --json" "$out"
assert_eq $'理由\x1b[5m' "$(jq -r --arg c "$old" 'select(.case_no == $c) | .reason' <<<"$out")" \
    "notices --json: the reason as stored"

# The 日报 files: the title escaped as on a terminal (Markdown escapes its own characters too).
rdir=$FQ_RUN_DIR/reports
mkdir -p "$rdir"
ctl "$E2E_COMM1" report daily --day "$today" --out "$rdir" >/dev/null
for f in "$rdir/$E2E_COMM1-日报-$today.md" "$rdir/$E2E_COMM1-日报-$today.csv"; do
    no_raw "report file ${f##*/}" "$(cat "$f")"
done
assert_contains "$(cat "$rdir/$E2E_COMM1-日报-$today.md")" \
    '| 欠薪\x1b\[2J清屏\x1b\]0;pwned\x07\u202e末尾\u009b |' "report daily Markdown: the title, escaped"
assert_contains "$(cat "$rdir/$E2E_COMM1-日报-$today.csv")" \
    ',欠薪\x1b[2J清屏\x1b]0;pwned\x07\u202e末尾\u009b,' "report daily CSV: the title, escaped"

# Whatever was tried above, no log line holds a raw control character or was forged.
for log in "$FQ_RUN_DIR"/*.log; do
    ! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$log" || fail "$log holds a raw control character"
    ! grep -qF $'\xe2\x80\xae' "$log" || fail "$log holds a raw bidirectional override"
    ! grep -q 'ERROR forged line' "$log" || fail "$log holds the forged line"
done

echo "test_40_bad_input: ok"
