#!/usr/bin/env bash
# tests/e2e/test_42_link_keys.sh - the tier link speaks CurveZMQ, one keypair per unit.
#
# (a) casectl keygen: a keypair per unit in the config's key directory (secret mode 600), kept
#     when it is there, replaced only when asked; unknown units and a missing --config refused.
# (b) A stranger's key gets no connection to the street's link: nothing answers it, nothing
#     reaches the street's tables, and the street logs the refused handshake.
# (c) A daemon does not start without its secret key, with a public key that is not its
#     secret's, or (a parent) without a child's public key; each error says how to make it.
#     --check-config says the same. A secret key others can read is named in a warning.
# (d) A street given a new keypair is not spoken to by a community that knows the old one,
#     until the community is restarted with the new public key; then cases flow again.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init link_keys
cfg=$FQ_RUN_DIR/small.yaml
e2e_config_small "$cfg"
command -v jq >/dev/null || fail "jq is needed by this test"
keys=$FQ_RUN_DIR/keys

# =============================================================================================
# (a) casectl keygen, before the cluster makes the keys itself.
kg() { "$FQ_BUILD_DIR/casectl" --config "$cfg" "$@" keygen; }
assert_exit 0 "$FQ_BUILD_DIR/casectl" --config "$cfg" keygen "$E2E_STREET"
assert_contains "$E2E_OUT" "$E2E_STREET: new keypair: $keys/$E2E_STREET.key" "keygen of one unit"
assert_eq 600 "$(stat -c %a "$keys/$E2E_STREET.key")" "mode of the secret key"
assert_eq 644 "$(stat -c %a "$keys/$E2E_STREET.pub")" "mode of the public key"
assert_eq 700 "$(stat -c %a "$keys")" "mode of the key directory"
assert_eq "41 1" "$(wc -c <"$keys/$E2E_STREET.pub") $(wc -l <"$keys/$E2E_STREET.pub")" \
    "the public key file: one line of 40 characters"
street_pub=$(cat "$keys/$E2E_STREET.pub")
[[ ! -e $keys/$E2E_COMM1.key ]] || fail "keygen of one unit made another's key"

out=$(kg --json)
assert_eq 4 "$(jq -s length <<<"$out")" "keygen of every unit: lines"
assert_eq kept "$(jq -r --arg u "$E2E_STREET" 'select(.unit == $u) | .result' <<<"$out")" "the street's keypair is kept"
assert_eq "wrote wrote wrote" "$(jq -r 'select(.result == "wrote") | .result' <<<"$out" | xargs)" "the others are new"
assert_eq "$street_pub" "$(cat "$keys/$E2E_STREET.pub")" "the kept public key"

rm "$keys/$E2E_COMM1.pub"
assert_exit 0 "$FQ_BUILD_DIR/casectl" --config "$cfg" --json keygen "$E2E_COMM1"
assert_eq public "$(jq -r .result <<<"$E2E_OUT")" "a lost public key is written from the secret"
comm1_pub=$(cat "$keys/$E2E_COMM1.pub")

assert_exit 2 "$FQ_BUILD_DIR/casectl" --config "$cfg" keygen 440311009999
assert_contains "$E2E_OUT" "no unit 440311009999" "keygen of an unknown unit"
assert_exit 2 "$FQ_BUILD_DIR/casectl" keygen
assert_contains "$E2E_OUT" "needs --config" "keygen without a config"
echo "not a key" >"$keys/$E2E_COMM2.key"
assert_exit 1 "$FQ_BUILD_DIR/casectl" --config "$cfg" keygen "$E2E_COMM2"
assert_contains "$E2E_OUT" "not a key" "keygen over a file that is not a key"
assert_eq "not a key" "$(cat "$keys/$E2E_COMM2.key")" "a file that is not a key is left alone"
assert_exit 0 "$FQ_BUILD_DIR/casectl" --config "$cfg" keygen "$E2E_COMM2" --replace

# A district with a link endpoint and no streets yet binds a Curve server all the same: it
# needs its keypair too.
mkdir "$FQ_RUN_DIR/lone"
printf 'name: lone\nunits:\n  - {code: "%s", name: 区, tier: district, ops: "tcp://127.0.0.1:1", link: "tcp://127.0.0.1:2"}\n' \
    "$E2E_DISTRICT" >"$FQ_RUN_DIR/lone/lone.yaml"
assert_exit 1 "$FQ_BUILD_DIR/districtd" --config "$FQ_RUN_DIR/lone/lone.yaml" --unit "$E2E_DISTRICT" --check-config
assert_contains "$E2E_OUT" "lone/keys/$E2E_DISTRICT.key: No such file" "a childless district without its key"

e2e_up "$cfg"
assert_eq "$street_pub" "$(cat "$keys/$E2E_STREET.pub")" "scripts/cluster up kept the street's key"
assert_eq "$comm1_pub" "$(cat "$keys/$E2E_COMM1.pub")" "scripts/cluster up kept community 1's key"

# =============================================================================================
# (b) A stranger's key on the street's link.
street_link=$(link_endpoint "$E2E_STREET")
qcount() { psql_q "SELECT count(*) FROM street.quarantine WHERE unit='$E2E_STREET'"; }
q_before=$(qcount)
assert_exit 1 "$FQ_BUILD_DIR/fq-poke" link "$street_link" garbage --identity "$E2E_COMM1" \
    --server-key "$keys/$E2E_STREET.pub" --timeout 1500
