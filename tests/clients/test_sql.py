"""The SQL endpoint (/sql/v1) checked against independent engines on the source files:
DuckDB for aggregates and joins, Shapely/GeoPandas (GEOS, PROJ) for the ST_ functions and the
spatial join, pyarrow for the Arrow and Parquet results."""

from __future__ import annotations

import io
import json

import duckdb
import geopandas as gpd
import pyarrow.ipc
import pyarrow.parquet
import pytest
import requests
import shapely
from shapely import wkt

from conftest import DATASETS, VIEWS, source_path

GEMEENTEN = source_path(DATASETS["gemeenten"])
LAADPUNTEN = source_path(DATASETS["laadpunten"])
KERNCIJFERS = source_path(DATASETS["kerncijfers_gemeenten"])


def sql(server, q: str, params=None, f: str | None = None) -> requests.Response:
    args = {"q": q}
    if params is not None:
        args["params"] = json.dumps(params)
    if f:
        args["f"] = f
    return requests.get(server.base_url + "/sql/v1", params=args, timeout=300)


def rows(server, q: str, params=None) -> list[list]:
    r = sql(server, q, params)
    assert r.status_code == 200, r.text[:1000]
    doc = r.json()
    assert doc["truncated"] is False
    return doc["rows"]


@pytest.fixture(scope="module")
def gemeenten() -> gpd.GeoDataFrame:
    return gpd.read_file(GEMEENTEN).set_index("statcode")


@pytest.fixture(scope="module")
def laadpunten() -> gpd.GeoDataFrame:
    df = gpd.read_file(LAADPUNTEN)
    # The catalog drops exact duplicate features (same attributes and geometry).
    df["_wkb"] = df.geometry.to_wkb()
    return df.drop_duplicates(subset=[c for c in df.columns if c != "geometry"]).drop(columns="_wkb")


def test_aggregates_match_duckdb_on_the_source_csv(server):
    db = duckdb.connect()
    expected = db.execute(
        # GDAL reads an empty CSV cell of a text column as '', DuckDB as NULL.
        "SELECT coalesce(Provincie, '') AS p, count(*), sum(Population), round(avg(_avg_income), 6) "
        "FROM read_csv(?, header = true) GROUP BY p ORDER BY p",
        [str(KERNCIJFERS)],
    ).fetchall()
    got = rows(
        server,
        'SELECT "Provincie", count(*), sum(inwoners), round(avg("_avg_income"), 6) '
        'FROM kerncijfers_gemeenten GROUP BY "Provincie" ORDER BY "Provincie"',
    )
    assert len(got) == len(expected) >= 12
    for g, e in zip(got, expected):
        assert g[0] == e[0] and g[1] == e[1] and g[2] == e[2], (g, e)
        assert g[3] == pytest.approx(float(e[3]), abs=1e-6), (g, e)


def test_a_join_and_group_by_match_duckdb(server, laadpunten, gemeenten):
    db = duckdb.connect()
    db.register("l", laadpunten.drop(columns="geometry"))
    db.register("g", gemeenten.reset_index().drop(columns="geometry"))
    expected = db.execute(
        "SELECT g.statcode, count(*), count(DISTINCT l.operatorName), round(max(l.maxPowerKw), 3) "
        "FROM l JOIN g ON l.gemeente = g.statnaam GROUP BY g.statcode ORDER BY g.statcode"
    ).fetchall()
    got = rows(
        server,
        'SELECT g.statcode, count(*), count(DISTINCT l."operatorName"), round(max(l."maxPowerKw"), 3) '
        "FROM laadpunten l JOIN gemeenten g ON l.gemeente = g.statnaam "
        "GROUP BY g.statcode ORDER BY g.statcode",
    )
    assert len(got) > 20
    assert [tuple(r[:3]) for r in got] == [tuple(e[:3]) for e in expected]
    assert [r[3] for r in got] == pytest.approx([float(e[3]) for e in expected])


def test_parameters_select_like_duckdb(server):
    db = duckdb.connect()
    expected = db.execute(
        "SELECT statcode FROM read_csv(?, header = true) WHERE Population > ? AND Provincie = ? "
        "ORDER BY statcode",
        [str(KERNCIJFERS), 100000, "Utrecht"],
    ).fetchall()
    got = rows(
        server,
        'SELECT statcode FROM kerncijfers_gemeenten WHERE inwoners > $1 AND "Provincie" = $2 ORDER BY statcode',
        [100000, "Utrecht"],
    )
    assert [r[0] for r in got] == [e[0] for e in expected]
    assert len(got) >= 2


