#!/usr/bin/python3
"""Opens a citybelt run in a real QGIS, headless, and checks what an analyst would see.

Usage: check.py OUT_DIR PNG

OUT_DIR is the output of `citybelt run --format gpkg,shp,fgb,geojson` on the shipped region;
PNG is where the rendered project is saved. Needs Debian's `qgis` and `python3-qgis`, which
work with Debian's /usr/bin/python3 (not another Python on PATH); installs nothing itself.

It asserts that
- the project citybelt.qgs opens, every layer in it is valid, in EPSG:4326, with the
  expected feature count, and its data sources are relative (the folder still opens after
  being copied elsewhere);
- Chinese names read back intact (counties, belts, layer names);
- the styles were applied: renderer type, classified field and class count of every layer,
  labels switched on where expected;
- each format alone gets its default style: GeoPackage layers from `layer_styles`, GeoJSON,
  FlatGeobuf and Shapefile layers from the `.qml` beside them;
- the project renders to a non-blank PNG.
Prints every message QGIS logged, then `qgis-check: N passed, M failed`.
"""

import json
import os
import shutil
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    Qgis,
    QgsApplication,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402

PASSED = []
FAILED = []
LOG = []


def check(ok, what):
    (PASSED if ok else FAILED).append(what)
    print(("ok   " if ok else "FAIL ") + what)
    return ok


def renderer_info(layer):
    r = layer.renderer()
    kind = r.type() if r else None
    if kind == "graduatedSymbol":
        return kind, r.classAttribute(), len(r.ranges())
    if kind == "categorizedSymbol":
        return kind, r.classAttribute(), len(r.categories())
    return kind, None, 1 if r else 0