assert_eq "no answer" "$E2E_OUT" "what a stranger hears"
wait_until 5 grep -q "refused [0-9]* link handshake(s) from keys not of a child of this unit" \
    "$FQ_RUN_DIR/$E2E_STREET.log"
assert_eq "$q_before" "$(qcount)" "quarantine rows after a stranger's frame"
# The same with community 1's secret key is heard (and its garbage quarantined).
# shellcheck disable=SC2046 # poke_as gives whole options
assert_exit 0 "$FQ_BUILD_DIR/fq-poke" link "$street_link" garbage --identity "$E2E_COMM1" \
    $(poke_as "$E2E_COMM1" "$E2E_STREET")
assert_contains "$E2E_OUT" "not a fengqiao Envelope" "what community 1's key hears"
assert_eq $((q_before + 1)) "$(qcount)" "quarantine rows after community 1's garbage"

# =============================================================================================
# (c) Start-up without the right keys. Community 2 is stopped and started by hand.
cluster kill "$cfg" "$E2E_COMM2" >/dev/null
daemon_fails() { # TIER CODE NEEDLE: the daemon exits 1 at once, saying NEEDLE
    assert_exit 1 timeout 10 "$FQ_BUILD_DIR/${1}d" --config "$cfg" --unit "$2"
    assert_contains "$E2E_OUT" "$3" "$1d $2 refusing to start"
}
mv "$keys/$E2E_COMM2.key" "$keys/$E2E_COMM2.key.away"
daemon_fails community "$E2E_COMM2" "$keys/$E2E_COMM2.key: No such file or directory"
assert_contains "$E2E_OUT" "casectl --config $cfg keygen $E2E_COMM2" "the error says how to make the key"
assert_exit 1 "$FQ_BUILD_DIR/communityd" --config "$cfg" --unit "$E2E_COMM2" --check-config
assert_contains "$E2E_OUT" "$keys/$E2E_COMM2.key: No such file or directory" "--check-config without the key"
mv "$keys/$E2E_COMM2.key.away" "$keys/$E2E_COMM2.key"
cp "$keys/$E2E_COMM2.pub" "$FQ_RUN_DIR/comm2.pub"
cp "$keys/$E2E_COMM1.pub" "$keys/$E2E_COMM2.pub"
daemon_fails community "$E2E_COMM2" "$E2E_COMM2.pub is not the public key of $E2E_COMM2.key"
cp "$FQ_RUN_DIR/comm2.pub" "$keys/$E2E_COMM2.pub"
mv "$keys/$E2E_COMM2.pub" "$FQ_RUN_DIR/comm2.pub"
cluster kill "$cfg" "$E2E_STREET" >/dev/null
daemon_fails street "$E2E_STREET" "$keys/$E2E_COMM2.pub: No such file or directory"
assert_exit 1 "$FQ_BUILD_DIR/streetd" --config "$cfg" --unit "$E2E_STREET" --check-config
assert_contains "$E2E_OUT" "$keys/$E2E_COMM2.pub: No such file" "--check-config of the street without a child's key"
mv "$FQ_RUN_DIR/comm2.pub" "$keys/$E2E_COMM2.pub"
cluster start "$cfg" "$E2E_STREET" >/dev/null
chmod 644 "$keys/$E2E_COMM2.key"
assert_exit 0 "$FQ_BUILD_DIR/communityd" --config "$cfg" --unit "$E2E_COMM2" --check-config
assert_contains "$E2E_OUT" "warning: $keys/$E2E_COMM2.key can be read by others" "--check-config of a readable secret"
cluster start "$cfg" "$E2E_COMM2" >/dev/null
wait_until 5 grep -q "$E2E_COMM2.key can be read by others (mode 644): chmod 600 it" "$FQ_RUN_DIR/$E2E_COMM2.log"
chmod 600 "$keys/$E2E_COMM2.key"

# =============================================================================================
# (d) The street's key replaced: community 1 still knows the old one.
wait_until 10 link_is "$E2E_COMM1" "$E2E_STREET" true
assert_exit 0 "$FQ_BUILD_DIR/casectl" --config "$cfg" keygen "$E2E_STREET" --replace
[[ $(cat "$keys/$E2E_STREET.pub") != "$street_pub" ]] || fail "--replace kept the street's key"
cluster start "$cfg" "$E2E_STREET" >/dev/null
no=$(ctl "$E2E_COMM1" submit --title "换钥匙之后" --category neighbour --actor grid-keys)
ctl "$E2E_COMM1" accept "$no" >/dev/null
ctl "$E2E_COMM1" escalate "$no" >/dev/null
wait_until 10 link_is "$E2E_COMM1" "$E2E_STREET" false
sleep 2
assert_exit 1 ctl "$E2E_STREET" show "$no"
assert_contains "$E2E_OUT" "no case $no" "the street before community 1 knows its new key"
cluster start "$cfg" "$E2E_COMM1" >/dev/null
wait_until 15 has_state "$E2E_STREET" "$no" escalated
# Community 2 was started before the street had its new key: it too needs a restart.
cluster start "$cfg" "$E2E_COMM2" >/dev/null
wait_until 10 link_is "$E2E_COMM2" "$E2E_STREET" true
assert_eq 0 "$(ctl "$E2E_STREET" --json status | jq '[.links[].poisoned] | add')" "poisoned messages at the street"

echo "test_42_link_keys: ok"
