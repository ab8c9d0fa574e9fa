#!/usr/bin/env bash
# Side-by-side benchmarks behind BENCHMARKS.md: every ratio is measured in one run on
# one machine, custody next to its anchor.
#
#   tools/bench/run.sh                  # 200k-user tenant, 500 clients x 12 months
#   CLIENTS=50 USERS=20000 tools/bench/run.sh   # a quick run
#   ONLY=portfolio tools/bench/run.sh   # the portfolio builds alone (no tenant, no anchors)
#
# Needs: cargo, GNU time (/usr/bin/time), hugo and zip (installed with apt-get when
# missing and allowed). Scratch space: WORK (default /tmp/custody-bench), about 8 GB
# for the default sizes; removed at the end unless KEEP=1.
set -euo pipefail

CLIENTS=${CLIENTS:-500}
MONTHS=${MONTHS:-12}
USERS=${USERS:-200000}
# Largest tenant in the portfolio run: the generator draws sizes up to 200,000 users;
# capping keeps 500 x 12 months of Graph JSON within a few GB of disk.
MAX_USERS=${MAX_USERS:-2000}
SEED=${SEED:-1}
WORK=${WORK:-/tmp/custody-bench}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

need() {
    command -v "$1" >/dev/null && return
    echo "installing $2 with apt-get" >&2
    apt-get install -y "$2" >/dev/null
}
ONLY=${ONLY:-}
if [ "$ONLY" != portfolio ]; then
    need hugo hugo
    need zip zip
fi
[ -x /usr/bin/time ] || need time time

cd "$ROOT"
cargo build --release --quiet --bin custody --example generate
cargo bench --bench floor --no-run --quiet 2>/dev/null
FLOOR=$(ls -t target/release/deps/floor-* | grep -v '\.d$' | head -1)
CUSTODY=$ROOT/target/release/custody
# the synthetic repository generator: the generate example's scale mode
gen() { "$ROOT/target/release/examples/generate" scale "$@"; }

rm -rf "$WORK"
mkdir -p "$WORK"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "== machine"
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"\
    "$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM, load before: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$ONLY" != portfolio ]; then
