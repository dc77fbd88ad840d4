#!/usr/bin/env bash
# tests/e2e/test_43_tier_roles.sh - each tier's daemons connect as the tier's own database role
# (database.roles), which owns the tier's schema and has no rights on the others.
#
# (a) A deployment that ran without roles (its schemas the superuser's, a case in them) is
#     given database.roles: scripts/cluster up hands each tier's schema and what it holds to
#     the tier's role, and the daemons come back connected as their roles, the case still there.
# (b) Under the roles the case goes on up to the district, and a new one follows it.
# (c) Each role reads its own schema and is refused the other two, and cannot make a schema.
# (d) casectl roles lists the roles; an unknown tier or a bad role name is refused with its line.
#     scripts/cluster up on an outside server (FQ_DATABASE_URL) makes no role, and names the
#     ones missing there before any daemon starts.
# (e) A daemon whose role has no rights on its schema stays up with its database down; its log
#     names the role and the schema. Once scripts/cluster gives the role the schema, it connects.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init tier_roles
cfg=$FQ_RUN_DIR/small.yaml
e2e_config_small "$cfg"
command -v jq >/dev/null || fail "jq is needed by this test"

# backend_user CODE: the database user unit CODE's daemon is connected as.
backend_user() {
    psql_q "SELECT usename FROM pg_stat_activity WHERE application_name = 'fengqiao $1'"
}

# as_role ROLE SQL: run SQL as ROLE; prints psql's output, errors included.
as_role() { psql_q "$2" -U "$1" 2>&1; }

# =============================================================================================
# (a) Without roles first: every daemon connects as the url's user.
e2e_up "$cfg"
first=$(ctl "$E2E_COMM1" submit --title "角色测试 欠薪" --category wage_arrears --risk 3 \
    --party "张三:13800000000:申请人")
ctl "$E2E_COMM1" accept "$first" --actor grid-1 >/dev/null
ctl "$E2E_COMM1" escalate "$first" --actor grid-1 --note 上报 >/dev/null
wait_until 20 has_state "$E2E_STREET" "$first" escalated "$E2E_STREET"
assert_eq postgres "$(backend_user "$E2E_STREET")" "without database.roles the street connects as the url's user"
assert_eq postgres "$(psql_q "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'street'")" \
    "without roles the street's schema is the superuser's"

for code in "$E2E_COMM1" "$E2E_COMM2" "$E2E_STREET" "$E2E_DISTRICT"; do
    cluster kill "$cfg" "$code" >/dev/null
done
sed -i '/^  url: "dbname=fengqiao"$/a\  roles: {community: fq_t_community, street: fq_t_street, district: fq_t_district}' "$cfg"
grep -q 'roles: {community: fq_t_community' "$cfg" || fail "could not add database.roles to $cfg"
e2e_up "$cfg"
for code in "$E2E_COMM1" "$E2E_COMM2" "$E2E_STREET" "$E2E_DISTRICT"; do
    tier=$("$FQ_BUILD_DIR/casectl" --config "$cfg" units | awk -F'\t' -v c="$code" '$1 == c {print $2}')
    assert_eq "fq_t_$tier" "$(backend_user "$code")" "unit $code ($tier) connects as its tier's role"
    grep -q "database connected (schema $tier, role fq_t_$tier)" "$FQ_RUN_DIR/$code.log" ||
        fail "the log of $code does not say it connected as fq_t_$tier"
done
for tier in community street district; do
    owners=$(psql_q "SELECT DISTINCT owner FROM (
                       SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = '$tier'
                       UNION ALL SELECT relowner::regrole::text FROM pg_class WHERE relnamespace = '$tier'::regnamespace
                       UNION ALL SELECT proowner::regrole::text FROM pg_proc WHERE pronamespace = '$tier'::regnamespace) o")
    assert_eq "fq_t_$tier" "$owners" "the $tier schema, its tables and its functions are handed to fq_t_$tier"
done
assert_eq escalated "$(field "$E2E_STREET" "$first" .state)" "the case taken in before the roles is still at the street"

# =============================================================================================
# (b) The chain carries on under the roles.
ctl "$E2E_STREET" accept "$first" --actor street-1 >/dev/null
ctl "$E2E_STREET" escalate "$first" --actor street-1 --note 提级 >/dev/null
wait_until 20 has_state "$E2E_DISTRICT" "$first" escalated "$E2E_DISTRICT"
wait_until 20 has_state "$E2E_COMM1" "$first" escalated "$E2E_DISTRICT"
second=$(ctl "$E2E_COMM2" submit --title "角色测试 邻里" --category neighbour --risk 1)
ctl "$E2E_COMM2" accept "$second" --actor grid-2 >/dev/null
ctl "$E2E_COMM2" escalate "$second" --actor grid-2 --note 上报 >/dev/null
wait_until 20 has_state "$E2E_STREET" "$second" escalated "$E2E_STREET"

# =============================================================================================
# (c) Each role has its own schema and nothing else.
for tier in community street district; do
    out=$(as_role "fq_t_$tier" "SELECT count(*) FROM $tier.cases") ||
        fail "fq_t_$tier cannot read its own $tier.cases: $out"
    ((out >= 1)) || fail "fq_t_$tier sees no case in $tier.cases"
    for other in community street district; do
        [[ $other == "$tier" ]] && continue
        out=$(as_role "fq_t_$tier" "SELECT count(*) FROM $other.cases") &&
            fail "fq_t_$tier read $other.cases: $out"
        assert_contains "$out" "permission denied for schema $other" "fq_t_$tier reading $other.cases"
        out=$(as_role "fq_t_$tier" "DELETE FROM $other.outbox") &&
            fail "fq_t_$tier deleted from $other.outbox: $out"
        assert_contains "$out" "permission denied for schema $other" "fq_t_$tier deleting from $other.outbox"
    done
    out=$(as_role "fq_t_$tier" "CREATE SCHEMA fq_t_elsewhere") && fail "fq_t_$tier made a schema: $out"
    assert_contains "$out" "permission denied for database" "fq_t_$tier making a schema"
