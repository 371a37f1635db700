#!/usr/bin/env bash
# The 10 M benchmark (`make bench-scale`): generates the large data (once per size and seed),
# ingests it with the release binary and converts the same source with `ogr2ogr -f GPKG`, then
# serves it and reads the server's idle RSS, then times queries at scale and the server's memory
# under load (benches/data/query_scale.py). Prints every figure; not part of `make test`.
# SKIP_OGR=1 leaves out the ogr2ogr conversions (the slowest step) on a re-run.
# BENCH_WORK=DIR keeps the work there, ingested stores included.
#
# usage: bench-scale.sh ONTSLUIT_BIN BENCH_DATA_BIN DATA_DIR [POINTS] [POLYGONS] [SEED]
set -euo pipefail
bin=$1 generator=$2 data=$3 points=${4:-10000000} polygons=${5:-1000000} seed=${6:-1}
repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=$(cd "$repo/../shared/data" && pwd)
src="$data/n${points}-p${polygons}-s${seed}"
# BENCH_WORK keeps the ingested stores there (to query them again); otherwise a temporary
# directory is removed at the end.
if [ -n "${BENCH_WORK:-}" ]; then
  work=$BENCH_WORK; mkdir -p "$work"; remove=""
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/ontsluit-bench-scale.XXXXXX"); remove=$work
fi
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; [ -n "$remove" ] && rm -rf "$remove"' EXIT
rss_kib() { awk '/Maximum resident set size/ {print $6}' "$1"; }
elapsed() { awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$1"; }

echo "ontsluit: $bin, built $(date -u -r "$bin" +%F' '%H:%M) UTC; repo at $(git -C "$repo" rev-parse --short HEAD)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(gdalinfo --version)"
if [ ! -s "$src/areas.fgb" ]; then
  mkdir -p "$src"
  /usr/bin/time -v "$generator" "$src" "$points" "$polygons" "$seed" 2> "$work/gen.time"
  grep -E "addresses in|areas in" "$work/gen.time"
  echo "generator: $(elapsed "$work/gen.time") wall, peak RSS $(( $(rss_kib "$work/gen.time") / 1024 )) MiB"
else
  echo "generator: data present in $src"
fi
ls -l "$src"

entry() { # id title source key
  cat <<TOML
[[dataset]]
id = "$1"
title = { nl = "$2", en = "$2" }
description = { nl = "Benchmarkdata", en = "Benchmark data" }
theme = "REGI"
licence = "CC0-1.0"
attribution = "ontsluit benches/data"
update_frequency = "irreg"
source = $3
key = $4
TOML
}
catalog() { # file sources_dir entries...
  local file=$1 dir=$2; shift 2
  {
    cat <<TOML
[catalog]
title = { nl = "Schaaltest", en = "Scale test" }
description = { nl = "Benchmark", en = "Benchmark" }
publisher = { name = "Provincie Utrecht", uri = "https://www.provincie-utrecht.nl" }
contact = { name = "Bench", email = "bench@example.org" }
homepage = "https://www.provincie-utrecht.nl"
licence = "CC0-1.0"
sources_dir = "$dir"
TOML
    for e in "$@"; do echo "$e"; done
  } > "$file"
}
catalog "$work/catalog.toml" "$src" \
  "$(entry adressen "Adressen (synthetisch)" '{ path = "addresses.fgb" }' '["nummer_id"]')" \
  "$(entry gebieden "Gebieden (synthetisch)" '{ path = "areas.fgb" }' '["code"]')"
catalog "$work/geonames.toml" "$shared" \
  "$(entry plaatsen "GeoNames" '{ path = "large/geonames_cities_world.csv.gz", open_options = ["X_POSSIBLE_NAMES=lng", "Y_POSSIBLE_NAMES=lat", "AUTODETECT_TYPE=YES"], crs = "OGC:CRS84" }' '["country", "admin1", "admin2", "name", "lat", "lng"]')
duplicates = \"drop-identical\""

ingest() { # label catalog dataset
  /usr/bin/time -v "$bin" ingest --catalog "$2" --data-dir "$work/store-$1" "$3" \
    > "$work/$1.out" 2> "$work/$1.err" || { cat "$work/$1.out" "$work/$1.err"; exit 1; }
  local written downloads
  written=$(grep -o 'GeoParquet written in [0-9.]* s' "$work/$1.err" | grep -o '[0-9.]* s' || echo "?")
  downloads=$(grep -o 'downloads written in [0-9.]* s' "$work/$1.err" | grep -o '[0-9.]* s' || echo "?")
  echo "ontsluit ingest $1: source → GeoParquet $written; downloads (gpkg+fgb) $downloads; whole run $(elapsed "$work/$1.err"); peak RSS $(( $(rss_kib "$work/$1.err") / 1024 )) MiB"
  grep -E "rows," "$work/$1.out" || true
}
ogr() { # label ogr2ogr args...
  local label=$1; shift
  [ -n "${SKIP_OGR:-}" ] && { echo "ogr2ogr -f GPKG $label: skipped (SKIP_OGR)"; return; }
  /usr/bin/time -v ogr2ogr -f GPKG "$work/$label.gpkg" "$@" 2> "$work/$label.ogr"
  echo "ogr2ogr -f GPKG $label: $(elapsed "$work/$label.ogr"), peak RSS $(( $(rss_kib "$work/$label.ogr") / 1024 )) MiB"
  rm -f "$work/$label.gpkg"
}

ingest geonames "$work/geonames.toml" plaatsen
ogr geonames -oo X_POSSIBLE_NAMES=lng -oo Y_POSSIBLE_NAMES=lat -oo AUTODETECT_TYPE=YES \
  -a_srs OGC:CRS84 "/vsigzip/$shared/large/geonames_cities_world.csv.gz"
ingest adressen "$work/catalog.toml" adressen
ogr adressen "$src/addresses.fgb"
ingest gebieden "$work/catalog.toml" gebieden
ogr gebieden "$src/areas.fgb"

# Idle server RSS: the catalog served without data, then with both datasets.
serve_rss() { # store-dir port
  "$bin" serve --catalog "$work/catalog.toml" --data-dir "$1" --bind "127.0.0.1:$2" \
    --assets-dir "$work" > "$work/serve-$2.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$2/ogc/v1/collections" > /dev/null && break
    sleep 0.5
  done
  local id
  id=$(curl -sf "http://127.0.0.1:$2/ogc/v1/collections/adressen/items?limit=1&f=json" \
       | sed -n 's/.*"id":"\([0-9]*\)".*/\1/p' | head -1 || true)
  [ -n "$id" ] && curl -sf -o /dev/null "http://127.0.0.1:$2/ogc/v1/collections/adressen/items/$id?f=json"
  sleep 2
  awk '/VmRSS/ {print $2}' "/proc/$server/status"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}
mkdir -p "$work/empty"
base=$(serve_rss "$work/empty" 18931)
mkdir -p "$work/store-all"
ln -sfn "$work/store-adressen/adressen" "$work/store-all/adressen"
ln -sfn "$work/store-gebieden/gebieden" "$work/store-all/gebieden"
full=$(serve_rss "$work/store-all" 18932)
features=$(( points + polygons ))
echo "idle server RSS: $(( base / 1024 )) MiB without data, $(( full / 1024 )) MiB with $features features: $(( (full - base) * 1024 / features )) bytes per feature"

# Queries at scale and memory under load, on the same store.
"$bin" serve --catalog "$work/catalog.toml" --data-dir "$work/store-all" --bind 127.0.0.1:18933 \
  --assets-dir "$work" --sql-memory-mib 64 > "$work/serve-18933.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
  curl -sf http://127.0.0.1:18933/ogc/v1/collections > /dev/null && break
  sleep 0.5
done
python3 "$repo/benches/data/query_scale.py" http://127.0.0.1:18933 "$server" "$points" \
  --sql-memory-mib 64 --sql-concurrent 4 --load-seconds "${LOAD_SECONDS:-60}"