echo "== large tenant: $USERS users"
gen --out "$WORK/big" --clients 1 --months 1 --users "$USERS" --seed "$SEED"
MONTH_DIR=$(ls -d "$WORK"/big/evidence/client-0000/*/)
LARGEST=$(find "$MONTH_DIR" -type f -printf '%s\n' | sort -n | tail -1)
TOTAL=$(find "$MONTH_DIR" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
cat "$MONTH_DIR"graph/*.json >/dev/null # same page cache state for both
eval "$("$FLOOR" "$MONTH_DIR" | tr ' ' '\n' | grep -E '^floor_')"
/usr/bin/time -f '%e %M' -o "$WORK/check.time" "$CUSTODY" --repo "$WORK/big" check >/dev/null 2>&1 || true
read -r CHECK_S CHECK_KB < <(tail -1 "$WORK/check.time")
echo "inputs: $((TOTAL / 1000000)) MB, largest file $((LARGEST / 1000000)) MB"
echo "floor (typed serde_json::from_slice of the 4 user-sized files): ${floor_seconds}s, peak RSS $((floor_peak_rss_kb / 1000)) MB"
echo "custody check: ${CHECK_S}s, peak RSS $((CHECK_KB / 1000)) MB"
echo "check / floor time: $(ratio "$CHECK_S" "$floor_seconds") (target <= 1.5)"
echo "check peak RSS / largest input: $(ratio "$((CHECK_KB * 1024))" "$LARGEST") (target <= 1.5)"
rm -rf "$WORK/big"
fi

echo "== portfolio: $CLIENTS clients x $MONTHS months (users up to $MAX_USERS)"
gen --out "$WORK/repo" --clients "$CLIENTS" --months "$MONTHS" --max-users "$MAX_USERS" --seed "$SEED"
REPO=$WORK/repo
LAST=$(ls "$REPO/evidence/client-0000" | tail -1)
EVIDENCE_BYTES=$(du -sb "$REPO/evidence" | cut -f1)
echo "evidence: $((EVIDENCE_BYTES / 1000000)) MB"
build() { # label, extra args...
    local label=$1
    shift
    local t0
    t0=$(now)
    "$CUSTODY" --repo "$REPO" build "$@" 2>"$WORK/$label.log" || { cat "$WORK/$label.log"; exit 1; }
    echo "$label: $(secs "$t0" "$(now)")s: $(grep -E '^(built|site is up to date)' "$WORK/$label.log")"
}
# The previous months first, then the new month arrives.
mkdir -p "$WORK/held"
for c in "$REPO"/evidence/*; do mv "$c/$LAST" "$WORK/held/$(basename "$c")"; done
build before-new-month --out "$WORK/site" >/dev/null
for c in "$REPO"/evidence/*; do mv "$WORK/held/$(basename "$c")" "$c/$LAST"; done
T0=$(now); build new-month --out "$WORK/site"; T_NEW=$(secs "$T0" "$(now)")
T0=$(now); build no-change --out "$WORK/site"; T_SAME=$(secs "$T0" "$(now)")
T0=$(now); build full --out "$WORK/site-full" --no-cache; T_FULL=$(secs "$T0" "$(now)")
diff -r -q "$WORK/site" "$WORK/site-full" >/dev/null && echo "incremental site == full site: identical bytes"
PAGES=$(grep -oE '[0-9]+ pages' "$WORK/full.log" | head -1 | cut -d' ' -f1)
PACK_S=$(grep -oE 'pack [0-9.]+s' "$WORK/full.log" | grep -oE '[0-9.]+')
RENDER_S=$(grep -oE 'render [0-9.]+s' "$WORK/full.log" | grep -oE '[0-9.]+')
echo "pages/s (whole build): $(ratio "$PAGES" "$T_FULL"); without the pack stage: $(ratio "$PAGES" "$(awk -v a="$T_FULL" -v b="$PACK_S" 'BEGIN { print a - b }')"); render stage only (HTML, charts, JSON, links): $(ratio "$PAGES" "$RENDER_S")"
echo "no-change / full: $(ratio "$T_SAME" "$T_FULL") (target <= 0.05); new month / full: $(ratio "$T_NEW" "$T_FULL")"

if [ "$ONLY" = portfolio ]; then
    echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
    [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
    exit 0
fi

echo "== anchor: hugo, $PAGES simple Markdown pages, rendered to memory"
HUGO=$WORK/hugo
mkdir -p "$HUGO/content/p" "$HUGO/layouts/_default"
cat >"$HUGO/config.toml" <<'EOF'
baseURL = "https://example.invalid/"
title = "anchor"
disableKinds = ["taxonomy", "term", "RSS", "sitemap"]
EOF
echo '<html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>{{ .Content }}</body></html>' >"$HUGO/layouts/_default/single.html"
echo '<html><body>{{ range .Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</body></html>' >"$HUGO/layouts/_default/list.html"
for i in $(seq 1 "$PAGES"); do
    printf -- '---\ntitle: "Page %s"\n---\n\n## Scorecard\n\nSome *text* with a [link](../) and a list:\n\n- one\n- two\n\n| control | status |\n|---|---|\n| a | pass |\n' "$i" >"$HUGO/content/p/p$i.md"
done
T0=$(now)
hugo --source "$HUGO" --renderToMemory --quiet
T_HUGO=$(secs "$T0" "$(now)")
HUGO_PPS=$(ratio "$PAGES" "$T_HUGO")
echo "hugo: ${T_HUGO}s, $HUGO_PPS pages/s"
echo "custody pages/s / hugo pages/s: whole build $(ratio "$(ratio "$PAGES" "$T_FULL")" "$HUGO_PPS"), without packing $(ratio "$(ratio "$PAGES" "$(awk -v a="$T_FULL" -v b="$PACK_S" 'BEGIN { print a - b }')")" "$HUGO_PPS"), render stage only $(ratio "$(ratio "$PAGES" "$RENDER_S")" "$HUGO_PPS") (target >= 2)"

echo "== anchor: Info-ZIP zip -6 over the same evidence files"
T0=$(now)
(cd "$REPO" && zip -6 -q -r "$WORK/anchor.zip" evidence)
T_ZIP=$(secs "$T0" "$(now)")
echo "zip -6: ${T_ZIP}s for $((EVIDENCE_BYTES / 1000000)) MB; custody pack stage: ${PACK_S}s on $(nproc) cores"
echo "pack / zip: $(ratio "$PACK_S" "$T_ZIP") (target <= 1)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

[ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
