#!/usr/bin/env python3
"""The load benchmark's request mix, correctness check, timing (wrk) and report.

run.sh starts the servers and calls this with one NAME=BASE_URL per running server. Every request
kind is written in each server's dialect; a kind a server cannot answer is left out for it.
Before anything is timed, every kind is asked once of every server that serves it, and the answers
must agree (feature ids for OGC API Features, row values for SQL, floats with a tolerance);
any difference stops the run.
"""

import argparse
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

SERVERS = ["ontsluit", "pygeoapi", "mapserver", "datasette", "roapi"]

# --- the OGC API Features mix ------------------------------------------------------------------
# Paths are relative to each server's OGC API root (ontsluit's /ogc/v1).
PROVINCE = "4.79,51.85,5.63,52.31"
CITY = "5.06,52.06,5.16,52.12"
STREET = "5.115,52.088,5.125,52.094"


def ogc(path, compare, html=False, peers=("pygeoapi", "mapserver")):
    return {"group": "ogc", "path": path, "compare": compare, "html": html, "servers": ("ontsluit", *peers)}


OGC_KINDS = {
    "landing page": ogc("?f=json", "links"),
    "collections": ogc("/collections?f=json", "collections"),
    "items, limit 10": ogc("/collections/lichtmasten/items?f=json&limit=10", "ids"),
    "items, limit 100": ogc("/collections/lichtmasten/items?f=json&limit=100", "ids"),
    "items, limit 1000": ogc("/collections/lichtmasten/items?f=json&limit=1000", "ids"),
    "bbox, province (limit 100)": ogc(f"/collections/laadpunten/items?f=json&limit=100&bbox={PROVINCE}", "ids"),
    "bbox, city (limit 100)": ogc(f"/collections/laadpunten/items?f=json&limit=100&bbox={CITY}", "ids"),
    "bbox, street (limit 100)": ogc(f"/collections/laadpunten/items?f=json&limit=100&bbox={STREET}", "ids"),
    "feature by id": ogc("/collections/gemeenten/items/GM0344?f=json", "id"),
    "property filter (queryable)": ogc("/collections/lichtmasten/items?f=json&limit=100&STRAAT=Vleutenseweg", "ids", peers=("pygeoapi",)),
    "CQL2 filter": ogc(
        "/collections/lichtmasten/items?f=json&limit=100&filter-lang=cql2-text&filter="
        + urllib.parse.quote("STRAAT LIKE 'Vleuten%' AND MASTLENGTE <> '4'"),
        "ids",
        peers=(),
    ),
    "HTML items page (limit 10)": ogc("/collections/lichtmasten/items?f=html&limit=10", "html", html=True),
    "HTML feature page": ogc("/collections/gemeenten/items/GM0344?f=html", "html", html=True),
}
OGC_ROOT = {"ontsluit": "/ogc/v1", "pygeoapi": "", "mapserver": ""}

