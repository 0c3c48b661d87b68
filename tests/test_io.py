import datetime as dt
import gzip
import json
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geotools.errors import DataError, DateError
from geotools.read import (
    ReadOptions,
    date_from_name,
    discover,
    parse_date,
    read_snapshots,
    resolve_refs,
)
from tests.synthetic import LAEA

D = dt.date
SQUARE = shapely.box(37.0, 48.0, 37.2, 48.1)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("20240801.geojson.gz", D(2024, 8, 1)),
        ("deepstatemap_data_20240801.geojson", D(2024, 8, 1)),
        ("territory_2024-05-21.geojson", D(2024, 5, 21)),
        ("snap_2024_05_21.gpkg", D(2024, 5, 21)),
        ("1722459268.geojson.gz", D(2024, 7, 31)),  # Unix seconds (DeepState history id)
        ("control.geojson", None),
        ("v20241399.geojson", None),  # not a real date
    ],
)
def test_date_from_name(name, expected):
    assert date_from_name(name) == expected


def test_parse_date_values():
    assert parse_date("2024-05-21") == D(2024, 5, 21)
    assert parse_date("2024-05-21T23:30:00-02:00") == D(2024, 5, 22)  # UTC day
    assert parse_date(1645660800000) == D(2022, 2, 24)  # epoch ms (ArcGIS)
    assert parse_date(None) is None and parse_date("") is None


def test_date_priority_argument_property_name(geojson_writer, tmp_path):
    path = geojson_writer("20240101.geojson", [SQUARE], props=[{"date": "2024-02-02"}])
    assert resolve_refs([path])[0].date == D(2024, 1, 1)  # name before auto property
    assert resolve_refs([path], options=ReadOptions(date_field="date"))[0].date == D(2024, 2, 2)
    assert resolve_refs([path], dates=[D(2024, 3, 3)])[0].date == D(2024, 3, 3)
    undated = geojson_writer("control.geojson", [SQUARE], props=[{"datetime": 1645660800000}])
    ref = resolve_refs([undated])[0]
    assert (ref.date, ref.date_origin) == (D(2022, 2, 24), "property datetime")


def test_no_date_is_an_error_naming_the_file(geojson_writer):
    path = geojson_writer("control.geojson", [SQUARE])
    with pytest.raises(DateError, match=r"control\.geojson.*no date"):
        resolve_refs([path])


def test_conflicting_dates_inside_one_file(geojson_writer):
    path = geojson_writer(
        "c.geojson", [SQUARE, SQUARE], props=[{"date": "2024-01-01"}, {"date": "2024-01-05"}]
    )
    with pytest.raises(DateError, match="2 different dates"):
        resolve_refs([path])


def test_duplicate_dates_policy(tmp_path, geojson_writer):
    a = geojson_writer("a_20240101.geojson", [SQUARE])
    b = geojson_writer("b_20240101.geojson", [shapely.box(37, 48, 37.1, 48.1)])
    with pytest.raises(DateError, match=r"2 files have the date 2024-01-01.*--on-duplicate"):
        resolve_refs([tmp_path])
    assert resolve_refs([tmp_path], options=ReadOptions(on_duplicate="first"))[0].path == a
    assert resolve_refs([tmp_path], options=ReadOptions(on_duplicate="last"))[0].path == b


def test_future_date_refused(geojson_writer):
    path = geojson_writer("2202-02-02.geojson", [SQUARE])
    with pytest.raises(DateError, match="in the future"):
        resolve_refs([path])


def test_discover_folder_glob_and_missing(tmp_path, geojson_writer):
    geojson_writer("20240102.geojson", [SQUARE])
    geojson_writer("20240101.geojson", [SQUARE])
    (tmp_path / "index.csv").write_text("not a snapshot")
    found = discover([tmp_path])
    assert [p.name for p in found] == ["20240101.geojson", "20240102.geojson"]
    assert len(discover([str(tmp_path / "2024*.geojson")])) == 2
    with pytest.raises(DataError, match="no such file"):
        discover([tmp_path / "nope"])
    with pytest.raises(DataError, match="no file matches"):
        discover([str(tmp_path / "*.gpkg")])


def _write_all_formats(tmp_path):
    frame = gpd.GeoDataFrame(
        {"kind": ["a", "b"]}, geometry=[SQUARE, shapely.box(37.3, 48.0, 37.4, 48.1)], crs=4326
    )
    paths = []
    p = tmp_path / "f_20240101.geojson"
    frame.to_file(p, driver="GeoJSON")
    paths.append(p)
    gz = tmp_path / "f_20240102.geojson.gz"
    gz.write_bytes(gzip.compress(p.read_bytes()))
    paths.append(gz)
    for day, ext, driver in [(3, "gpkg", "GPKG"), (4, "fgb", "FlatGeobuf")]:
        q = tmp_path / f"f_2024010{day}.{ext}"
        frame.to_file(q, driver=driver)
        paths.append(q)
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    frame.to_file(shp_dir / "control.shp")
    z = tmp_path / "f_20240105.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f.name)
    paths.append(z)
    pq = tmp_path / "f_20240106.parquet"
    frame.to_crs(LAEA).to_parquet(pq)  # a projected (equal-area) file: used as is
    paths.append(pq)
    return paths


def test_every_format_gives_the_same_area(tmp_path):
    paths = _write_all_formats(tmp_path)
    snaps = read_snapshots(paths, options=ReadOptions(crs=LAEA))
    assert [s.date.day for s in snaps] == [1, 2, 3, 4, 5, 6]
    areas = [s.area_m2("occupied") for s in snaps]
    assert areas[0] > 1e8
    for area in areas[1:]:
        assert area == pytest.approx(areas[0], rel=1e-9)


