"""QGIS's own OAPIF provider (QGIS 3.22, PyQGIS under Debian's /usr/bin/python3).

qgis_load.py loads every collection in one QGIS process; the tests check that each spatial
collection loads completely with valid geometries, and that tables without geometry load as
attribute tables, against numberMatched from the server and the source counts.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from shapely.geometry import shape

from conftest import DATASET_IDS

QGIS_PYTHON = "/usr/bin/python3"
SCRIPT = Path(__file__).with_name("qgis_load.py")
MARKER = "QGIS_LOAD_RESULT "


@pytest.fixture(scope="module")
def qgis_result(server) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    p = subprocess.run(
        [QGIS_PYTHON, str(SCRIPT), server.base_url, *DATASET_IDS],
        capture_output=True, text=True, timeout=600, env=env,
    )
    lines = [l for l in p.stdout.splitlines() if l.startswith(MARKER)]
    assert p.returncode == 0 and lines, (
        f"qgis_load.py failed ({p.returncode}):\nstdout: {p.stdout[-2000:]}\nstderr: {p.stderr[-3000:]}"
    )
    return json.loads(lines[-1][len(MARKER):])


def number_matched(server, collection: str) -> int:
    fc = server.get_json(f"/collections/{collection}/items?limit=1")
    assert "numberMatched" in fc, "unfiltered items response without numberMatched"
    return fc["numberMatched"]


@pytest.mark.parametrize("dataset_id", DATASET_IDS)
def test_qgis_loads_collection_completely(server, sources, qgis_result, dataset_id):
    src = sources(dataset_id)
    r = qgis_result["layers"][dataset_id]
    assert r.get("valid"), f"QGIS could not open {dataset_id}: {r.get('error')}"
    matched = number_matched(server, dataset_id)
    assert matched == len(src.features), "numberMatched differs from the source"
    assert r["count"] == matched, (
        f"QGIS iterated {r['count']} features, the server says {matched} "
        f"(QGIS drops features whose id repeats; duplicate ids seen: {r['duplicate_ids']})"
    )
    assert not r["duplicate_ids"]
    if r["id_field"]:
        assert r["null_ids"] == 0
        assert r["distinct_ids"] == r["count"]
    else:
        # QGIS hides integer OAPIF ids; that is only expected when the key is one integer column
        assert src.integer_ids, f"QGIS exposes no id field for string ids: fields {r['fields'][:10]}"

    if src.spatial:
        assert r["spatial"], f"QGIS sees no geometry: {r['geometry_type']}"
        assert r["missing_geometry"] == 0
        # A geometry may only be invalid in QGIS when it is invalid in the source already (GEOS,
        # via shapely, on the source read by ogr2ogr).
        source_invalid = {f.id for f in src.features if not shape(f.geometry).is_valid}
        if r["id_field"]:
            unexpected = set(r["invalid_ids"]) - source_invalid
            assert not unexpected, (
                f"{len(unexpected)} geometries invalid in QGIS but valid in the source: "
                f"{sorted(unexpected, key=str)[:10]}; {r['invalid_examples']}"
            )
        else:
            assert r["invalid_geometry"] <= len(source_invalid), r["invalid_examples"]
        expected_types = {(f.geometry or {}).get("type") for f in src.features}
        assert expected_types == {r["geometry_type"]}, (r["geometry_type"], expected_types)
    else:
        assert not r["spatial"], f"a table loaded as {r['geometry_type']}"
        assert r["geometry_type"] == "NoGeometry"
    published = set(src.published)
    qgis_fields = set(r["fields"])
    if r["id_field"]:
        qgis_fields.discard("id")
    assert qgis_fields == published, (
        f"extra: {sorted(qgis_fields - published)}, missing: {sorted(published - qgis_fields)}"
    )
