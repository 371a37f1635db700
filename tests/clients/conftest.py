"""Shared fixtures for the end-to-end "real client" tests.

A session-wide server: the repo's catalog.toml is ingested into a fresh data directory with the
ontsluit binary (``$ONTSLUIT_BIN``) and served on a free port. The expected values every test
compares against come from the *source files* (resolved through the catalog's ``sources_dir``),
read independently of the server: by the GDAL command-line tools (``ogrinfo``/``ogr2ogr``), by
geopandas/pyogrio, or by Python's own parsers.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
CATALOG_PATH = REPO / "catalog.toml"
DEFAULT_BIN = "/root/.cache/ontsluit/target/debug/ontsluit"
OGC = "/ogc/v1"


# --------------------------------------------------------------------------------------------
# catalog.toml
# --------------------------------------------------------------------------------------------

def load_catalog(path: Path = CATALOG_PATH) -> dict:
    """catalog.toml as a dict (tomllib)."""
    with open(path, "rb") as f:
        return tomllib.load(f)


CATALOG = load_catalog()
DATASETS: dict[str, dict] = {d["id"]: d for d in CATALOG.get("dataset", [])}
DATASET_IDS: list[str] = list(DATASETS)
# `[[view]]`s: computed by SQL at ingest, served as collections and tables beside the datasets.
VIEWS: dict[str, dict] = {v["id"]: v for v in CATALOG.get("view", [])}
COLLECTION_IDS: list[str] = DATASET_IDS + list(VIEWS)


def sources_dir(catalog: dict = CATALOG, catalog_path: Path = CATALOG_PATH) -> Path:
    rel = catalog["catalog"].get("sources_dir", ".")
    return (catalog_path.parent / rel).resolve()


def source_path(ds: dict) -> Path:
    return sources_dir() / ds["source"]["path"]


def published_name(ds: dict, source_name: str) -> str:
    col = ds.get("columns", {}).get(source_name, {})
    return col.get("name", source_name)


def make_id(values: list, integer: bool):
    """The feature id the catalog's key rule gives: one integer column -> that integer, else the
    key values as text joined with ':'."""
    if integer:
        return int(values[0])
    return ":".join(str(v) for v in values)


# --------------------------------------------------------------------------------------------
# the binary and the server
# --------------------------------------------------------------------------------------------

def ontsluit_bin() -> str:
    return os.environ.get("ONTSLUIT_BIN", DEFAULT_BIN)


def run_bin(args: list[str], timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the binary; retry a few times if it is being rebuilt at that moment."""
    last: Exception | None = None
    for attempt in range(10):
        try:
            return subprocess.run(
                [ontsluit_bin(), *args], capture_output=True, text=True, timeout=timeout, cwd=REPO
            )
        except (FileNotFoundError, PermissionError, OSError) as e:  # ETXTBSY, missing mid-link
            last = e
            time.sleep(3)
    raise RuntimeError(f"cannot run {ontsluit_bin()}: {last}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    base_url: str  # http://127.0.0.1:PORT
    data_dir: Path
    log_path: Path

    @property
    def ogc_url(self) -> str:
        return self.base_url + OGC

    def get(self, path: str, **kw) -> requests.Response:
        url = path if path.startswith("http") else self.ogc_url + path
        return requests.get(url, timeout=120, **kw)

    def get_json(self, path: str, **kw) -> Any:
        r = self.get(path, **kw)
        assert r.status_code == 200, f"GET {r.url}: {r.status_code} {r.text[:500]}"
        return r.json()


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    """Ingest the repo's catalog into a fresh data dir, serve it, yield a Server."""
    root = tmp_path_factory.mktemp("ontsluit")
    data_dir = root / "data"
    data_dir.mkdir()
    ingest = run_bin(["ingest", "--catalog", str(CATALOG_PATH), "--data-dir", str(data_dir)])
    if ingest.returncode != 0:
        pytest.fail(f"ontsluit ingest failed ({ingest.returncode}):\n{ingest.stdout}\n{ingest.stderr}")

    log_path = root / "serve.log"
    proc = None
    for attempt in range(5):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(log_path, "w")
        try:
            proc = subprocess.Popen(
                [ontsluit_bin(), "serve", "--catalog", str(CATALOG_PATH), "--data-dir", str(data_dir),
                 "--bind", f"127.0.0.1:{port}"],
                stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
            )
        except OSError:  # binary being rebuilt
            log.close()
            time.sleep(3)
            continue
        deadline = time.time() + 90
        ready = False
        while time.time() < deadline and proc.poll() is None:
            try:
                if requests.get(base + OGC, timeout=2).status_code == 200:
                    ready = True
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        log.close()
        if ready:
            break
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc = None
        time.sleep(1)
    if proc is None:
        pytest.fail(f"ontsluit serve did not start:\n{log_path.read_text()[-3000:]}")
    try:
        yield Server(base_url=base, data_dir=data_dir, log_path=log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------------------------
# the sources, read by the GDAL command-line tools
# --------------------------------------------------------------------------------------------

_OGR_TYPES = (
    "Integer|Integer64|Real|String|Date|Time|DateTime|Binary|"
    "IntegerList|Integer64List|RealList|StringList"
)
_FIELD_LINE = re.compile(rf"^(\S.*): ({_OGR_TYPES})(\([A-Za-z0-9]+\))? \(\d+\.\d+\)$")


def ogr_layer_info(path: Path, open_options: list[str], layer: str | None) -> tuple[str, dict[str, str]]:
    """(geometry type, {field name: OGR type}) of the source layer, from `ogrinfo -so`."""
    cmd = ["ogrinfo", "-ro", "-so", "-nomd"]
    for oo in open_options:
        cmd += ["-oo", oo]
    cmd += [str(path)]
    cmd += [layer] if layer else ["-al"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    fields = {}
    geometry = None
    for line in out.splitlines():
        if line.startswith("Geometry: ") and geometry is None:
            geometry = line[len("Geometry: "):].strip()
        m = _FIELD_LINE.match(line)
        if m:
            fields[m.group(1)] = m.group(2) + (m.group(3) or "")
    assert geometry is not None, f"no layer in ogrinfo output for {path}:\n{out}"
    return geometry, fields


def ogr2ogr_geojson(args: list[str], out: Path, timeout: float = 600) -> dict:
    """`ogr2ogr -f GeoJSON -noNativeData out ARGS…`, parsed. Without native data every OGR field
    lands in `properties` (a GeoJSON source's own top-level ids are not copied through)."""
    if out.exists():
        out.unlink()
    cmd = ["ogr2ogr", "-f", "GeoJSON", "-noNativeData", str(out), *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"{' '.join(cmd)} failed: {p.stderr}"
    with open(out, encoding="utf-8") as f:
        return json.load(f)


@dataclass
class SourceFeature:
    id: Any  # the feature id the catalog's key gives (None without key)
    props: dict  # published name -> value (withheld and the id column removed)
    raw: dict  # source field -> value, as GDAL read it (trimmed when the catalog says so)
    geometry: dict | None  # GeoJSON geometry in CRS84 lon/lat


@dataclass
class SourceData:
    dataset: str
    fields: dict[str, str]  # source field -> OGR type
    published: list[str]  # published property names (without the id column)
    spatial: bool
    raw_count: int  # features in the source file
    features: list[SourceFeature] = field(default_factory=list)  # after duplicates policy
    dropped: int = 0
    integer_ids: bool = False

    @property
    def by_id(self) -> dict:
        return {f.id: f for f in self.features}


def read_source(ds: dict, workdir: Path) -> SourceData:
    """Read a dataset's source with ogr2ogr, the catalog's open options and CRS handling, and apply
    the catalog's column renames, withholding, trimming, key and duplicates policy."""
    src = ds["source"]
    path = source_path(ds)
    oo = src.get("open_options", [])
    layer = src.get("layer")
    geometry_type, fields = ogr_layer_info(path, oo, layer)
    spatial = geometry_type != "None"
    args = []
    for o in oo:
        args += ["-oo", o]
    args += [str(path)]
    if layer:
        args += [layer]
    if spatial:
        # to lon/lat; a catalog CRS overrides the (wrong) label in the file
        crs_args = ["-s_srs", src["crs"]] if src.get("crs") else []
        args = crs_args + ["-t_srs", "EPSG:4326"] + args
    gj = ogr2ogr_geojson(args, workdir / f"{ds['id']}.source.geojson")

    withheld = set(ds.get("withhold", []))
    key = ds.get("key")
    trim = bool(src.get("trim"))
    integer_ids = bool(key) and len(key) == 1 and fields.get(key[0]) in ("Integer", "Integer64")
    published = [published_name(ds, f) for f in fields if f not in withheld]
    published = [p for p in published if p != "id"]

    feats: list[SourceFeature] = []
    for f in gj["features"]:
        raw = {}
        for name in fields:
            v = f["properties"].get(name)
            if trim and isinstance(v, str):
                v = v.strip()
            raw[name] = v
        fid = make_id([raw[k] for k in key], integer_ids) if key else None
        props = {}
        for name, v in raw.items():
            if name in withheld:
                continue
            pub = published_name(ds, name)
            if pub == "id":
                continue
            props[pub] = v
        feats.append(SourceFeature(id=fid, props=props, raw=raw, geometry=f.get("geometry")))

    data = SourceData(
        dataset=ds["id"], fields=fields, published=published, spatial=spatial,
        raw_count=len(feats), integer_ids=integer_ids,
    )
    if not key:
        data.features = feats
        return data
    seen: dict[Any, SourceFeature] = {}
    kept = []
    for f in feats:
        first = seen.get(f.id)
        if first is None:
            seen[f.id] = f
            kept.append(f)
            continue
        identical = first.raw == f.raw and first.geometry == f.geometry
        if ds.get("duplicates") == "drop-identical" and identical:
            data.dropped += 1
            continue
        raise AssertionError(
            f"{ds['id']}: source has conflicting duplicate key {f.id!r}; the catalog cannot publish it"
        )
    data.features = kept
    return data


class Sources:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self._cache: dict[str, SourceData] = {}

    def __call__(self, dataset_id: str) -> SourceData:
        if dataset_id not in self._cache:
            self._cache[dataset_id] = read_source(DATASETS[dataset_id], self.workdir)
        return self._cache[dataset_id]


@pytest.fixture(scope="session")
def sources(tmp_path_factory) -> Sources:
    """sources(dataset_id) -> SourceData read from the source file with ogr2ogr (cached)."""
    return Sources(tmp_path_factory.mktemp("sources"))


# --------------------------------------------------------------------------------------------
# small helpers shared by the tests
# --------------------------------------------------------------------------------------------

def coords_close(a: dict, b: dict, tol: float) -> str | None:
    """None when the two GeoJSON geometries have the same type and structure and every coordinate
    is within tol; else a description of the first difference."""
    if a is None or b is None:
        return None if a is b else f"geometry {a!r:.80} vs {b!r:.80}"
    if a["type"] != b["type"]:
        return f"type {a['type']} vs {b['type']}"

    def walk(x, y, path):
        if x and isinstance(x[0], (int, float)):
            if len(x) < 2 or len(y) < 2 or not all(isinstance(v, (int, float)) for v in y):
                return f"{path}: position {x} vs {y}"
            for i in (0, 1):
                if abs(x[i] - y[i]) > tol:
                    return f"{path}: position {x} vs {y}"
            return None
        if len(x) != len(y):
            return f"{path}: {len(x)} vs {len(y)} parts"
        for i, (u, v) in enumerate(zip(x, y)):
            d = walk(u, v, f"{path}[{i}]")
            if d:
                return d
        return None

    return walk(a["coordinates"], b["coordinates"], "coordinates")


def point_xy(geom: dict) -> tuple[float, float]:
    assert geom["type"] == "Point", geom["type"]
    x, y = geom["coordinates"][:2]
    return x, y
