"""Load OGC API Features collections with QGIS's own OAPIF provider (not GDAL's driver).

Run with Debian's Python, where PyQGIS imports:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/clients/qgis_load.py BASE_URL ID [ID ...]

BASE_URL is the server root (http://127.0.0.1:PORT); the API is at BASE_URL/ogc/v1. For every
collection id the script opens a QgsVectorLayer with the "OAPIF" provider, iterates over all its
features and reports, as one JSON line prefixed with RESULT_MARKER on stdout:

- valid, the provider's error, the fields and the geometry type QGIS derived,
- count (features iterated), provider_count (the provider's featureCount()),
- missing_geometry (features without geometry) and invalid_geometry (polygons that are not
  GEOS-valid, points that are empty), with their ids (when exposed) and a few GEOS reasons,
- the OAPIF feature ids when QGIS exposes them: a string id becomes a String field `id` (QGIS
  parses the items with OGR's GeoJSON reader); an integer id only becomes QGIS's internal
  feature id, which QGIS renumbers 1..n, so integer ids are not visible (id_field is null then),
- duplicate_ids among the exposed ids (QGIS 3.22 drops a feature whose id it has already seen,
  so duplicates served by a server usually show up as a count that is too low instead).
"""

from __future__ import annotations

import json
import sys
import time

RESULT_MARKER = "QGIS_LOAD_RESULT "


def load(base_url: str, collection: str) -> dict:
    from qgis.core import QgsGeometry, QgsVectorLayer, QgsWkbTypes

    uri = f"url='{base_url.rstrip('/')}/ogc/v1' typename='{collection}' restrictToRequestBBOX='0'"
    t0 = time.time()
    layer = QgsVectorLayer(uri, collection, "OAPIF")
    out: dict = {"uri": uri, "valid": layer.isValid()}
    provider = layer.dataProvider()
    if provider is not None and provider.error().message():
        out["error"] = provider.error().message()
    if not layer.isValid():
        return out
    fields = [f.name() for f in layer.fields()]
    out["fields"] = fields
    out["geometry_type"] = QgsWkbTypes.displayString(QgsWkbTypes.flatType(layer.wkbType()))
    out["spatial"] = layer.isSpatial()
    id_field = "id" if "id" in fields else None
    out["id_field"] = id_field
    id_index = fields.index("id") if id_field else -1

    count = 0
    missing = 0
    invalid = 0
    invalid_examples: list = []
    invalid_ids: list = []
    ids: list = []
    qgis_fids: list[int] = []
    is_polygon = QgsWkbTypes.geometryType(layer.wkbType()) == QgsWkbTypes.PolygonGeometry
    for feature in layer.getFeatures():
        count += 1
        qgis_fids.append(feature.id())
        ident = feature.attribute(id_index) if id_index >= 0 else None
        if id_field:
            ids.append(ident)
        if not layer.isSpatial():
            continue
        geom: QgsGeometry = feature.geometry()
        if geom is None or geom.isNull():
            missing += 1
            continue
        bad = geom.isEmpty() or (is_polygon and not geom.isGeosValid())
        if bad:
            invalid += 1
            invalid_ids.append(ident if id_field else None)
            if len(invalid_examples) < 5:
                # GEOS's reason (QGIS's own validator takes minutes on large polygons)
                errors = (
                    [e.what() for e in geom.validateGeometry(QgsGeometry.ValidatorGeos)]
                    if is_polygon and not geom.isEmpty() else ["empty"]
                )
                invalid_examples.append({"id": ident if id_field else feature.id(), "errors": errors[:3]})
    out["count"] = count
    out["provider_count"] = provider.featureCount()
    out["missing_geometry"] = missing
    out["invalid_geometry"] = invalid
    out["invalid_examples"] = invalid_examples
    out["invalid_ids"] = invalid_ids
    seen: set = set()
    dups: list = []
    for i in ids:
        if i in seen and len(dups) < 20:
            dups.append(i)
        seen.add(i)
    out["distinct_ids"] = len(seen) if id_field else None
    out["duplicate_ids"] = dups
    out["null_ids"] = sum(1 for i in ids if i is None or i == "")
    out["qgis_fids_are_sequential"] = sorted(qgis_fids) == list(range(1, count + 1))
    out["seconds"] = round(time.time() - t0, 2)
    return out


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    base_url, collections = argv[1], argv[2:]
    from qgis.core import Qgis, QgsApplication

    app = QgsApplication([], False)
    app.setPrefixPath("/usr", True)
    app.initQgis()
    result = {"qgis_version": Qgis.QGIS_VERSION, "layers": {}}
    try:
        for c in collections:
            try:
                result["layers"][c] = load(base_url, c)
            except Exception as e:  # report, keep going
                result["layers"][c] = {"valid": False, "error": f"{type(e).__name__}: {e}"}
    finally:
        print(RESULT_MARKER + json.dumps(result), flush=True)
        app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
