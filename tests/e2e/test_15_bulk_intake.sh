#!/usr/bin/env bash
# tests/e2e/test_15_bulk_intake.sh - a burst of submissions (a hotline's bulk hand-over) taken
# in together: many clients at once, so the community commits several cases per transaction,
# with refusals mixed in. Every accepted case gets its own number from one unbroken daily
# sequence, its party and its first history entry with a valid hash; every refused one leaves
# nothing behind; nothing is lost or written twice. Then a burst of actions (accept, escalate)
# answered together: each reply shows its own case in its new state, each case's change and
# history entries are right (version, a linked chain that verifies), and every case reaches
# the street once, also when many cases are in flight on one connection, submissions and
# actions mixed; the street's operator does the same and every case reaches the district.
# Bulk hand-overs overlap: the next batch goes to the server while the last one commits.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init bulk_intake
cfg=$FQ_RUN_DIR/small.yaml
e2e_config_small "$cfg"
e2e_up "$cfg"

ops_endpoint() {
    local ep
    ep=$(grep -F "code: \"$1\"" "$cfg" | sed -E 's/.*ops: "([^"]+)".*/\1/')
    [[ $ep == tcp://* ]] || fail "no ops endpoint for $1 in $cfg"
    printf '%s\n' "$ep"
}

# bulk_submit UNIT FQ-LOAD-OPTIONS...: 3,000 submissions at UNIT, every 7th refused, then what
# must hold of them.
bulk_submit() {
    local unit=$1 count=3000 every=7
    shift
    local refused_want=$((count / every))
    local ok_want=$((count - refused_want)) numbers=$FQ_RUN_DIR/numbers-$unit
    local in_unit="unit = '$unit'"
    assert_exit 0 "$FQ_BUILD_DIR/fq-load" submit --endpoint "$(ops_endpoint "$unit")" "$@" \
        --count "$count" --refuse-every "$every" --title "批量受理" --out "$numbers"
    local summary=$E2E_OUT
    assert_contains "$summary" "\"ok\":$ok_want," "accepted submissions in: $summary"
    assert_contains "$summary" "\"refused\":$refused_want," "refused submissions in: $summary"
    assert_contains "$summary" "\"failed\":0," "failed submissions in: $summary"

    # Batching really happened: rows inserted by one transaction share its xmin.
    local most
    most=$(psql_q "SELECT max(n) FROM (SELECT count(*) AS n FROM community.cases WHERE $in_unit GROUP BY xmin::text) t")
    ((most > 1)) || fail "no two cases were committed together at $unit (largest transaction: $most)"
    echo "largest intake transaction at $unit ($*): $most cases" >&2

    # One unbroken daily sequence: numbers 1..ok, each printed to exactly one client.
    assert_eq "$ok_want $ok_want 1 $ok_want" \
        "$(psql_q "SELECT count(*) || ' ' || count(DISTINCT case_no) || ' ' || min(right(case_no, 4)::int) || ' ' || max(right(case_no, 4)::int) FROM community.cases WHERE $in_unit")" \
        "cases, distinct numbers, lowest and highest sequence at $unit"
    assert_eq "$(psql_q "SELECT case_no FROM community.cases WHERE $in_unit ORDER BY case_no")" \
        "$(sort "$numbers")" "the numbers the clients were given are the stored ones"
    assert_eq "$ok_want" "$(psql_q "SELECT last FROM community.case_counters WHERE $in_unit")" \
        "the daily counter ends at the last number given"

    # Each case has its party and exactly one history entry, chained to nothing, hashed right.
    assert_eq "$ok_want" "$(psql_q "SELECT count(*) FROM community.case_parties p JOIN community.cases c USING (unit, uuid) WHERE c.$in_unit AND p.name = '王某' AND p.phone = '13800138000' AND p.idx = 0")" \
        "one party per case"
    assert_eq "$ok_want $ok_want 0" \
        "$(psql_q "SELECT count(*) || ' ' || count(DISTINCT e.uuid) || ' ' || count(*) FILTER (WHERE e.prev_hash <> '' OR e.action <> 'submit' OR e.to_state <> 'reported' OR e.at_ms <> (extract(epoch FROM c.created_at) * 1000)::int8) FROM community.case_events e JOIN community.cases c USING (unit, uuid) WHERE c.$in_unit")" \
        "history entries, cases with one, entries not a plain first submit"
    assert_eq 0 "$(psql_q "SET search_path = community; SELECT count(*) FROM case_events WHERE $in_unit AND hash <> event_hash(prev_hash, event_uuid, at_ms, at_unit, action, from_state, to_state, actor, note)")" \
        "history entries whose hash does not match their content"
    # casectl agrees for a few of them, end to end.
    local no
    for no in $(sort "$numbers" | sed -n '1p;1000p;$p'); do
        assert_exit 0 ctl "$unit" verify "$no"
        assert_exit 0 ctl "$unit" show "$no" --json
        assert_contains "$E2E_OUT" '"state":"reported"' "case $no after bulk intake"
    done
}

# Many desks, one case in flight each (REQ)...
bulk_submit "$E2E_COMM1" --clients 32
# ...and bulk hand-overs, many cases in flight on each connection (DEALER): each reply must
# still be its request's, in order, or fq-load's numbers would not match the stored ones.
bulk_submit "$E2E_COMM2" --clients 3 --pipeline 200
# With that many in flight, the daemon read the next batch while the last one committed and
# sent it to the server behind it, as a transaction of its own (fq_store_submit_whole).
grep -q 'submissions sent whole behind 1 in flight' "$FQ_RUN_DIR/$E2E_COMM2.log" ||
    fail "no batch of submissions was sent while another was in flight at $E2E_COMM2"

ep=$(ops_endpoint "$E2E_COMM1")
in_unit="unit = '$E2E_COMM1'"

# The refused ones left nothing: no case carries the unknown category.
assert_eq 0 "$(psql_q "SELECT count(*) FROM community.cases WHERE category = 'no-such-category'")" \
    "refused cases stored"

# escalated_right TITLE COUNT: the COUNT cases titled TITLE were escalated at the community,
# each written together with others yet moved once per action, with its entries chained in
# order: version 3, and exactly three entries linked submit -> accept -> escalate (accepted to
# escalated), the last one the chain's tip; and every one of them reached the street once.
escalated_right() {
    local title=$1 count=$2 no
    assert_eq "$count" "$(psql_q "SELECT count(*) FROM community.cases WHERE $in_unit AND title LIKE '$title%' AND state = 'escalated' AND holder = '$E2E_STREET'")" \
        "cases titled $title escalated at the community"
    assert_eq "$count" "$(psql_q "SET search_path = community; SELECT count(*) FROM cases c WHERE $in_unit AND title LIKE '$title%' AND version = 3
        AND (SELECT count(*) FROM case_events e WHERE e.unit = c.unit AND e.uuid = c.uuid) = 3
        AND EXISTS (SELECT 1 FROM case_events s JOIN case_events a ON a.unit = s.unit AND a.uuid = s.uuid AND a.prev_hash = s.hash
                    JOIN case_events x ON x.unit = a.unit AND x.uuid = a.uuid AND x.prev_hash = a.hash
                    WHERE s.unit = c.unit AND s.uuid = c.uuid AND s.prev_hash = '' AND s.action = 'submit' AND a.action = 'accept'
                    AND x.action = 'escalate' AND x.from_state = 'accepted' AND x.to_state = 'escalated')")" \
        "cases titled $title at the community with version 3 and a chain submit -> accept -> escalate"
    for no in $(sed -n '1p;200p;$p' "$FQ_RUN_DIR/$title"); do
        assert_exit 0 ctl "$E2E_COMM1" verify "$no"
        assert_eq "case $no: 3 entries, hash chain intact" "$E2E_OUT" "verify $no at the community"
    done
    street_has_all() {
        [[ $(psql_q "SELECT count(DISTINCT case_no) FROM street.cases WHERE title LIKE '$title%'") == "$count" ]]
    }
    wait_until 60 street_has_all
    assert_eq "$count 0" "$(psql_q "SET search_path = street; SELECT count(*) || ' ' || (SELECT count(*) FROM case_events WHERE hash <> event_hash(prev_hash, event_uuid, at_ms, at_unit, action, from_state, to_state, actor, note)) FROM cases WHERE title LIKE '$title%' AND state = 'escalated'")" \
        "cases titled $title escalated at the street, and history entries there whose hash does not match"
}

# escalate TITLE COUNT FQ-LOAD-OPTIONS...: COUNT cases submitted, accepted and escalated at the
# community. fq-load fails a case whose reply names another case or another state, so
# "failed":0 says every reply was its own.
escalate() {
    local title=$1 count=$2
    shift 2
    assert_exit 0 "$FQ_BUILD_DIR/fq-load" escalate --endpoint "$ep" "$@" --count "$count" \
        --title "$title" --out "$FQ_RUN_DIR/$title"
    assert_contains "$E2E_OUT" "\"ok\":$count," "escalated cases in: $E2E_OUT"
    assert_contains "$E2E_OUT" "\"failed\":0," "failed escalations in: $E2E_OUT"
    echo "escalated ($*): $E2E_OUT" >&2
    escalated_right "$title" "$count"
}

# A burst of actions from 32 clients, one request at a time each...
escalate 批量上报 400 --clients 32
# ...and from 2 clients with up to 64 cases in flight on each connection, paced as an open loop
# (the bench's offered loads): submissions and actions of different cases mixed on one
# connection, each reply still its request's, in order.
escalate 流水上报 400 --clients 2 --pipeline 64 --rate 2000

# The street's operator, pipelined too: its accepts and escalates of the 800 cases, mixed on
# one connection, each answered in order; every case reaches the district once.
assert_exit 0 "$FQ_BUILD_DIR/fq-load" street --endpoint "$(ops_endpoint "$E2E_STREET")" \
    --clients 2 --pipeline 32 --count 800 --timeout 60
assert_contains "$E2E_OUT" '"ok":800,' "cases the street's operator forwarded in: $E2E_OUT"
assert_contains "$E2E_OUT" '"failed":0,' "cases the street's operator failed in: $E2E_OUT"
echo "the street's operator, pipelined: $E2E_OUT" >&2
district_has_all() {
    [[ $(psql_q "SELECT count(DISTINCT case_no) FROM district.cases WHERE title LIKE '批量上报%' OR title LIKE '流水上报%'") == 800 ]]
}
wait_until 60 district_has_all
assert_eq 800 "$(psql_q "SET search_path = street; SELECT count(*) FROM cases c WHERE (title LIKE '批量上报%' OR title LIKE '流水上报%')
    AND state = 'escalated' AND holder = '$E2E_DISTRICT'
    AND (SELECT count(*) FROM case_events e WHERE e.unit = c.unit AND e.uuid = c.uuid AND e.action = 'escalate' AND e.at_unit = c.unit) = 1")" \
    "cases the street escalated to the district, each exactly once"
e2e_down
