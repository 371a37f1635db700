#!/usr/bin/env python3
"""Queries at scale against a running ontsluit serving the generated `adressen` (10 M points)
and `gebieden`, and the server's memory under load. Part of `make bench-scale`
(benches/data/bench-scale.sh starts the server); prints every figure.

usage: query_scale.py BASE_URL SERVER_PID POINTS [--sql-memory-mib N] [--sql-concurrent N]
                      [--load-seconds S] [--pagers N] [--sql-clients N] [--load-only]

Figures:
- first page against a deep page (same cost wanted): unfiltered, a bbox of about 1 % of the
  points, a CQL2 filter, and a sort; deep pages are reached by following `next` links (keyset
  cursors), and for comparison by an offset cursor at the same depth;
- the bbox page with `numberMatched`, and following `next` through the whole bbox (linear
  overall: its pages cost about the same);
- feature by id;
- memory: idle RSS, then 8 clients paging through the points with limit=10000 while SQL
  aggregates run, RSS and the SQL memory reserved (`/sql/v1/status`) sampled together every
  0.2 s; the goal is RSS within 100 MiB of idle plus the SQL memory reserved at that moment.
"""

import argparse
import http.client
import json
import statistics
import threading
import time
import urllib.parse


class Client:
    """One keep-alive connection."""

    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)

    def get(self, path):
        """(status, body, seconds until the whole body is read)."""
        start = time.perf_counter()
        try:
            self.conn.request("GET", path, headers={"Accept-Encoding": "identity"})
            reply = self.conn.getresponse()
            body = reply.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
            raise
        return reply.status, body, time.perf_counter() - start

    def json(self, path):
        status, body, seconds = self.get(path)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}: {body[:300]!r}")
        return json.loads(body), seconds


def local(href):
    """The path and query of a link."""
    url = urllib.parse.urlsplit(href)
    return url.path + ("?" + url.query if url.query else "")


def next_href(page):
    for link in page.get("links", []):
        if link["rel"] == "next":
            return local(link["href"])
    return None


