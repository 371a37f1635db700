#!/usr/bin/env bash
# Per-request cost of the OGC API over a socket: the release binary serves the repo catalog
# (ingested into a fresh directory, or DATA if given) and wrk (keep-alive, HTTP/1.1, so streamed
# pages count too) asks each URL for D seconds with C connections on one thread. Prints requests
# per second and the median latency.
# Usage: scripts/bench-ogc.sh BIN [D] [C] [DATA]
set -euo pipefail
bin=${1:?the ontsluit binary}
duration=${2:-10}
connections=${3:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
data=${4:-}
cleanup=
if [ -z "$data" ]; then
  data=$(mktemp -d)
  cleanup=$data
  "$bin" ingest --catalog "$root/catalog.toml" --data-dir "$data" >/dev/null 2>&1
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RUST_LOG=warn "$bin" serve --catalog "$root/catalog.toml" --data-dir "$data" \
  --bind "127.0.0.1:$port" &
server=$!
trap 'kill $server 2>/dev/null || true; [ -n "$cleanup" ] && rm -rf "$cleanup"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/ogc/v1" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port/ogc/v1"
printf '%-36s %10s %9s\n' "request (${duration}s, $connections connections)" "req/s" "p50 ms"
while read -r name path; do
  [ -z "$name" ] && continue
  curl -sf -o /dev/null "$base$path" || { echo "$name: $base$path fails" >&2; exit 1; }
  out=$(wrk -t1 -c"$connections" -d"${duration}s" --latency "$base$path")
  if grep -q "Non-2xx" <<<"$out"; then echo "$name: non-2xx answers" >&2; exit 1; fi
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; printf "%.3f", v}' <<<"$out")
  printf '%-36s %10s %9s\n' "${name//_/ }" "$rps" "$p50"
done <<'URLS'
landing_page_JSON ?f=json
collections_JSON /collections?f=json
one_collection_JSON /collections/lichtmasten?f=json
items_limit=10 /collections/lichtmasten/items?limit=10
items_limit=100 /collections/lichtmasten/items?limit=100
bbox_page_(limit_10) /collections/lichtmasten/items?bbox=5.115,52.085,5.125,52.092
property_filter_(limit_10) /collections/lichtmasten/items?MASTLENGTE=8
feature_by_id_(a_street_light) /collections/lichtmasten/items/Teun%20de%20Jagerdreef:1
feature_by_id_(a_municipality) /collections/gemeenten/items/GM0344
URLS
