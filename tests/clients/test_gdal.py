"""GDAL's OAPIF driver (the `ogr2ogr`/`ogrinfo` command-line tools) against the running server.

Every collection is read completely (GDAL follows the `next` links) and compared with its source
file, read by `ogr2ogr` straight from disk with the catalog's open options and CRS handling: the
feature count, the set of feature ids (derived from the catalog's key columns), and for a seeded
random sample of features every published attribute and every coordinate.
"""

from __future__ import annotations

import json
import math
import random
import re
import subprocess
from datetime import datetime, timezone

import pytest

from conftest import COLLECTION_IDS, DATASET_IDS, coords_close, ogr2ogr_geojson, point_xy

SAMPLE = 25
COORD_TOL = 1e-6  # degrees; the server rounds to 7 decimals
SMALL = 100  # collections up to this size are read with GDAL's default page size (10)
BIG_PAGE = 1000

_ISO_DT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$")


def _as_datetime(s: str) -> datetime | None:
    if not _ISO_DT.match(s):
        return None
    t = s.replace(" ", "T")
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    t = re.sub(r"([+-]\d{2})$", r"\1:00", t)
    dt = datetime.fromisoformat(t)
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def same_value(a, b) -> bool:
    """Equality of two attribute values as GDAL wrote them to GeoJSON: numbers by value (GDAL may
    type a column Integer on one side and Real on the other), date-times as instants (to the
    millisecond GDAL keeps), everything else exactly."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)
    if isinstance(a, str) and isinstance(b, str):
        if a == b:
            return True
        da, db = _as_datetime(a), _as_datetime(b)
        return da is not None and db is not None and abs((da - db).total_seconds()) < 0.0015
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return False


def read_oapif(server, collection: str, out, extra: list[str] = ()) -> dict:
    return ogr2ogr_geojson(
        ["-preserve_fid", *extra, f"OAPIF:{server.ogc_url}", collection], out, timeout=300
    )


def served_id(feature: dict, integer_ids: bool):
    """GDAL exposes an integer OAPIF id as the FID (kept by -preserve_fid), a string one as a
    String field `id`."""
    if integer_ids:
        return feature.get("id")
    return feature["properties"].get("id")


def test_gdal_lists_every_collection(server):
    out = subprocess.run(
        ["ogrinfo", "-ro", "-so", f"OAPIF:{server.ogc_url}"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    layers = re.findall(r"^\d+: (\S+)", out.stdout, flags=re.M)
    assert sorted(layers) == sorted(COLLECTION_IDS)


@pytest.mark.parametrize("dataset_id", DATASET_IDS)
def test_collection_read_completely_matches_source(server, sources, tmp_path, dataset_id):
    src = sources(dataset_id)
    big = src.raw_count > SMALL
    extra = ["-oo", f"PAGE_SIZE={BIG_PAGE}"] if big else []
    got = read_oapif(server, dataset_id, tmp_path / f"{dataset_id}.geojson", extra)
    feats = got["features"]

    # 1. completeness
    assert len(feats) == len(src.features), (
        f"GDAL read {len(feats)} features, the source has {len(src.features)} "
        f"({src.raw_count} rows, {src.dropped} identical duplicates dropped)"
    )

    # 2. ids
    served = {}
    for f in feats:
        fid = served_id(f, src.integer_ids)
        assert fid is not None, f"feature without id: {str(f)[:300]}"
        assert fid not in served, f"id {fid!r} served twice"
        served[fid] = f
    expected = src.by_id
    missing = sorted(set(expected) - set(served), key=str)
    extra_ids = sorted(set(served) - set(expected), key=str)
    assert not missing and not extra_ids, (
        f"ids missing from the service: {missing[:10]} ({len(missing)}); "
        f"unexpected ids: {extra_ids[:10]} ({len(extra_ids)})"
    )

    # 3. schema: the published columns, renamed, nothing withheld, nothing extra
    served_names = set()
    for f in feats:
        served_names.update(f["properties"])
    if not src.integer_ids:
        served_names.discard("id")  # GDAL's field for the (string) feature id
    assert served_names == set(src.published), (
        f"extra: {sorted(served_names - set(src.published))}, "
        f"missing: {sorted(set(src.published) - served_names)}"
    )

    # 4. geometry presence
    if src.spatial:
        assert all(f.get("geometry") for f in feats), "spatial collection with features without geometry"
    else:
        assert all(f.get("geometry") is None for f in feats), "table collection with geometries"

    # 5. a seeded sample, attribute by attribute and coordinate by coordinate
    rng = random.Random(f"ontsluit-gdal-{dataset_id}")
    ids = sorted(expected, key=str)
    problems = []
    for fid in rng.sample(ids, min(SAMPLE, len(ids))):
        s, g = expected[fid], served[fid]
        for name in src.published:
            sv, gv = s.props.get(name), g["properties"].get(name)
            if not same_value(sv, gv):
                problems.append(f"{fid!r} {name}: source {sv!r} != served {gv!r}")
        if src.spatial:
            d = coords_close(s.geometry, g["geometry"], COORD_TOL)
            if d:
                problems.append(f"{fid!r} geometry: {d}")
    assert not problems, f"{len(problems)} differences, e.g.:\n" + "\n".join(problems[:20])


# A box in the city of Utrecht holding a few dozen charging locations; edges with odd decimals so
# that no point lies on them.
SPAT_DATASET = "laadpunten"
SPAT_BBOX = (5.1100001, 52.0850001, 5.1250001, 52.0950001)


def near_box_edge(x: float, y: float, box, eps: float = 1e-6) -> bool:
    xmin, ymin, xmax, ymax = box
    in_outer = xmin - eps <= x <= xmax + eps and ymin - eps <= y <= ymax + eps
    in_inner = xmin + eps <= x <= xmax - eps and ymin + eps <= y <= ymax - eps
    return in_outer and not in_inner


def test_spatial_filter_matches_brute_force(server, sources, tmp_path):
    src = sources(SPAT_DATASET)
    xmin, ymin, xmax, ymax = SPAT_BBOX
    expected = set()
    for f in src.features:
        x, y = point_xy(f.geometry)
        assert not near_box_edge(x, y, SPAT_BBOX), f"{f.id!r} lies on the edge of the test box"
        if xmin <= x <= xmax and ymin <= y <= ymax:
            expected.add(f.id)
    assert 10 <= len(expected) <= 200, f"test box should select a few dozen, selects {len(expected)}"

    out = tmp_path / "spat.geojson"
    cmd = ["ogr2ogr", "-f", "GeoJSON", "-noNativeData", "-preserve_fid", "-spat", *map(str, SPAT_BBOX),
           str(out), f"OAPIF:{server.ogc_url}", SPAT_DATASET, "--config", "CPL_DEBUG", "ON"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    # The filter must reach the server (GDAL's first, unfiltered request only probes the schema),
    # and the server's next links must keep it.
    fetched = re.findall(r"Fetch\((\S+/items\?\S*)\)", p.stderr)
    assert any("bbox=" in u for u in fetched), fetched
    assert all("bbox=" in u for u in fetched if "cursor=" in u), fetched

    got = json.loads(out.read_text())["features"]
    ids = [served_id(f, src.integer_ids) for f in got]
    assert len(ids) == len(set(ids)), "duplicate features"
    assert len(got) == len(expected)
    assert set(ids) == expected
