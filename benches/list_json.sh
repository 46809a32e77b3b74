#!/usr/bin/env bash
# Budget check for PRODUCT.md section 9:
#   `sfconn list --json` with 1,000 connections: median <= 10 ms wall, <= 15 MB peak RSS, and
#   (issue 13) <= 2 x the median of `sfconn --version` (the process start floor);
#   with CONNECTIONS=10000: median <= 50 ms wall, <= 40 MiB peak RSS.
# The first `list` after the profile file changed parses it and leaves the parsed-profile cache
# (profiles.toml.cache); the timed runs, after the warm-up, read that cache, as every `list`
# does until the file changes again.
#
# Builds the release binary, writes a throw-away SFCONN_HOME holding 1,000 connections of every
# flow (profiles.toml, with comments like a hand-edited file) and a state.json with last-test
# results for half of them, then measures:
#   - wall time of `sfconn list --json` with hyperfine (median of RUNS runs after WARMUP warm-ups)
#     and its mean CPU time (user + system), which a busy machine disturbs much less,
#   - peak RSS with `/usr/bin/time -f %M` (the largest of RSS_RUNS runs),
#   - `sfconn --version` wall time and RSS, for reference (process start-up alone).
# Exits 1 when a budget is missed, 2 when a tool is missing or the output is wrong.
#
# Usage: benches/list_json.sh [--no-build]
# Environment: SFCONN_BIN (binary to measure; implies --no-build), CONNECTIONS (default 1000),
#              RUNS (default 100), WARMUP (default 10), RSS_RUNS (default 20),
#              KEEP_HOME=1 (keep the fixture directory, e.g. to profile against it).
# Needs: hyperfine (apt-get install hyperfine / cargo install hyperfine), GNU time (/usr/bin/time).
set -euo pipefail

CONNECTIONS=${CONNECTIONS:-1000}
BUDGET_MS=10
BUDGET_RSS_MB=15
RATIO_BUDGET=2
if ((CONNECTIONS > 1000)); then
    BUDGET_MS=50
    BUDGET_RSS_MB=40
    RATIO_BUDGET=0 # no ratio budget for 10,000
fi
RUNS=${RUNS:-100}
WARMUP=${WARMUP:-10}
RSS_RUNS=${RSS_RUNS:-20}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=1
[[ "${1:-}" == "--no-build" || -n "${SFCONN_BIN:-}" ]] && build=0

need() {
    command -v "$1" >/dev/null 2>&1 || {
        echo "error: $1 is not installed; $2" >&2
        exit 2
    }
}
need hyperfine "install it with \`apt-get install hyperfine\` or \`cargo install hyperfine\`"
need awk "install awk"
[[ -x /usr/bin/time ]] || {
    echo "error: /usr/bin/time (GNU time) is missing; install it with \`apt-get install time\`" >&2
    exit 2
}

if ((build)); then
    (cd "$repo" && cargo build --release --bin sfconn)
fi
if [[ -n "${SFCONN_BIN:-}" ]]; then
    bin=$SFCONN_BIN
else
    target_dir=${CARGO_TARGET_DIR:-$repo/target}
    bin=$target_dir/release/sfconn
fi
[[ -x "$bin" ]] || {
    echo "error: no binary at $bin; run \`cargo build --release\` or set SFCONN_BIN" >&2
    exit 2
}

home=$(mktemp -d "${TMPDIR:-/tmp}/sfconn-bench.XXXXXX")
if [[ -n "${KEEP_HOME:-}" ]]; then
    echo "fixture kept in $home" >&2
else
    trap 'rm -rf "$home"' EXIT
fi

