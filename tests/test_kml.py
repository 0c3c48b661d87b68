"""KML / KMZ and ESRI JSON reading: real files built here from the shared ISW layers, and the
archive / XML attacks a KMZ can carry (zip-slip, zip bomb, entity expansion, external entities).
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geotools.errors import DataError
from geotools.read import (
    ReadOptions,
    SnapshotRef,
    date_from_name,
    load_snapshot,
    read_raw,
    resolve_refs,
)
from geotools.read import archive as zip_checks
from geotools.regions import read_regions
from tests.synthetic import LAEA_35 as LAEA

from .conftest import data_path, run_cli

KML_HEAD = b'<?xml version="1.0" encoding="utf-8"?>\n'
KML_BODY = (
    b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>a</name>'
    b"<Polygon><outerBoundaryIs><LinearRing><coordinates>"
    b"37,48 37.1,48 37.1,48.1 37,48.1 37,48</coordinates></LinearRing></outerBoundaryIs>"
    b"</Polygon></Placemark></Document></kml>"
)


#: The ISW layers in shared/data/isw (PROVENANCE.md lists 24: 14 Nikkei, 10 sdspieg).
ISW_FILE_COUNT = 24


def isw_files() -> list[Path]:
    root = data_path("isw")
    return sorted(root.glob("*/*.geojson.gz"))


def test_every_isw_file_is_there():
    """The parametrised test below runs once per file: an empty glob would skip it silently."""
    files = isw_files()
    assert len(files) == ISW_FILE_COUNT, [p.name for p in files]
    assert {p.parent.name for p in files} == {"nikkei", "sdspieg"}


def _frame(src: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(f"/vsigzip/{src}")


def write_kml(frame: gpd.GeoDataFrame, dest: Path, by: str | None = None) -> bytes:
    """KML written by GDAL, one folder per value of ``by`` (GDAL writes one layer per file,
    so the folders of several files are joined into one document)."""
    groups = [(dest.stem, frame)] if by is None else list(frame.groupby(by, sort=True))
    folders = []
    for name, part in groups:
        tmp = dest.parent / f"{name}.part.kml"
        part.to_file(tmp, driver="KML", layer=str(name))
        text = tmp.read_text()
        tmp.unlink()
        start = text.index('<Document id="root_doc">') + len('<Document id="root_doc">')
        folders.append(text[start : text.rindex("</Document>")])
    doc = (
        '<?xml version="1.0" encoding="utf-8" ?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n'
        '<Document id="root_doc">' + "".join(folders) + "</Document></kml>\n"
    )
    return doc.encode()


def write_kmz(dest: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return dest


def write_esri_json(frame: gpd.GeoDataFrame, dest: Path, wkid: int) -> Path:
    """ArcGIS FeatureServer ``f=json`` query output: rings (outer clockwise), attributes,
    spatialReference; coordinates projected to Web Mercator when ``wkid`` is 102100.
    Geometries are repaired first, as ArcGIS does on publishing."""
    to_mercator = Transformer.from_crs(4326, 3857, always_xy=True)
    features = []
    for i, geom in enumerate(frame.geometry.values):
        attrs = {"OBJECTID": i + 1}
        if geom is None or geom.is_empty:
            features.append({"attributes": attrs, "geometry": None})
            continue
        # ArcGIS serves simple geometries (it repairs on publishing); GDAL's hole test is
        # not the signed area, so a self-crossing ring would be misread either way
        geom = shapely.make_valid(shapely.force_2d(geom), method="structure", keep_collapsed=False)
        if wkid == 102100:
            geom = shapely.transform(geom, lambda xy: np.column_stack(to_mercator.transform(*xy.T)))
        oriented = shapely.orient_polygons(geom, exterior_cw=True)
        polygons = shapely.get_parts(oriented)
        rings = []
        for poly in polygons:
            for ring in [poly.exterior, *poly.interiors]:
                rings.append(shapely.get_coordinates(ring).tolist())
        features.append({"attributes": attrs, "geometry": {"rings": rings}})
    doc = {
        "objectIdFieldName": "OBJECTID",
        "geometryType": "esriGeometryPolygon",
        "spatialReference": {"wkid": wkid, "latestWkid": 3857 if wkid == 102100 else wkid},
        "fields": [{"name": "OBJECTID", "type": "esriFieldTypeOID", "alias": "OBJECTID"}],
        "features": features,
        "exceededTransferLimit": False,
    }
    dest.write_text(json.dumps(doc))
    return dest


def _area_m2(path: Path, date_from: Path) -> float:
    ref = SnapshotRef(
        path=path, date=date_from_name(date_from) or date_from_name("20240101"), date_origin="test"
    )
    snap = load_snapshot(
        ref, options=ReadOptions(crs=LAEA, profile="none"), use_cache=False, warn_empty=False
    )
    return sum(snap.area_m2(s) for s in snap.geometries)


# ---------------------------------------------------------------- every ISW file, three formats


@pytest.mark.parametrize("src", isw_files(), ids=lambda p: p.name.split(".")[0])
def test_every_isw_file_reads_as_geojson_kmz_and_esri_json(src, tmp_path):
    frame = _frame(src)
    stem = src.name.split(".")[0]
    by = "layer" if "layer" in frame.columns else None
    kml_text = write_kml(frame, tmp_path / "control", by)
    kmz = write_kmz(tmp_path / f"{stem}.kmz", {"doc.kml": kml_text})
    esri = write_esri_json(frame, tmp_path / f"{stem}.json", 102100)

    raw = read_raw(kmz, columns=["layer"])
    assert len(raw.geometries) == len(frame)  # null geometries kept as nulls, then skipped
    expected_layers = set(frame["layer"]) if by else {"control"}
    assert set(raw.attributes["layer"]) == expected_layers
    assert read_raw(esri).crs.to_epsg() == 3857

    area = _area_m2(src, src)
    assert area > 1e6  # every ISW layer here has polygons
    assert _area_m2(kmz, src) == pytest.approx(area, rel=1e-7)
    assert _area_m2(esri, src) == pytest.approx(area, rel=1e-7)


def test_kmz_folders_become_the_layer_attribute(tmp_path):
    src = data_path("isw", "nikkei", "data_20230531.geojson.gz")
    frame = _frame(src).drop(columns=["layer"]).assign(group=_frame(src)["layer"])
    kmz = write_kmz(
        tmp_path / "20230531.kmz",
        {"files/legend.png": b"\x89PNG", "doc.kml": write_kml(frame, tmp_path / "x", "group")},
    )
    raw = read_raw(kmz, columns=["layer"])
    counts = dict(
        zip(*np.unique(raw.attributes["layer"].astype(str), return_counts=True), strict=False)
    )
    assert counts == frame["group"].value_counts().to_dict()
    one = read_raw(kmz, layer="VIEW_RussiaCoTinUkraine_V3")
    assert len(one.geometries) == counts["VIEW_RussiaCoTinUkraine_V3"]
    with pytest.raises(DataError, match=r"no layer 'nope' \(layers: MDS_"):
        read_raw(kmz, layer="nope")
    # per-folder areas through the status field = per-layer areas of the GeoJSON
    ref = SnapshotRef(kmz, date_from_name(src), "test")
    by_folder = load_snapshot(
        ref, options=ReadOptions(crs=LAEA, status_field="layer"), use_cache=False
    )
    by_prop = load_snapshot(
        SnapshotRef(src, date_from_name(src), "test"),
        options=ReadOptions(crs=LAEA, status_field="layer"),
        use_cache=False,
    )
    assert set(by_folder.geometries) == set(by_prop.geometries)
    for status in by_prop.geometries:
        assert by_folder.area_m2(status) == pytest.approx(by_prop.area_m2(status), rel=1e-7)


def test_isw_profile_classifies_kmz_folders_like_the_geojson_layers(tmp_path):
    src = data_path("isw", "nikkei", "data_20230531.geojson.gz")
    frame = _frame(src)
    folders = frame.drop(columns=["layer"]).assign(group=frame["layer"])  # only folder names
    kmz = write_kmz(
        tmp_path / "20230531.kmz", {"doc.kml": write_kml(folders, tmp_path / "x", "group")}
    )
    day = date_from_name(src)
    got = load_snapshot(
        SnapshotRef(kmz, day, "t"), options=ReadOptions(crs=LAEA, profile="isw"), use_cache=False
    )
    want = load_snapshot(
        SnapshotRef(src, day, "t"), options=ReadOptions(crs=LAEA, profile="isw"), use_cache=False
    )
    assert got.area_m2("occupied") == pytest.approx(106_726.0e6, rel=1e-5)  # PROVENANCE figure
    assert {s: got.area_m2(s) for s in got.geometries} == pytest.approx(
        {s: want.area_m2(s) for s in want.geometries}, rel=1e-7
    )


def test_kmz_without_doc_kml_uses_first_kml_and_dates_from_property(tmp_path):
    frame = gpd.GeoDataFrame(
        {"date": ["2024-05-21"]},
        geometry=[shapely.box(37, 48, 37.1, 48.1)],
        crs=4326,
    )
    write_kmz(tmp_path / "control.kmz", {"maps/control.kml": write_kml(frame, tmp_path / "c")})
    (ref,) = resolve_refs([tmp_path])  # .kmz is found in a folder, dated by its property
    assert str(ref.date) == "2024-05-21" and ref.date_origin == "property date"


def test_esri_json_wgs84_and_web_mercator_give_the_geojson_area(tmp_path):
    src = data_path("isw", "sdspieg", "territory_geojson_2024-08-29.geojson.gz")
    frame = _frame(src)  # 3-D coordinates and null geometries: both quirks in one file
    area = _area_m2(src, src)
    for wkid in (4326, 102100):
        esri = write_esri_json(frame, tmp_path / f"isw_2024-08-29_{wkid}.json", wkid)
        raw = read_raw(esri)
        assert raw.crs.to_epsg() == (4326 if wkid == 4326 else 3857)
        assert sum(g is None for g in raw.geometries) == frame.geometry.isna().sum()
        assert _area_m2(esri, src) == pytest.approx(area, rel=1e-7)
    (ref,) = resolve_refs([tmp_path / "isw_2024-08-29_4326.json"])
    assert str(ref.date) == "2024-08-29"
    # one page of a paginated query is not the layer: refused, not measured short
    page = json.loads((tmp_path / "isw_2024-08-29_4326.json").read_text())
    page["features"] = page["features"][:3]
    page["exceededTransferLimit"] = True
    first = tmp_path / "page_2024-08-29.json"
    first.write_text(json.dumps(page))
    with pytest.raises(DataError, match=r"one page of an ArcGIS query .* geotools fetch isw"):
        read_raw(first)


def test_isw_as_zipped_shapefile(tmp_path):
    src = data_path("isw", "sdspieg", "territory_geojson_2024-08-29.geojson.gz")
    folder = tmp_path / "shp"
    folder.mkdir()
    frame = _frame(src).drop(columns=["date"])  # a shapefile has no datetime type
    frame.to_file(folder / "control.shp", driver="ESRI Shapefile")
    archive = tmp_path / "isw_2024-08-29.shp.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in sorted(folder.iterdir()):
            zf.write(part, part.name)
    assert _area_m2(archive, src) == pytest.approx(_area_m2(src, src), rel=1e-9)


def _zip_shapefiles(archive: Path, layers: dict[str, gpd.GeoDataFrame]) -> Path:
    """A zip holding one shapefile per layer, written by GDAL, as ISW's downloads are."""
    folder = archive.parent / f"{archive.stem}_parts"
    folder.mkdir()
    for name, frame in layers.items():
        frame.to_file(folder / f"{name}.shp", driver="ESRI Shapefile")
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(folder.iterdir()):
            zf.write(part, part.name)
    return archive