def test_status_field_dissolves_per_class(tmp_path):
    path = tmp_path / "f_20240101.geojson"
    gpd.GeoDataFrame(
        {"kind": ["a", "b", "a"]},
        geometry=[
            SQUARE,
            shapely.box(37.3, 48.0, 37.4, 48.1),
            shapely.box(37.1, 48.0, 37.25, 48.1),
        ],
        crs=4326,
    ).to_file(path)
    snap = read_snapshots([path], options=ReadOptions(status_field="kind"))[0]
    assert snap.statuses == ["a", "b"]
    assert snap.geometries["a"].geom_type == "Polygon"  # overlapping parts dissolved


def test_cleaning_counts_repairs(geojson_writer):
    bowtie = shapely.Polygon([(37, 48), (37.1, 48.1), (37.1, 48), (37, 48.1), (37, 48)])
    z_square = shapely.force_3d(shapely.box(37.5, 48, 37.6, 48.1))
    gc = shapely.GeometryCollection([shapely.box(37.7, 48, 37.8, 48.1), shapely.Point(37.9, 48)])
    line = shapely.LineString([(37, 47), (38, 47)])
    path = geojson_writer("x_20240101.geojson", [bowtie, z_square, gc, line, None])
    snap = read_snapshots([path])[0]
    rep = snap.repairs
    assert rep.features == 5 and rep.null_geometries == 1
    assert rep.z_dropped >= 1
    assert rep.non_polygonal_dropped == {"Point": 1, "LineString": 1}
    assert rep.invalid_repaired == 1
    # the bow-tie's two lobes are kept: half of the 0.1° cell, plus two full cells
    assert snap.geometries["occupied"].geom_type == "MultiPolygon"
    assert "invalid geometries repaired" in rep.summary()


def test_empty_feature_collection_is_an_empty_snapshot(geojson_writer, caplog):
    path = geojson_writer("e_20240101.geojson", [])
    snap = read_snapshots([path], options=ReadOptions(crs=LAEA))[0]
    assert snap.area_m2("occupied") == 0.0
    assert "empty snapshot" in caplog.text


def test_points_only_is_an_error(geojson_writer):
    path = geojson_writer("p_20240101.geojson", [shapely.Point(37, 48), shapely.Point(38, 48)])
    with pytest.raises(DataError, match=r"p_20240101\.geojson.*no polygons"):
        read_snapshots([path])


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "empty"),
        (b'{"type": "FeatureCollection", "features": [{"type": "Feat', "cannot read"),
        (b"<html><body>502 Bad Gateway</body></html>", "cannot read"),
    ],
)
def test_unreadable_files(tmp_path, content, match):
    path = tmp_path / "bad_20240101.geojson"
    path.write_bytes(content)
    with pytest.raises(DataError, match=match) as err:
        read_snapshots([path])
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_projected_coordinates_without_crs_refused(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": json.loads(
                    shapely.to_geojson(shapely.box(400000, 5300000, 410000, 5310000))
                ),
            }
        ],
    }
    path = tmp_path / "utm_20240101.geojson"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError, match="not lon/lat"):
        read_snapshots([path])


def test_json_coordinates_reader_equals_geos_on_the_whole_archive(deepstate_daily):
    # The orjson + numpy reader must give GEOS's own geometry, bit for bit, on every file.
    import gzip

    from geotools.read.geojson import polygons_from_json

    files = sorted(deepstate_daily.glob("*.geojson.gz"))
    assert len(files) == 769
    for path in files:
        data = gzip.decompress(path.read_bytes())
        mine = polygons_from_json(data)
        assert mine is not None, path.name
        theirs = shapely.get_parts(shapely.from_geojson(data))
        assert len(mine) == len(theirs)
        for a, b in zip(mine, theirs, strict=True):
            assert a.geom_type == b.geom_type
            assert np.array_equal(shapely.get_coordinates(a), shapely.get_coordinates(b))
            assert shapely.equals_exact(a, b, 0.0)


@pytest.mark.parametrize(
    "geometry",
    [
        '{"type": "Polygon", "coordinates": '
        "[[[30, 50, 1], [31, 50, 1], [31, 51, 1], [30, 50, 1]]]}",
        '{"type": "GeometryCollection", "geometries": []}',
        '{"type": "Point", "coordinates": [30, 50]}',
        "null",
        '{"type": "Polygon", "coordinates": [[[30, 50], [31, 50], [31, 51], [30, 52]]]}',
        '{"type": "Polygon", "coordinates": [[[30, 50], [31, "x"], [31, 51], [30, 50]]]}',
    ],
)
def test_json_coordinates_reader_leaves_anything_else_to_geos(geometry):
    # 3-D, collections, points, nulls, unclosed rings, bad numbers: not read here (None)
    from geotools.read.geojson import polygons_from_json

    doc = '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
    doc += f'"geometry": {geometry}}}]}}'
    assert polygons_from_json(doc.encode()) is None


def test_json_coordinates_reader_keeps_holes_and_polygons(tmp_path):
    from geotools.read.geojson import polygons_from_json

    shell = [[30, 50], [32, 50], [32, 52], [30, 52], [30, 50]]
    hole = [[30.5, 50.5], [31, 50.5], [31, 51], [30.5, 50.5]]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [shell, hole]},
            },
            {
                "type": "Feature",
                "properties": {"a": 1},
                "geometry": {"type": "MultiPolygon", "coordinates": [[shell], [shell, hole]]},
            },
        ],
    }
    data = json.dumps(doc).encode()
    mine = polygons_from_json(data)
    theirs = shapely.get_parts(shapely.from_geojson(data))
    assert [g.geom_type for g in mine] == ["Polygon", "MultiPolygon"]
    assert all(shapely.equals_exact(a, b, 0.0) for a, b in zip(mine, theirs, strict=True))
