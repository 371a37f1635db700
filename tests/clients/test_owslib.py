"""OWSLib's OGC API - Features client (`owslib.ogcapi.features.Features`) against the server.

Expected values come from the source files: the ogr2ogr read (the `sources` fixture) and, for the
attribute check, the source GeoJSON parsed by Python's json module (no GDAL in between).
"""

from __future__ import annotations

import json
import math

import pytest
import requests
from owslib.ogcapi.features import Features

from conftest import COLLECTION_IDS, DATASETS, VIEWS, point_xy, published_name, source_path

# Boxes in the city of Utrecht that hold a few dozen points each; odd decimals keep points off
# the edges (checked below).
BOXES = {
    "laadpunten": (5.1100001, 52.0850001, 5.1250001, 52.0950001),
    "lichtmasten": (5.0900001, 52.0800001, 5.1000001, 52.0850001),
}


def in_box(x, y, box):
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def near_edge(x, y, box, eps=1e-6):
    outer = box[0] - eps <= x <= box[2] + eps and box[1] - eps <= y <= box[3] + eps
    inner = box[0] + eps <= x <= box[2] - eps and box[1] + eps <= y <= box[3] - eps
    return outer and not inner


def open_features(url: str) -> Features:
    # OWSLib requests the landing page at the URL it is given plus a trailing slash ("…/ogc/v1/").
    try:
        return Features(url)
    except Exception as e:
        r = requests.get(url.rstrip("/") + "/", timeout=30)
        pytest.fail(
            f"OWSLib cannot open {url}: {type(e).__name__}: {e}; "
            f"GET {r.url} answers {r.status_code} {r.headers.get('content-type')!r} {r.text[:200]!r}"
        )


@pytest.fixture(scope="module")
def api(server):
    return open_features(server.ogc_url)


def test_client_opens_the_landing_page(server):
    api = open_features(server.ogc_url)
    rels = {l["rel"] for l in api.links}
    assert {"service-desc", "conformance", "data"} <= rels


def test_collections_lists_every_dataset(server, api):
    cols = api.collections()
    ids = [c["id"] for c in cols["collections"]]
    ingested = sorted(p.parent.name for p in server.data_dir.glob("*/current"))
    assert ingested == sorted(COLLECTION_IDS)
    assert sorted(ids) == ingested
    assert len(ids) == len(set(ids))
    # OWSLib's own filter on itemType "feature" keeps them all (tables are feature collections too)
    assert sorted(api.feature_collections()) == sorted(COLLECTION_IDS)
    for c in cols["collections"]:
        entry = DATASETS.get(c["id"]) or VIEWS[c["id"]]
        assert c["title"] in (entry["title"]["nl"], entry["title"]["en"])


def expected_in_box(sources, dataset_id, box):
    src = sources(dataset_id)
    ids = set()
    for f in src.features:
        x, y = point_xy(f.geometry)
        assert not near_edge(x, y, box), f"{f.id!r} lies on the edge of the test box"
        if in_box(x, y, box):
            ids.add(f.id)
    assert 10 <= len(ids) <= 200, f"the test box should select a few dozen, selects {len(ids)}"
    return src, ids


@pytest.mark.parametrize("dataset_id", sorted(BOXES))
def test_bbox_query_matches_brute_force(api, sources, dataset_id):
    box = BOXES[dataset_id]
    src, expected = expected_in_box(sources, dataset_id, box)
    fc = api.collection_items(dataset_id, bbox=list(box), limit=1000)
    feats = fc["features"]
    assert fc["numberReturned"] == len(feats)
    if "numberMatched" in fc:
        assert fc["numberMatched"] == len(expected)
    for f in feats:
        x, y = point_xy(f["geometry"])
        assert in_box(x, y, box), f"{f['id']!r} at {x},{y} is outside the box"
    ids = [f["id"] for f in feats]
    assert len(ids) == len(set(ids)), "a feature was returned twice"
    assert len(feats) == len(expected)
    assert set(ids) == expected


@pytest.mark.parametrize("dataset_id", sorted(BOXES))
def test_limit_is_honoured_and_pages_add_up(api, sources, dataset_id):
    box = BOXES[dataset_id]
    _, expected = expected_in_box(sources, dataset_id, box)
    limit = 7
    fc = api.collection_items(dataset_id, bbox=list(box), limit=limit)
    assert len(fc["features"]) == limit
    assert fc["numberReturned"] == limit
    # follow the next links to the end: the pages together are the brute-force selection
    ids = [f["id"] for f in fc["features"]]
    pages = 1
    while True:
        nxt = [l["href"] for l in fc.get("links", []) if l.get("rel") == "next"]
        if not nxt:
            break
        assert len(nxt) == 1
        r = requests.get(nxt[0], headers={"Accept": "application/geo+json"}, timeout=60)
        assert r.status_code == 200, r.text
        fc = r.json()
        assert len(fc["features"]) <= limit
        assert fc["numberReturned"] == len(fc["features"])
        ids += [f["id"] for f in fc["features"]]
        pages += 1
        assert pages < 100, "next links do not end"
    assert len(ids) == len(set(ids)), "pages overlap"
    assert set(ids) == expected
    assert pages >= math.ceil(len(expected) / limit)


def test_limit_without_filter(api):
    for limit in (1, 3, 25):
        fc = api.collection_items("lichtmasten", limit=limit)
        assert len(fc["features"]) == limit
        assert fc["numberReturned"] == limit


def json_equal(a, b) -> bool:
    """JSON values equal, with 17 and 17.0 equal but booleans never equal to numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def test_bbox_features_have_source_attributes(api):
    """The bbox features' properties equal the source GeoJSON's, parsed with json (no GDAL)."""
    dataset_id = "laadpunten"
    ds = DATASETS[dataset_id]
    box = BOXES[dataset_id]
    with open(source_path(ds), encoding="utf-8") as f:
        raw = json.load(f)["features"]
    key = ds["key"]
    by_id: dict[str, dict] = {}
    names: set[str] = set()
    for f in raw:
        p = f["properties"]
        names.update(p)
        by_id.setdefault(":".join(str(p[k]) for k in key), p)
    published = {published_name(ds, n): n for n in names if n not in ds.get("withhold", [])}
    fc = api.collection_items(dataset_id, bbox=list(box), limit=1000)
    assert fc["features"]
    problems = []
    for feat in fc["features"]:
        src = by_id[feat["id"]]
        assert set(feat["properties"]) == set(published)
        for pub, name in published.items():
            want, got = src.get(name), feat["properties"][pub]
            if not json_equal(want, got):
                problems.append(f"{feat['id']!r} {pub}: source {want!r} != served {got!r}")
    assert not problems, f"{len(problems)} differences, e.g.:\n" + "\n".join(problems[:20])
