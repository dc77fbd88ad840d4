#!/usr/bin/env bash
# tests/e2e/test_29_plans_renewed.sh - a daemon's prepared statements do not keep a plan made
# for tables of a page or two once a burst has grown them: every database.replan_interval_ms
# they are dropped and prepared again (fq_db_forget_plans), and plans are made for the tables as
# they are then.
#
# The trap: the community tier's tables with autovacuum off, analyzed while they hold 20 cases,
# and the lookups `casectl show` makes (a case by its number, then its file) used often enough
# that PostgreSQL keeps their generic plans, which scan a table of a page or two; then 20,000
# cases come in (fq-load, the community daemon itself) and no ANALYZE follows. Checked first: a
# key lookup prepared in psql at the same moment still scans the grown table. Oracle: after the
# interval (1 s here), 60 `casectl show` at the community cost fewer than 5 sequential scans of
# community.cases (pg_stat_user_tables), where a kept plan costs one or more each.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init plans_renewed
cfg=$FQ_RUN_DIR/small.yaml
e2e_config_small "$cfg"
sed -i 's/^  url: "dbname=fengqiao"$/&\n  replan_interval_ms: 1000/' "$cfg"
printf 'stats:\n  report_interval_ms: 86400000\n' >>"$cfg"
grep -q 'replan_interval_ms: 1000' "$cfg" || fail "could not set database.replan_interval_ms in $cfg"
e2e_up "$cfg"

C1=$E2E_COMM1
ep=$(grep -F "code: \"$C1\"" "$cfg" | sed -E 's/.*ops: "([^"]+)".*/\1/')
[[ -x $FQ_BUILD_DIR/fq-load ]] || fail "fq-load is not built in $FQ_BUILD_DIR"

tables=$(psql_q "SELECT string_agg(format('%I.%I', schemaname, tablename), ' ')
                   FROM pg_tables WHERE schemaname = 'community'")
for t in $tables; do
    psql_q "ALTER TABLE $t SET (autovacuum_enabled = off)"
done

submit() {
    ctl "$C1" submit --title "$1" --category neighbour --actor grid-01 |
        grep -oE '[0-9]{12}-[0-9]{8}-[0-9]{4}' | head -1
}
first=()
for i in $(seq 1 20); do
    first+=("$(submit "楼道堆物 $i")")
done
for t in $tables; do
    psql_q "ANALYZE $t"
done
for i in $(seq 1 10); do # past PostgreSQL's five custom plans: the generic one is kept
    ctl "$C1" show "${first[$((i % 20))]}" >/dev/null
done

# The burst, with a psql session's own prepared lookup watching what the trap does to a plan.
set -a
. "$FQ_RUN_DIR/pg.env"
set +a
control=$("$FQ_PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 <<EOF
SET plan_cache_mode = force_generic_plan;
PREPARE lookup(uuid) AS SELECT case_no FROM community.cases WHERE uuid = \$1 AND unit = '$C1';
EXPLAIN EXECUTE lookup(NULL);
\! "$FQ_BUILD_DIR/fq-load" submit --endpoint "$ep" --clients 4 --pipeline 256 --count 20000 >"$FQ_RUN_DIR/burst.json"
EXPLAIN EXECUTE lookup(NULL);
EOF
)
n=$(psql_q "SELECT count(*) FROM community.cases WHERE unit = '$C1'")
((n >= 20020)) || fail "the burst left $n cases at $C1, expected 20,020: $(cat "$FQ_RUN_DIR/burst.json")"
[[ $(grep -c '^Seq Scan on cases' <<<"$control") == 2 ]] ||
    fail "the trap did not set: a lookup prepared on the small table did not scan it before and after the burst: $control"

# A backend reports its table counts within about a second of going idle, at most ten.
scans() { psql_q "SELECT seq_scan FROM pg_stat_user_tables WHERE relid = 'community.cases'::regclass"; }
sleep 11
before=$(scans)
for i in $(seq 1 60); do
    ctl "$C1" show "${first[$((i % 20))]}" >/dev/null
done
sleep 11
after=$(scans)
echo "60 shows after the burst: $((after - before)) sequential scans of community.cases"
((after - before < 5)) ||
    fail "60 shows after the burst scanned community.cases $((after - before)) times: a plan made for the small table was kept"

echo "PASS plans_renewed"