def test_zipped_shapefile_is_classified_by_its_layer_name_not_the_zip_name(tmp_path):
    """ISW's daily export: the layer name (UkraineControlMapAO…) is the only class signal."""
    src = data_path("isw", "sdspieg", "territory_geojson_2024-08-29.geojson.gz")
    frame = _frame(src).drop(columns=["date", "layer_type"])  # as ISW's own shapefile
    archive = _zip_shapefiles(
        tmp_path / "isw_20240829.zip", {"UkraineControlMapAO29AUG2024": frame}
    )
    (ref,) = resolve_refs([archive])
    assert str(ref.date) == "2024-08-29"
    snap = load_snapshot(ref, options=ReadOptions(crs=LAEA, profile="isw"), use_cache=False)
    want = load_snapshot(
        SnapshotRef(src, ref.date, "t"),
        options=ReadOptions(crs=LAEA, profile="isw"),
        use_cache=False,
    )
    assert snap.classes is not None and snap.classes.features == {"occupied": 8}
    assert snap.area_m2("occupied") == pytest.approx(want.area_m2("occupied"), rel=1e-9)
    assert snap.area_m2("occupied") == pytest.approx(108_526.0e6, rel=1e-5)  # PROVENANCE


def test_zip_with_several_shapefiles_reads_every_polygon_layer(tmp_path):
    """Like a KMZ's folders: every polygon layer is read, its name in the ``layer`` attribute
    (the profile classifies by it); a point layer is skipped; --layer still picks one."""
    src = data_path("isw", "nikkei", "data_20230531.geojson.gz")
    frame = _frame(src)
    layers = {
        str(name): part.drop(columns=["layer"]) for name, part in frame.groupby("layer", sort=True)
    }
    layers["cities"] = gpd.GeoDataFrame(
        {"name": ["Donetsk"]}, geometry=[shapely.Point(37.8, 48.0)], crs=4326
    )
    archive = _zip_shapefiles(tmp_path / "isw_20230531.zip", layers)
    raw = read_raw(archive, columns=["layer"])  # no pyogrio "more than one layer" warning
    got_layers = dict(
        zip(*np.unique(raw.attributes["layer"].astype(str), return_counts=True), strict=True)
    )
    assert got_layers == frame["layer"].value_counts().to_dict()
    day = date_from_name(src)
    assert day is not None
    got = load_snapshot(
        SnapshotRef(archive, day, "t"),
        options=ReadOptions(crs=LAEA, profile="isw"),
        use_cache=False,
    )
    want = load_snapshot(
        SnapshotRef(src, day, "t"), options=ReadOptions(crs=LAEA, profile="isw"), use_cache=False
    )
    assert got.area_m2("occupied") == pytest.approx(106_726.0e6, rel=1e-5)  # PROVENANCE
    assert {s: got.area_m2(s) for s in got.geometries} == pytest.approx(
        {s: want.area_m2(s) for s in want.geometries}, rel=1e-9
    )
    one = SnapshotRef(archive, day, "t", layer="VIEW_ClaimedRussianTerritoryinUkraine_V2")
    claimed = load_snapshot(one, options=ReadOptions(crs=LAEA, profile="isw"), use_cache=False)
    assert claimed.area_m2("occupied") == 0
    assert claimed.area_m2("claimed_control") == pytest.approx(
        want.area_m2("claimed_control"), rel=1e-9
    )


