"""The stored GeoParquet files, read by independent readers (geopandas, pyarrow) and compared with
the source files read by geopandas/pyogrio (its own bundled GDAL and PROJ, not the server's)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import geopandas as gpd
import pyarrow.parquet as pq
import pytest
import shapely
from pyproj import CRS

from conftest import DATASET_IDS, DATASETS, make_id, source_path

SAMPLE = 25
GEOM_TOL = 1e-7  # degrees


def current_version_dir(data_dir: Path, dataset_id: str) -> Path:
    current = (data_dir / dataset_id / "current").read_text().strip()
    d = data_dir / dataset_id / f"v{int(current):06d}"
    assert d.is_dir(), f"current version {current} of {dataset_id} has no directory {d}"
    return d


def manifest(data_dir: Path, dataset_id: str) -> dict:
    return json.loads((current_version_dir(data_dir, dataset_id) / "manifest.json").read_text())


def parquet_path(data_dir: Path, dataset_id: str) -> Path:
    return current_version_dir(data_dir, dataset_id) / "data.parquet"


def geo_metadata(path: Path) -> dict | None:
    md = pq.read_metadata(path).metadata or {}
    raw = md.get(b"geo")
    return json.loads(raw) if raw is not None else None


def read_source_gdf(ds: dict) -> gpd.GeoDataFrame:
    """The source via geopandas/pyogrio, in CRS84 lon/lat, with the catalog's CRS override."""
    src = ds["source"]
    kwargs = {}
    if src.get("layer"):
        kwargs["layer"] = src["layer"]
    for oo in src.get("open_options", []):
        k, _, v = oo.partition("=")
        kwargs[k] = v
    gdf = gpd.read_file(source_path(ds), engine="pyogrio", **kwargs)
    if src.get("crs"):
        gdf = gdf.set_crs(src["crs"], allow_override=True)
    return gdf.to_crs("OGC:CRS84")


def source_ids(ds: dict, gdf: gpd.GeoDataFrame, integer: bool) -> list:
    key = ds["key"]
    trim = ds["source"].get("trim")
    out = []
    for row in gdf[key].itertuples(index=False):
        vals = [v.strip() if trim and isinstance(v, str) else v for v in row]
        out.append(make_id(vals, integer))
    return out




@pytest.mark.parametrize("dataset_id", DATASET_IDS)
def test_stored_file(server, sources, dataset_id):
    src = sources(dataset_id)
    man = manifest(server.data_dir, dataset_id)
    path = parquet_path(server.data_dir, dataset_id)
    geo = geo_metadata(path)
    assert man["row_count"] == len(src.features), "manifest row_count differs from the source"

    if not src.spatial:
        table = pq.read_table(path)
        assert table.num_rows == man["row_count"]
        assert geo is None, "a table without geometry carries GeoParquet metadata"
        assert man["geometry"] is None
        return

    # -- GeoParquet metadata
    assert geo is not None, "no `geo` metadata"
    assert geo["version"] == "1.1.0"
    primary = geo["primary_column"]
    col = geo["columns"][primary]
    assert col["encoding"].upper() == "WKB"
    source_types = {f.geometry["type"] for f in src.features}
    if col.get("geometry_types"):
        assert set(col["geometry_types"]) == source_types
    covering = col.get("covering", {}).get("bbox")
    assert covering == {
        "xmin": ["bbox", "xmin"], "ymin": ["bbox", "ymin"],
        "xmax": ["bbox", "xmax"], "ymax": ["bbox", "ymax"],
    }, covering
    schema = pq.read_schema(path)
    bbox_type = schema.field("bbox").type
    assert {bbox_type.field(i).name for i in range(bbox_type.num_fields)} == {"xmin", "ymin", "xmax", "ymax"}

    # -- the file through geopandas
    gdf = gpd.read_parquet(path)
    assert len(gdf) == man["row_count"]
    assert gdf.geometry.name == primary
    assert gdf.crs is not None
    assert gdf.crs.equals(CRS("OGC:CRS84")) or gdf.crs.to_epsg() == 4326, gdf.crs
    assert not gdf.geometry.isna().any() and not gdf.geometry.is_empty.any()
    assert set(gdf.geom_type) == source_types

    # every row's bbox covers its geometry, and tightly (the bbox column read with pyarrow:
    # geopandas uses the covering itself and does not return it as a column)
    bbox = pq.read_table(path, columns=["bbox"]).column("bbox").combine_chunks()
    xmin, ymin, xmax, ymax = (bbox.field(n).to_numpy(zero_copy_only=False) for n in ("xmin", "ymin", "xmax", "ymax"))
    b = gdf.geometry.bounds
    covers = (xmin <= b.minx.to_numpy()) & (ymin <= b.miny.to_numpy()) & (xmax >= b.maxx.to_numpy()) & (ymax >= b.maxy.to_numpy())
    assert covers.all(), f"{(~covers).sum()} rows whose bbox does not contain the geometry"
    slack = max((b.minx - xmin).max(), (b.miny - ymin).max(), (xmax - b.maxx).max(), (ymax - b.maxy).max())
    assert slack < 1e-4, f"bbox column is loose by {slack} degrees"

    # -- against the source, read by geopandas/pyogrio
    ds = DATASETS[dataset_id]
    sgdf = read_source_gdf(ds)
    ids = source_ids(ds, sgdf, src.integer_ids)
    first = {}
    for i, fid in enumerate(ids):
        first.setdefault(fid, i)
    stored = dict(zip(gdf["id"].tolist(), gdf.geometry))
    assert set(stored) == set(first), "stored ids differ from the source's key values"

    source_valid = {fid: sgdf.geometry.iloc[i].is_valid for fid, i in first.items()}
    stored_valid = {fid: g.is_valid for fid, g in stored.items()}
    broken = [fid for fid in first if source_valid[fid] and not stored_valid[fid]]
    assert not broken, (
        f"{len(broken)} geometries valid in the source are invalid when stored: "
        f"{broken[:10]} ({shapely.is_valid_reason(stored[broken[0]])})"
    )

    rng = random.Random(f"ontsluit-geoparquet-{dataset_id}")
    sample = rng.sample(sorted(first, key=str), min(SAMPLE, len(first)))
    different = [
        fid for fid in sample
        if not stored[fid].equals_exact(sgdf.geometry.iloc[first[fid]], tolerance=GEOM_TOL)
    ]
    assert not different, f"{len(different)}/{len(sample)} sampled geometries differ, e.g. {different[:5]}"
