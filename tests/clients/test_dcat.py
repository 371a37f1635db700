"""The DCAT-AP-NL catalog as a harvester reads it.

Every serialisation (JSON-LD, Turtle, RDF/XML; by ``f=`` and by ``Accept``) is parsed with rdflib and
validated with pySHACL against the shapes that ``../shared/dcat/README.md`` says count: the
DCAT-AP-NL 3.0 shapes (mandatory, recommended, class ranges) together with DCAT-AP 3.0.1's
``dcat-ap-SHACL.ttl`` and ``ranges.ttl``. Zero violations are required (recommendations that one
distribution cannot meet, such as a download URL on an API distribution, stay warnings). The three
serialisations must be isomorphic, and the values are checked against the stored files (size,
SHA-256), the source files read by GDAL (extent, time span) and catalog.toml.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import time
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, SH, SKOS

from conftest import (
    CATALOG,
    CATALOG_PATH,
    COLLECTION_IDS,
    DATASET_IDS,
    DATASETS,
    REPO,
    Server,
    free_port,
    ontsluit_bin,
    run_bin,
    sources_dir,
)

SPDX = Namespace("http://spdx.org/rdf/terms#")
SHARED_DCAT = REPO.parent / "shared" / "dcat"
SHAPE_FILES = sorted((SHARED_DCAT / "dcat-ap-nl-3.0").glob("dcat-ap-nl-SHACL*.ttl")) + [
    SHARED_DCAT / "dcat-ap-3.0.1" / "dcat-ap-SHACL.ttl",
    SHARED_DCAT / "dcat-ap-3.0.1" / "ranges.ttl",
]
# ranges.ttl links five property shapes that neither file defines (no path, no constraint).
# pySHACL refuses an empty property shape, and it constrains nothing, so the dangling links are
# dropped; if the published files change, this count fails so that someone looks again.
DANGLING_PROPERTY_SHAPES = 5

FORMATS = {
    "jsonld": ("application/ld+json", "json-ld"),
    "ttl": ("text/turtle", "turtle"),
    "rdf": ("application/rdf+xml", "xml"),
}
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
OWMS = "http://standaarden.overheid.nl/owms/terms/"


@pytest.fixture(scope="session")
def shapes() -> Graph:
    g = Graph()
    names = [p.name for p in SHAPE_FILES]
    assert names[:4] == [
        "dcat-ap-nl-SHACL-aanbevolen.ttl",
        "dcat-ap-nl-SHACL-klassebereik-codelijsten.ttl",
        "dcat-ap-nl-SHACL-klassebereik.ttl",
        "dcat-ap-nl-SHACL.ttl",
    ], names
    for f in SHAPE_FILES:
        g.parse(f)
    dangling = [t for t in g.triples((None, SH.property, None)) if (t[2], None, None) not in g]
    assert len(dangling) == DANGLING_PROPERTY_SHAPES, dangling
    for t in dangling:
        g.remove(t)
    return g


def fetch(server, path: str, fmt: str, by_accept: bool = False) -> Graph:
    media, rdflib_format = FORMATS[fmt]
    url = server.base_url + path
    if by_accept:
        r = requests.get(url, headers={"Accept": media}, timeout=60)
    else:
        r = requests.get(url, params={"f": fmt}, timeout=60)
    assert r.status_code == 200, f"GET {r.url}: {r.status_code} {r.text[:500]}"
    assert r.headers["Content-Type"].split(";")[0] == media, r.headers["Content-Type"]
    return Graph().parse(data=r.content, format=rdflib_format, publicID=url)


def shacl(data: Graph, shapes: Graph) -> tuple[Graph, list, list, str]:
    """(report graph, violations, warnings, report text)."""
    _, report, text = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    by = lambda sev: list(report.subjects(SH.resultSeverity, sev))  # noqa: E731
    return report, by(SH.Violation), by(SH.Warning), text


def assert_isomorphic(a: Graph, b: Graph, what: str):
    if not isomorphic(a, b):
        _, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
        pytest.fail(
            f"{what} differ:\nonly in the first:\n{only_a.serialize(format='nt')[:3000]}\n"
            f"only in the second:\n{only_b.serialize(format='nt')[:3000]}"
        )


@pytest.fixture(scope="module")
def catalog_graph(server) -> Graph:
    return fetch(server, "/catalog", "ttl")


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("by_accept", [False, True], ids=["f", "accept"])
def test_the_catalog_validates_in_every_serialisation(server, shapes, catalog_graph, fmt, by_accept):
    g = fetch(server, "/catalog", fmt, by_accept)
    assert_isomorphic(g, catalog_graph, f"/catalog as {fmt} and as Turtle")
    report, violations, warnings, text = shacl(g, shapes)
    assert not violations, text
    # Every dataset of the repo catalog is ingested by the fixture and described.
    described = {str(s).rsplit("/", 1)[1] for s in g.subjects(RDF.type, DCAT.Dataset)}
    assert described == set(COLLECTION_IDS)  # views are datasets too
    # The only recommendations left open: a download has no access service, an API no download URL.
    open_paths = {report.value(w, SH.resultPath) for w in warnings}
    assert open_paths == {DCAT.accessService, DCAT.downloadURL}, text


@pytest.mark.parametrize("dataset_id", DATASET_IDS)
def test_each_dataset_document_validates_and_round_trips(server, shapes, dataset_id):
    path = f"/datasets/{dataset_id}"
    graphs = {fmt: fetch(server, path, fmt, by_accept=True) for fmt in FORMATS}
    for fmt in ("jsonld", "rdf"):
        assert_isomorphic(graphs[fmt], graphs["ttl"], f"{path} as {fmt} and as Turtle")
    _, violations, _, text = shacl(graphs["ttl"], shapes)
    assert not violations, text
    assert list(graphs["ttl"].subjects(RDF.type, DCAT.Dataset)) == [URIRef(server.base_url + path)]


def test_validation_catches_a_missing_mandatory_property(server, shapes):
    """The negative control: the shapes do bite on this graph."""
    g = fetch(server, "/datasets/rustpunten", "ttl")
    ds = URIRef(server.base_url + "/datasets/rustpunten")
    g.remove((ds, DCAT.contactPoint, None))
    g.remove((ds, DCTERMS.accessRights, None))
    for theme in list(g.objects(ds, DCAT.theme)):
        g.remove((theme, RDF.type, SKOS.Concept))
    report, violations, _, text = shacl(g, shapes)
    paths = {report.value(r, SH.resultPath) for r in violations}
    assert {DCAT.contactPoint, DCTERMS.accessRights, DCAT.theme} <= paths, text


def current_data_file(server, dataset_id: str) -> Path:
    version = (server.data_dir / dataset_id / "current").read_text().strip()
    return server.data_dir / dataset_id / f"v{int(version):06d}" / "data.parquet"


def lang_values(g: Graph, s, p) -> dict[str, str]:
    return {o.language: str(o) for o in g.objects(s, p) if isinstance(o, Literal)}


def walk_coords(geom):
    if geom is None:
        return
    if geom["type"] == "GeometryCollection":
        for g in geom["geometries"]:
            yield from walk_coords(g)
        return

    def rec(c):
        if isinstance(c[0], (int, float)):
            yield c[0], c[1]
        else:
            for x in c:
                yield from rec(x)

    yield from rec(geom["coordinates"])


def parse_time(v: str) -> datetime:
    v = v.strip().replace("/", "-").replace(" ", "T")
    v = re.sub(r"([+-]\d\d)$", r"\1:00", v).replace("Z", "+00:00")
    return datetime.fromisoformat(v)


@pytest.mark.parametrize("dataset_id", DATASET_IDS)
def test_values_match_the_files_the_sources_and_the_catalog(server, catalog_graph, sources, dataset_id):
    g = catalog_graph
    entry = DATASETS[dataset_id]
    ds = URIRef(f"{server.base_url}/datasets/{dataset_id}")
    assert str(g.value(ds, DCTERMS.identifier)) == str(ds)
    assert lang_values(g, ds, DCTERMS.title) == entry["title"]
    assert lang_values(g, ds, DCTERMS.description) == entry["description"]
    themes = {str(t) for t in g.objects(ds, DCAT.theme)}
    expected = {EU_THEME + entry["theme"].upper()} | {OWMS + t for t in entry.get("policy_theme", [])}
    assert themes == expected
    freq = str(g.value(ds, DCTERMS.accrualPeriodicity))
    assert freq.endswith("/frequency/" + entry["update_frequency"].upper())
    assert {str(k) for k in g.objects(ds, DCAT.keyword)} == set(entry.get("keywords", []))
    places = {str(p) for p in g.objects(ds, DCTERMS.spatial)} - {str(ds) + "#extent"}
    assert places == set(entry.get("spatial", []))

    # The GeoParquet download: size and SHA-256 of the stored file, computed here.
    data = current_data_file(server, dataset_id).read_bytes()
    dist = URIRef(str(ds) + "#parquet")
    assert int(g.value(dist, DCAT.byteSize)) == len(data)
    checksum = g.value(dist, SPDX.checksum)
    assert str(g.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()
    assert str(g.value(checksum, SPDX.algorithm)) == str(SPDX.checksumAlgorithm_sha256)

    source = sources(dataset_id)
    extent = g.value(ds + "#extent", DCAT.bbox)
    if not source.spatial:
        assert extent is None
    else:
        xs, ys = zip(*(xy for f in source.features for xy in walk_coords(f.geometry)))
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", str(extent))]
        got = (min(numbers[0::2]), min(numbers[1::2]), max(numbers[0::2]), max(numbers[1::2]))
        want = (min(xs), min(ys), max(xs), max(ys))
        assert all(abs(a - b) < 1e-6 for a, b in zip(got, want)), (got, want)

    temporal = entry.get("temporal")
    period = g.value(ds, DCTERMS.temporal)
    if temporal is None:
        assert period is None
    else:
        values = [parse_time(f.raw[temporal]) for f in source.features if f.raw.get(temporal)]
        start = parse_time(str(g.value(period, DCAT.startDate)))
        end = parse_time(str(g.value(period, DCAT.endDate)))
        # The stored interval is rounded to whole seconds, outwards.
        assert start <= min(values) < start + timedelta(seconds=1), (start, min(values))
        assert end - timedelta(seconds=1) < max(values) <= end, (end, max(values))


def test_links_in_the_catalog_resolve(server, catalog_graph):
    g = catalog_graph
    for ds in g.subjects(RDF.type, DCAT.Dataset):
        page = g.value(ds, DCAT.landingPage)
        r = requests.get(str(page), timeout=60)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html"), page
        schema = next(s for s in g.objects(ds, DCTERMS.conformsTo) if str(s).endswith("/queryables"))
        r = requests.get(str(schema), timeout=60)
        assert r.status_code == 200 and r.json()["type"] == "object", schema
    ogc = URIRef(server.base_url + "/catalog#ogc-api")
    for p in (DCAT.endpointURL, DCAT.endpointDescription, DCAT.landingPage):
        r = requests.get(str(g.value(ogc, p)), timeout=60)
        assert r.status_code == 200, (p, r.status_code)
    for dist in g.subjects(DCAT.accessService, ogc):
        r = requests.get(str(g.value(dist, DCAT.accessURL)), headers={"Accept": "application/json"}, timeout=60)
        assert r.status_code == 200, (dist, r.status_code)


def test_downloads_are_the_described_files(server, catalog_graph):
    """Each download URL answers (served by the download routes); the GeoParquet one byte for byte."""
    g = catalog_graph
    urls = sorted(str(u) for u in g.objects(None, DCAT.downloadURL))
    assert len(urls) > len(DATASET_IDS) * 3
    probe = requests.get(urls[0], timeout=120)
    if probe.status_code == 404 and "there is no resource at" in probe.text:
        pytest.skip("the download routes (/datasets/{id}/download.{fmt}) are not part of this build")
    for url in urls:
        r = requests.get(url, timeout=300)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
        if url.endswith(".parquet"):
            dist = next(g.subjects(DCAT.downloadURL, URIRef(url)))
            assert len(r.content) == int(g.value(dist, DCAT.byteSize))
            checksum = g.value(dist, SPDX.checksum)
            assert hashlib.sha256(r.content).hexdigest() == str(g.value(checksum, SPDX.checksumValue))


class PageAudit(HTMLParser):
    """Collects what the accessibility checks look at."""

    def __init__(self):
        super().__init__()
        self.lang = None
        self.tags: list[str] = []
        self.headings: list[int] = []
        self.th_without_scope = 0
        self.tables = 0
        self.captions = 0
        self.empty_links = 0
        self._in_a = False
        self._a_text = ""
        self.h1_text = ""
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.lang = a.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
            self._in_h1 = tag == "h1"
        if tag == "th" and "scope" not in a:
            self.th_without_scope += 1
        if tag == "table":
            self.tables += 1
        if tag == "caption":
            self.captions += 1
        if tag == "a":
            self._in_a, self._a_text = True, ""

    def handle_endtag(self, tag):
        if tag == "a":
            self._in_a = False
            if not self._a_text.strip():
                self.empty_links += 1
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_a:
            self._a_text += data
        if self._in_h1:
            self.h1_text += data


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("path", ["/catalog", "/datasets/parkeerfaciliteiten", "/datasets/kerncijfers_gemeenten"])
def test_pages_are_accessible_and_in_the_asked_language(server, lang, path):
    r = requests.get(server.base_url + path, headers={"Accept": "text/html", "Accept-Language": lang}, timeout=60)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Content-Language"] == lang
    audit = PageAudit()
    audit.feed(r.text)
    assert audit.lang == lang
    assert {"main", "header", "nav", "title"} <= set(audit.tags)
    assert audit.headings.count(1) == 1 and audit.headings[0] == 1
    # No heading level is skipped.
    assert all(b - a <= 1 for a, b in zip(audit.headings, audit.headings[1:])), audit.headings
    assert audit.tables == audit.captions and audit.th_without_scope == 0
    assert audit.empty_links == 0
    if path == "/catalog":
        # The catalog page is the search page: "Datasets" in both languages.
        assert audit.h1_text == "Datasets"
    else:
        assert audit.h1_text == DATASETS[path.rsplit("/", 1)[1]]["title"][lang]


def test_refusals_are_problem_details(server):
    for path, headers, status in [
        ("/catalog", {"Accept": "text/csv"}, 406),
        ("/catalog?f=xlsx", {}, 400),
        ("/datasets/bestaat_niet", {}, 404),
        ("/datasets/bestaat_niet?f=ttl", {}, 404),
    ]:
        r = requests.get(server.base_url + path, headers=headers, timeout=60)
        assert r.status_code == status, (path, r.status_code)
        assert r.headers["Content-Type"] == "application/problem+json"
        assert r.json()["status"] == status


# --------------------------------------------------------------------------------------------
# datasets that are not public: described with their access rights, never distributed
# --------------------------------------------------------------------------------------------

CLOSED = {"rustpunten": "RESTRICTED", "kerncijfers_gemeenten": "NON_PUBLIC"}
ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"


def closed_catalog_text() -> str:
    """The repo catalog's head and three of its datasets, two of them made not public."""
    text = CATALOG_PATH.read_text()
    blocks = re.split(r"(?m)^(?=\[\[(?:dataset|view)\]\])", text)
    head = blocks[0].replace('sources_dir = "../shared/data"', f"sources_dir = {str(sources_dir())!r}")
    keep = []
    for block in blocks[1:]:
        m = re.search(r'(?m)^id = "([a-z0-9_]+)"', block)
        if m and m.group(1) in {"gemeenten", *CLOSED}:
            right = CLOSED.get(m.group(1))
            if right:
                value = right.lower().replace("_", "-")
                block = block.replace('access_rights = "public"', f'access_rights = "{value}"')
            keep.append(block)
    assert len(keep) == 3
    return head + "".join(keep)


