"""'What is here' (`/locate`) at three known spots, checked against GDAL on the source files.

The expected answers are computed here, independently of the server: which municipality and
which Natura 2000 site contain the spot (OGR's spatial filter and GEOS `Contains`, through
`ogr2ogr -spat` + the SQLite dialect on the GeoJSON sources), and the nearest railway stations
with their geodesic distance (pyproj's `Geod` on the WGS 84 ellipsoid).
"""

from __future__ import annotations

import json
import subprocess

import pytest
from pyproj import Geod

from conftest import DATASETS, source_path

GEOD = Geod(ellps="WGS84")


def ogr_json(dataset: str, sql: str) -> list[dict]:
    """Features of `sql` (SQLite dialect) over a dataset's source, as GeoJSON, read by GDAL."""
    out = subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(source_path(DATASETS[dataset])),
         "-dialect", "SQLite", "-sql", sql],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)["features"]


def layer(dataset: str) -> str:
    out = subprocess.run(["ogrinfo", "-q", "-so", str(source_path(DATASETS[dataset]))],
                         check=True, capture_output=True, text=True).stdout
    # "1: name (Multi Polygon)"
    return out.strip().splitlines()[0].split(":", 1)[1].split("(")[0].strip()


def containing(dataset: str, column: str, lon: float, lat: float) -> set[str]:
    """Values of `column` of the features that contain the point, by GDAL/GEOS."""
    sql = (f'SELECT "{column}" FROM "{layer(dataset)}" '
           f"WHERE ST_Intersects(geometry, MakePoint({lon}, {lat}, 4326))")
    return {f["properties"][column] for f in ogr_json(dataset, sql)}


def point_in(dataset: str, column: str, value: str) -> tuple[float, float]:
    """A point inside a feature (GEOS PointOnSurface), as lon, lat."""
    sql = (f'SELECT ST_X(ST_PointOnSurface(geometry)) AS x, ST_Y(ST_PointOnSurface(geometry)) AS y '
           f'FROM "{layer(dataset)}" WHERE "{column}" = \'{value}\'')
    p = ogr_json(dataset, sql)[0]["properties"]
    return p["x"], p["y"]


def nearest_stations(lon: float, lat: float, radius: float, n: int) -> list[tuple[str, float]]:
    """The `n` nearest stations within `radius` metres: (name, geodesic metres)."""
    stations = ogr_json("treinstations", f'SELECT name_long, ST_X(geometry) AS x, ST_Y(geometry) AS y FROM "{layer("treinstations")}"')
    found = []
    for s in stations:
        p = s["properties"]
        _, _, d = GEOD.inv(lon, lat, p["x"], p["y"])
        if d <= radius:
            found.append((p["name_long"], d))
    return sorted(found, key=lambda t: t[1])[:n]


def group(answer: dict, key: str, collection: str) -> list[dict]:
    for g in answer[key]:
        if g["collection"] == collection:
            return g["features"]
    return []


def natura_spot() -> tuple[str, float, float]:
    """The first Natura 2000 site (by name) with a point inside it (GEOS) that lies in one of
    the province's municipalities (the source also holds sites around the province)."""
    sites = ogr_json("natura2000", f'SELECT naam FROM "{layer("natura2000")}" ORDER BY naam')
    for site in sites:
        name = site["properties"]["naam"]
        lon, lat = point_in("natura2000", "naam", name.replace("'", "''"))
        if containing("gemeenten", "statnaam", lon, lat):
            return name, lon, lat
    raise AssertionError("no Natura 2000 site lies in a municipality of the province")


SPOTS = {
    # Utrecht Centraal's forecourt, Amersfoort's old town.
    "utrecht": (5.1105, 52.0894),
    "amersfoort": (5.3878, 52.1561),
}


@pytest.mark.parametrize("spot", ["utrecht", "amersfoort", "natura2000"])
def test_what_is_here_matches_gdal(server, spot):
    if spot == "natura2000":
        site, lon, lat = natura_spot()
    else:
        site = None
        lon, lat = SPOTS[spot]
    answer = server.get_json(server.base_url + "/locate", params={"lon": lon, "lat": lat})
    assert answer["spot"] == pytest.approx({"lon": lon, "lat": lat})

    # The municipality (and every other area collection) that contains the spot.
    expected = containing("gemeenten", "statnaam", lon, lat)
    assert {f["label"] for f in group(answer, "within", "gemeenten")} == expected
    assert len(expected) == 1
    natura = containing("natura2000", "naam", lon, lat)
    assert {f["label"] for f in group(answer, "within", "natura2000")} == natura
    if site:
        assert site in natura

    # The nearest stations within the radius, nearest first, with their geodesic distance.
    radius = answer["nearbyRadiusMetres"]
    expected = nearest_stations(lon, lat, radius, 3)
    got = group(answer, "nearby", "treinstations")
    assert [f["label"] for f in got] == [name for name, _ in expected]
    for f, (_, metres) in zip(got, expected):
        assert abs(f["distanceMetres"] - metres) <= 1.0
    # Every feature links to its own API resource, which answers.
    for f in got + group(answer, "within", "gemeenten"):
        assert server.get(f["href"]).status_code == 200


def test_place_search_finds_names_case_and_accent_insensitively(server):
    answer = server.get_json(server.base_url + "/locate", params={"q": "utrecht c"})
    assert answer["places"][0]["name"] == "Utrecht Centraal"
    exact = server.get_json(server.base_url + "/locate", params={"q": "AMERSFOORT"})
    assert exact["places"][0]["name"] == "Amersfoort"
    assert exact["places"][0]["collection"] == "gemeenten"
    # The spot of the first place is inside it (GDAL agrees).
    p = exact["places"][0]
    assert containing("gemeenten", "statnaam", p["lon"], p["lat"]) == {"Amersfoort"}


def test_gis_clients_still_get_json_where_browsers_get_pages(server):
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for path in ["", "/collections", "/collections/gemeenten/items"]:
        assert server.get(path).headers["content-type"].startswith("application/")
        page = server.get(path, headers=browser)
        assert page.headers["content-type"] == "text/html; charset=utf-8"
