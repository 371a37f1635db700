"""Atom feeds of dataset versions, parsed by Python's `feedparser`, and the version archive with
retention, driven through the real binary: a dataset is ingested, then re-ingested from a copy
this test modifies, with `ingest --keep-versions`."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import feedparser
import pytest
import requests

from conftest import COLLECTION_IDS, free_port, ontsluit_bin, run_bin, sources_dir

RUSTPUNTEN = sources_dir() / "other/provincie_utrecht_rustpunten_wgs84.geojson"


def parse_feed(url: str, **params) -> feedparser.FeedParserDict:
    r = requests.get(url, params=params, timeout=60)
    assert r.status_code == 200, f"{r.url}: {r.status_code} {r.text[:300]}"
    assert r.headers["content-type"].startswith("application/atom+xml")
    d = feedparser.parse(r.content)
    assert not d.bozo, f"{r.url}: not well-formed: {d.bozo_exception}"
    assert d.version == "atom10"
    return d


def test_catalog_feed_has_a_valid_entry_per_version(server):
    d = parse_feed(f"{server.base_url}/feeds/datasets.atom")
    assert d.feed.id == f"{server.base_url}/feeds/datasets.atom"
    assert d.feed.author_detail.name == "Provincie Utrecht"
    assert len(d.entries) == len(COLLECTION_IDS)  # one version each (views too) in the session's store
    updated = [e.updated_parsed for e in d.entries]
    assert updated == sorted(updated, reverse=True), "newest first"
    for e in d.entries:
        dataset = e.tags[0].term
        assert dataset in COLLECTION_IDS
        assert e.id == f"{server.base_url}/datasets/{dataset}/versions/1"
        downloads = {l.type: l for l in e.links if l.rel == "alternate"}
        parquet = downloads["application/vnd.apache.parquet"]
        assert int(parquet.length) > 0
        assert "download.parquet" in parquet.href
        head = requests.head(parquet.href, timeout=60)
        assert int(head.headers["content-length"]) == int(parquet.length)


def start_server(catalog: Path, data_dir: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [ontsluit_bin(), "serve", "--catalog", str(catalog), "--data-dir", str(data_dir),
         "--bind", f"127.0.0.1:{port}"],
        stdout=open(log, "w"), stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        try:
            if requests.get(base + "/ogc/v1", timeout=2).status_code == 200:
                return proc, base
        except requests.RequestException:
            pass
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"ontsluit serve did not start: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def changed(tmp_path_factory):
    """rustpunten ingested three times (original, modified, modified again) keeping 2 versions;
    yields (base url, what the second change did)."""
    root = tmp_path_factory.mktemp("feeds")
    src = root / "rustpunten.geojson"
    original = json.loads(RUSTPUNTEN.read_text())
    src.write_text(json.dumps(original))
    catalog = root / "catalog.toml"
    repo_catalog = (Path(__file__).resolve().parents[2] / "catalog.toml").read_text()
    head = repo_catalog.split("[[dataset]]")[0].replace(
        'sources_dir = "../shared/data"', f'sources_dir = "{root}"'
    )
    entry = next(e for e in repo_catalog.split("[[dataset]]") if 'id = "rustpunten"' in e)
    entry = entry.replace("other/provincie_utrecht_rustpunten_wgs84.geojson", "rustpunten.geojson")
    catalog.write_text(head + "[[dataset]]" + entry)
    data = root / "data"

    def ingest():
        p = run_bin(["ingest", "--catalog", str(catalog), "--data-dir", str(data), "--keep-versions", "2"])
        assert p.returncode == 0, p.stdout + p.stderr
        return p.stdout

    ingest()
    feats = original["features"]
    # Version 2: the two northernmost features deleted.
    feats.sort(key=lambda f: f["geometry"]["coordinates"][1])
    removed = feats[-2:]
    del feats[-2:]
    src.write_text(json.dumps(original))
    ingest()
    # Version 3: the southernmost feature moved a little.
    moved = feats[0]
    before = tuple(moved["geometry"]["coordinates"])
    moved["geometry"]["coordinates"] = [before[0] + 0.001, before[1] - 0.001]
    src.write_text(json.dumps(original))
    out = ingest()
    assert "retention: removed versions [1]" in out, out
    proc, base = start_server(catalog, data, root / "serve.log")
    try:
        yield base, {"removed": removed, "moved_from": before, "moved_to": moved["geometry"]["coordinates"]}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_feed_entries_describe_each_change(changed):
    base, what = changed
    d = parse_feed(f"{base}/datasets/rustpunten/feed.atom", **{})
    assert [e.id.rsplit("/", 1)[1] for e in d.entries] == ["3", "2"], "version 1 removed by retention"
    v3, v2 = d.entries
    assert "0 toegevoegd, 0 verwijderd, 1 gewijzigd" in v3.summary
    assert "0 toegevoegd, 2 verwijderd, 0 gewijzigd" in v2.summary
    # GeoRSS: feedparser gives the change extent as a GeoJSON-like polygon (lon, lat).
    ring = v3.where["coordinates"][0]
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    (x0, y0), (x1, y1) = what["moved_from"], what["moved_to"]
    assert min(xs) == pytest.approx(min(x0, x1), abs=1e-7)
    assert max(ys) == pytest.approx(max(y0, y1), abs=1e-7)
    english = feedparser.parse(
        requests.get(f"{base}/datasets/rustpunten/feed.atom", headers={"Accept-Language": "en"}, timeout=60).content
    )
    assert "1 changed" in english.entries[0].summary


def test_bbox_keeps_only_versions_whose_changes_touch_it(changed):
    base, what = changed
    x, y = what["moved_from"]
    around_move = f"{x - 0.01},{y - 0.01},{x + 0.01},{y + 0.01}"
    ids = [e.id.rsplit("/", 1)[1] for e in parse_feed(f"{base}/datasets/rustpunten/feed.atom", bbox=around_move).entries]
    assert ids == ["3"]
    nx, ny = what["removed"][0]["geometry"]["coordinates"]
    around_removed = f"{nx - 0.001},{ny - 0.001},{nx + 0.001},{ny + 0.001}"
    ids = [e.id.rsplit("/", 1)[1] for e in parse_feed(f"{base}/feeds/datasets.atom", bbox=around_removed).entries]
    assert ids == ["2"]
    bad = requests.get(f"{base}/feeds/datasets.atom", params={"bbox": "5,52"}, timeout=60)
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"


def test_archive_lists_kept_versions_and_removed_ones_are_gone(changed):
    base, _ = changed
    listing = requests.get(f"{base}/datasets/rustpunten/versions", timeout=60).json()
    assert [v["version"] for v in listing["versions"]] == [3, 2]
    assert listing["versions"][1]["changes"]["removed"] == 2
    gone = requests.get(f"{base}/datasets/rustpunten/versions/1/download.geojson", timeout=60)
    assert gone.status_code == 404 and gone.json()["status"] == 404
    old = requests.get(f"{base}/datasets/rustpunten/versions/2/download.geojson", timeout=60).json()
    assert len(old["features"]) == 45
