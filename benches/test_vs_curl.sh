#!/usr/bin/env bash
# Budget check for PRODUCT.md section 9:
#   one `sfconn test` vs `curl` doing the same token + userinfo requests: <= 1.2x.
#
# Builds the release binary, starts the practice org twice (`sfconn demo --serve`, once as is and
# once adding LATENCY_MS per request), writes a throw-away SFCONN_HOME (file secret store) with a
# client-credentials connection to each, then measures with hyperfine:
#   - `sfconn test NAME` with no cached token (hyperfine `--prepare` deletes the `access_token`
#     entry of secrets.toml before every run, so every test grants a new token),
#   - a bash script making the same four HTTP requests with curl, in two curl processes of two
#     requests each (the fewest possible: the last two need the token from the second):
#     `GET {domain}/services/data/` (reach),
#     `POST {domain}/services/oauth2/token` grant_type=client_credentials (token; the access
#     token and instance URL are taken from the JSON with bash's own regex matching, no extra
#     process), `GET {instance_url}/services/oauth2/userinfo` and
#     `GET {instance_url}/services/data/v62.0/limits` with the bearer token.
# The budget is the ratio of the medians, sfconn / curl; it must hold in both variants (without
# latency it measures process and client overhead, with latency the network-bound case).
# Exits 1 when a budget is missed, 2 when a tool is missing or an output is wrong.
#
# Usage: benches/test_vs_curl.sh [--no-build]
# Environment: SFCONN_BIN (binary to measure; implies --no-build), RUNS (default 40),
#              SLOW_RUNS (default 20), WARMUP (default 3), LATENCY_MS (default 50),
#              KEEP_HOME=1 (keep the fixture directory and its curl script).
# Needs: hyperfine (apt-get install hyperfine / cargo install hyperfine), curl, sed.
set -euo pipefail

BUDGET_RATIO=1.2
RUNS=${RUNS:-40}
SLOW_RUNS=${SLOW_RUNS:-20}
WARMUP=${WARMUP:-3}
LATENCY_MS=${LATENCY_MS:-50}

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
need curl "install it with \`apt-get install curl\`"
need awk "install awk"
need sed "install sed"

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
org_pids=()
cleanup() {
    local pid
    for pid in "${org_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n "${KEEP_HOME:-}" ]]; then
        echo "fixture kept in $home" >&2
    else
        rm -rf "$home"
    fi
}
trap cleanup EXIT

# Start a practice org in the background and set `url` to its URL (the My Domain line of its
# banner). Not in a $(...) subshell, so the EXIT trap knows its pid. PORT / SLOW_PORT pin the
# ports; by default the org picks free ones.
start_org() {
    local log=$1 port=$2 latency=$3
    url=
    local args=(demo --serve --latency-ms "$latency")
    [[ -n "$port" ]] && args+=(--port "$port")
    "$bin" "${args[@]}" >"$log" 2>&1 &
    org_pids+=($!)
    for _ in $(seq 100); do
        url=$(sed -n 's|^ *My Domain / instance URL *\(http://[^ ]*\).*|\1|p' "$log")
        [[ -n "$url" ]] && break
        kill -0 "${org_pids[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z "$url" ]]; then
        echo "error: the practice org did not start; its output:" >&2
        cat "$log" >&2
        exit 2
    fi
}
start_org "$home/org.log" "${PORT:-}" 0
fast_url=$url
start_org "$home/org-slow.log" "${SLOW_PORT:-}" "$LATENCY_MS"
slow_url=$url

# The measured process sees only the fixture and the file secret store (no keychain, which would
# need a D-Bus session here); no `env` wrapper whose own start-up would be timed.
export SFCONN_HOME=$home/sfconn
export SFCONN_SECRET_STORE=file
unset SFCONN_PROFILE SFCONN_CONFIG RUST_LOG
mkdir -p "$SFCONN_HOME"
for conn in "cc $fast_url" "cc-slow $slow_url"; do
    set -- $conn
    SFCONN_CLIENT_SECRET=practice-cc-secret "$bin" add "$1" --flow client-credentials \
        --domain "$2" --client-id practice-cc >/dev/null 2>"$home/add.err" || {
        echo "error: \`sfconn add $1\` failed:" >&2
        cat "$home/add.err" >&2
        exit 2
    }
done
secrets=$SFCONN_HOME/secrets.toml

# The curl side: the same requests, failing (curl -f) where sfconn's test would fail.
curl_script=$home/curl-test.sh
cat >"$curl_script" <<'EOF'
#!/usr/bin/env bash
# Usage: curl-test.sh DOMAIN CLIENT_ID CLIENT_SECRET
# Two curl processes, the fewest the data allows (the last two requests need the token): each
# makes two requests over one kept-alive connection (`--next`), as sfconn does over its one.
set -euo pipefail
domain=$1
o=(-sSf --max-time 10)
token=$(curl "${o[@]}" -o /dev/null "$domain/services/data/" \
    --next "${o[@]}" --data-urlencode grant_type=client_credentials \
    --data-urlencode "client_id=$2" --data-urlencode "client_secret=$3" \
    "$domain/services/oauth2/token")