# The fixture: deterministic, so every run measures the same file.
awk -v n="$CONNECTIONS" -v home="$home" '
function key(i,   s, j, alphabet) {
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"
    s = "3MVG9"
    for (j = 0; j < 80; j++) s = s substr(alphabet, (i * 7919 + j * 104729) % 64 + 1, 1)
    return s
}
BEGIN {
    split("web jwt client-credentials password device", flows, " ")
    split("Sales Service Billing OrderSync Marketing Data Support Finance", apps, " ")
    split("reach token userinfo api", steps, " ")
    split("invalid_grant invalid_client_id invalid_client API_DISABLED_FOR_ORG timeout", codes, " ")
    p = home "/profiles.toml"; s = home "/state.json"
    print "# sfconn connections (benchmark fixture: " n " connections of every flow)" > p
    print "default = \"Acme-Prod-Sales-0001\"" > p
    print "timeout_secs = 10" > p
    printf "{\n  \"tests\": {" > s
    first = 1
    for (i = 1; i <= n; i++) {
        flow = flows[(i - 1) % 5 + 1]
        sandbox = (i % 3 == 0)
        app = apps[(i - 1) % 8 + 1]
        name = sprintf("Acme-%s-%s-%04d", sandbox ? "Uat" : "Prod", app, i)
        print "" > p
        if (i % 10 == 1) print "# " app " integration, owned by the " app " team" > p
        print "[connections." name "]" > p
        print "flow = \"" flow "\"" > p
        print "environment = \"" (sandbox ? "sandbox" : "production") "\"" > p
        if (flow == "client-credentials" || i % 2 == 0) {
            if (sandbox) printf "domain = \"https://acme%d--uat.sandbox.my.salesforce.com\"\n", i > p
            else printf "domain = \"https://acme%d.my.salesforce.com\"\n", i > p
        }
        print "client_id = \"" key(i) "\"" > p
        if (flow == "jwt" || flow == "password" || i % 4 == 0)
            printf "username = \"integration.%04d@acme.example.com\"\n", i > p
        if (flow == "jwt") {
            print "key_file = \"keys/" name ".key\"" > p
            print "cert_file = \"keys/" name ".crt\"" > p
        }
        if (flow == "web") printf "callback_port = %d\n", 1717 + i % 5 > p
        if (flow == "web" || flow == "device") print "scopes = \"api refresh_token openid\"" > p
        if (i % 7 == 0) print "timeout_secs = 30" > p
        if (i % 2 == 1) {
            ok = (i % 4 == 1)
            printf "%s\n    \"%s\": {\n", (first ? "" : ","), name > s
            first = 0
            printf "      \"at\": \"2026-11-%02dT%02d:%02d:%02dZ\",\n", i % 28 + 1, i % 24, i % 60, (i * 7) % 60 > s
            printf "      \"ok\": %s,\n", (ok ? "true" : "false") > s
            if (ok) {
                printf "      \"error_code\": null,\n      \"failed_step\": null,\n      \"hint_title\": null,\n" > s
                last = 4
            } else {
                last = (i % 4) + 1
                printf "      \"error_code\": \"%s\",\n", codes[i % 5 + 1] > s
                printf "      \"failed_step\": \"%s\",\n", steps[last] > s
                printf "      \"hint_title\": \"The login host rejected the request\",\n" > s
            }
            printf "      \"steps\": [" > s
            for (j = 1; j <= last; j++)
                printf "%s\n        {\"step\": \"%s\", \"ok\": %s, \"ms\": %d}", (j > 1 ? "," : ""), steps[j], (ok || j < last ? "true" : "false"), (i * j * 37) % 900 + 40 > s
            printf "\n      ]\n    }" > s
        }
    }
    printf "\n  }\n}\n" > s
}'

# The measured process sees only the fixture: no profile override, the default secret store
# (which `list` must never open), and no `env` wrapper whose own start-up would be timed.
export SFCONN_HOME=$home
unset SFCONN_PROFILE SFCONN_SECRET_STORE SFCONN_CONFIG RUST_LOG