# --- the SQL mix -------------------------------------------------------------------------------
# ontsluit: GET /sql/v1?q=; Datasette: GET /bench.json?sql=; ROAPI: POST /api/sql.
# Mixed-case column names are quoted (DataFusion folds unquoted names to lower case).
UC = (5.1100, 52.0894)  # Utrecht Centraal
PT = (5.1214, 52.0907)  # the Dom
SQL_KINDS = {
    "SQL count": {
        "ontsluit": "SELECT count(*) AS n FROM lichtmasten",
        "datasette": "SELECT count(*) AS n FROM lichtmasten",
        "roapi": "SELECT count(*) AS n FROM lichtmasten",
    },
    "SQL group-by (key figures)": {
        k: 'SELECT "Provincie", count(*) AS n, sum(inwoners) AS inwoners, avg("_avg_income") AS inkomen '
        'FROM kerncijfers_gemeenten GROUP BY "Provincie" ORDER BY "Provincie"'
        for k in ("ontsluit", "datasette", "roapi")
    },
    "SQL join key figures-municipalities": {
        k: "SELECT g.statcode, g.statnaam, k.inwoners FROM gemeenten g "
        "JOIN kerncijfers_gemeenten k ON k.statcode = g.statcode ORDER BY g.statcode"
        for k in ("ontsluit", "datasette", "roapi")
    },
    "SQL point-in-polygon": {
        "ontsluit": f'SELECT "KODE", "NAAM" FROM buurten WHERE ST_Contains(geometry, ST_Point({PT[0]}, {PT[1]}))',
        "datasette": f"SELECT KODE, NAAM FROM buurten WHERE ST_Contains(geometry, MakePoint({PT[0]}, {PT[1]}, 4326)) "
        f"AND rowid IN (SELECT pkid FROM idx_buurten_geometry WHERE xmin <= {PT[0]} AND xmax >= {PT[0]} "
        f"AND ymin <= {PT[1]} AND ymax >= {PT[1]})",
    },
    "SQL street lights per neighbourhood": {
        "ontsluit": 'SELECT b."KODE", count(*) AS n FROM buurten b JOIN lichtmasten l '
        'ON ST_Intersects(b.geometry, l.geometry) GROUP BY b."KODE" ORDER BY b."KODE"',
        "datasette": "SELECT b.KODE, count(*) AS n FROM buurten b JOIN lichtmasten l "
        "ON l.rowid IN (SELECT pkid FROM idx_lichtmasten_geometry WHERE xmin <= MbrMaxX(b.geometry) "
        "AND xmax >= MbrMinX(b.geometry) AND ymin <= MbrMaxY(b.geometry) AND ymax >= MbrMinY(b.geometry)) "
        "AND ST_Intersects(b.geometry, l.geometry) GROUP BY b.KODE ORDER BY b.KODE",
    },
    "SQL charging points within 1 km of Utrecht Centraal": {
        "ontsluit": "SELECT count(*) AS n FROM laadpunten WHERE ST_DWithin(ST_Transform(geometry, 28992), "
        f"ST_Transform(ST_Point({UC[0]}, {UC[1]}), 28992), 1000)",
        # The R*Tree pre-filter: a box of at least 1 km around the station (1 km ≈ 0.0147° of
        # longitude and 0.009° of latitude here).
        "datasette": "SELECT count(*) AS n FROM laadpunten WHERE ST_Distance(ST_Transform(geometry, 28992), "
        f"ST_Transform(MakePoint({UC[0]}, {UC[1]}, 4326), 28992)) <= 1000 "
        f"AND rowid IN (SELECT pkid FROM idx_laadpunten_geometry WHERE xmin <= {UC[0] + 0.02} "
        f"AND xmax >= {UC[0] - 0.02} AND ymin <= {UC[1] + 0.012} AND ymax >= {UC[1] - 0.012})",
    },
}


class Mismatch(Exception):
    pass


# --- requests ---------------------------------------------------------------------------------
def request_for(kind, spec, server, base):
    """(method, url, body) of a kind on a server."""
    if spec.get("group") == "ogc":
        return "GET", base + OGC_ROOT[server] + spec["path"], None
    sql = spec[server]
    if server == "ontsluit":
        return "GET", f"{base}/sql/v1?" + urllib.parse.urlencode({"q": sql, "f": "json"}), None
    if server == "datasette":
        return "GET", f"{base}/bench.json?" + urllib.parse.urlencode({"sql": sql}), None
    if server == "roapi":
        return "POST", f"{base}/api/sql", sql
    raise ValueError(server)


def fetch(method, url, body, html):
    headers = {"Accept": "text/html" if html else "application/json"}
    data = body.encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def normalise_ogc(kind, spec, server, status, ctype, body):
    if status != 200:
        raise Mismatch(f"{server}: HTTP {status}: {body[:300]!r}")
    how = spec["compare"]
    if how == "html":
        if "html" not in ctype or b"<html" not in body[:2000].lower():
            raise Mismatch(f"{server}: not an HTML page ({ctype})")
        return "html"
    doc = json.loads(body)
    if how == "links":
        if not any(link.get("rel") == "data" for link in doc.get("links", [])):
            raise Mismatch(f"{server}: landing page without a `data` link")
        return "links"
    if how == "collections":
        ids = {c["id"] for c in doc["collections"]}
        want = {"gemeenten", "buurten", "lichtmasten", "laadpunten"}
        if not want <= ids:
            raise Mismatch(f"{server}: collections {sorted(ids)} lack {sorted(want - ids)}")
        return sorted(want)
    if how == "id":
        return str(doc["id"])
    return [str(f["id"]) for f in doc["features"]]


def normalise_sql(server, status, body):
    if status != 200:
        raise Mismatch(f"{server}: HTTP {status}: {body[:300]!r}")
    doc = json.loads(body)
    if server == "roapi":  # a JSON array of objects, in column order
        return [list(row.values()) for row in doc]
    return [list(row) for row in doc["rows"]]


