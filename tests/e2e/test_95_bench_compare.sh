#!/usr/bin/env bash
# tests/e2e/test_95_bench_compare.sh - `scripts/bench --compare OLD NEW` puts two runs' JSON side
# by side: each figure of either run once, with NEW/OLD where both are numbers and OLD is not 0,
# "-" where a run lacks the figure; a file that is not a bench's JSON is refused. No cluster:
# the two runs are written here, as scripts/bench --json writes them.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init bench_compare
command -v jq >/dev/null || fail "jq is needed by this test"

old=$FQ_RUN_DIR/old.json
new=$FQ_RUN_DIR/new.json
cat >"$old" <<'EOF'
{"date": "2026-01-01T00:00:00+00:00", "quick": true, "machine": {"commit": "aaaaaaa"},
 "results": [
  {"section": "intake", "metric": "64 clients: cases/s", "value": 4000, "unit": "cases/s", "target": null, "pass": null},
  {"section": "escalation", "metric": "saturation: PostgreSQL CPU per case", "value": 2.5, "unit": "ms", "target": null, "pass": null},
  {"section": "backlog", "metric": "drain rate", "value": 0, "unit": "cases/s", "target": ">= 20000", "pass": false},
  {"section": "district", "metric": "only in the old run", "value": 7, "unit": "s", "target": null, "pass": null}
 ], "idle_rss_kib": [], "notes": []}
EOF
cat >"$new" <<'EOF'
{"date": "2026-01-02T00:00:00+00:00", "quick": true, "machine": {"commit": "bbbbbbb"},
 "results": [
  {"section": "intake", "metric": "64 clients: cases/s", "value": 6000, "unit": "cases/s", "target": null, "pass": null},
  {"section": "escalation", "metric": "saturation: PostgreSQL CPU per case", "value": 2, "unit": "ms", "target": null, "pass": null},
  {"section": "backlog", "metric": "drain rate", "value": 5000, "unit": "cases/s", "target": ">= 20000", "pass": false},
  {"section": "backlog", "metric": "peak RSS", "value": "-", "unit": "MiB", "target": "< 32", "pass": null},
  {"section": "baseline", "metric": "only in the new run", "value": 3, "unit": "rows/s", "target": null, "pass": null}
 ], "idle_rss_kib": [], "notes": []}
EOF

assert_exit 0 bash "$FQ_REPO/scripts/bench" --compare "$old" "$new"
out=$E2E_OUT
printf '%s\n' "$out" >&2
# row SECTION METRIC: that figure's line, its columns single-spaced.
row() { grep -E "^$1 +$2 " <<<"$out" | tr -s ' ' || true; }

assert_contains "$out" "old: aaaaaaa 2026-01-01" "the old run's commit"
assert_contains "$out" "new: bbbbbbb 2026-01-02" "the new run's commit"
assert_eq "intake 64 clients: cases/s 4000 6000 1.5 cases/s" "$(row intake '64 clients: cases/s')" \
    "a rate in both runs"
assert_eq "escalation saturation: PostgreSQL CPU per case 2.5 2 0.8 ms" \
    "$(row escalation 'saturation: PostgreSQL CPU per case')" "a cost in both runs"
assert_eq "backlog drain rate 0 5000 - cases/s" "$(row backlog 'drain rate')" "an old value of 0"
assert_eq "backlog peak RSS - - - MiB" "$(row backlog 'peak RSS')" "a value that is not a number"
assert_eq "baseline only in the new run - 3 - rows/s" "$(row baseline 'only in the new run')" \
    "a figure only the new run has"
assert_eq "district only in the old run 7 - - s" "$(row district 'only in the old run')" \
    "a figure only the old run has"
assert_eq 6 "$(grep -cE '^(intake|escalation|backlog|baseline|district) ' <<<"$out")" \
    "one line per figure of either run"

# What is not a bench's JSON is refused, with the file named.
echo '{"results": 3}' >"$FQ_RUN_DIR/bad.json"
assert_exit 2 bash "$FQ_REPO/scripts/bench" --compare "$old" "$FQ_RUN_DIR/bad.json"
assert_contains "$E2E_OUT" "bad.json is not the JSON of scripts/bench --json" "a JSON that is not the bench's"
: >"$FQ_RUN_DIR/empty.json"
assert_exit 2 bash "$FQ_REPO/scripts/bench" --compare "$FQ_RUN_DIR/empty.json" "$old"
assert_contains "$E2E_OUT" "empty.json is not the JSON of scripts/bench --json" "an empty file"
assert_exit 2 bash "$FQ_REPO/scripts/bench" --compare "$old" "$FQ_RUN_DIR/missing.json"
assert_contains "$E2E_OUT" "cannot read" "a missing file"
assert_exit 2 bash "$FQ_REPO/scripts/bench" --compare "$old"

echo "test_95_bench_compare: ok"
