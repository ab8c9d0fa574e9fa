#!/usr/bin/env bash
# Step times of the monthly publish pipeline, behind "Cost of a monthly run" in
# BENCHMARKS.md: install (the action's installer against a loopback release), collect
# (against the loopback Graph stand-in with a fixed latency per response), build and
# verify, for CLIENTS clients with MONTHS months of history.
#
#   tools/bench/pipeline.sh                              # 40 clients x 12 months
#   CLIENTS=1000 MONTHS=1 MAX_USERS=50 tools/bench/pipeline.sh   # collect at 1,000 clients
#
# Needs: cargo, curl, python3 (the loopback release server). Scratch: WORK (default
# /tmp/custody-pipeline), removed at the end unless KEEP=1.
set -euo pipefail

CLIENTS=${CLIENTS:-40}
MONTHS=${MONTHS:-12}
MAX_USERS=${MAX_USERS:-2000}
LATENCY_MS=${LATENCY_MS:-150}
JOBS=${JOBS:-4}
SHARDS=${SHARDS:-1}
WORK=${WORK:-/tmp/custody-pipeline}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

cd "$ROOT"
cargo build --release --quiet --bin custody --example generate --example graph_standin
CUSTODY=$ROOT/target/release/custody
rm -rf "$WORK"
mkdir -p "$WORK"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

echo "== machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $CLIENTS clients x $MONTHS months (max $MAX_USERS users), Graph latency ${LATENCY_MS} ms, --jobs $JOBS, shard 1/$SHARDS"

# -- install: the real release binary and its SHA256SUMS behind a loopback server.
mkdir -p "$WORK/release/v0.0.0"
cp "$CUSTODY" "$WORK/release/v0.0.0/custody-x86_64-unknown-linux-musl"
(cd "$WORK/release/v0.0.0" && sha256sum custody-* >SHA256SUMS)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$WORK/release" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$port/v0.0.0/SHA256SUMS" && break; sleep 0.2; done
install() {
    env -i PATH="$PATH" HOME="$WORK" RUNNER_OS=Linux RUNNER_ARCH=X64 RUNNER_TOOL_CACHE="$WORK/tools" \
        CUSTODY_VERSION=v0.0.0 CUSTODY_DOWNLOAD_BASE="http://127.0.0.1:$port" \
        bash "$ROOT/action/install.sh" install 2>/dev/null
}
t=$(now); install; INSTALL_COLD=$(secs "$t" "$(now)")
t=$(now); install; INSTALL_CACHED=$(secs "$t" "$(now)")
echo "install: ${INSTALL_COLD}s downloaded and verified ($(($(stat -c %s "$CUSTODY") / 1000000)) MB), ${INSTALL_CACHED}s from the cache"

# -- data
t=$(now)
target/release/examples/generate scale --out "$WORK/repo" --clients "$CLIENTS" --months "$MONTHS" --max-users "$MAX_USERS" --seed 1 >/dev/null
echo "generated in $(secs "$t" "$(now)")s: $(du -sh "$WORK/repo/evidence" | cut -f1) of evidence"
# A policy repository is a git repository: month-end policy versions come from history.
git -C "$WORK/repo" init -q
git -C "$WORK/repo" add -A
git -C "$WORK/repo" -c user.name=bench -c user.email=bench@example.invalid commit -qm "generated"

# -- collect: every client's current month from the stand-in.
target/release/examples/graph_standin --latency-ms "$LATENCY_MS" >"$WORK/standin.url" &
pids+=($!)
for _ in $(seq 50); do [ -s "$WORK/standin.url" ] && break; sleep 0.2; done
GRAPH=$(head -1 "$WORK/standin.url")
t=$(now)
env NO_PROXY='*' CUSTODY_GRAPH_URL="$GRAPH" CUSTODY_LOGIN_URL="$GRAPH/login" \
    CUSTODY_CLIENT_ID=11111111-2222-3333-4444-555555555555 CUSTODY_CLIENT_SECRET=bench \
    "$CUSTODY" --repo "$WORK/repo" -q collect --jobs "$JOBS" --shard "1/$SHARDS" && code=0 || code=$?
COLLECT=$(secs "$t" "$(now)")
echo "collect exit code: $code"
collected=$(find "$WORK/repo/evidence" -mindepth 2 -maxdepth 2 -name "$(date -u +%Y-%m)" | wc -l)
echo "collect: ${COLLECT}s for $collected clients"
# Only the collected month travels as an artifact.
ART=$(cd "$WORK/repo" && find evidence -mindepth 2 -maxdepth 2 -name "$(date -u +%Y-%m)" -exec du -cs {} + | tail -1 | cut -f1)
echo "artifact (collected month only): $((ART / 1000)) MB"

# -- build and verify, cold (a fresh checkout in CI has no site and no cache).
t=$(now)
"$CUSTODY" --repo "$WORK/repo" -q build --out "$WORK/site" && code=0 || code=$?
echo "build exit code: $code"
BUILD=$(secs "$t" "$(now)")
t=$(now)
"$CUSTODY" -q verify "$WORK/site" >/dev/null && code=0 || code=$?
echo "verify exit code: $code"
VERIFY=$(secs "$t" "$(now)")
echo "build: ${BUILD}s (every client's standalone folder and the portfolio), verify: ${VERIFY}s"
echo "site: $(du -sh "$WORK/site" | cut -f1)"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