# The output must be right before its speed means anything.
out=$("$bin" list --json) || {
    echo "error: \`sfconn list --json\` failed on the fixture in $home" >&2
    exit 2
}
listed=$(grep -c '"name": ' <<<"$out" || true)
tested=$(grep -c '"last_test": {' <<<"$out" || true)
if [[ "$listed" != "$CONNECTIONS" || "$tested" != "$(((CONNECTIONS + 1) / 2))" ]]; then
    echo "error: expected $CONNECTIONS connections, $(((CONNECTIONS + 1) / 2)) with a last test; got $listed and $tested" >&2
    exit 2
fi

csv=$home/hyperfine.csv
hyperfine --shell=none --style=basic --warmup "$WARMUP" --runs "$RUNS" --export-csv "$csv" \
    --command-name "list" "$bin list --json" \
    --command-name "version" "$bin --version" >&2

# hyperfine's CSV: command,mean,stddev,median,user,system,min,max (seconds; user and system
# are means). CPU time (user + system) is printed too: on a shared machine it moves far less
# than wall time, which includes waiting for a core.
column_ms() { awk -F, -v c="$1" -v k="$2" '$1 == c { printf "%.2f", $k * 1000 }' "$csv"; }
cpu_ms() { awk -F, -v c="$1" '$1 == c { printf "%.2f", ($5 + $6) * 1000 }' "$csv"; }
# Peak RSS in KiB: the largest of RSS_RUNS runs (GNU time writes its figure to a file, apart
# from the command's own output).
peak_rss_kb() {
    local max=0 kb
    for _ in $(seq "$RSS_RUNS"); do
        /usr/bin/time -f '%M' -o "$home/rss" "$@" >/dev/null 2>&1
        kb=$(tail -n 1 "$home/rss")
        if ((kb > max)); then max=$kb; fi
    done
    echo "$max"
}
list_kb=$(peak_rss_kb "$bin" list --json)
version_kb=$(peak_rss_kb "$bin" --version)

echo
awk -v n="$CONNECTIONS" -v bms="$BUDGET_MS" -v bmb="$BUDGET_RSS_MB" -v rb="$RATIO_BUDGET" \
    -v ms="$(column_ms list 4)" -v lo="$(column_ms list 7)" -v cpu="$(cpu_ms list)" -v kb="$list_kb" \
    -v vms="$(column_ms version 4)" -v vlo="$(column_ms version 7)" -v vcpu="$(cpu_ms version)" -v vkb="$version_kb" '
BEGIN {
    mb = kb / 1024
    t = (ms <= bms) ? "ok" : "OVER"
    r = (mb <= bmb) ? "ok" : "OVER"
    printf "%-26s %12s %10s %10s %10s\n", "", "median wall", "min wall", "mean CPU", "peak RSS"
    printf "%-26s %9.2f ms %7.2f ms %7.2f ms %7.1f MB\n", "list --json, " n " conns", ms, lo, cpu, mb
    printf "%-26s %9d ms %10s %10s %7d MB\n", "budget", bms, "", "", bmb
    printf "%-26s %12s %10s %10s %10s\n", "", t, "", "", r
    printf "%-26s %9.2f ms %7.2f ms %7.2f ms %7.1f MB\n", "--version (start-up)", vms, vlo, vcpu, vkb / 1024
    ratio = ms / vms
    q = (rb == 0 || ratio <= rb) ? "ok" : "OVER"
    printf "%-26s %9.2f x %s\n", "list / --version (median)", ratio, (rb == 0 ? "(no budget)" : "(budget " rb " x) " q)
    exit (t == "ok" && r == "ok" && q == "ok") ? 0 : 1
}' && status=0 || status=1
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
echo "machine: $(nproc) cores, load average $load; binary: $bin"
if awk -v l="$load" -v c="$(nproc)" 'BEGIN { exit !(l > c / 2) }'; then
    echo "note: the machine is busy, so wall times are inflated; compare mean CPU, or re-run when idle"
fi
exit "$status"