def main(out, png):
    qgs = os.path.join(out, "citybelt.qgs")
    summary = json.load(open(os.path.join(out, "summary.json"), encoding="utf-8"))
    counties_json = json.load(open(os.path.join(out, "counties.geojson"), encoding="utf-8"))
    n_counties = summary["region"]["n_members"]
    n_towns = summary["towns"]["rows"]
    belts = summary["belts"]
    n_cores = sum(
        1 for f in counties_json["features"] if f["properties"]["centre_level"] == "core"
    )
    n_summary = 1 + len(summary["references"]) + len(belts) + len(summary["prefectures"]) + n_counties

    # What each layer of the project must be: feature count, renderer type, classified field,
    # class count, labels.
    expected = {
        "区县镇密度 towns per 10,000 km²": (n_counties, "graduatedSymbol", "towns_per_10k_km2", 5, True),
        "乡镇 towns": (n_towns, "categorizedSymbol", "kind", 5, False),
        "城市带与城镇密集区 belts": (len(belts), "categorizedSymbol", "id", len(belts), True),
        "核心 cores": (n_cores, "singleSymbol", None, 1, False),
        summary["region"]["name_zh"] + " region": (1, "singleSymbol", None, 1, False),
    }
    for b in belts:
        expected[f"{b['name_zh']} {b['id']}"] = (1, "categorizedSymbol", "id", len(belts), True)

    text = open(qgs, encoding="utf-8").read()
    check("./citybelt.gpkg|layername=counties" in text and os.path.abspath(out) not in text,
          "project data sources are relative")

    # Open a copy in another folder: relative paths must still resolve.
    with tempfile.TemporaryDirectory() as tmp:
        moved = os.path.join(tmp, "moved")
        shutil.copytree(out, moved)
        project = QgsProject.instance()
        check(project.read(os.path.join(moved, "citybelt.qgs")), "citybelt.qgs opens (copied elsewhere)")
        layers = {l.name(): l for l in project.mapLayers().values()}
        check(set(expected) | {"summary 汇总表"} == set(layers),
              f"project layers are the expected {len(expected) + 1}: {sorted(layers)}")
        for name, (count, rtype, attr, classes, labels) in expected.items():
            layer = layers.get(name)
            if not check(layer is not None and layer.isValid(), f"{name}: valid"):
                continue
            check(layer.crs().authid() == "EPSG:4326", f"{name}: CRS {layer.crs().authid()}")
            check(layer.featureCount() == count, f"{name}: {layer.featureCount()} features, expected {count}")
            got = renderer_info(layer)
            check(got == (rtype, attr, classes), f"{name}: renderer {got}, expected {(rtype, attr, classes)}")
            check(layer.labelsEnabled() == labels, f"{name}: labels {'on' if labels else 'off'}")
        table = layers.get("summary 汇总表")
        if check(table is not None and table.isValid(), "summary table: valid"):
            check(table.featureCount() == n_summary, f"summary table: {table.featureCount()} rows, expected {n_summary}")

        counties = layers.get("区县镇密度 towns per 10,000 km²")
        if counties is not None and counties.isValid():
            names = {f["adcode"]: f["name"] for f in counties.getFeatures()}
            check(names.get("500101") == "万州区" and names.get("510104") == "锦江区",
                  f"Chinese county names intact: {names.get('500101')}, {names.get('510104')}")
            ranges = counties.renderer().ranges()
            check(all(r.lowerValue() <= r.upperValue() for r in ranges) and
                  ranges[-1].upperValue() >= max(f["towns_per_10k_km2"] for f in counties.getFeatures()),
                  "density classes cover every county")
        belt_layer = layers.get("城市带与城镇密集区 belts")
        if belt_layer is not None and belt_layer.isValid():
            got = sorted(f["name_zh"] for f in belt_layer.getFeatures())
            check(got == sorted(b["name_zh"] for b in belts), f"Chinese belt names intact: {got}")

        # Render what the project shows, in layer-tree order.
        root = project.layerTreeRoot()
        visible = [n.layer() for n in root.findLayers() if n.isVisible() and n.layer().isSpatial()]
        settings = QgsMapSettings()
        settings.setLayers(visible)
        settings.setDestinationCrs(project.crs())
        settings.setBackgroundColor(QColor(255, 255, 255))
        region = layers[summary["region"]["name_zh"] + " region"]
        extent = region.extent()
        extent.scale(1.05)
        settings.setOutputSize(QSize(1600, 1100))
        settings.setExtent(extent)
        settings.setOutputDpi(120)
        job = QgsMapRendererParallelJob(settings)
        job.start()
        job.waitForFinished()
        image = job.renderedImage()
        os.makedirs(os.path.dirname(os.path.abspath(png)), exist_ok=True)
        check(image.save(png, "PNG"), f"project rendered to {png}")
        coloured = sum(
            1
            for x in range(0, image.width(), 8)
            for y in range(0, image.height(), 8)
            if QColor(image.pixel(x, y)).name() != "#ffffff"
        )
        total = (image.width() // 8 + 1) * (image.height() // 8 + 1)
        check(coloured > total * 0.3, f"rendered map is not blank ({coloured}/{total} sampled pixels coloured)")
        project.clear()

    # Each format alone gets the default style QGIS finds next to or inside it.
    for label, uri, attr in [
        ("GeoPackage layer_styles", os.path.join(out, "citybelt.gpkg") + "|layername=counties", "towns_per_10k_km2"),
        ("GeoJSON + counties.qml", os.path.join(out, "counties.geojson"), "towns_per_10k_km2"),
        ("FlatGeobuf + counties.qml", os.path.join(out, "counties.fgb"), "towns_per_10k_km2"),
        ("Shapefile + shp/counties.qml", os.path.join(out, "shp", "counties.shp"), "towns_per_"),
    ]:
        layer = QgsVectorLayer(uri, "counties", "ogr")
        if check(layer.isValid(), f"{label}: valid"):
            check(layer.featureCount() == n_counties, f"{label}: {layer.featureCount()} features")
            check(layer.crs().authid() == "EPSG:4326", f"{label}: CRS {layer.crs().authid()}")
            got = renderer_info(layer)
            check(got == ("graduatedSymbol", attr, 5), f"{label}: default style applied {got}")
            names = {f["adcode"]: f["name"] for f in layer.getFeatures()}
            check(names.get("500101") == "万州区", f"{label}: Chinese name {names.get('500101')}")
    towns = QgsVectorLayer(os.path.join(out, "citybelt.gpkg") + "|layername=towns", "towns", "ogr")
    check(renderer_info(towns) == ("categorizedSymbol", "kind", 5), "GeoPackage towns: default style applied")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    app = QgsApplication([], False)
    app.initQgis()
    QgsApplication.messageLog().messageReceived.connect(
        lambda message, tag, level: LOG.append((int(level), tag, message))
    )
    try:
        main(sys.argv[1], sys.argv[2])
    except Exception as e:  # a crash is a failure, reported like the others
        check(False, f"check crashed: {e!r}")
    for level, tag, message in LOG:
        print(f"QGIS log [{tag or '-'}] level {level}: {message}")
    critical = [m for m in LOG if m[0] >= int(Qgis.Critical)]
    check(not critical, f"QGIS logged {len(critical)} critical message(s)")
    print(f"qgis-check: {len(PASSED)} passed, {len(FAILED)} failed")
    app.exitQgis()
    sys.exit(1 if FAILED else 0)