def timed(client, path, runs=15):
    """Median and p90 milliseconds of `runs` requests of `path` (after one warm-up)."""
    client.get(path)
    times = []
    for _ in range(runs):
        status, body, seconds = client.get(path)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}: {body[:300]!r}")
        times.append(seconds * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


def ms(figure):
    return f"{figure[0]:.1f} ms (p90 {figure[1]:.1f})"


def follow(client, path, pages):
    """The path of the page `pages` links after `path`, or None where paging ends first."""
    for _ in range(pages):
        page, _ = client.json(path)
        path = next_href(page)
        if path is None:
            return None
    return path


def with_cursor(path, cursor):
    return f"{path}&cursor={cursor}"


def cursor_of(path):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["cursor"][0]


def first_and_deep(client, label, first, depth_pages):
    """Times the first page, the page `depth_pages` `next` links later, and the same page by an
    offset cursor (a cursor of only `version.offset`, as before keyset cursors)."""
    deep = follow(client, first, depth_pages)
    if deep is None:
        print(f"- {label}: fewer than {depth_pages} pages")
        return
    version, offset = cursor_of(deep).split(".")[:2]
    by_offset = with_cursor(first, f"{version}.{offset}")
    a, b, c = timed(client, first), timed(client, deep), timed(client, by_offset)
    print(
        f"- {label}: first page {ms(a)}; {offset} features deep by the `next` cursor {ms(b)}, "
        f"by an offset cursor {ms(c)}"
    )


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def find_box(client, items, points, share=0.01):
    """A box around Utrecht holding about `share` of the points, by `numberMatched`."""
    cx, cy, half = 5.12, 52.09, 0.05
    for _ in range(8):
        box = f"{cx - half * 1.6:.5f},{cy - half:.5f},{cx + half * 1.6:.5f},{cy + half:.5f}"
        page, _ = client.json(f"{items}?limit=1&bbox={box}")
        matched = page.get("numberMatched")
        if matched is None:
            raise SystemExit("a bbox page without numberMatched")
        if abs(matched / (points * share) - 1) < 0.1:
            break
        half *= min(3.0, max(0.3, (points * share / max(matched, 1)) ** 0.5))
    return box, matched


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("pid", type=int)
    parser.add_argument("points", type=int)
    parser.add_argument("--sql-memory-mib", type=int, default=512)
    parser.add_argument("--sql-concurrent", type=int, default=4)
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--pagers", type=int, default=8, help="clients paging under load")
    parser.add_argument("--sql-clients", type=int, default=2, help="clients running SQL")
    parser.add_argument("--load-only", action="store_true", help="only the memory under load")
    args = parser.parse_args()
    client = Client(args.base)
    items = "/ogc/v1/collections/adressen/items"

    first, _ = client.json(f"{items}?limit=100")
    idle = rss_kib(args.pid)
    if args.load_only:
        load(args, items, idle)
        return
    print(f"\nQueries at scale ({args.points} address points; median of 15 runs, one client):")
    version = cursor_of(next_href(first)).split(".")[0]
    deep = with_cursor(f"{items}?limit=100", f"{version}.{args.points // 2}")
    print(
        f"- unfiltered, limit 100: first page {ms(timed(client, f'{items}?limit=100'))}; "
        f"{args.points // 2} features deep {ms(timed(client, deep))}"
    )

    box, matched = find_box(client, items, args.points)
    bbox_page = f"{items}?limit=100&bbox={box}"
    page, _ = client.json(bbox_page)
    print(
        f"- bbox {box}: {matched} matches ({100 * matched / args.points:.2f} %); limit 100 "
        f"with numberMatched={page.get('numberMatched')}: {ms(timed(client, bbox_page))}"
    )
    first_and_deep(client, "bbox, limit 100", bbox_page, 200)
    start = time.perf_counter()
    path, pages, seen, slowest = bbox_page, 0, 0, 0.0
    while path is not None:
        page, seconds = client.json(path)
        seen += len(page["features"])
        pages += 1
        slowest = max(slowest, seconds)
        path = next_href(page)
    total = time.perf_counter() - start
    print(
        f"- following `next` through the whole bbox: {pages} pages, {seen} features "
        f"(numberMatched {matched}) in {total:.1f} s: {1000 * total / pages:.1f} ms a page, "
        f"the slowest {1000 * slowest:.1f} ms"
    )
    if seen != matched:
        raise SystemExit(f"paging saw {seen} features, numberMatched said {matched}")

    cql = urllib.parse.quote("huisnummer > 200")
    first_and_deep(client, "CQL2 `huisnummer > 200`, limit 100", f"{items}?limit=100&filter={cql}", 50)
    first_and_deep(client, "sortby=postcode, limit 100", f"{items}?limit=100&sortby=postcode", 20)

    some_id = first["features"][50]["id"]
    print(f"- feature by id: {ms(timed(client, f'{items}/{some_id}?f=json', runs=50))}")

    load(args, items, idle)


def load(args, items, idle):
    """Clients page through the points with limit=10000 while SQL aggregates run; RSS and the
    SQL memory reserved sampled. `idle`: the server's RSS after its first page, before the
    queries above."""
    before = rss_kib(args.pid)
    stop = time.perf_counter() + args.load_seconds
    counts = {"pages": 0, "features": 0, "sql": 0, "sql_busy": 0, "sql_limit": 0, "errors": 0}
    lock = threading.Lock()

    def pager():
        client = Client(args.base)
        path = f"{items}?limit=10000"
        while time.perf_counter() < stop:
            try:
                page, _ = client.json(path)
            except (SystemExit, OSError, http.client.HTTPException):
                with lock:
                    counts["errors"] += 1
                continue
            with lock:
                counts["pages"] += 1
                counts["features"] += len(page["features"])
            path = next_href(page) or f"{items}?limit=10000"

    queries = [
        "SELECT woonplaats, count(*) AS n FROM adressen GROUP BY woonplaats ORDER BY n DESC LIMIT 10",
        "SELECT type, status, avg(huisnummer) AS h, count(*) AS n FROM adressen GROUP BY type, status",
        "SELECT woonplaats, min(postcode) AS p, max(huisnummer) AS h FROM adressen GROUP BY woonplaats",
    ]

    def sql():
        client = Client(args.base)
        k = 0
        while time.perf_counter() < stop:
            q = urllib.parse.quote(queries[k % len(queries)])
            k += 1
            status, body, _ = client.get(f"/sql/v1?q={q}&f=json")
            with lock:
                if status == 200:
                    counts["sql"] += 1
                elif status == 503:
                    counts["sql_busy"] += 1
                elif status == 422:
                    counts["sql_limit"] += 1
                else:
                    counts["errors"] += 1
                    print(f"  SQL: HTTP {status}: {body[:200]!r}")
            if status == 503:
                time.sleep(0.2)

    threads = [threading.Thread(target=pager) for _ in range(args.pagers)]
    threads += [threading.Thread(target=sql) for _ in range(args.sql_clients)]
    for t in threads:
        t.start()
    status_client = Client(args.base)
    peak, samples = idle, []
    # The largest excess of RSS over idle plus the SQL memory reserved, and that sample.
    worst = (float("-inf"), 0, 0)
    while any(t.is_alive() for t in threads):
        # Reserved read on both sides of the RSS reading: the smaller, as the RSS may lag.
        before_kib = sql_reserved_kib(status_client)
        rss = rss_kib(args.pid)
        reserved = min(before_kib, sql_reserved_kib(status_client))
        peak = max(peak, rss)
        samples.append(rss)
        worst = max(worst, (rss - idle - reserved, rss, reserved))
        time.sleep(0.2)
    for t in threads:
        t.join()
    after = rss_kib(args.pid)
    bound = args.sql_memory_mib * args.sql_concurrent
    print(
        f"\nMemory under load ({args.load_seconds:.0f} s: {args.pagers} clients paging "
        f"limit=10000, {args.sql_clients} running SQL aggregates; SQL memory limit {args.sql_memory_mib} MiB a query, "
        f"{args.sql_concurrent} at once):"
    )
    print(
        f"- {counts['pages']} pages ({counts['features']} features), {counts['sql']} SQL "
        f"queries ({counts['sql_busy']} turned away busy, {counts['sql_limit']} over the memory "
        f"limit), {counts['errors']} errors"
    )
    print(
        f"- RSS idle {idle // 1024} MiB (after the first page), {before // 1024} MiB after the "
        f"queries above; peak {peak // 1024} MiB (+{(peak - idle) // 1024} MiB), "
        f"median under load {statistics.median(samples) // 1024} MiB, after {after // 1024} MiB; "
        f"goal: within 100 MiB of idle plus the SQL memory in use (at most {bound} MiB)"
    )
    excess, at_rss, at_reserved = worst
    print(
        f"- largest RSS over idle plus the SQL memory reserved at that moment: "
        f"{excess // 1024:+.0f} MiB (RSS {at_rss // 1024} MiB, SQL reserved "
        f"{at_reserved // 1024} MiB; {len(samples)} samples); goal met: "
        f"{'yes' if excess <= 100 * 1024 else 'no'}"
    )


def sql_reserved_kib(client):
    """What the running SQL queries have reserved, from the server's status."""
    status, body, _ = client.get("/sql/v1/status")
    if status != 200:
        raise SystemExit(f"/sql/v1/status: HTTP {status}: {body[:300]!r}")
    return json.loads(body)["memoryReservedBytes"] // 1024


if __name__ == "__main__":
    main()
