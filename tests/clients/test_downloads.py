"""Whole-dataset downloads, read by GDAL's command-line tools and pyarrow, against the feature
counts of the *source files* (read independently with ogr2ogr by the `sources` fixture).

GDAL also reads the stored files straight from the server through `/vsicurl/`, which uses HEAD
and `Range` requests: the server's ranges must be right for that to work; Python's MIME parser
reads a multi-range answer."""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import io
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import requests

from conftest import DATASET_IDS


def feature_count(target: str) -> int:
    out = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", target], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, f"ogrinfo {target}: {out.stderr}"
    counts = [int(l.split(":")[1]) for l in out.stdout.splitlines() if l.startswith("Feature Count:")]
    assert len(counts) == 1, f"ogrinfo {target}: expected one layer:\n{out.stdout}"
    return counts[0]


def versions(server, dataset_id: str) -> dict:
    return server.get_json(f"{server.base_url}/datasets/{dataset_id}/versions")


@pytest.mark.parametrize("dataset_id", DATASET_IDS)
def test_every_download_opens_with_every_feature(server, sources, dataset_id, tmp_path: Path):
    expected = len(sources(dataset_id).features)
    spatial = sources(dataset_id).spatial
    current = versions(server, dataset_id)["versions"][0]
    links = {d["format"]: d for d in current["downloads"]}
    formats = {"parquet", "geojson", "csv", "gpkg"} | ({"fgb"} if spatial else set())
    assert set(links) == formats
    for fmt in ["geojson", "csv", "gpkg", "fgb"]:
        if fmt not in links:
            continue
        r = requests.get(f"{server.base_url}/datasets/{dataset_id}/download.{fmt}", timeout=300)
        assert r.status_code == 200, f"{fmt}: {r.status_code} {r.text[:300]}"
        assert r.headers["content-type"].startswith(links[fmt]["type"])
        path = tmp_path / f"{dataset_id}.{fmt}"
        path.write_bytes(r.content)
        assert feature_count(str(path)) == expected, fmt
        if links[fmt].get("sha256"):
            assert hashlib.sha256(r.content).hexdigest() == links[fmt]["sha256"], fmt
            assert int(r.headers["content-length"]) == links[fmt]["length"] == len(r.content)

    # GeoParquet: GDAL 3.6 has no Parquet driver, so pyarrow reads it.
    r = requests.get(f"{server.base_url}/datasets/{dataset_id}/download.parquet", timeout=300)
    assert r.status_code == 200
    assert hashlib.sha256(r.content).hexdigest() == links["parquet"]["sha256"]
    parquet = pq.ParquetFile(io.BytesIO(r.content))
    assert parquet.metadata.num_rows == expected
    assert parquet.read().num_rows == expected
    assert (b"geo" in (parquet.metadata.metadata or {})) == spatial


@pytest.mark.parametrize("fmt", ["gpkg", "fgb"])
def test_gdal_reads_stored_files_over_http_with_ranges(server, sources, fmt):
    """`/vsicurl/` reads a file by HEAD and byte ranges, never whole: ranges must be exact."""
    dataset_id = "laadpunten"
    url = f"{server.base_url}/datasets/{dataset_id}/download.{fmt}"
    head = requests.head(url, timeout=60)
    assert head.status_code == 200 and head.headers["accept-ranges"] == "bytes"
    assert feature_count(f"/vsicurl/{url}") == len(sources(dataset_id).features)


def test_old_versions_and_conditional_get(server):
    url = f"{server.base_url}/datasets/gemeenten/versions/1/download.parquet"
    r = requests.get(url, timeout=60)
    assert r.status_code == 200
    again = requests.get(url, headers={"If-None-Match": r.headers["etag"]}, timeout=60)
    assert again.status_code == 304 and again.content == b""
    part = requests.get(url, headers={"Range": "bytes=4-99"}, timeout=60)
    assert part.status_code == 206 and part.content == r.content[4:100]
    multi = requests.get(url, headers={"Range": "bytes=0-3, 100-199, -4"}, timeout=60)
    assert multi.status_code == 206
    # Python's own MIME parser reads the multipart/byteranges body.
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + multi.headers["content-type"].encode() + b"\r\n\r\n" + multi.content
    )
    parts = [(p["Content-Range"], p.get_payload(decode=True)) for p in message.iter_parts()]
    n = len(r.content)
    assert parts == [
        (f"bytes 0-3/{n}", r.content[:4]),
        (f"bytes 100-199/{n}", r.content[100:200]),
        (f"bytes {n - 4}-{n - 1}/{n}", r.content[-4:]),
    ]
    bad = requests.get(url, headers={"Range": "bytes=99-4"}, timeout=60)
    assert bad.status_code == 416
    assert bad.headers["content-type"] == "application/problem+json"
    missing = requests.get(f"{server.base_url}/datasets/gemeenten/versions/99/download.parquet", timeout=60)
    assert missing.status_code == 404 and missing.json()["status"] == 404


def test_text_downloads_are_compressed(server):
    url = f"{server.base_url}/datasets/gemeenten/download.geojson"
    r = requests.get(url, headers={"Accept-Encoding": "br"}, stream=True, timeout=60)
    assert r.headers.get("content-encoding") == "br"
    r.close()
    r = requests.get(url, headers={"Accept-Encoding": "gzip"}, timeout=60)
    assert r.headers.get("content-encoding") == "gzip"
    assert len(r.json()["features"]) == 26
