#!/bin/sh
# cli.sh - the command line as users meet it: help for every command, exit
# status 2 for bad usage and bad config (with file:line:col on stderr), and
# `fupin config` printing resolved paths. Plain POSIX sh.
set -u

BIN=${FUPIN_BIN:?FUPIN_BIN is not set}
SRC=${FUPIN_SOURCE_DIR:?FUPIN_SOURCE_DIR is not set}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/fupin-cli.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# expect STATUS DESCRIPTION COMMAND... : runs COMMAND, output in $TMP/out, $TMP/err
expect() {
    want=$1
    what=$2
    shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$what: exit $got, expected $want"
        sed 's/^/  stderr: /' "$TMP/err" >&2
    else
        echo "ok   $what"
    fi
}

expect 0 "fupin --help" "$BIN" --help
grep -q "fupin \[-c " "$TMP/out" || fail "fupin --help prints no usage"
for cmd in init run eval explain check test nightly alert config; do
    expect 0 "fupin $cmd --help" "$BIN" -c "$SRC/configs/fupin.yaml" "$cmd" --help
    [ -s "$TMP/out" ] || fail "fupin $cmd --help printed nothing"
done

expect 2 "unknown command" "$BIN" frobnicate
grep -q "frobnicate" "$TMP/err" || fail "unknown command: stderr does not name it"
expect 2 "unknown option" "$BIN" --frobnicate config database
grep -q -- "--frobnicate" "$TMP/err" || fail "unknown option: stderr does not name it"
expect 2 "no command" "$BIN"

cat >"$TMP/bad.yaml" <<'EOF'
database: fupin.db
policies: policies
engine:
  workers: 2
  wrokers: 3
EOF
expect 2 "config with an unknown key" "$BIN" -c "$TMP/bad.yaml" config database
grep -q "bad.yaml:5:3: " "$TMP/err" || fail "unknown key: stderr lacks bad.yaml:5:3: ($(cat "$TMP/err"))"
grep -q "wrokers" "$TMP/err" || fail "unknown key: stderr does not name the key"
[ -s "$TMP/out" ] && fail "unknown key: something was printed on stdout"

printf 'database: x.db\npolicies: p\nengine: {workers: many}\n' >"$TMP/type.yaml"
expect 2 "config with a wrong type" "$BIN" -c "$TMP/type.yaml" config database
grep -q 'type.yaml:3:19: engine.workers：应为整数' "$TMP/err" ||
    fail "wrong type: stderr is $(cat "$TMP/err")"

expect 2 "missing config" "$BIN" -c "$TMP/missing.yaml" config database
grep -q "missing.yaml：文件不存在" "$TMP/err" || fail "missing config: stderr is $(cat "$TMP/err")"

expect 0 "config database" "$BIN" -c "$SRC/configs/fupin.yaml" config database
case $(cat "$TMP/out") in
/*var/fupin.db) echo "ok   database path $(cat "$TMP/out")" ;;
*) fail "config database printed '$(cat "$TMP/out")', expected an absolute path ending in var/fupin.db" ;;
esac

# http.listen: what `make demo` announces; exit 1 (nothing printed) when
# the console is off, a bare port read as the loopback's.
expect 1 "config http.listen, console off" "$BIN" -c "$SRC/configs/fupin.yaml" config http.listen
[ -s "$TMP/out" ] && fail "http.listen with the console off printed '$(cat "$TMP/out")'"
printf 'database: f.db\npolicies: p\nhttp:\n  listen: 8123\n' >"$TMP/port.yaml"
expect 0 "config http.listen, a bare port" "$BIN" -c "$TMP/port.yaml" config http.listen
[ "$(cat "$TMP/out")" = 127.0.0.1:8123 ] || fail "http.listen printed '$(cat "$TMP/out")', expected 127.0.0.1:8123"

# Relative paths resolve against the config's folder, wherever fupin runs.
mkdir -p "$TMP/etc/sub"
printf 'database: ../data/f.db\npolicies: p\n' >"$TMP/etc/sub/rel.yaml"
expect 0 "relative database path" sh -c "cd / && '$BIN' -c '$TMP/etc/sub/rel.yaml' config database"
real=$(cd "$TMP/etc" && pwd -P)
[ "$(cat "$TMP/out")" = "$real/data/f.db" ] || fail "relative path gave '$(cat "$TMP/out")', expected $real/data/f.db"

expect 0 "FUPIN_PLUGIN_DIR overrides plugins.dir" env FUPIN_PLUGIN_DIR=/opt/plugins "$BIN" -c "$SRC/configs/fupin.yaml" config plugins
[ "$(cat "$TMP/out")" = /opt/plugins ] || fail "plugins printed '$(cat "$TMP/out")'"

expect 2 "config unknown KEY" "$BIN" -c "$SRC/configs/fupin.yaml" config nonsense

# `fupin test` names case files relative to where it runs when they lie
# under it (the config resolves policy_tests to an absolute path).
expect 0 "fupin test from the source folder" sh -c "cd '$SRC' && '$BIN' -c configs/fupin.yaml test"
grep -q '^通过 tests/policies/industry.yaml: ' "$TMP/out" ||
    fail "fupin test from the source folder printed $(head -1 "$TMP/out")"
grep -q '^通过 /' "$TMP/out" && fail "fupin test from the source folder printed an absolute path"
expect 0 "fupin test of an absolute file under the folder" \
    sh -c "cd '$SRC/tests' && '$BIN' -c ../configs/fupin.yaml test '$SRC/tests/policies/exit.yaml'"
grep -q '^通过 policies/exit.yaml: ' "$TMP/out" || fail "absolute file under the folder printed $(head -1 "$TMP/out")"
# Chinese by default (above); English when asked, with the same names.
expect 0 "fupin test from elsewhere" sh -c "cd '$TMP' && LANGUAGE=en '$BIN' -c '$SRC/configs/fupin.yaml' test"
grep -q '^ok   /.*/tests/policies/industry.yaml: ' "$TMP/out" ||
    fail "fupin test from elsewhere printed $(head -1 "$TMP/out")"

if [ "$failures" -ne 0 ]; then
    echo "$failures failed" >&2
    exit 1
fi
echo "all passed"