done

# =============================================================================================
# (d) casectl roles, and database.roles refused when wrong.
assert_exit 0 "$FQ_BUILD_DIR/casectl" --config "$cfg" roles
assert_eq "$(printf 'community\tfq_t_community\nstreet\tfq_t_street\ndistrict\tfq_t_district')" "$E2E_OUT" \
    "casectl roles"
assert_exit 0 "$FQ_BUILD_DIR/casectl" --config "$cfg" --json roles
assert_eq "street fq_t_street street" "$(jq -r 'select(.tier == "street") | "\(.tier) \(.role) \(.schema)"' <<<"$E2E_OUT")" \
    "casectl --json roles"
bad=$FQ_RUN_DIR/bad.yaml
for roles in "{city: fq_t_city}" "{street: Fq_Street}" "{street: \"fq street\"}" "{street: 9fq}" \
    "{street: $(printf 'r%.0s' {1..64})}" "[fq_t_street]"; do
    sed "s|^  roles: .*|  roles: $roles|" "$cfg" >"$bad"
    assert_exit 1 "$FQ_BUILD_DIR/casectl" --config "$bad" roles
    assert_contains "$E2E_OUT" "$bad:" "database.roles: $roles is refused with its place in the file"
    case $roles in
    *city*) assert_contains "$E2E_OUT" "unknown key 'city' in database.roles" "an unknown tier in database.roles" ;;
    \[*) assert_contains "$E2E_OUT" "database.roles must be a mapping" "database.roles as a list" ;;
    *) assert_contains "$E2E_OUT" "'street' must be a role name" "database.roles.street: $roles" ;;
    esac
done
# On a server of FQ_DATABASE_URL the roles are its administrator's: scripts/cluster makes none,
# and says which are missing before any daemon starts.
sed 's|^  roles: .*|  roles: {community: fq_t_community, street: fq_t_nobody, district: fq_t_none}|' "$cfg" >"$bad"
url=$(. "$FQ_RUN_DIR/pg.env" && echo "$FQ_DATABASE_URL")
FQ_RUN_DIR=$FQ_RUN_DIR/outside FQ_DATABASE_URL=$url assert_exit 1 bash "$FQ_REPO/scripts/cluster" up "$bad"
assert_contains "$E2E_OUT" "database.roles: no role fq_t_nobody (street), fq_t_none (district) on the server of FQ_DATABASE_URL" \
    "scripts/cluster up on an outside server lacking the roles"
[[ ! -e $FQ_RUN_DIR/outside/$E2E_STREET.pid ]] || fail "scripts/cluster started a daemon whose role is missing"
assert_eq 0 "$(psql_q "SELECT count(*) FROM pg_roles WHERE rolname IN ('fq_t_nobody', 'fq_t_none')")" \
    "scripts/cluster made roles on an outside server"
sed "s|^  roles: .*|  roles: [fq_t_street]|" "$cfg" >"$bad"
assert_exit 1 "$FQ_BUILD_DIR/streetd" --config "$bad" --unit "$E2E_STREET" --check-config
assert_contains "$E2E_OUT" "database.roles must be a mapping" "streetd --check-config with database.roles a list"

# =============================================================================================
# (e) A role without rights on its schema: the daemon says who was refused what, and waits.
psql_q "CREATE ROLE fq_t_stranger LOGIN"
stranger=$FQ_RUN_DIR/stranger.yaml
sed 's|street: fq_t_street|street: fq_t_stranger|' "$cfg" >"$stranger"
cluster kill "$cfg" "$E2E_STREET" >/dev/null
(
    set -a
    # shellcheck disable=SC1091
    . "$FQ_RUN_DIR/pg.env"
    set +a
    exec setsid "$FQ_BUILD_DIR/streetd" --config "$stranger" --unit "$E2E_STREET"
) >"$FQ_RUN_DIR/stranger.log" 2>&1 &
echo $! >"$FQ_RUN_DIR/$E2E_STREET.pid" # scripts/cluster down stops it if this test fails
refused() { grep -q "role fq_t_stranger (database.roles.street), schema street: user fq_t_stranger may not use schema street" \
    "$FQ_RUN_DIR/stranger.log"; }
wait_until 20 refused
[[ $(ctl "$E2E_STREET" --json status | jq -r .database) == down ]] ||
    fail "the street with a role refused its schema does not say its database is down"
assert_eq "" "$(backend_user "$E2E_STREET")" "the refused street keeps no connection"
cluster kill "$cfg" "$E2E_STREET" >/dev/null

cluster start "$stranger" "$E2E_STREET" >/dev/null
wait_until 20 db_up "$E2E_STREET"
assert_eq fq_t_stranger "$(backend_user "$E2E_STREET")" "the street connects once scripts/cluster gave its role the schema"
assert_eq escalated "$(field "$E2E_STREET" "$second" .state)" "the street's cases are all there under the new role"
out=$(as_role fq_t_street "SELECT count(*) FROM street.cases") && fail "the street's old role still reads it: $out"

e2e_down
echo PASS
