#!/usr/bin/env bash
# Load benchmark: ontsluit against pygeoapi, MapServer 8 (OGC API Features) and Datasette +
# SpatiaLite, ROAPI (SQL), on the same tables, on loopback, each server with 2 workers, the load
# generator (wrk, keep-alive, 2 connections) pinned to one core. Installs what is missing (cached
# under ~/.cache/ontsluit/bench-load), checks that every server gives the same answers, then times
# each request kind for SECONDS seconds per server and writes the table to docs/performance.md.
#
# Usage: benches/load/run.sh BIN [--seconds N] [--servers a,b,…] [--kinds k1,k2,…] [--out FILE]
#   BIN        the ontsluit binary to measure (e.g. target/release/ontsluit)
#   --seconds  timed seconds per request kind and server (default 8)
#   --connections  wrk's connections, all kept alive (default 2)
#   --servers  a subset of ontsluit,pygeoapi,mapserver,datasette,roapi (default: all)
#   --kinds    a subset of the request kinds (names as in bench.py; default: all)
#   --out      where the Markdown report goes (default docs/performance.md; `-` for stdout only)
# `make bench-load` runs this with the release binary.
set -euo pipefail

invocation="benches/load/run.sh $*"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(realpath "${1:?usage: run.sh BIN [--seconds N] [--servers …] [--kinds …] [--out FILE]}")
shift
seconds=8
connections=2
servers=ontsluit,pygeoapi,mapserver,datasette,roapi
kinds=""
out="$root/docs/performance.md"
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    --kinds) kinds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
has() { [[ ",$servers," == *",$1,"* ]]; }

cache=${ONTSLUIT_BENCH_CACHE:-$HOME/.cache/ontsluit/bench-load}
work=$cache/work
workers=2
mkdir -p "$cache"
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

# --- installs (skipped when present) ---------------------------------------------------------
apt_missing() {
  local p missing=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  echo "$missing"
}
missing=$(apt_missing wrk util-linux curl gdal-bin python3-venv cgi-mapserver mapserver-bin lighttpd \
  libsqlite3-mod-spatialite)
if [ -n "$missing" ]; then
  echo "installing Debian packages:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

# pygeoapi 0.22+ needs Python 3.12: pyenv's, installed when absent.
py312() {
  local root_dir v
  if ! command -v pyenv >/dev/null; then
    python3.12 -V >/dev/null 2>&1 || { echo "pygeoapi needs Python 3.12: install pyenv or python3.12" >&2; return 1; }
    command -v python3.12
    return 0
  fi
  root_dir=$(pyenv root)
  v=$(ls -d "$root_dir"/versions/3.12.* 2>/dev/null | sort -V | tail -1)
  if [ -z "$v" ]; then
    v=$(pyenv install --list | grep -E '^\s*3\.12\.[0-9]+$' | tail -1 | tr -d ' ')
    echo "installing Python $v with pyenv" >&2
    pyenv install -s "$v" >&2
    v=$root_dir/versions/$v
  fi
  echo "$v/bin/python3.12"
}
venv() { # venv DIR PYTHON PACKAGE…
  local dir=$1 py=$2 stamp
  shift 2
  stamp="$dir/.installed-$(echo "$*" | sha256sum | cut -c1-12)"
  [ -e "$stamp" ] && return 0
  echo "creating $dir ($*)"
  rm -rf "$dir"
  "$py" -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check "$@"
  touch "$stamp"
}
has pygeoapi && venv "$cache/pygeoapi-venv" "$(py312)" 'pygeoapi>=0.22' gunicorn
# Debian's python3 may load extensions (SpatiaLite); pyenv's Pythons may not.
has datasette && venv "$cache/datasette-venv" /usr/bin/python3 datasette gunicorn
has roapi && venv "$cache/roapi-venv" /usr/bin/python3 roapi

# --- data: ontsluit ingests its catalog; the peers get its GeoPackage copies -------------------
# Every server then holds the same rows in the same order with the same ids.
rm -rf "$work"
mkdir -p "$work"/{ontsluit,geojson,shp,roapi,logs,run}
echo "ingesting benches/load/catalog.toml with $bin"
timeout 600 "$bin" ingest --catalog "$here/catalog.toml" --data-dir "$work/ontsluit" >"$work/logs/ingest.log" 2>&1 ||
  { tail -20 "$work/logs/ingest.log" >&2; exit 1; }
