#!/usr/bin/env bash
# Budget check for PRODUCT.md section 9: `sfconn prompt` <= 2 x `sfconn --version`.
#
# `prompt` runs before every shell prompt, so it reads only the profile file: no network, no
# keychain, no state file. This measures it against a realistic profile file (CONNECTIONS
# connections, default 50, one of them the default, production) and against process start-up
# alone (`sfconn --version`), with hyperfine (median of RUNS runs after WARMUP warm-ups), and
# prints the ratio. Exits 1 when the ratio is over 2, 2 when a tool is missing.
#
# Usage: benches/prompt.sh [--no-build]
# Environment: SFCONN_BIN (binary to measure; implies --no-build), CONNECTIONS (default 50),
#              RUNS (default 200), WARMUP (default 20).
set -euo pipefail

CONNECTIONS=${CONNECTIONS:-50}
RUNS=${RUNS:-200}
WARMUP=${WARMUP:-20}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v hyperfine >/dev/null || { echo "error: hyperfine is not installed (apt-get install hyperfine)" >&2; exit 2; }
if [[ -z "${SFCONN_BIN:-}" && "${1:-}" != "--no-build" ]]; then
    (cd "$repo" && cargo build --release --bin sfconn)
fi
bin=${SFCONN_BIN:-${CARGO_TARGET_DIR:-$repo/target}/release/sfconn}
[[ -x "$bin" ]] || { echo "error: no binary at $bin" >&2; exit 2; }

home=$(mktemp -d "${TMPDIR:-/tmp}/sfconn-prompt.XXXXXX")
trap 'rm -rf "$home"' EXIT
{
    echo 'default = "acme-prod-00"'
    for ((i = 0; i < CONNECTIONS; i++)); do
        n=$(printf '%02d' "$i")
        printf '\n# integration %s\n[connections.acme-prod-%s]\nflow = "jwt"\nenvironment = "%s"\n' \
            "$n" "$n" "$([[ $((i % 2)) -eq 0 ]] && echo production || echo sandbox)"
        printf 'client_id = "3MVG9-%s"\nusername = "ci%s@acme.example"\nkey_file = "keys/ci.key"\n' "$n" "$n"
    done
} >"$home/profiles.toml"
export SFCONN_HOME=$home SFCONN_SECRET_STORE=no-such-store
[[ "$("$bin" prompt)" == "acme-prod-00 [PROD]" ]] || { echo "error: unexpected prompt output: $("$bin" prompt)" >&2; exit 2; }

json=$home/hyperfine.json
hyperfine -N --runs "$RUNS" --warmup "$WARMUP" --export-json "$json" \
    "$bin --version" "$bin prompt" >/dev/null
read -r version prompt < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(r[0]["median"] * 1000, r[1]["median"] * 1000)' "$json")
ratio=$(awk -v a="$prompt" -v b="$version" 'BEGIN { printf "%.2f", a / b }')
printf 'sfconn --version: median %.2f ms\nsfconn prompt (%d connections): median %.2f ms\nratio: %s (budget <= 2)\n' \
    "$version" "$CONNECTIONS" "$prompt" "$ratio"
awk -v r="$ratio" 'BEGIN { exit (r <= 2 ? 0 : 1) }'
