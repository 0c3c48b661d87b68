"""The disagreement map of `geotools compare`: layers, numbers from the table, escaping."""

import html
import re

import pytest
import shapely

from geotools.compare import compare
from geotools.regions import RegionSpec
from geotools.render.compare_map import (
    COLORS,
    build_compare_map,
    compare_payload,
    kind_labels,
    render_compare_map,
    write_compare_map,
)
from geotools.render.style import BOTH, GAINED, LOST, ONLY_A, ONLY_B, STATUS_COLORS

from .conftest import data_path, run_cli, write_geojson

#: Unquoted, so it reads the same escaped as attribute text or element text.
XSS = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
DAYS = ("20240101", "20240201")


def xss_sources(tmp_path):
    """Source A: a folder named like an HTML tag; source B: a glob of files whose names carry
    one; regions whose names carry HTML. A and B share a strip, and each has its own strip."""
    folder_a, folder_b = tmp_path / XSS, tmp_path / "b"
    folder_a.mkdir()
    folder_b.mkdir()
    for i, day in enumerate(DAYS):
        a = shapely.box(37.0, 48.0, 37.3 + 0.05 * i, 48.1).segmentize(0.01)
        b = shapely.box(37.1, 48.0, 37.4, 48.1).segmentize(0.01)
        write_geojson(folder_a / f"{day}.geojson", [a])
        write_geojson(folder_b / f"{XSS}_{day}.geojson", [b])
    regions = write_geojson(
        tmp_path / "regions.geojson",
        [shapely.box(36.9, 47.9, 37.25, 48.2), shapely.box(37.25, 47.9, 37.6, 48.2)],
        props=[{"code": "X-1", "name": XSS}, {"code": "X-2", "name": "</script>"}],
    )
    return folder_a, str(folder_b / f"{XSS}_*.geojson"), regions


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder_a, folder_b, regions = xss_sources(tmp_path_factory.mktemp("cmp"))
    return compare([folder_a], [folder_b], regions=RegionSpec(regions), show_progress=False)


def test_colours_are_the_compare_palette_not_gained_or_lost():
    # issue 18: a disagreement is not a gain or a loss; its own palette, three distinct hues
    assert (COLORS["only_a"], COLORS["only_b"], COLORS["both"]) == (ONLY_A, ONLY_B, BOTH)
    assert len(set(COLORS.values())) == 3
    used = {*STATUS_COLORS.values(), GAINED, LOST}
    assert not {COLORS["only_a"], COLORS["only_b"]} & {GAINED, LOST}
    assert COLORS["only_a"] not in used  # nor the colour of a control area
    assert {ONLY_A, ONLY_B} <= {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#CC79A7"}  # Okabe–Ito


def test_three_layers_a_legend_and_a_slider(synthetic):
    result = synthetic
    page = render_compare_map(result, tiles=("none", "osm"))
    labels = kind_labels(result.comparisons[0].label_a, result.comparisons[0].label_b)
    for text in labels.values():  # layer names in the layer control (HTML, in a JS string)
        assert '"' + html.escape(text).replace("&", "\\u0026") + '"' in page
    assert '"Regions (the table\\u0027s figures)"' in page
    assert "geotoolsCompareMap(" in page and "L.control.layers" in page
    assert "No tiles (offline land outline)" in page and "OpenStreetMap" in page
    # self-contained: no script or stylesheet from elsewhere
    assert "<script src" not in page and "<link" not in page
    payload = compare_payload(result, "t")
    assert [s["date_a"] for s in payload["steps"]] == ["2024-01-01", "2024-02-01"]
    for step in payload["steps"]:
        kinds = {f["properties"]["kind"] for f in step["features"]["features"]}
        assert kinds == {"only_a", "only_b", "both"}
    assert {f["properties"]["name"] for f in payload["regions"]["features"]} == {XSS, "</script>"}
    assert payload["region_names"] == {"X-1": XSS, "X-2": "</script>"}


def test_tooltip_numbers_are_the_tables(synthetic):
    result = synthetic
    payload = compare_payload(result, "t")
    table = result.table
    for comp, step in zip(result.comparisons, payload["steps"], strict=True):
        rows = table[table["date_a"] == comp.a.date].set_index("region")
        cols = ["only_a_km2", "only_b_km2", "both_km2", "area_a_km2", "area_b_km2"]
        cols.append("disagreement_km2")
        assert step["totals"] == pytest.approx(rows.loc["total", cols].tolist(), rel=1e-12)
        for code in ("X-1", "X-2", "outside"):
            assert step["regions"][code] == pytest.approx(rows.loc[code, cols].tolist())
        # each polygon's own km² (full geometry) adds up to the table's total of its kind
        for i, kind in enumerate(("only_a", "only_b", "both")):
            own = sum(
                f["properties"]["area_km2"]
                for f in step["features"]["features"]
                if f["properties"]["kind"] == kind
            )
            assert own == pytest.approx(step["totals"][i], rel=1e-9)
            assert own > 0
        # polygons name their regions, largest share first
        both = [f for f in step["features"]["features"] if f["properties"]["kind"] == "both"]
        assert both[0]["properties"]["regions"] == ["X-1", "X-2"]


def test_file_and_region_names_are_escaped(synthetic, tmp_path):
    result = synthetic
    assert XSS in result.comparisons[0].label_a  # the folder name is the label
    assert XSS in result.comparisons[0].label_b  # a file name
    page = render_compare_map(result)
    assert XSS not in page and "<img" not in page
    assert page.count("</script>") == page.count("<script")  # nothing closes a script early
    assert ESCAPED in page  # <title> and layer names: text
    titled = render_compare_map(result, title=XSS)
    assert XSS not in titled and f"<title>{ESCAPED}</title>" in titled


def test_written_atomically_and_errors(synthetic, tmp_path):
    result = synthetic
    out = tmp_path / "map.html"
    size = write_compare_map(result, out)
    assert out.stat().st_size == size > 0
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]  # no temporary left over
    with pytest.raises(Exception, match="unknown tiles"):
        build_compare_map(result, tiles=("nope",))