spatial="gemeenten buurten lichtmasten laadpunten"
gpkg() { echo "$work/ontsluit/$1/current/data.gpkg"; }
[ -e "$(gpkg gemeenten)" ] || gpkg() { ls -d "$work/ontsluit/$1"/v*/data.gpkg | tail -1; }
for t in $spatial; do
  ogr2ogr -f GeoJSON -lco ID_FIELD=id -lco RFC7946=YES -lco COORDINATE_PRECISION=7 \
    "$work/geojson/$t.geojson" "$(gpkg $t)" "$t"
  ogr2ogr -f 'ESRI Shapefile' -lco ENCODING=UTF-8 "$work/shp/$t.shp" "$(gpkg $t)" "$t" 2>/dev/null
  shptree "$work/shp/$t.shp" >/dev/null
done
# SpatiaLite: geometry column `geometry` with an R*Tree index (idx_<table>_geometry).
db=$work/bench.sqlite
for t in $spatial kerncijfers_gemeenten; do
  if [ -e "$db" ]; then mode=(-update); else mode=(-dsco SPATIALITE=YES); fi
  ogr2ogr -f SQLite "${mode[@]}" -nln "$t" -lco GEOMETRY_NAME=geometry -lco SPATIAL_INDEX=YES \
    -lco FID=fid "$db" "$(gpkg $t)" "$t"
done
# ROAPI reads the stored GeoParquet itself (geometry as binary; it has no spatial functions).
for t in gemeenten lichtmasten kerncijfers_gemeenten; do
  cp "$(ls "$work/ontsluit/$t"/v*/data.parquet | tail -1)" "$work/roapi/$t.parquet"
done

# --- servers ---------------------------------------------------------------------------------
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() { # start NAME CMD…: its own process group, so that every worker is stopped on exit
  local name=$1
  shift
  setsid "$@" >"$work/logs/$name.log" 2>&1 &
  pids+=($!)
}
wait_for() { # wait_for NAME URL
  for _ in $(seq 300); do
    curl -sf -o /dev/null "$2" && return 0
    sleep 0.1
  done
  echo "$1 did not start; its log:" >&2
  tail -20 "$work/logs/$1.log" >&2
  exit 1
}
endpoints=()

if has ontsluit; then
  port=$(free_port)
  assets="$root/web/dist"
  TOKIO_WORKER_THREADS=$workers RUST_LOG=warn start ontsluit "$bin" serve \
    --catalog "$here/catalog.toml" --data-dir "$work/ontsluit" --bind "127.0.0.1:$port" \
    --assets-dir "$assets"
  wait_for ontsluit "http://127.0.0.1:$port/ogc/v1"
  endpoints+=("ontsluit=http://127.0.0.1:$port")
fi

if has pygeoapi; then
  port=$(free_port)
  sed -e "s|@PORT@|$port|g" -e "s|@DATA@|$work/geojson|g" "$here/pygeoapi.yml" >"$work/run/pygeoapi.yml"
  PYGEOAPI_CONFIG=$work/run/pygeoapi.yml PYGEOAPI_OPENAPI=$work/run/pygeoapi-openapi.yml \
    "$cache/pygeoapi-venv/bin/pygeoapi" openapi generate "$work/run/pygeoapi.yml" \
    --output-file "$work/run/pygeoapi-openapi.yml" >"$work/logs/pygeoapi-openapi.log" 2>&1
  PYGEOAPI_CONFIG=$work/run/pygeoapi.yml PYGEOAPI_OPENAPI=$work/run/pygeoapi-openapi.yml \
    start pygeoapi "$cache/pygeoapi-venv/bin/gunicorn" --workers $workers --bind "127.0.0.1:$port" \
    --log-level warning pygeoapi.flask_app:APP
  wait_for pygeoapi "http://127.0.0.1:$port/"
  endpoints+=("pygeoapi=http://127.0.0.1:$port")
