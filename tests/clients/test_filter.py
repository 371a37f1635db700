"""CQL2 filtering through real clients, compared with OGR reading the source file directly.

GDAL's OAPIF driver: `ogr2ogr -where` and `-spat` against the server (GDAL decides whether to send
the filter as CQL2 or to apply it itself, from what /conformance and /queryables declare) must
select the same features as the same `-where`/`-spat` on the source. OWSLib: `bbox` + `filter`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from owslib.ogcapi.features import Features

from conftest import CATALOG, source_path, DATASETS

GEMEENTEN = DATASETS["gemeenten"]
LICHTMASTEN = DATASETS["lichtmasten"]


def ogr_read(args: list[str], out: Path) -> dict:
    cmd = ["ogr2ogr", "-f", "GeoJSON", str(out), *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, f"{' '.join(cmd)}\n{p.stderr}"
    with open(out) as f:
        return json.load(f)


def keys(doc: dict, fields: list[str]) -> set[str]:
    return {":".join(str(f["properties"][k]) for k in fields) for f in doc["features"]}


def test_gdal_attribute_filter_matches_ogr_on_the_source(server, tmp_path):
    where = "statnaam LIKE 'B%' OR statcode = 'GM0344'"
    served = ogr_read(["-where", where, f"OAPIF:{server.ogc_url}", "gemeenten"], tmp_path / "served.geojson")
    source = ogr_read(["-where", where, str(source_path(GEMEENTEN))], tmp_path / "source.geojson")
    expected = keys(source, ["statcode"])
    assert len(expected) >= 2
    assert keys(served, ["statcode"]) == expected


def test_gdal_spatial_and_attribute_filter_matches_ogr_on_the_source(server, tmp_path):
    spat = ["-spat", "5.10", "52.08", "5.13", "52.10"]
    where = "STRAAT = 'Lange Viestraat' OR MASTLENGTE = '8'"
    served = ogr_read([*spat, "-where", where, f"OAPIF:{server.ogc_url}", "lichtmasten"], tmp_path / "s.geojson")
    source = ogr_read([*spat, "-where", where, str(source_path(LICHTMASTEN))], tmp_path / "o.geojson")
    expected = keys(source, ["STRAAT", "MASTNUMMER"])
    assert len(expected) > 5
    assert keys(served, ["STRAAT", "MASTNUMMER"]) == expected


def test_server_answers_cql2_that_gdal_would_send(server):
    # The same selection as a server-side CQL2 filter (what GDAL sends when it delegates).
    doc = server.get_json(
        "/collections/gemeenten/items",
        params={"filter": "statnaam LIKE 'B%' OR statcode = 'GM0344'", "limit": 100},
    )
    names = {f["properties"]["statnaam"] for f in doc["features"]}
    assert "Utrecht" in names and all(n == "Utrecht" or n.startswith("B") for n in names)


def test_owslib_bbox_and_filter(server):
    api = Features(server.ogc_url)
    bbox = [5.10, 52.08, 5.13, 52.10]
    everything = api.collection_items("lichtmasten", bbox=bbox, limit=10000)
    filtered = api.collection_items(
        "lichtmasten", bbox=bbox, limit=10000, filter="MASTLENGTE = '8'", **{"filter-lang": "cql2-text"}
    )
    expected = [f for f in everything["features"] if f["properties"]["MASTLENGTE"] == "8"]
    assert len(expected) > 5
    assert {f["id"] for f in filtered["features"]} == {f["id"] for f in expected}
    assert filtered["numberReturned"] == len(expected)


def test_conformance_declares_filtering(server):
    classes = set(server.get_json("/conformance")["conformsTo"])
    for c in [
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    ]:
        assert c in classes
    assert CATALOG["catalog"]["title"]["nl"]