def test_cli_compare_map(tmp_path):
    folder_a, folder_b, regions = xss_sources(tmp_path)
    out = tmp_path / "out" / "cmp.html"
    out.parent.mkdir()
    res = run_cli(
        [
            "compare",
            str(folder_a),
            folder_b,
            "--by",
            str(regions),
            "--names",
            "one,two",
            "--map",
            str(out),
            "--tiles",
            "none",
            "--tiles",
            "light",
            "--simplify",
            "10",
            "-o",
            str(tmp_path / "out" / "cmp.csv"),
        ]
    )
    assert res.returncode == 0, res.stderr
    page = out.read_text()
    assert "Only one calls it Russian-controlled" in page
    assert "Only two calls it Russian-controlled" in page and "Esri World Gray Canvas" in page
    assert sorted(p.name for p in out.parent.iterdir()) == ["cmp.csv", "cmp.html"]
    res = run_cli(["compare", str(folder_a), folder_b, "--map", str(out), "--tiles", "x"])
    assert res.returncode == 2


def test_real_deepstate_vs_isw_map_size(deepstate_daily, boundaries_full, tmp_path, capsys):
    isw = data_path("isw", "sdspieg")
    result = compare(
        [deepstate_daily],
        [str(isw / "territory_geojson_202[3-6]-*.geojson.gz")],
        regions=RegionSpec(boundaries_full),
        labels=("deepstate", "isw"),
        show_progress=False,
    )
    out = tmp_path / "deepstate_vs_isw.html"
    size = write_compare_map(result, out)
    payload = compare_payload(result, "t")
    first = payload["steps"][0]
    total = result.series().iloc[0]
    assert first["date_a"] == "2024-08-29"
    assert first["totals"][:3] == pytest.approx(
        [total["only_a_km2"], total["only_b_km2"], total["both_km2"]], rel=1e-12
    )
    assert first["totals"][1] == pytest.approx(227.8, abs=0.1)  # README: 228 km² only in ISW
    assert len(first["regions"]) == 28  # 27 oblasts and 'outside'
    assert re.search(r"Only isw calls it Russian-controlled", out.read_text())
    with capsys.disabled():
        print(f"\ncompare map, {len(result.comparisons)} pairs: {size / 1e6:.2f} MB")
    assert size < 5_000_000