def test_measures_and_constructions_match_shapely_and_proj(server, gemeenten):
    got = rows(
        server,
        "SELECT statcode, ST_Area(geometry), ST_Area(ST_Transform(geometry, 28992)), "
        "ST_AsText(ST_Centroid(geometry)), ST_AsText(ST_Envelope(geometry)), ST_AsText(geometry), "
        "ST_Length(ST_GeomFromText('LINESTRING(5 52, 5.1 52.1)')) FROM gemeenten ORDER BY statcode",
    )
    assert len(got) == len(gemeenten) == 26
    rd = gemeenten.to_crs(28992)
    for code, area, area_rd, centroid, envelope, text, length in got:
        src = gemeenten.geometry[code]
        assert area == pytest.approx(src.area, rel=1e-9)
        assert area_rd == pytest.approx(rd.geometry[code].area, rel=1e-6)
        c = wkt.loads(centroid)
        assert c.distance(src.centroid) < 1e-8
        assert wkt.loads(envelope).bounds == pytest.approx(src.bounds)
        assert wkt.loads(text).equals_exact(src, 1e-9)  # ST_AsText writes 9 decimals
        assert length == pytest.approx(shapely.LineString([(5, 52), (5.1, 52.1)]).length)


def test_buffer_distance_dwithin_and_union_match_shapely(server, gemeenten, laadpunten):
    [[buffered]] = rows(server, "SELECT ST_Area(ST_Buffer(ST_Point(5, 52), 0.01))")
    assert buffered == pytest.approx(shapely.Point(5, 52).buffer(0.01, quad_segs=8).area, rel=1e-9)
    centre = shapely.Point(5.1100, 52.0894)  # Utrecht Centraal
    got = rows(
        server,
        "SELECT id, ST_Distance(geometry, ST_Point($1, $2)) FROM laadpunten "
        "WHERE ST_DWithin(geometry, ST_Point($1, $2), 0.005) ORDER BY id",
        [centre.x, centre.y],
    )
    near = laadpunten[laadpunten.geometry.distance(centre) <= 0.005]
    assert len(got) == len(near) > 10
    assert sorted(d for _, d in got) == pytest.approx(sorted(near.geometry.distance(centre)))
    [[union_area, union_rd]] = rows(
        server,
        "SELECT ST_Area(ST_Union_Agg(geometry)), ST_Area(ST_Transform(ST_Union_Agg(geometry), 28992)) "
        "FROM gemeenten",
    )
    merged = shapely.union_all(gemeenten.geometry.values)
    assert union_area == pytest.approx(merged.area, rel=1e-6)
    assert union_rd == pytest.approx(gpd.GeoSeries([merged], crs=4326).to_crs(28992).area[0], rel=1e-6)


def test_spatial_join_per_municipality_matches_geopandas(server, gemeenten, laadpunten):
    joined = gpd.sjoin(laadpunten, gemeenten.reset_index(), predicate="intersects")
    expected = joined.groupby("statcode").size().to_dict()
    live = dict(
        rows(
            server,
            "SELECT g.statcode, count(*) FROM gemeenten g "
            "JOIN laadpunten l ON ST_Intersects(g.geometry, l.geometry) GROUP BY g.statcode",
        )
    )
    assert live == expected
    # The catalog's view holds the same (ingested with the server's data).
    assert "laadpunten_per_gemeente" in VIEWS
    view = dict(rows(server, "SELECT statcode, laadlocaties FROM laadpunten_per_gemeente"))
    assert {k: v for k, v in view.items() if v} == expected
    assert set(view) == set(gemeenten.index)


def test_arrow_parquet_and_geojson_results_read_in_other_clients(server, gemeenten):
    q = "SELECT statcode, statnaam, geometry FROM gemeenten ORDER BY statcode"
    table = pyarrow.ipc.open_stream(sql(server, q, f="arrow").content).read_all()
    assert table.num_rows == 26 and table.column_names == ["statcode", "statnaam", "geometry"]
    pq = pyarrow.parquet.read_table(io.BytesIO(sql(server, q, f="parquet").content))
    assert pq.column("statcode").to_pylist() == table.column("statcode").to_pylist()
    geoms = shapely.from_wkb(pq.column("geometry").to_pylist())
    for code, g in zip(pq.column("statcode").to_pylist(), geoms):
        assert g.equals_exact(gemeenten.geometry[code], 1e-12)
    # With a `geometry` column the Parquet result is GeoParquet.
    gpq = gpd.read_parquet(io.BytesIO(sql(server, q, f="parquet").content))
    assert gpq.crs.to_epsg() == 4326 or gpq.crs.to_string() == "OGC:CRS84"
    assert gpq.geometry.iloc[0].equals_exact(gemeenten.geometry[gpq["statcode"].iloc[0]], 1e-12)
    gj = gpd.read_file(io.BytesIO(sql(server, q, f="geojson").content))
    assert list(gj["statcode"]) == sorted(gemeenten.index)
    for code, g in zip(gj["statcode"], gj.geometry):
        assert g.equals_exact(gemeenten.geometry[code], 1e-7)
    csv = sql(server, "SELECT statcode, ST_AsText(ST_Centroid(geometry)) AS c FROM gemeenten", f="csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "statcode,c"
    assert len(csv.text.splitlines()) == 27


def test_refused_and_limited_queries_are_problems(server):
    for q in ["DROP TABLE gemeenten", "COPY gemeenten TO '/tmp/x.csv'", "SET x = 1", "SELECT 1; SELECT 2"]:
        r = sql(server, q)
        assert r.status_code == 400, (q, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    r = requests.post(server.base_url + "/sql/v1", data="SELECT 1 -- " + "x" * 10_000_000, timeout=60)
    assert r.status_code == 413