# ---------------------------------------------------------------- attacks


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE kml [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
    + KML_BODY.replace(b"<name>a</name>", b"<name>&lol9;</name>")
)
XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE kml [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'
    + KML_BODY.replace(b"<name>a</name>", b"<name>&xxe;</name>")
)


def _bomb() -> bytes:
    # valid KML with 40 MB of blanks inside: deflates about 1000:1
    return KML_HEAD + KML_BODY.replace(b"<Document>", b"<Document>" + b" " * 40_000_000)


ATTACKS = {
    "zip-slip": ({"doc.kml": KML_HEAD + KML_BODY, "../evil.kml": KML_BODY}, "outside the archive"),
    "absolute-entry": ({"/tmp/evil.kml": KML_HEAD + KML_BODY}, "outside the archive"),
    "windows-slip": ({"doc.kml": KML_BODY, "..\\..\\evil.kml": KML_BODY}, "outside the archive"),
    "zip-bomb": ({"doc.kml": None}, r"'doc.kml' compresses more than 100:1 \(.*a zip bomb\?\)"),
    "billion-laughs": ({"doc.kml": BILLION_LAUGHS}, "declares a DTD or entities"),
    "external-entity": ({"doc.kml": XXE}, "declares a DTD or entities"),
    "no-kml-inside": ({"readme.txt": b"hello"}, "holds no .kml"),
    "truncated-kml": ({"doc.kml": (KML_HEAD + KML_BODY)[:200]}, "not well-formed"),
}