@pytest.fixture(scope="module")
def closed_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("closed")
    catalog = root / "catalog.toml"
    catalog.write_text(closed_catalog_text())
    data_dir = root / "data"
    ingest = run_bin(["ingest", "--catalog", str(catalog), "--data-dir", str(data_dir)])
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(root / "serve.log", "w")
    proc = subprocess.Popen(
        [ontsluit_bin(), "serve", "--catalog", str(catalog), "--data-dir", str(data_dir),
         "--bind", f"127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if requests.get(base + "/catalog", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        yield Server(base_url=base, data_dir=data_dir, log_path=root / "serve.log")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def test_closed_datasets_validate_with_their_access_rights_and_no_distribution(closed_server, shapes):
    base = closed_server.base_url
    g = fetch(closed_server, "/catalog", "ttl")
    _, violations, _, text = shacl(g, shapes)
    assert not violations, text
    described = {str(s).rsplit("/", 1)[1] for s in g.subjects(RDF.type, DCAT.Dataset)}
    assert described == {"gemeenten", *CLOSED}
    for dataset_id, right in CLOSED.items():
        ds = URIRef(f"{base}/datasets/{dataset_id}")
        assert list(g.objects(ds, DCTERMS.accessRights)) == [URIRef(ACCESS_RIGHT + right)]
        assert list(g.objects(ds, DCAT.distribution)) == []
        assert (None, DCAT.servesDataset, ds) not in g
        assert not any(dataset_id in str(u) for u in g.objects(None, DCAT.downloadURL))
        assert not any(dataset_id in str(u) for u in g.objects(None, DCAT.accessURL))
        for fmt in FORMATS:
            own = fetch(closed_server, f"/datasets/{dataset_id}", fmt, by_accept=True)
            _, violations, _, text = shacl(own, shapes)
            assert not violations, text
            assert list(own.objects(ds, DCTERMS.accessRights)) == [URIRef(ACCESS_RIGHT + right)]
            assert not list(own.subjects(RDF.type, DCAT.Distribution))
            assert not list(own.subjects(RDF.type, DCAT.DataService))
        # Its data: nowhere.
        for path in (f"/ogc/v1/collections/{dataset_id}/items", f"/datasets/{dataset_id}/download.parquet",
                     f"/datasets/{dataset_id}/feed.atom"):
            assert requests.get(base + path, timeout=60).status_code == 404, path
    # The public one keeps its distributions, and the services serve only it.
    public = URIRef(f"{base}/datasets/gemeenten")
    assert len(list(g.objects(public, DCAT.distribution))) == 7
    assert set(g.subjects(DCAT.servesDataset, None)) == {
        URIRef(f"{base}/catalog#ogc-api"), URIRef(f"{base}/catalog#sql-api")}
    assert set(g.objects(None, DCAT.servesDataset)) == {public}