[[ $token =~ \"access_token\":\"([^\"]+)\" ]] || { echo "no access_token in: $token" >&2; exit 1; }
auth="Authorization: Bearer ${BASH_REMATCH[1]}"
[[ $token =~ \"instance_url\":\"([^\"]+)\" ]] || { echo "no instance_url in: $token" >&2; exit 1; }
instance=${BASH_REMATCH[1]}
curl "${o[@]}" -H "$auth" -w '\n' "$instance/services/oauth2/userinfo" \
    --next "${o[@]}" -H "$auth" -w '\n' "$instance/services/data/v62.0/limits"
EOF
chmod +x "$curl_script"

# Both sides must succeed, and sfconn must really grant a token (four steps, no cache) before
# their speed means anything.
drop_token="sed -i /^access_token/d $secrets"
for conn in "cc $fast_url" "cc-slow $slow_url"; do
    set -- $conn
    $drop_token
    out=$("$bin" test "$1" --json 2>/dev/null) || {
        echo "error: \`sfconn test $1\` failed against the practice org at $2:" >&2
        echo "$out" >&2
        exit 2
    }
    steps=$(grep -c '"step": ' <<<"$out" || true)
    if [[ "$steps" != 4 ]] || ! grep -q '"error": null' <<<"$out"; then
        echo "error: expected a passing test of 4 steps from \`sfconn test $1 --json\`, got:" >&2
        echo "$out" >&2
        exit 2
    fi
    grep -q '^access_token' "$secrets" || {
        echo "error: \`sfconn test $1\` left no token cache in $secrets; the --prepare step would measure nothing" >&2
        exit 2
    }
    out=$(bash "$curl_script" "$2" practice-cc practice-cc-secret 2>&1) || {
        echo "error: the curl script failed against the practice org at $2:" >&2
        echo "$out" >&2
        exit 2
    }
    grep -q '"user_id"' <<<"$out" && grep -q '"DailyApiRequests"' <<<"$out" || {
        echo "error: the curl script did not get userinfo and limits from $2:" >&2
        echo "$out" >&2
        exit 2
    }
done

# hyperfine's CSV: command,mean,stddev,median,user,system,min,max (seconds; user and system
# are means). CPU time (user + system) is printed too: on a shared machine it moves far less
# than wall time, which includes waiting for a core.
measure() {
    local csv=$1 runs=$2 name=$3 url=$4
    hyperfine --shell=none --style=basic --warmup "$WARMUP" --runs "$runs" --export-csv "$csv" \
        --prepare "$drop_token" --command-name "sfconn" "$bin test $name" \
        --command-name "curl" "bash $curl_script $url practice-cc practice-cc-secret" >&2 || {
        echo "error: hyperfine failed (a run of one of the commands above failed)" >&2
        exit 2
    }
}
echo "measuring without latency ($RUNS runs each)..." >&2
measure "$home/fast.csv" "$RUNS" cc "$fast_url"
echo "measuring with $LATENCY_MS ms per request ($SLOW_RUNS runs each)..." >&2
measure "$home/slow.csv" "$SLOW_RUNS" cc-slow "$slow_url"

column_ms() { awk -F, -v c="$2" -v k="$3" '$1 == c { printf "%.2f", $k * 1000 }' "$1"; }
cpu_ms() { awk -F, -v c="$2" '$1 == c { printf "%.2f", ($5 + $6) * 1000 }' "$1"; }

echo
printf "%-34s %12s %10s %10s %8s\n" "" "median wall" "min wall" "mean CPU" "ratio"
status=0
for variant in "fast no latency" "slow ${LATENCY_MS} ms/request"; do
    set -- $variant
    csv=$home/$1.csv
    shift
    label=$*
    awk -v b="$BUDGET_RATIO" -v label="$label" \
        -v s="$(column_ms "$csv" sfconn 4)" -v slo="$(column_ms "$csv" sfconn 7)" -v scpu="$(cpu_ms "$csv" sfconn)" \
        -v c="$(column_ms "$csv" curl 4)" -v clo="$(column_ms "$csv" curl 7)" -v ccpu="$(cpu_ms "$csv" curl)" '
    BEGIN {
        r = s / c
        printf "%-34s %9.2f ms %7.2f ms %7.2f ms %8s\n", "sfconn test, " label, s, slo, scpu, ""
        printf "%-34s %9.2f ms %7.2f ms %7.2f ms %8s\n", "curl, " label, c, clo, ccpu, ""
        printf "%-34s %12s %10s %10s %7.2fx %s\n", "sfconn / curl (budget " b "x)", "", "", "", r, (r <= b ? "ok" : "OVER")
        exit (r <= b) ? 0 : 1
    }' || status=1
done
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
echo "machine: $(nproc) cores, load average $load; binary: $bin"
if awk -v l="$load" -v c="$(nproc)" 'BEGIN { exit !(l > c / 2) }'; then
    echo "note: the machine is busy, so wall times are inflated; compare mean CPU, or re-run when idle"
fi
exit "$status"