@pytest.fixture
def attack_file(request, tmp_path):
    entries, match = ATTACKS[request.param]
    entries = {k: (v if v is not None else _bomb()) for k, v in entries.items()}
    return write_kmz(tmp_path / f"20240101_{request.param}.kmz", entries), match


@pytest.mark.parametrize("attack_file", sorted(ATTACKS), indirect=True)
def test_kmz_attacks_refused(attack_file):
    path, match = attack_file
    with pytest.raises(DataError, match=match) as info:
        read_raw(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    "attack_file", ["zip-slip", "zip-bomb", "billion-laughs", "external-entity"], indirect=True
)
def test_kmz_attacks_via_cli_exit_1_one_line(attack_file):
    path, match = attack_file
    res = run_cli(["info", str(path)], module=True)
    assert res.returncode == 1, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("geotools: error: "), res.stderr
    assert re.search(match, lines[0]) and str(path) in lines[0]


@pytest.mark.parametrize("content", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_plain_kml_with_entities_refused_before_gdal(tmp_path, content):
    path = tmp_path / "20240101.kml"
    path.write_bytes(content)
    with pytest.raises(DataError, match="declares a DTD or entities"):
        read_raw(path)
    res = run_cli(["info", str(path)], module=True)
    assert res.returncode == 1 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    # the property-date path must not bypass the check either
    path.rename(path := tmp_path / "control.kml")
    with pytest.raises(DataError, match="declares a DTD or entities"):
        resolve_refs([path])


def _forge(archive: Path, entry: str, **sizes: int) -> None:
    """Rewrite an entry's ``file_size`` / ``compress_size`` in both its local header and the
    central directory (the data is left as it is)."""
    data = bytearray(archive.read_bytes())
    info = zipfile.ZipFile(archive).getinfo(entry)
    central = next(  # the directory record whose name (at +46) is the entry's
        m.start()
        for m in re.finditer(rb"PK\x01\x02", bytes(data))
        if data[m.start() + 46 : m.start() + 46 + len(entry)] == entry.encode()
    )
    local = info.header_offset
    offsets = {"compress_size": (18, 20), "file_size": (22, 24)}  # (local, central) field
    for field, value in sizes.items():
        at_local, at_central = offsets[field]
        data[local + at_local : local + at_local + 4] = value.to_bytes(4, "little")
        data[central + at_central : central + at_central + 4] = value.to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    forged = zipfile.ZipFile(archive).getinfo(entry)
    assert all(getattr(forged, field) == value for field, value in sizes.items())


def test_size_cap_from_the_header(tmp_path, monkeypatch):
    kmz = write_kmz(tmp_path / "20240101.kmz", {"doc.kml": KML_HEAD + KML_BODY})
    assert len(read_raw(kmz).geometries) == 1
    monkeypatch.setattr(zip_checks, "MAX_UNCOMPRESSED_BYTES", 100)
    size = len(KML_HEAD + KML_BODY)
    with pytest.raises(
        DataError, match=rf"entry 'doc.kml' would decompress to {size} bytes, over the 100-byte"
    ):
        read_raw(kmz)  # the header says so


def test_size_cap_while_streaming_when_the_header_understates(tmp_path, monkeypatch):
    """A header that claims 50 bytes passes the up-front check; the cap still holds on the
    bytes actually decompressed."""
    kmz = write_kmz(tmp_path / "20240101.kmz", {"doc.kml": KML_HEAD + KML_BODY})
    _forge(kmz, "doc.kml", file_size=50)
    monkeypatch.setattr(zip_checks, "MAX_UNCOMPRESSED_BYTES", 100)
    with pytest.raises(
        DataError, match=r"entry 'doc.kml' decompresses past the 100-byte cap, whatever its header"
    ) as info:
        read_raw(kmz)
    assert str(kmz) in str(info.value)


def test_a_header_that_understates_the_size_is_refused(tmp_path):
    """Under the cap, a size that does not match the content is refused, not read short."""
    kmz = write_kmz(tmp_path / "20240101.kmz", {"doc.kml": KML_HEAD + KML_BODY})
    real = zipfile.ZipFile(kmz).getinfo("doc.kml").file_size
    _forge(kmz, "doc.kml", file_size=real - 10)
    with pytest.raises(DataError, match=r"entry 'doc.kml' does not match its header") as info:
        read_raw(kmz)
    assert f"header says {real - 10:,} from" in str(info.value) and str(kmz) in str(info.value)


def test_zip_bomb_with_a_forged_compressed_size_is_refused(tmp_path):
    """A 40 MB bomb (about 40 KB deflated) whose header claims 800 KB compressed, 50:1, with
    1 MB of stored padding behind it so that the claim stays inside the file: the ratio is
    measured on the compressed bytes actually consumed."""
    kmz = tmp_path / "20240101.kmz"
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.writestr("doc.kml", _bomb(), compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("files/padding.bin", np.random.default_rng(0).bytes(1 << 20))
    info = zipfile.ZipFile(kmz).getinfo("doc.kml")
    assert info.file_size / info.compress_size > 500  # a real bomb, ~1000:1
    _forge(kmz, "doc.kml", compress_size=info.file_size // 50)
    with pytest.raises(DataError, match=r"entry 'doc.kml' compresses more than 100:1") as err:
        read_raw(kmz)
    used = int(re.search(r"bytes from ([\d,]+);", str(err.value)).group(1).replace(",", ""))
    assert used <= info.compress_size  # what was consumed, not the 800 KB of the header


def _control_zip(tmp_path: Path, extra: dict[str, bytes] | None = None) -> Path:
    """ISW's 2024-08-29 control layer as a zipped shapefile (+ extra entries)."""
    src = data_path("isw", "sdspieg", "territory_geojson_2024-08-29.geojson.gz")
    frame = _frame(src)
    frame["date"] = frame["date"].astype(str)  # a shapefile has no datetime type
    archive = _zip_shapefiles(tmp_path / "isw_20240829.zip", {"control": frame})
    with zipfile.ZipFile(archive, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in (extra or {}).items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return archive


ZIP_ATTACKS = {
    "zip-slip": ({"../evil.txt": b"x"}, r"zip entry '../evil.txt' points outside the archive"),
    "absolute-entry": ({"/etc/evil.txt": b"x"}, r"zip entry '/etc/evil.txt' points outside"),
    "zip-bomb": (
        {"readme.txt": b" " * 40_000_000},
        r"zip entry 'readme.txt' compresses more than 100:1 \(.*a zip bomb\?\)",
    ),
}


@pytest.mark.parametrize("attack", sorted(ZIP_ATTACKS))
def test_zipped_shapefile_attacks_refused_before_gdal(tmp_path, attack):
    """GDAL reads a zip through /vsizip/ with no caps of its own: the archive checks run
    first, on every way in (all layers, one --layer, dating by property, the CLI)."""
    extra, match = ZIP_ATTACKS[attack]
    archive = _control_zip(tmp_path, extra)
    for read in (lambda: read_raw(archive), lambda: read_raw(archive, layer="control")):
        with pytest.raises(DataError, match=match) as info:
            read()
        assert str(archive) in str(info.value) and "\n" not in str(info.value)
    dated = archive.rename(tmp_path / "control.zip")  # no date in the name: read a property
    with pytest.raises(DataError, match=match):
        resolve_refs([dated])
    res = run_cli(["info", str(dated)], module=True)
    assert res.returncode == 1, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and re.search(match, lines[0]) and str(dated) in lines[0]


def test_zipped_shapefile_size_cap_and_lying_header(tmp_path, monkeypatch):
    """The cap counts every entry together; a .shp whose header understates its size is
    refused, not read short."""
    archive = _control_zip(tmp_path)
    sizes = {i.filename: i.file_size for i in zipfile.ZipFile(archive).infolist()}
    area = _area_m2(archive, archive)
    assert area == pytest.approx(108_526.0e6, rel=1e-5)  # PROVENANCE: the layer reads whole
    monkeypatch.setattr(zip_checks, "MAX_UNCOMPRESSED_BYTES", sum(sizes.values()) - 1)
    with pytest.raises(DataError, match=r"zip entry '.*' would decompress to .* over the") as info:
        read_raw(archive)  # a new file state or new limits: checked again, not cached
    assert "bytes of the entries before it" in str(info.value)
    monkeypatch.undo()
    _forge(archive, "control.shp", file_size=sizes["control.shp"] - 8)
    with pytest.raises(DataError, match=r"zip entry 'control.shp' does not match its header"):
        read_raw(archive)


def test_region_layers_in_kml_go_through_the_checks(tmp_path):
    bad = tmp_path / "regions.kml"
    bad.write_bytes(XXE)
    with pytest.raises(DataError, match="declares a DTD or entities"):
        read_regions(bad, LAEA)
    frame = gpd.GeoDataFrame(
        {"shapeISO": ["UA-14", "UA-63"]},
        geometry=[shapely.box(37, 47, 38, 48), shapely.box(36, 49, 37, 50)],
        crs=4326,
    )
    kmz = write_kmz(tmp_path / "regions.kmz", {"doc.kml": write_kml(frame, tmp_path / "r")})
    assert sorted(read_regions(kmz, LAEA).codes) == ["UA-14", "UA-63"]