fi

if has mapserver; then
  port=$(free_port)
  sed -e "s|@PORT@|$port|g" -e "s|@DATA@|$work/shp|g" "$here/bench.map" >"$work/run/bench.map"
  printf 'CONFIG\n  MAPS\n    "bench" "%s"\n  END\nEND\n' "$work/run/bench.map" >"$work/run/mapserver.conf"
  sed -e "s|@PORT@|$port|g" -e "s|@RUN@|$work/run|g" -e "s|@WORKERS@|$workers|g" \
    "$here/lighttpd.conf" >"$work/run/lighttpd.conf"
  start mapserver lighttpd -D -f "$work/run/lighttpd.conf"
  wait_for mapserver "http://127.0.0.1:$port/mapserv/bench/ogcapi?f=json"
  endpoints+=("mapserver=http://127.0.0.1:$port/mapserv/bench/ogcapi")
fi

if has datasette; then
  port=$(free_port)
  BENCH_DB=$db start datasette "$cache/datasette-venv/bin/gunicorn" --workers $workers \
    --worker-class uvicorn.workers.UvicornWorker --bind "127.0.0.1:$port" --log-level warning \
    --chdir "$here" datasette_app:app
  wait_for datasette "http://127.0.0.1:$port/-/versions.json"
  endpoints+=("datasette=http://127.0.0.1:$port")
fi

if has roapi; then
  port=$(free_port)
  tables=()
  for f in "$work"/roapi/*.parquet; do tables+=(--table "$(basename "$f" .parquet)=$f"); done
  TOKIO_WORKER_THREADS=$workers start roapi "$cache/roapi-venv/bin/roapi" \
    --addr-http "127.0.0.1:$port" "${tables[@]}"
  wait_for roapi "http://127.0.0.1:$port/api/schema"
  endpoints+=("roapi=http://127.0.0.1:$port")
fi

# --- check, time, report ---------------------------------------------------------------------
versions=$work/versions.txt
{
  echo "ontsluit=$("$bin" --version | awk '{print $2}') ($bin, built $(date -u -r "$bin" '+%Y-%m-%d %H:%M UTC'); repo at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'); 2 serving lanes (threads) and 2 Tokio worker threads in one process)"
  has pygeoapi && echo "pygeoapi=$("$cache/pygeoapi-venv/bin/pip" show pygeoapi | awk '/^Version/ {print $2}') (GeoJSON provider, gunicorn $("$cache/pygeoapi-venv/bin/gunicorn" --version | grep -o "[0-9][0-9.]*"), Python $("$cache/pygeoapi-venv/bin/python" -V | awk '{print $2}'))"
  has mapserver && echo "mapserver=$(mapserv -v | head -1 | awk '{print $3}') (Shapefile + shptree, FastCGI under lighttpd $(lighttpd -v | head -1 | awk '{print $1}' | cut -d/ -f2))"
  has datasette && echo "datasette=$("$cache/datasette-venv/bin/pip" show datasette | awk '/^Version/ {print $2}') (SpatiaLite $(/usr/bin/python3 -c 'import sqlite3; c=sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension("mod_spatialite"); print(c.execute("select spatialite_version()").fetchone()[0])'), SQLite $(/usr/bin/python3 -c 'import sqlite3; print(sqlite3.sqlite_version)'), gunicorn + uvicorn)"
  has roapi && echo "roapi=$("$cache/roapi-venv/bin/roapi" --version | awk '{print $2}')"
  echo "wrk=$(wrk -v 2>&1 | head -1 | awk '{print $2}')"
} >"$versions"

bench_args=(--seconds "$seconds" --connections "$connections" --versions "$versions" --out "$out")
export BENCH_COMMAND=${BENCH_COMMAND:-$invocation}
[ -n "$kinds" ] && bench_args+=(--kinds "$kinds")
# In the background and waited for, so that an interrupt stops it and the servers at once (bash
# runs a trap only after a foreground command ends).
setsid python3 "$here/bench.py" "${bench_args[@]}" "${endpoints[@]}" &
pids+=($!)
wait $!
