#!/usr/bin/env bash
# tests/e2e/test_00_cluster.sh - smoke test of the test machinery itself: a small deployment
# comes up on a private PostgreSQL, every unit runs and answers, and `down` leaves no daemon
# process and no PostgreSQL directory behind.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init cluster
cfg=$FQ_RUN_DIR/small.yaml
e2e_config_small "$cfg"
e2e_up "$cfg"

units=("$E2E_DISTRICT" "$E2E_STREET" "$E2E_COMM1" "$E2E_COMM2")

# Every unit runs and answers on its ops socket.
status=$(cluster status "$cfg")
printf '%s\n' "$status" >&2
for code in "${units[@]}"; do
    line=$(grep "^$code " <<<"$status" || true)
    assert_contains "$line" running "unit $code in scripts/cluster status"
    assert_exit 0 ctl "$code" status
done
assert_contains "$status" "postgresql: running" "PostgreSQL in scripts/cluster status"

# The private database is reachable the way the tests reach it.
assert_eq fengqiao "$(psql_q 'SELECT current_database()')" "psql_q database"

# Each daemon's connection is named after its unit, so that pg_stat_activity (and the bench,
# counting each tier's CPU) can tell whose backend is whose.
names=$(psql_q "SELECT string_agg(application_name, ',' ORDER BY application_name)
                  FROM pg_stat_activity WHERE application_name LIKE 'fengqiao %'")
assert_eq "fengqiao $E2E_DISTRICT,fengqiao $E2E_STREET,fengqiao $E2E_COMM1,fengqiao $E2E_COMM2" "$names" \
    "connections named after their units"

# Remember what must be gone after `down`.
pids=()
for code in "${units[@]}"; do
    pids+=("$(<"$FQ_RUN_DIR/$code.pid")")
done
# shellcheck disable=SC1091
pg_dir=$( (. "$FQ_RUN_DIR/pg.env" && echo "$FQ_PG_DIR"))
pg_pid=$(head -n 1 "$pg_dir/data/postmaster.pid")

e2e_down

# Nothing is left running (alive counts a zombie, not reaped yet, as gone).
for pid in "${pids[@]}"; do
    if alive "$pid"; then
        fail "daemon pid $pid still running after down: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
    fi
done
if alive "$pg_pid"; then
    fail "postgres pid $pg_pid still running after down"
fi
[[ ! -e $pg_dir ]] || fail "PostgreSQL directory $pg_dir left behind"
[[ ! -e $FQ_RUN_DIR/pg.env ]] || fail "pg.env left behind"
left=$(find "$FQ_RUN_DIR" -name '*.pid' | wc -l)
assert_eq 0 "$left" "pid files left after down"

# `down` again is harmless.
e2e_down
echo "test_00_cluster: ok"