def same_value(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    return a == b


def same_rows(a, b):
    return len(a) == len(b) and all(
        len(ra) == len(rb) and all(same_value(x, y) for x, y in zip(ra, rb)) for ra, rb in zip(a, b)
    )


def check(kinds, endpoints):
    """Every kind once of every server that serves it; the answers must agree."""
    print("checking that every server gives the same answers")
    for kind, spec in kinds.items():
        answers = {}
        for server in servers_of(spec, endpoints):
            method, url, body = request_for(kind, spec, server, endpoints[server])
            status, ctype, payload = fetch(method, url, body, spec.get("html", False))
            if spec.get("group") == "ogc":
                answers[server] = normalise_ogc(kind, spec, server, status, ctype, payload)
            else:
                answers[server] = normalise_sql(server, status, payload)
        ref_server, ref = next(iter(answers.items()))
        for server, answer in answers.items():
            equal = same_rows(ref, answer) if spec.get("group") != "ogc" else ref == answer
            if not equal:
                raise Mismatch(
                    f"{kind}: {server} answers differently from {ref_server}:\n"
                    f"  {ref_server}: {str(ref)[:400]}\n  {server}: {str(answer)[:400]}"
                )
        if spec.get("group") == "ogc":
            shown = f"{len(ref)} items" if spec["compare"] == "ids" else str(ref)[:60]
        else:
            shown = f"{len(ref)} rows, first {ref[0] if ref else None}"
        if not ref:
            raise Mismatch(f"{kind}: an empty answer proves nothing; choose a request that finds something")
        print(f"  ok  {kind}: {', '.join(answers)} ({shown})")


def servers_of(spec, endpoints):
    names = spec["servers"] if spec.get("group") == "ogc" else [s for s in SERVERS if s in spec]
    return [s for s in names if s in endpoints]


# --- timing -----------------------------------------------------------------------------------
def wrk_seconds(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if m is None:
        raise Mismatch(f"cannot read wrk's latency {text!r}")
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def busy_cores(seconds):
    """Cores' worth of CPU time the machine spent busy over `seconds` (from /proc/stat)."""
    def sample():
        fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle and iowait
        return sum(fields) - idle, sum(fields)
    busy0, total0 = sample()
    time.sleep(seconds)
    busy1, total1 = sample()
    return (busy1 - busy0) / max(total1 - total0, 1) * os.cpu_count()


def settle(limit=20.0):
    """Waits until the machine is quiet (below a tenth of a core busy), at most `limit` seconds:
    a slow server may still be working on requests of the previous run (wrk stops waiting for
    them, the server does not), which would slow down the next server timed."""
    deadline = time.time() + limit
    while time.time() < deadline and busy_cores(0.3) > 0.1:
        pass


def run_wrk(method, url, body, html, seconds, connections, cpu):
    accept = "text/html" if html else "application/json"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(f"wrk.method = {json.dumps(method)}\n")
        lua.write(f"wrk.headers[\"Accept\"] = {json.dumps(accept)}\n")
        if body is not None:
            lua.write(f"wrk.body = {json.dumps(body)}\n")
            lua.write('wrk.headers["Content-Type"] = "text/plain"\n')
    try:
        cmd = ["taskset", "-c", str(cpu), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
               "--timeout", "10s", "--latency", "-s", lua.name, url]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    finally:
        os.unlink(lua.name)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if bad or (errors and re.search(r"[1-9]", errors.group(1))):
        raise Mismatch(f"wrk reported failures for {url}:\n{out}")
    n = int(re.search(r"(\d+) requests in", out).group(1))
    if n == 0:
        raise Mismatch(f"no request to {url} finished within {seconds} s; give it more --seconds:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # The distribution's own lines: the thread stats above also end in percentages.
    dist = out.split("Latency Distribution", 1)[1]
    p50 = wrk_seconds(re.search(r"^\s*50%\s+(\S+)", dist, re.M).group(1))
    p99 = wrk_seconds(re.search(r"^\s*99%\s+(\S+)", dist, re.M).group(1))
    return {"rps": rps, "p50": p50, "p99": p99, "n": n}


# --- report -----------------------------------------------------------------------------------
def machine():
    cpu = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = int(next(l for l in open("/proc/meminfo") if l.startswith("MemTotal")).split()[1])
    os_name = "?"
    if os.path.exists("/etc/os-release"):
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip().strip('"')
    return f"{os.cpu_count()} cores ({cpu}), {mem_kib / 1024 / 1024:.1f} GiB RAM, {os_name}, Linux {platform.release()}"


def fmt_ms(s):
    ms = s * 1000
    return f"{ms:.2f}" if ms < 10 else f"{ms:.1f}" if ms < 100 else f"{ms:.0f}"


def fmt_rps(rps):
    return f"{rps:.0f}" if rps >= 100 else f"{rps:.1f}" if rps >= 10 else f"{rps:.2f}"


def table(results, kinds, endpoints):
    lines = [
        "| request | server | requests | req/s | p50 ms | p99 ms | ontsluit ÷ server (req/s) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for kind, spec in kinds.items():
        ours = results.get((kind, "ontsluit"))
        for server in servers_of(spec, endpoints):
            r = results.get((kind, server))
            if r is None:
                continue
            ratio = "" if server == "ontsluit" or ours is None else f"{ours['rps'] / r['rps']:.1f}×"
            lines.append(
                f"| {kind} | {server} | {r['n']} | {fmt_rps(r['rps'])} | {fmt_ms(r['p50'])} | {fmt_ms(r['p99'])} | {ratio} |"
            )
    return "\n".join(lines)


def goals(results, kinds, endpoints):
    """Issue 13's targets: every OGC kind ≥ 2× MapServer and ≥ 10× pygeoapi, every SQL query
    ≥ 2× the best of Datasette and ROAPI, feature by id p50 under 0.5 ms."""
    lines = []
    for kind, spec in kinds.items():
        ours = results.get((kind, "ontsluit"))
        if ours is None:
            continue
        if spec.get("group") == "ogc":
            for peer, factor in (("mapserver", 2), ("pygeoapi", 10)):
                r = results.get((kind, peer))
                if r:
                    ratio = ours["rps"] / r["rps"]
                    lines.append(f"| {kind} | ≥ {factor}× {peer} | {ratio:.1f}× | {'yes' if ratio >= factor else 'no'} |")
            if kind == "feature by id":
                p50 = ours["p50"] * 1000
                lines.append(f"| {kind} | p50 < 0.5 ms | {p50:.2f} ms | {'yes' if p50 < 0.5 else 'no'} |")
        else:
            peers = [(s, results[(kind, s)]) for s in ("datasette", "roapi") if (kind, s) in results]
            if peers:
                best, r = max(peers, key=lambda p: p[1]["rps"])
                ratio = ours["rps"] / r["rps"]
                lines.append(f"| {kind} | ≥ 2× the best peer ({best}) | {ratio:.1f}× | {'yes' if ratio >= 2 else 'no'} |")
    met = sum(line.endswith("yes |") for line in lines)
    head = [f"{met} of {len(lines)} met.", "", "| request | goal | measured | met |", "|---|---|---:|---|"]
    return "\n".join(head + lines)


def support(kinds, endpoints):
    rows = []
    for server in endpoints:
        if server == "ontsluit":
            continue
        served = [k for k, spec in kinds.items() if server in servers_of(spec, endpoints)]
        missing = [k for k, spec in kinds.items() if server not in servers_of(spec, endpoints)
                   and (spec.get("group") == "ogc") == (server in ("pygeoapi", "mapserver"))]
        rows.append(f"- {server}: {len(served)} kinds; not served: {', '.join(missing) or 'none'}")
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--connections", type=int, default=2)
    ap.add_argument("--kinds", default="")
    ap.add_argument("--versions", required=True)
    ap.add_argument("--out", default="-")
    ap.add_argument("endpoints", nargs="+", help="NAME=BASE_URL")
    args = ap.parse_args()
    endpoints = dict(e.split("=", 1) for e in args.endpoints)
    kinds = {**OGC_KINDS, **{k: {"group": "sql", **v} for k, v in SQL_KINDS.items()}}
    if args.kinds:
        wanted = [k.strip() for k in args.kinds.split(",")]
        unknown = [k for k in wanted if k not in kinds]
        if unknown:
            sys.exit(f"unknown kinds: {unknown}; known: {list(kinds)}")
        kinds = {k: kinds[k] for k in wanted}
    kinds = {k: v for k, v in kinds.items() if servers_of(v, endpoints)}
    try:
        check(kinds, endpoints)
    except Mismatch as e:
        sys.exit(f"CORRECTNESS CHECK FAILED: {e}")

    load_before = open("/proc/loadavg").read().split()[:3]
    cpu = os.cpu_count() - 1  # the load generator's core
    results = {}
    started = time.time()
    for kind, spec in kinds.items():
        for server in servers_of(spec, endpoints):
            method, url, body = request_for(kind, spec, server, endpoints[server])
            html = spec.get("html", False)
            settle()
            if args.warmup:
                try:
                    run_wrk(method, url, body, html, args.warmup, args.connections, cpu)
                except Mismatch:
                    pass  # a slow server may finish nothing within the warm-up
            try:
                r = run_wrk(method, url, body, html, args.seconds, args.connections, cpu)
            except Mismatch as e:
                sys.exit(f"TIMING FAILED: {kind} on {server}: {e}")
            results[(kind, server)] = r
            print(f"  {kind:<52} {server:<10} {fmt_rps(r['rps']):>9} req/s  p50 {fmt_ms(r['p50']):>6} ms  "
                  f"p99 {fmt_ms(r['p99']):>6} ms", flush=True)
    elapsed = time.time() - started
    load_after = open("/proc/loadavg").read().split()[:3]

    versions = [l.strip().split("=", 1) for l in open(args.versions) if "=" in l]
    ogc_kinds = {k: v for k, v in kinds.items() if v.get("group") == "ogc"}
    sql_kinds = {k: v for k, v in kinds.items() if v.get("group") != "ogc"}
    report = REPORT.format(
        date=time.strftime("%Y-%m-%d"),
        machine=machine(),
        versions="\n".join(f"- {name}: {v}" for name, v in versions),
        seconds=args.seconds,
        connections=args.connections,
        elapsed=elapsed / 60,
        support=support(kinds, endpoints),
        ogc=table(results, ogc_kinds, endpoints) if ogc_kinds else "(not run)",
        sql=table(results, sql_kinds, endpoints) if sql_kinds else "(not run)",
        goals=goals(results, kinds, endpoints),
        command=os.environ.get("BENCH_COMMAND", "benches/load/run.sh BIN"),
        load=f"{' '.join(load_before)} before, {' '.join(load_after)} after",
    )
    print()
    print(report)
    if args.out != "-":
        with open(args.out, "w") as f:
            f.write(report)
        print(f"written to {args.out}")


REPORT = """# Performance: ontsluit against its peers under load

Written by the load benchmark (`benches/load/run.sh`, `make bench-load`); re-run it after a change
and commit the new table. Every server serves the same tables (ontsluit's catalog
`benches/load/catalog.toml`; the peers get copies of ontsluit's stored data: GeoJSON for pygeoapi,
Shapefiles with a `shptree` index for MapServer, a SpatiaLite database with R*Tree indexes for
Datasette, the GeoParquet files for ROAPI), on loopback, each with 2 workers (ontsluit: 2 serving
lanes, threads that each serve their connections, with 2 Tokio worker threads for parallel SQL;
ROAPI: 2 Tokio worker threads; pygeoapi and Datasette: 2 gunicorn workers; MapServer: 2 FastCGI `mapserv`
processes under lighttpd). Before timing, every request is asked of every server that serves it
and the answers must agree (feature ids; SQL rows, floats with a tolerance). The load generator is
`wrk` on one core (`taskset`), keep-alive, {connections} connections, {seconds} s per request kind
and server after a 1 s warm-up, each run started once the machine is quiet (a slow server may
still be answering the previous run's requests). Responses are not compressed (wrk asks for no encoding).

Run of {date} ({elapsed:.1f} minutes of load), command: `{command}`

Machine: {machine}; load average (1, 5, 15 min) {load}: other work on the machine
during the run lowers every server's figures, so compare runs made under a similar load.

Versions:
{versions}

What each peer serves here:
{support}

## OGC API Features

{ogc}

## SQL

{sql}

## Goals of issue 13

{goals}

Notes: pygeoapi's GeoJSON provider reads and parses its file on every request (its documented
behaviour; its SQLite/GeoPackage provider needs SpatiaLite loaded into Python 3.12, which the
pyenv build here cannot do). MapServer 8.0 has no CQL2 and no queryables as query parameters;
pygeoapi's GeoJSON provider filters by property but not by CQL2. ROAPI has no spatial functions.
gunicorn's sync workers (pygeoapi) close the connection after each response, so pygeoapi's figures
include a TCP connect per request. Datasette's spatial queries use the R*Tree index explicitly
(`rowid IN (SELECT pkid FROM idx_<table>_geometry WHERE …)`), as SpatiaLite requires.
"""

if __name__ == "__main__":
    main()
