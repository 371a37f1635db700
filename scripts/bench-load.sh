#!/usr/bin/env bash
# Load figures for the pages over HTTP on a socket: the release binary serves the repo catalog
# (ingested into a fresh directory) and ApacheBench (`ab`, keep-alive) asks each URL N times with
# C clients at once. Prints requests per second and the median and 95th percentile latency.
# Usage: scripts/bench-load.sh BIN [N] [C]        (make bench-load builds BIN and runs this)
# ab speaks HTTP/1.0, so it is used for responses with a length (pages, what-is-here JSON), not
# for the streamed GeoJSON pages (criterion's `benches/items.rs` measures those in-process).
set -euo pipefail
bin=${1:?the ontsluit binary}
n=${2:-2000}
c=${3:-4}
root=$(cd "$(dirname "$0")/.." && pwd)
data=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
"$bin" ingest --catalog "$root/catalog.toml" --data-dir "$data" >/dev/null 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RUST_LOG=warn "$bin" serve --catalog "$root/catalog.toml" --data-dir "$data" \
  --bind "127.0.0.1:$port" --assets-dir "$root/web/dist" &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
printf '%-58s %10s %8s %8s\n' "request ($n requests, $c at once)" "req/s" "p50 ms" "p95 ms"
while read -r name path accept; do
  [ -z "$name" ] && continue
  out=$(timeout 120 ab -k -q -n "$n" -c "$c" -H "Accept: ${accept//_/ }" "$base$path" 2>&1)
  failed=$(awk '/^Failed requests/ {print $3}' <<<"$out")
  non2xx=$(awk '/^Non-2xx responses/ {print $3}' <<<"$out")
  if [ "${failed:-0}" != 0 ] || [ -n "${non2xx:-}" ]; then
    echo "$name: ${failed:-0} failed, ${non2xx:-0} non-2xx" >&2
    exit 1
  fi
  rps=$(awk '/^Requests per second/ {print $4}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p95=$(awk '$1 == "95%" {print $2}' <<<"$out")
  printf '%-58s %10s %8s %8s\n' "${name//_/ }" "$rps" "$p50" "$p95"
done <<'URLS'
HTML_items_page,_10_street_lights /ogc/v1/collections/lichtmasten/items?f=html text/html
HTML_feature_page /ogc/v1/collections/gemeenten/items/GM0344?f=html text/html
HTML_collection_page /ogc/v1/collections/gemeenten?f=html text/html
HTML_home_page / text/html
HTML_catalog_search /catalog?q=gemeente text/html
HTML_dataset_page_with_indicators /datasets/kerncijfers_gemeenten text/html
what_is_here_(JSON),_Utrecht_centre /locate?lon=5.1214&lat=52.0907 application/json
what_is_here_(HTML),_Utrecht_centre /locate?lon=5.1214&lat=52.0907 text/html
place_search_(JSON) /locate?q=utrecht application/json
URLS
