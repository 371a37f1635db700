"""OGC API Features Part 2 through OWSLib's client: features in RD New (EPSG:28992), Web Mercator
and latitude-first EPSG:4326, and a bbox in RD, checked against the RD source file (read by
pyogrio) and against pyproj (PROJ's Python binding) on the served CRS84 coordinates.

(Neither GDAL 3.6's OAPIF driver nor QGIS 3.22's OAPIF provider speaks Part 2 yet: OWSLib passes
the parameters through and parses the responses.)
"""

from __future__ import annotations

import pyogrio
import pytest
from owslib.ogcapi.features import Features
from pyproj import Transformer

from conftest import sources_dir

RD = "http://www.opengis.net/def/crs/EPSG/0/28992"
WGS84_LATLON = "http://www.opengis.net/def/crs/EPSG/0/4326"
MERCATOR = "http://www.opengis.net/def/crs/EPSG/0/3857"
RD_SOURCE = "other/dutch_addresses_pygeoapi_rd.gpkg"


@pytest.fixture(scope="module")
def api(server):
    return Features(server.ogc_url)


def points(fc: dict) -> dict:
    return {f["id"]: tuple(f["geometry"]["coordinates"][:2]) for f in fc["features"]}


def test_collections_offer_their_crss(api):
    c = api.collection("adressen")
    assert c["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert {RD, WGS84_LATLON, MERCATOR} <= set(c["crs"])
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in api.conformance()["conformsTo"]


def test_rd_features_match_the_rd_source(api):
    served = points(api.collection_items("adressen", limit=10000, crs=RD))
    source = pyogrio.read_dataframe(sources_dir() / RD_SOURCE)
    assert len(served) == len(source) == 2481
    worst = max(
        max(abs(served[i][0] - g.x), abs(served[i][1] - g.y))
        for i, g in zip(source["id"], source.geometry)
    )
    # Served with 2 decimals (1 cm): each axis within half a centimetre of the source, plus the
    # round trip RD → CRS84 (stored) → RD (under a millimetre).
    assert worst <= 0.006, worst


@pytest.mark.parametrize("crs,epsg,tolerance", [(MERCATOR, 3857, 0.03), (WGS84_LATLON, 4326, 6e-8)])
def test_other_crss_match_pyproj(api, crs, epsg, tolerance):
    crs84 = points(api.collection_items("rustpunten", limit=100))
    served = points(api.collection_items("rustpunten", limit=100, crs=crs))
    # pyproj with the authority's axis order: EPSG:4326 is latitude first, as the API must be.
    # The CRS84 input is rounded to 7 decimals (1 cm on the ground), which Mercator stretches
    # by 1/cos(latitude): up to 2 cm here.
    t = Transformer.from_crs("OGC:CRS84", f"EPSG:{epsg}")
    assert len(served) == len(crs84) == 47
    for i, (lon, lat) in crs84.items():
        a, b = t.transform(lon, lat)
        assert abs(a - served[i][0]) <= tolerance and abs(b - served[i][1]) <= tolerance, (i, (a, b), served[i])


def test_bbox_in_rd_selects_what_the_rd_source_holds(api):
    box = (176000.5, 451000.5, 182000.5, 457000.5)
    fc = api.collection_items("adressen", limit=10000, bbox=list(box), **{"bbox-crs": RD})
    source = pyogrio.read_dataframe(sources_dir() / RD_SOURCE, bbox=box)
    assert 200 < len(source) < 2481
    assert {f["id"] for f in fc["features"]} == set(source["id"])
