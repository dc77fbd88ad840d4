#!/usr/bin/env bash
# tests/e2e/test_91_figures_after_burst.sh - a unit's report of figures up the link costs what
# changed: after a burst of new cases, one pass over their history entries, not a look at each
# case; with nothing new, no pass over the history, nor over the resolutions of other days.
#
# Community 1 reports every second (stats.report_interval_ms 1000), on a test clock. On Tuesday
# 2026-11-17 it resolves R cases. On Wednesday, after its first report that day, 20,000 cases
# come in at once (fq-load, bulk clients). Then:
# - the street's figures hold the R resolutions on Tuesday and the 20,000 cases on Wednesday
#   (the reports still say what changed);
# - over the burst and the reports after it, community 1's backend made fewer than 2,000 index
#   scans of case_events_case and of feedback_case (pg_stat_user_indexes). Each looks up one
#   case's entries or answers; a report that looked at each changed case made one of each per
#   case, 20,000 or more;
# - then five reports with nothing new read fewer rows of case_events by sequential scan
#   (pg_stat_user_tables.seq_tup_read) than the table holds, where a report that reads the whole
#   history reads it five times over; and fewer than R entries of case_events_outcome (the
#   resolutions and closings): Wednesday's figures need none of Tuesday's resolutions, which a
#   report that read every resolution ever read five times;
# - on Friday one of Tuesday's cases is closed: the street's figures show the closing on Friday,
#   and the report read fewer than 20,000 rows of cases: it figured Tuesday and Friday, not
#   every day between them.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init figures_after_burst
command -v jq >/dev/null || fail "jq is needed by this test"
cfg=$FQ_RUN_DIR/small.yaml
e2e_config_small "$cfg"
printf 'stats:\n  report_interval_ms: 1000\n' >>"$cfg"
e2e_clock_init
D1=2026-11-17
D2=2026-11-18
e2e_clock_set "$D1 10:00"
e2e_up "$cfg"

C1=$E2E_COMM1
N=20000
R=20
ep=$(grep -F "code: \"$C1\"" "$cfg" | sed -E 's/.*ops: "([^"]+)".*/\1/')
[[ -x $FQ_BUILD_DIR/fq-load ]] || fail "fq-load is not built in $FQ_BUILD_DIR"

reports() { psql_q "SELECT coalesce(max(through_ms), 0) FROM community.stats_sent WHERE unit = '$C1'"; }
# reported_after MS: community 1 has reported since MS (its daemon's clock).
reported_after() { (($(reports) > $1)); }
now_ms() { echo $((($(date +%s) + $(cat "$FQ_TEST_CLOCK_FILE")) * 1000)); }
counter() { psql_q "SELECT sum($1) FROM pg_stat_user_indexes WHERE schemaname = 'community' AND indexrelname IN ($2)"; }
probes() { counter idx_scan "'case_events_case', 'feedback_case'"; }
outcomes_read() { counter idx_tup_read "'case_events_outcome'"; }
history_read() {
    psql_q "SELECT seq_tup_read FROM pg_stat_user_tables WHERE relid = 'community.case_events'::regclass"
}
# A backend reports its table counts within about a second of going idle, at most ten.
settle() { sleep 11; }
# street_holds FIELD DAY K: the street's figures for DAY have FIELD = K.
street_holds() {
    [[ $(ctl "$E2E_STREET" --json stats --from "$2" --to "$2" | jq -r ".$1") == "$3" ]]
}

for i in $(seq 1 $R); do
    c=$(ctl "$C1" submit --title "楼道堆物 $i" --category neighbour --actor grid-01 |
        grep -oE '[0-9]{12}-[0-9]{8}-[0-9]{4}' | head -1)
    ctl "$C1" accept "$c" --actor s1 >/dev/null
    ctl "$C1" resolve "$c" --note '已清理' --actor s1 >/dev/null
done
wait_until 20 street_holds resolved $D1 $R

e2e_clock_set "$D2 10:00"
wait_until 20 reported_after "$(now_ms)"
settle
probes_before=$(probes)
"$FQ_BUILD_DIR/fq-load" submit --endpoint "$ep" --clients 4 --pipeline 256 --count $N \
    --category neighbour >"$FQ_RUN_DIR/burst.json"
[[ $(jq -r .ok "$FQ_RUN_DIR/burst.json") == "$N" ]] || fail "the burst: $(cat "$FQ_RUN_DIR/burst.json")"
burst_end=$(now_ms)
wait_until 30 street_holds received $D2 $N
wait_until 10 reported_after "$burst_end"
street_holds resolved $D1 $R || fail "the street's figures for $D1 changed after the burst"
settle
probes_after=$(probes)
echo "the burst of $N and the reports after it: $((probes_after - probes_before)) lookups of a case's entries or answers"
((probes_after - probes_before < 2000)) ||
    fail "the reports after a burst of $N new cases looked up cases one by one: $((probes_after - probes_before)) index scans of case_events_case and feedback_case"

psql_q "ANALYZE community.case_events"
entries=$(psql_q "SELECT count(*) FROM community.case_events WHERE unit = '$C1'")
((entries >= N)) || fail "community 1 holds $entries history entries, expected $N or more"
settle
read_before=$(history_read)
outcomes_before=$(outcomes_read)
mark=$(reports)
for i in 1 2 3 4 5; do
    wait_until 10 reported_after "$mark"
    mark=$(reports)
done
settle
read=$(($(history_read) - read_before))
outcomes=$(($(outcomes_read) - outcomes_before))
echo "five reports with nothing new: $read rows of case_events read by sequential scan, $outcomes resolutions or closings read"
((read < entries)) ||
    fail "five reports with nothing new read $read rows of case_events ($entries entries): a report reads the whole history"
((outcomes < R)) ||
    fail "five reports of $D2 with nothing new read $outcomes resolutions or closings: a report reads those of every day ($R on $D1)"

# Friday: one of Tuesday's cases is closed. The report carries Tuesday (the case's intake and
# resolution) and Friday (its closing), each figured on its own: Wednesday's 20,000 cases lie
# between them and are not read again (pg_stat_user_tables: rows of community.cases read by
# sequential and index scans, fewer than N).
D4=2026-11-20
e2e_clock_set "$D4 10:00"
wait_until 10 reported_after "$(now_ms)"
settle
cases_read() {
    psql_q "SELECT seq_tup_read + coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables
            WHERE relid = 'community.cases'::regclass"
}
cases_before=$(cases_read)
ctl "$C1" close "$c" --note '已回访' --actor s1 >/dev/null
wait_until 20 street_holds closed $D4 1
street_holds resolved $D1 $R || fail "the street's figures for $D1 changed when one of its cases was closed on $D4"
settle
cases=$(($(cases_read) - cases_before))
echo "a case of $D1 closed on $D4: $cases rows of community.cases read"
((cases < N)) ||
    fail "the report of a case of $D1 closed on $D4 read $cases rows of cases: it figured every day between, $D2's $N too"

echo "PASS figures_after_burst"
