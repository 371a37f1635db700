"""The API definition and the links, as generic OpenAPI / OGC API clients rely on them."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV30SpecValidator

from conftest import COLLECTION_IDS


def is_absolute(href: str) -> bool:
    u = urlparse(href)
    return u.scheme in ("http", "https") and bool(u.netloc)


def resolve(spec: dict, obj: dict) -> dict:
    while isinstance(obj, dict) and "$ref" in obj:
        ref = obj["$ref"]
        assert ref.startswith("#/"), f"external $ref {ref}"
        node = spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        obj = node
    return obj


@pytest.fixture(scope="module")
def landing(server):
    return server.get_json("")


@pytest.fixture(scope="module")
def spec(server, landing):
    desc = [l for l in landing["links"] if l["rel"] == "service-desc"]
    assert desc, "landing page without service-desc link"
    r = server.get(desc[0]["href"], headers={"Accept": desc[0].get("type", "application/json")})
    assert r.status_code == 200, r.text[:300]
    return r.json()


def test_openapi_document_is_valid_3_0(spec):
    assert spec["openapi"].startswith("3.0.")
    validate(spec, cls=OpenAPIV30SpecValidator)


def test_items_path_has_limit_with_default_and_maximum(spec):
    items = [p for p in spec["paths"] if p.rstrip("/").endswith("/items") and "{" in p]
    assert items, list(spec["paths"])
    for path in items:
        op = resolve(spec, spec["paths"][path])["get"]
        params = [resolve(spec, p) for p in op.get("parameters", []) + spec["paths"][path].get("parameters", [])]
        limit = [p for p in params if p["name"] == "limit" and p["in"] == "query"]
        assert len(limit) == 1, f"{path}: limit parameter {limit}"
        schema = resolve(spec, limit[0]["schema"])
        assert schema["type"] == "integer"
        assert schema.get("default") == 10
        # A larger limit is served as the maximum (Part 1, /req/core/fc-limit-response-1 C), so a
        # schema-strict client may send one: the maximum is in the description, not the schema.
        assert "maximum" not in schema
        assert "10000" in limit[0]["description"]
        assert schema.get("minimum", 1) >= 1


def test_limit_maximum_and_default_are_what_the_server_does(server):
    fc = server.get_json("/collections/lichtmasten/items")
    assert fc["numberReturned"] == len(fc["features"]) == 10
    fc = server.get_json("/collections/lichtmasten/items?limit=10000")
    assert len(fc["features"]) == min(10000, fc["numberMatched"])
    r = server.get("/collections/lichtmasten/items?limit=10001")
    assert r.status_code == 200
    assert r.json()["features"] == fc["features"]
    r = server.get("/collections/lichtmasten/items?limit=0")
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")


def test_landing_links(landing):
    rels = {l["rel"] for l in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels, rels
    for l in landing["links"]:
        assert is_absolute(l["href"]), l


def test_landing_links_resolve(server, landing):
    for l in landing["links"]:
        if l["rel"] in ("service-desc", "conformance", "data", "self"):
            r = server.get(l["href"])
            assert r.status_code == 200, (l, r.status_code)


def test_collection_links_are_absolute(server):
    cols = server.get_json("/collections")
    for l in cols["links"]:
        assert is_absolute(l["href"]), l
    assert sorted(c["id"] for c in cols["collections"]) == sorted(COLLECTION_IDS)
    for c in cols["collections"]:
        for l in c["links"]:
            assert is_absolute(l["href"]), (c["id"], l)
        assert any(l["rel"] == "items" for l in c["links"]), c["id"]
        one = server.get_json(f"/collections/{c['id']}")
        for l in one["links"]:
            assert is_absolute(l["href"]), (c["id"], l)
        items = server.get_json(f"/collections/{c['id']}/items?limit=2")
        for l in items["links"]:
            assert is_absolute(l["href"]), (c["id"], l)


@pytest.mark.parametrize("path", ["", "/conformance", "/api", "/collections",
                                  "/collections/gemeenten", "/collections/gemeenten/items?limit=1"])
def test_api_version_header(server, path):
    r = server.get(path)
    assert r.status_code == 200
    assert r.headers.get("API-Version"), dict(r.headers)


def test_errors_are_problem_json(server):
    r = server.get("/collections/does-not-exist")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body.get("status") == 404 and body.get("title")
    r = server.get("/collections/gemeenten/items?limit=abc")
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
