import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geotools.errors import OutputError
from geotools.output import atomic_path, write_layer, write_table
from geotools.read import read_raw
from geotools.table import TABLE_COLUMNS, make_table


def _table():
    import datetime as dt

    d = dt.date
    return make_table(
        [
            {
                "period_start": d(2024, 1, 1),
                "period_end": d(2024, 2, 1),
                "from_date": d(2024, 1, 1),
                "to_date": d(2024, 2, 1),
                "region": "total",
                "region_name": "Total",
                "status": "occupied",
                "area_from_km2": 10.0,
                "area_to_km2": 12.5,
                "gained_km2": 3.0,
                "lost_km2": 0.5,
                "net_km2": 2.5,
                "gap_days": 1,
            }
        ]
    )


@pytest.mark.parametrize("ext", ["csv", "parquet", "json"])
def test_table_round_trip(tmp_path, ext):
    path = tmp_path / f"t.{ext}"
    write_table(_table(), path)
    if ext == "csv":
        back = pd.read_csv(path)
    elif ext == "parquet":
        back = pd.read_parquet(path)
    else:
        back = pd.DataFrame(json.loads(path.read_text()))
    assert list(back.columns) == TABLE_COLUMNS
    assert back.loc[0, "net_km2"] == pytest.approx(2.5)
    assert back.loc[0, "period_start"] == "2024-01-01"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind


def test_failed_write_keeps_previous_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("previous")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert path.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_unknown_extension_and_missing_folder(tmp_path):
    with pytest.raises(OutputError, match="unknown table format"):
        write_table(_table(), tmp_path / "t.xlsx")
    with pytest.raises(OutputError, match="does not exist"):
        write_table(_table(), tmp_path / "nope" / "t.csv")


@pytest.mark.parametrize(
    "name", ["a;b.gpkg", 'q"x=1;y.geojson', "<img src=x onerror=alert(1)>.fgb"]
)
def test_layers_get_the_name_asked_for_whatever_its_characters(tmp_path, name):
    # GDAL writers cut a path at ';': the temporary is written under a plain name, then renamed
    frame = gpd.GeoDataFrame(
        {"kind": ["gained"]}, geometry=[shapely.box(0, 0, 1000, 1000)], crs="EPSG:3035"
    )
    write_layer(frame, tmp_path / name)
    assert [p.name for p in tmp_path.iterdir()] == [name]
    back = read_raw(tmp_path / name, columns=["kind"])  # geotools' reader takes such names
    assert list(back.attributes["kind"]) == ["gained"]
    assert shapely.area(back.geometries).sum() == pytest.approx(1e6)
