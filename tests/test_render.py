"""Maps, charts and the report: display geometry, numbers from the Table, escaping, sizes."""

import dataclasses
import datetime as dt
import html
import json
import logging
import re
from importlib import resources

import markupsafe
import matplotlib.text
import numpy as np
import pandas as pd
import pytest
import shapely
from jinja2.utils import htmlsafe_json_dumps
from pyproj import CRS

from geotools import demo
from geotools.errors import OutputError, UsageError
from geotools.read import ReadOptions
from geotools.regions import RegionSpec
from geotools.render import charts, display, style
from geotools.render import report as report_module
from geotools.render.assets import head_html, json_for_script
from geotools.render.context import describe_crs
from geotools.render.data import from_series, gather
from geotools.render.maps import build_map, default_title, map_payload, render_map, write_map
from geotools.render.report import render_report, write_report
from geotools.series import series

from .conftest import run_cli, write_geojson

#: Runs if it is ever parsed as HTML: a dialog where dialogs may open, and a global flag even
#: where they may not (the report's maps are sandboxed frames without allow-modals).
XSS = '<img src=x onerror="window.__xss=1,alert(1)">'


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """The demo's synthetic front (exact areas) and its grid of regions."""
    root = tmp_path_factory.mktemp("scenario")
    demo.write_scenario(root / "snapshots")
    return root / "snapshots", RegionSpec(root / "regions.gpkg")


@pytest.fixture(scope="module")
def weekly(scenario):
    snaps, regions = scenario
    return gather([snaps], period="week", regions=regions, show_progress=False)


@pytest.fixture(scope="module")
def whole(scenario):
    snaps, regions = scenario
    return gather([snaps], regions=regions, show_progress=False)


def decode(geom):
    """The map script's decoding, in Python: rings of integer deltas → lon/lat polygons."""
    polys = []
    for rings in geom["q"]:
        coords = []
        for ring in rings:
            ints = np.cumsum(np.asarray(ring, dtype=np.int64).reshape(-1, 2), axis=0)
            coords.append(ints / 1e5)
        polys.append(shapely.Polygon(coords[0], coords[1:]))
    return shapely.MultiPolygon(polys)


# ---------------------------------------------------------------- display geometry


def test_coverage_simplify_keeps_shared_borders():
    # two neighbours sharing a wiggly border, and a third touching both
    wiggle = [(x / 10, 0.3 * np.sin(x)) for x in range(0, 101)]
    top = shapely.Polygon([*wiggle, (10, 5), (0, 5)])
    bottom = shapely.Polygon([*wiggle, (10, -5), (0, -5)])
    right = shapely.Polygon([(10, -5), (12, -5), (12, 5), (10, 5), wiggle[-1]])
    geoms = [top, bottom, right]
    assert shapely.coverage_is_valid(geoms)
    simple = display.simplify_coverage(geoms, 0.5)
    assert shapely.get_num_coordinates(simple).sum() < shapely.get_num_coordinates(geoms).sum()
    # still a coverage: no gaps, no overlaps between the simplified neighbours
    assert shapely.coverage_is_valid(simple)
    union = shapely.union_all(simple)
    assert len(shapely.get_parts(union)) == 1 and not list(union.interiors)
    assert union.area == pytest.approx(sum(g.area for g in simple), rel=1e-12)


def _wiggle(x0, seed, n=120, south=47.8, north=48.3):
    """A north-south line near longitude x0 with a random wiggle of about 150 m."""
    rng = np.random.default_rng(seed)
    ys = np.linspace(south, north, n)
    return [(x0 + 0.002 * w, y) for w, y in zip(rng.standard_normal(n), ys, strict=True)]


def _area_km2(geom):
    """Area of a lon/lat geometry near 48°N (a fixed equal-area projection)."""
    from geotools.crs import WGS84, project

    return project(geom, WGS84, CRS.from_epsg(3035)).area / 1e6


def test_classes_sharing_a_border_are_simplified_together(tmp_path):
    # occupied west of a wiggly line, contested east of it up to another; a month later the
    # occupied area has taken part of the contested strip. Drawn (simplified) control areas
    # must still meet exactly: no overlap, no sliver between them.
    west = 36.8
    first, far = _wiggle(37.2, 1), _wiggle(37.6, 2, south=47.7, north=48.4)
    # up to 11 km east in the middle of the line, the same wiggle, the same ends
    bulge = np.sin(np.linspace(0, np.pi, len(first))) ** 4
    moved = [(x + 0.15 * b, y) for (x, y), b in zip(first, bulge, strict=True)]

    def between(a, b):  # contested reaches 10 km further north and south than occupied
        (xa, ya), (xz, yz) = a[0], a[-1]
        return shapely.Polygon([(xa, ya - 0.1), *a, (xz, yz + 0.1), *reversed(b)])

    def left_of(line):
        return shapely.Polygon([(west, 47.8), *line, (west, 48.3)])

    folder = tmp_path / "two"
    folder.mkdir()
    for day, line in (("20240101", first), ("20240201", moved)):
        write_geojson(
            folder / f"s_{day}.geojson",
            [left_of(line), between(line, far)],
            [{"side": "occupied"}, {"side": "contested"}],
        )
    data = gather([folder], options=ReadOptions(status_field="side"), show_progress=False)
    (step,) = map_payload(data, "t", tolerance_m=300.0)["steps"]
    control = {
        f["properties"]["status"]: decode(f["geometry"]) for f in step["control"]["features"]
    }
    occupied, contested = control["occupied"], control["contested"]
    # simplified: far fewer vertices than the input's 120 per line
    assert shapely.get_num_coordinates(occupied) < 150
    union = shapely.union_all([occupied, contested])
    # no overlap between the classes (an overlap would make the union smaller than the sum)
    assert _area_km2(shapely.intersection(occupied, contested)) < 1e-6
    # and no gap: one polygon without holes, as the two areas are before simplification
    assert union.geom_type == "Polygon" and not list(union.interiors)
    truth = shapely.union_all([left_of(moved), between(moved, far)])
    assert _area_km2(union) == pytest.approx(_area_km2(truth), rel=1e-3)
    # what contested lost is what occupied gained: drawn once, the same polygon for both
    drawn = {
        (f["properties"]["status"], f["properties"]["change"]): decode(f["geometry"])
        for f in step["changes"]["features"]
    }
    assert set(drawn) == {("occupied", "gained"), ("contested", "lost")}
    assert shapely.equals_exact(
        shapely.normalize(drawn["occupied", "gained"]),
        shapely.normalize(drawn["contested", "lost"]),
        1e-9,
    )
    # and the gained polygon lies inside the drawn occupied area, sharing its border
    assert _area_km2(shapely.difference(drawn["occupied", "gained"], occupied)) < 1e-6


def test_geometry_encoding_round_trips():
    poly = shapely.Polygon(
        [(30.0, 45.0), (31.5, 45.0), (31.5, 46.25), (30.0, 46.25)],
        [[(30.5, 45.5), (31.0, 45.5), (31.0, 46.0), (30.5, 46.0)]],
    )
    geom = shapely.MultiPolygon([poly, shapely.box(32, 47, 32.00001, 47.00001)])
    back = decode(display.geometry_json(geom))
    assert shapely.equals_exact(shapely.normalize(back), shapely.normalize(geom), 1e-9)
    assert display.geometry_json(shapely.Polygon()) is None


# ---------------------------------------------------------------- numbers come from the Table


def test_map_numbers_are_the_tables(weekly):
    payload = map_payload(weekly, "t")
    table = weekly.table
    assert len(payload["steps"]) == len(weekly.steps) == 4
    for step, js in zip(weekly.steps, payload["steps"], strict=True):
        rows = table[table["period_start"] == step.period.start]
        total = rows[rows["region"] == "total"].iloc[0]
        t = js["totals"]["occupied"]
        assert (t["gained"], t["lost"], t["net"], t["area_to"]) == (
            total["gained_km2"],
            total["lost_km2"],
            total["net_km2"],
            total["area_to_km2"],
        )
        for code, (g, lo, n) in js["regions"]["occupied"].items():
            row = rows[rows["region"] == code].iloc[0]
            assert (g, lo, n) == (row["gained_km2"], row["lost_km2"], row["net_km2"])
        # a polygon part's km² is that of the unsimplified part, not of what is drawn
        parts = [f for f in js["changes"]["features"] if f["properties"]["change"] == "gained"]
        assert sum(f["properties"]["area_km2"] for f in parts) == pytest.approx(
            total["gained_km2"], rel=1e-9
        )
    # week 1 (03-04 → 03-11): the front moves 7 × 1.5 km along 80 km = 840 km², exactly
    assert payload["steps"][0]["totals"]["occupied"]["gained"] == pytest.approx(840.0, rel=1e-9)


def test_one_step_per_snapshot(scenario, tmp_path):
    snaps, _ = scenario
    data = gather([snaps], period="snapshot", show_progress=False)
    files = sorted(snaps.glob("*.gpkg"))
    assert len(data.steps) == len(files) - 1 == 26
    assert all(s.period.start == s.period.from_date for s in data.steps)
    assert all(s.period.gap_days == 0 or s.period.end == s.period.to_date for s in data.steps)
    payload = map_payload(data, "t")
    assert [st["totals"]["occupied"]["net"] for st in payload["steps"]] == list(
        data.table[data.table["region"] == "total"]["net_km2"]
    )
    out = tmp_path / "c.png"
    res = run_cli(["chart", str(snaps), "--period", "snapshot", "-o", str(out)])
    assert res.returncode == 0, res.stderr
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_map_draws_the_control_area_and_changes(whole):
    payload = map_payload(whole, "t")
    (step,) = payload["steps"]
    control = decode(step["control"]["features"][0]["geometry"])
    # drawn control area ≈ the last snapshot (simplified, in lon/lat): 62 × 80 km + pocket − hole
    last = whole.steps[0].snapshot.geometries["occupied"]
    from geotools.crs import WGS84, project

    truth = project(last, whole.crs, WGS84)
    assert shapely.area(shapely.symmetric_difference(control, truth)) < 1e-3 * truth.area
    kinds = {f["properties"]["change"] for f in step["changes"]["features"]}
    assert kinds == {"gained", "lost"}  # the front advanced; the pocket was retaken
    codes = [f["properties"]["regions"] for f in step["changes"]["features"]]
    assert all(codes) and {c for cs in codes for c in cs} <= set(payload["region_names"])
    assert payload["region_names"]["R1A"] == "Region R1A"


def test_change_polygons_name_the_regions_they_lie_in(whole):
    # the tooltip of a gained / lost polygon shows the figures of these regions (the browser
    # test reads them); here: the codes are the regions the polygon lies in, largest first
    from geotools.crs import WGS84, project

    (step,) = map_payload(whole, "t")["steps"]
    layer = whole.regions
    straddling = 0
    for f in step["changes"]["features"]:
        part = project(decode(f["geometry"]), WGS84, whole.crs)  # areas in the equal-area CRS
        codes = f["properties"]["regions"]
        shares = {
            c: shapely.intersection(part, g).area / part.area
            for c, g in zip(layer.codes, layer.geometries, strict=True)
        }
        assert codes == sorted(codes, key=lambda c: -shares[c])
        assert {c for c, share in shares.items() if share > 1e-3} <= set(codes)
        assert all(shares[c] > 0 for c in codes)
        straddling += len(codes) > 1
    assert straddling > 0  # the front crosses region borders: some parts lie in two


def test_map_draws_only_the_regions_in_the_table(scenario):
    snaps, regions = scenario
    data = gather([snaps], regions=regions, region_filter=["R1A", "R2C"], show_progress=False)
    codes = {f["properties"]["code"] for f in map_payload(data, "t")["regions"]["features"]}
    assert codes == {"R1A", "R2C"}
    # series --map: the filtered series and the map made from it afterwards
    result = series(
        [snaps], period="week", regions=regions, region_filter=["R1A"], keep_changes=True
    )
    data = from_series(result)  # the result carries its inputs, options and regions
    payload = map_payload(data, "t")
    assert {f["properties"]["code"] for f in payload["regions"]["features"]} == {"R1A"}
    assert all(set(st["regions"]["occupied"]) == {"R1A"} for st in payload["steps"])
    # without a filter, every region of the layer
    assert len(map_payload(whole_data(scenario), "t")["regions"]["features"]) == 6


def whole_data(scenario):
    snaps, regions = scenario
    return gather([snaps], regions=regions, show_progress=False)


# ---------------------------------------------------------------- colours


_CVD = {  # Machado et al. (2009), severity 1, on linear RGB
    "normal": np.eye(3),
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}
_BASE = "#fbfbf8"  # the offline land fill under everything


def _srgb(hex_color, alpha=1.0):
    """The colour as drawn at ``alpha`` over the land fill (sRGB, 0-1)."""

    def rgb(h):
        return np.array([int(h[i : i + 2], 16) for i in (1, 3, 5)]) / 255

    return alpha * rgb(hex_color) + (1 - alpha) * rgb(_BASE)


def _lab(srgb, vision="normal"):
    lin = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    lin = np.clip(np.asarray(_CVD[vision]) @ lin, 0, 1)
    m = [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    xyz = np.asarray(m) @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _hue_gap(a, b):
    ha, hb = (np.degrees(np.arctan2(x[2], x[1])) for x in (a, b))
    return abs((ha - hb + 180) % 360 - 180)


def test_gained_and_lost_stand_out_from_the_choropleth_and_the_control_areas():
    changes = {"gained": _srgb(style.GAINED, 0.9), "lost": _srgb(style.LOST, 0.9)}
    ramp = [_srgb(c, style.REGION_OPACITY) for c in style.NET_RAMP]
    controls = {s: _srgb(c) for s, c in style.STATUS_COLORS.items()}
    for name, change in changes.items():
        c = _lab(change)
        # no choropleth step and no control area has the hue of a change (normal vision)
        for i, r in enumerate(ramp):
            lab = _lab(r)
            if np.hypot(lab[1], lab[2]) > 5:  # the grey middle has no hue to confuse
                assert _hue_gap(c, lab) > 40, (name, style.NET_RAMP[i])
        for status, color in controls.items():
            lab = _lab(color)
            if np.hypot(lab[1], lab[2]) > 5:
                assert _hue_gap(c, lab) > 40, (name, status)
        # and with each colour-vision deficiency, every choropleth step is far from it (ΔE76)
        for vision in _CVD:
            gaps = [np.linalg.norm(_lab(change, vision) - _lab(r, vision)) for r in ramp]
            assert min(gaps) > 25, (name, vision, min(gaps))


def test_the_legend_and_the_map_share_the_colours(whole):
    payload = map_payload(whole, "t")
    assert payload["colors"]["gained"] == style.GAINED and payload["colors"]["lost"] == style.LOST
    assert payload["ramp"] == list(style.NET_RAMP)
    assert payload["region_opacity"] == style.REGION_OPACITY
    script = resources.files("geotools.render").joinpath("static/geotools-map.js").read_text()
    # choropleth fill and the legend's ramp both at the payload's opacity
    assert script.count("data.region_opacity") == 2


# ---------------------------------------------------------------- self-contained, escaped


def test_map_is_self_contained(whole, tmp_path):
    text = render_map(whole)
    assert "<script src" not in text and "<link" not in text
    # nothing is loaded from elsewhere (links in the attribution are only links)
    assert not re.search(r"src=[\"']?(https?:)?//", text)
    assert "cdn.jsdelivr" not in text and "cdnjs" not in text
    assert "Leaflet 1.9.4" in text and "leaflet-measure" in text
    # url(...) in the inlined stylesheets are data URIs
    assert not re.search(r"url\((?!\s*[\"']?(data:|#))", head_html())


def test_json_for_script_cannot_close_the_script():
    text = json_for_script({"a": "</script><script>alert(1)</script>", "b": "\u2028&"})
    assert "</" not in text and "<" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><script>alert(1)</script>", "b": "\u2028&"}


def xss_inputs(tmp_path):
    """Snapshots whose status values, file names and region names carry HTML."""
    folder = tmp_path / "in"
    folder.mkdir()
    a = shapely.box(37.0, 48.0, 37.2, 48.1).segmentize(0.01)
    b = shapely.box(37.0, 48.0, 37.3, 48.1).segmentize(0.01)
    c = shapely.box(37.3, 48.0, 37.35, 48.1).segmentize(0.01)
    for day, geoms in (("20240101", [a, c]), ("20240201", [b, c]), ("20240301", [a, c])):
        write_geojson(
            folder / f"{XSS}_{day}.geojson",
            geoms,
            props=[{"side": XSS}, {"side": "contested"}],
        )
    regions = write_geojson(
        tmp_path / "regions.geojson",
        [shapely.box(36.9, 47.9, 37.25, 48.2), shapely.box(37.25, 47.9, 37.6, 48.2)],
        props=[{"code": "X-1", "name": XSS}, {"code": "X-2", "name": "</script>"}],
    )
    return folder, regions


def test_strings_from_the_data_are_escaped(tmp_path):
    folder, regions = xss_inputs(tmp_path)
    data = gather(
        [folder],
        period="month",
        regions=RegionSpec(regions),
        options=ReadOptions(status_field="side"),
        show_progress=False,
    )
    single = gather([folder], regions=RegionSpec(regions), options=ReadOptions(status_field="side"))
    page = render_map(data, title=XSS)
    assert XSS not in page and "<img" not in page
    assert page.count("</script>") == page.count("<script")  # nothing closes a script early
    assert f"<title>{html.escape(XSS)}</title>" in page
    # a layer name: escaped, then a JSON string (the layer control shows it as text)
    assert str(htmlsafe_json_dumps(f"Control area: {html.escape(XSS)}")) in page
    report = render_report(data, single, title=XSS)
    assert XSS not in report
    assert report.count("<img") == report.count('class="chart"') == 5  # our charts only
    assert "<script" not in report  # the maps' scripts live escaped inside srcdoc
    assert f"<h1>{markupsafe.escape(XSS)}</h1>" in report


def xss_files(tmp_path):
    """The snapshot files of ``xss_inputs`` (named after the payload) and the region layer."""
    folder, regions = xss_inputs(tmp_path)
    files = sorted(folder.glob("*.geojson"))
    assert all(f.name.startswith(XSS) for f in files)
    return files, regions


def test_file_names_are_escaped_in_the_default_title(tmp_path):
    files, regions = xss_files(tmp_path)
    common = {"regions": RegionSpec(regions), "options": ReadOptions(status_field="side")}
    data = gather(files, period="month", show_progress=False, **common)
    single = gather(files, show_progress=False, **common)
    title = default_title(data)  # built from the file names: no title is given below
    first, second = (f.name for f in files[:2])
    assert title == f"Timeline 2024-01-01 → 2024-03-01 ({first}, {second} …)"
    page = render_map(data)
    assert XSS not in page and "<img" not in page
    assert f"<title>{html.escape(title)}</title>" in page
    assert json_for_script(title) in page  # the title the script draws, as a JSON string
    # diff --map: a map of two snapshots, titled by their file names
    out = tmp_path / "diff.html"
    res = run_cli(
        ["diff", str(files[0]), str(files[1]), "--status-field", "side", "--map", str(out)]
    )
    assert res.returncode == 0, res.stderr
    text = out.read_text()
    assert XSS not in text and "<img" not in text
    assert f"<title>Change 2024-01-01 → 2024-02-01 ({html.escape(files[0].name)}, " in text
    # the report lists its inputs by file name
    report = render_report(data, single)
    assert XSS not in report and report.count("<img") == 5  # the charts
    names = ", ".join(f.name for f in files)
    assert f"Inputs: {markupsafe.escape(names)}." in report


# ---------------------------------------------------------------- charts and report


@pytest.mark.parametrize("kind", charts.CHART_KINDS)
def test_charts_png_and_svg(weekly, tmp_path, kind):
    fig = charts.make_chart(weekly.table, kind)
    png, svg = tmp_path / f"{kind}.png", tmp_path / f"{kind}.svg"
    charts.write_chart(fig, png)
    charts.write_chart(fig, svg)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert svg.read_text().lstrip().startswith("<?xml") and "<svg" in svg.read_text()
    assert "<dc:date>" not in svg.read_text()  # no creation date: reruns differ less


def test_chart_errors(weekly, tmp_path):
    with pytest.raises(OutputError, match=r"use \.png, \.svg or \.pdf"):
        charts.write_chart(charts.make_chart(weekly.table, "area"), tmp_path / "x.gif")
    totals = weekly.table[weekly.table["region"] == "total"]
    with pytest.raises(UsageError, match="--by"):
        charts.region_chart(totals)


def _drawn_texts(fig):
    """(text as drawn, drawn as mathtext?) of every non-empty text of a drawn figure."""
    out = []
    for t in fig.findobj(matplotlib.text.Text):
        if t.get_text():
            out.append(t._preprocess_math(t.get_text()))
    return out


DOLLAR_STATUS = r"cost $\foo$"  # mathtext cannot parse \foo: drawing it used to fail
DOLLAR_REGION = "$x^2$ oblast"  # valid mathtext: used to be drawn as a formula


def _dollar_table(table):
    names = table["region_name"].where(table["region"].isin(["total", "outside"]), DOLLAR_REGION)
    return table.assign(status=DOLLAR_STATUS, region_name=names)


@pytest.mark.parametrize("kind", charts.CHART_KINDS)
def test_chart_labels_from_the_data_are_literal(weekly, kind):
    table = _dollar_table(weekly.table)
    fig = charts.make_chart(table, kind, title="$5 a $day")
    for fmt in ("png", "svg"):
        assert charts.chart_bytes(fig, fmt)  # drawn, not a mathtext error
    texts = _drawn_texts(fig)
    assert all(not math for _, math in texts), texts
    shown = {text for text, _ in texts}
    assert "$5 a $day" in shown
    if kind == "area":
        assert DOLLAR_STATUS in shown  # the legend
    else:
        # the axis label ("…, km²", "…, km² a day", "…, km² since …")
        assert any(text.startswith(f"{DOLLAR_STATUS}, km²") for text in shown), shown
    if kind == "regions":
        assert DOLLAR_REGION in shown  # the tick labels


def test_report_with_dollars_in_the_data(weekly, whole):
    page = render_report(
        dataclasses.replace(weekly, table=_dollar_table(weekly.table)),
        dataclasses.replace(whole, table=_dollar_table(whole.table)),
    )
    assert page.count('class="chart"') == 5 and "cost $\\foo$" in page


def _two_classes(table):
    """The Table with a second class, ``contested``, sorting before ``occupied``."""
    contested = table.assign(status="contested", gained_km2=table["gained_km2"] / 2)
    return pd.concat([contested, table], ignore_index=True)


def test_region_chart_shows_the_main_status_like_the_map(weekly):
    table = _two_classes(weekly.table)
    assert charts.region_chart(table).axes[0].get_xlabel() == "occupied, km²"
    assert charts.region_chart(table, "contested").axes[0].get_xlabel() == "contested, km²"
    only = table[table["status"] == "contested"]
    assert charts.region_chart(only).axes[0].get_xlabel() == "contested, km²"  # the first
    with pytest.raises(UsageError, match="use one of contested, occupied"):
        charts.region_chart(table, "liberated")
    # the map's choropleth on at first is the same class (stacked, the others start hidden)
    m = build_map(dataclasses.replace(weekly, table=table))
    groups = {
        c.layer_name: c.show
        for c in m._children.values()
        if getattr(c, "layer_name", "").startswith("Net change by region")
    }
    assert groups == {
        "Net change by region: contested": False,
        "Net change by region: occupied": True,
    }
    m = build_map(dataclasses.replace(weekly, table=table), status="contested")
    shown = [c.layer_name for c in m._children.values() if getattr(c, "show", False)]
    assert "Net change by region: contested" in shown
    assert "Net change by region: occupied" not in shown


def test_report_uses_the_status_and_simplify_it_is_given(weekly, whole, monkeypatch):
    seen = {"chart": [], "map": []}
    make_chart, render = report_module.make_chart, report_module.render_map

    def chart(table, kind, title=None, status=None):
        seen["chart"].append((kind, status))
        return make_chart(table, kind, title, status=status)

    def map_(data, **kwargs):
        seen["map"].append((kwargs["status"], kwargs["tolerance_m"]))
        return render(data, **kwargs)

    monkeypatch.setattr(report_module, "make_chart", chart)
    monkeypatch.setattr(report_module, "render_map", map_)
    timeline = dataclasses.replace(weekly, table=_two_classes(weekly.table))
    single = dataclasses.replace(whole, table=_two_classes(whole.table))
    render_report(timeline, single)
    assert ("regions", "occupied") in seen["chart"]
    assert seen["map"] == [("occupied", 60.0)] * 2
    seen["chart"].clear(), seen["map"].clear()
    render_report(timeline, single, status="contested", tolerance_m=500.0)
    assert ("regions", "contested") in seen["chart"]
    assert seen["map"] == [("contested", 500.0)] * 2
    # a map without the class shows its own main one
    seen["map"].clear()
    render_report(timeline, whole, status="contested")
    assert seen["map"] == [(None, 60.0), ("contested", 60.0)]
    with pytest.raises(UsageError, match="'liberated' is not in the table"):
        render_report(timeline, whole, status="liberated")


def test_report_describes_the_crs(weekly, whole):
    page = render_report(weekly, whole)
    assert "(unknown)" not in page and "unknown" not in page.split("Projection:")[1]
    lat = whole.crs.coordinate_operation.params[0].value
    assert re.search(
        rf"Projection: <span class=\"crs\">Lambert azimuthal equal-area, centre {lat:g}°N "
        r"[\d.]+°E \(\+proj=laea \+lat_0=",
        page,
    )
    assert describe_crs(CRS.from_epsg(3035)) == "ETRS89-extended / LAEA Europe (EPSG:3035)"
    assert describe_crs(CRS.from_proj4("+proj=cea +lat_ts=30 +datum=WGS84")).endswith("(EPSG:6933)")
    assert describe_crs(
        CRS.from_proj4("+proj=aea +lat_1=44 +lat_2=52 +lat_0=48 +lon_0=-31 +datum=WGS84")
    ).startswith("Albers equal-area, centre 48°N 31°W (+proj=aea ")


def test_report_holds_maps_charts_and_tables(weekly, whole, tmp_path):
    out = tmp_path / "report.html"
    size = write_report(weekly, whole, out)
    text = out.read_text()
    assert size == out.stat().st_size
    assert text.count("<iframe") == 2 and text.count('class="chart"') == 5
    assert "data:image/svg+xml;base64," in text
    assert "Region R1A" in text and "Per period" in text
    total = whole.table[whole.table["region"] == "total"].iloc[0]
    assert f"{total['net_km2']:,.3f}" in text
    assert not list(tmp_path.glob(".*tmp*"))  # written under a temporary name, then renamed


# ---------------------------------------------------------------- command line


def test_cli_map_chart_report(scenario, tmp_path):
    snaps, regions = scenario
    spec = str(regions.path)
    res = run_cli(["map", str(snaps), "--by", spec, "-o", str(tmp_path / "m.html")])
    assert res.returncode == 0, res.stderr
    res = run_cli(
        ["map", str(snaps), "--timeline", "--period", "week", "-o", str(tmp_path / "t.html")]
    )
    assert res.returncode == 0, res.stderr
    assert 'class="gt-slider"' not in (tmp_path / "t.html").read_text()  # built by the script
    res = run_cli(
        [
            "chart",
            str(snaps),
            "--kind",
            "regions",
            "--by",
            spec,
            "--period",
            "week",
            "-o",
            str(tmp_path / "c.svg"),
        ]
    )
    assert res.returncode == 0, res.stderr
    res = run_cli(
        ["report", str(snaps), "--by", spec, "--period", "week", "-o", str(tmp_path / "r.html")]
    )
    assert res.returncode == 0, res.stderr
    a, b = sorted(snaps.glob("*.gpkg"))[:2]
    res = run_cli(["diff", str(a), str(b), "--map", str(tmp_path / "d.html")])
    assert res.returncode == 0, res.stderr
    res = run_cli(
        [
            "series",
            str(snaps),
            "--period",
            "week",
            "--map",
            str(tmp_path / "s.html"),
            "-o",
            str(tmp_path / "s.csv"),
        ]
    )
    assert res.returncode == 0, res.stderr
    for name in ("m", "t", "r", "d", "s"):
        assert (tmp_path / f"{name}.html").stat().st_size > 100_000


def test_cli_status_simplify_and_region_filter(scenario, tmp_path):
    snaps, regions = scenario
    spec = str(regions.path)
    folder = tmp_path / "in"
    folder.mkdir()
    front = shapely.box(37.0, 48.0, 37.2, 48.1).segmentize(0.01)
    moved = shapely.box(37.0, 48.0, 37.3, 48.1).segmentize(0.01)
    grey = shapely.box(37.3, 48.0, 37.35, 48.1).segmentize(0.01)
    for day, geoms in (("20240101", [front, grey]), ("20240201", [moved, grey])):
        write_geojson(
            folder / f"s_{day}.geojson", geoms, [{"side": "occupied"}, {"side": "contested"}]
        )
    two = write_geojson(
        tmp_path / "regions.geojson",
        [shapely.box(36.9, 47.9, 37.25, 48.2), shapely.box(37.25, 47.9, 37.6, 48.2)],
        props=[{"code": "X-1", "name": "West"}, {"code": "X-2", "name": "East"}],
    )
    chart = ["chart", str(folder), "--status-field", "side", "--by", str(two), "--kind", "regions"]
    res = run_cli([*chart, "--status", "contested", "-o", str(tmp_path / "c.png")])
    assert res.returncode == 0, res.stderr
    res = run_cli([*chart, "--status", "liberated", "-o", str(tmp_path / "c.png")])
    assert res.returncode == 2 and "use one of contested, occupied" in res.stderr
    report = ["report", str(folder), "--status-field", "side", "--by", str(two)]
    res = run_cli([*report, "--simplify", "3000", "-o", str(tmp_path / "coarse.html")])
    assert res.returncode == 0, res.stderr
    res = run_cli([*report, "--simplify", "0", "-o", str(tmp_path / "fine.html")])
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "coarse.html").stat().st_size < (tmp_path / "fine.html").stat().st_size
    out = tmp_path / "s.html"
    series_args = ["series", str(snaps), "--period", "week", "--by", spec, "--region", "R1A"]
    res = run_cli([*series_args, "--map", str(out)])
    assert res.returncode == 0, res.stderr
    text = out.read_text()
    assert '"code":"R1A"' in text and '"code":"R2B"' not in text


def test_diff_and_series_maps_take_the_map_options(scenario, tmp_path):
    snaps, _ = scenario
    # straight edges in many short steps: what simplification removes
    a = write_geojson(
        tmp_path / "a_20240101.geojson", [shapely.box(37, 48, 37.2, 48.1).segmentize(1e-3)]
    )
    b = write_geojson(
        tmp_path / "b_20240108.geojson", [shapely.box(37, 48, 37.3, 48.1).segmentize(1e-3)]
    )
    diff = ["diff", str(a), str(b), "--tiles", "osm", "--title", "Week <1>"]
    sizes = {}
    for tol in ("0", "3000"):
        out = tmp_path / f"d{tol}.html"
        res = run_cli([*diff, "--simplify", tol, "--map", str(out), "-o", str(tmp_path / "d.csv")])
        assert res.returncode == 0, res.stderr
        text = out.read_text()
        assert "<title>Week &lt;1&gt;</title>" in text
        assert 'L.tileLayer(\n                "https://tile.openstreetmap.org' in text
        assert "No tiles (offline land outline)" not in text  # osm only, as asked
        sizes[tol] = out.stat().st_size
    assert sizes["3000"] < sizes["0"]
    out = tmp_path / "s.html"
    series = ["series", str(snaps), "--period", "week", "-o", str(tmp_path / "s.csv")]
    res = run_cli(
        [*series, "--map", str(out), "--title", "Weeks", "--tiles", "none", "--tiles", "light"]
    )
    assert res.returncode == 0, res.stderr
    text = out.read_text()
    assert "<title>Weeks</title>" in text and "Esri World Gray Canvas" in text
    assert "No tiles (offline land outline)" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["chart", "{snaps}", "--kind", "regions", "-o", "{tmp}/c.png"], "--by REGIONS_FILE"),
        (["chart", "{snaps}", "-o", "{tmp}/c.gif"], "use .png, .svg or .pdf"),
        (["map", "{snaps}", "--tiles", "google", "-o", "{tmp}/m.html"], "--tiles"),
        (
            [
                "map",
                "{snaps}",
                "--start",
                "2024-03-20",
                "--end",
                "2024-03-10",
                "-o",
                "{tmp}/m.html",
            ],
            "not after",
        ),
    ],
    ids=["regions-without-by", "chart-format", "tiles", "end-before-start"],
)
def test_cli_usage_errors(scenario, tmp_path, args, message):
    snaps, _ = scenario
    res = run_cli([a.format(snaps=snaps, tmp=tmp_path) for a in args])
    assert res.returncode == 2, res.stderr
    assert message in res.stderr and res.stderr.count("\n") == 1


# ---------------------------------------------------------------- size on the real archive


def test_the_real_month_and_the_oblasts_are_simplified_as_coverages(
    deepstate_daily, boundaries_full, caplog
):
    # DeepState's November 2024 and the geoBoundaries oblasts: both drawn through
    # coverage_simplify (no per-polygon fallback), so shared borders stay shared
    month = gather(
        [deepstate_daily],
        start=dt.date(2024, 11, 1),
        end=dt.date(2024, 12, 1),
        regions=RegionSpec(boundaries_full),
        show_progress=False,
    )
    caplog.set_level(logging.DEBUG, logger="geotools.render.display")
    payload = map_payload(month, "t")
    records = [r for r in caplog.records if r.name == "geotools.render.display"]
    assert [r.levelno for r in records] == [logging.DEBUG] * 2
    assert all("as one coverage" in r.getMessage() for r in records)  # change map, oblasts
    # drawn: the control area and the lost polygons meet without overlapping, and every
    # gained polygon lies inside the control area it is part of
    (step,) = payload["steps"]
    (control,) = [decode(f["geometry"]) for f in step["control"]["features"]]
    changes = step["changes"]["features"]
    gained = [decode(f["geometry"]) for f in changes if f["properties"]["change"] == "gained"]
    lost = [decode(f["geometry"]) for f in changes if f["properties"]["change"] == "lost"]
    assert len(gained) > 20 and len(lost) > 5
    assert _area_km2(shapely.intersection(control, shapely.union_all(lost))) < 1e-4
    gained_km2 = sum(_area_km2(g) for g in gained)
    assert _area_km2(shapely.difference(shapely.union_all(gained), control)) < 1e-6 * gained_km2
    # the oblasts: no overlap and no sliver between neighbours (union = sum of areas)
    oblasts = [decode(f["geometry"]) for f in payload["regions"]["features"]]
    assert len(oblasts) == 27 and shapely.coverage_is_valid(oblasts)
    total = sum(_area_km2(o) for o in oblasts)
    assert _area_km2(shapely.union_all(oblasts)) == pytest.approx(total, rel=1e-9)


def test_neighbours_whose_vertices_differ_are_simplified_through_their_faces(caplog):
    # two neighbours along one wiggly border, but the right one's copy of it has extra
    # vertices (as region layers often do): they tile, yet are no clean coverage
    border = shapely.LineString([(0.3 * np.sin(y), y / 10) for y in range(101)])
    left = shapely.Polygon([(-10, 10), (-10, 0), *border.coords])
    right = shapely.Polygon([*border.segmentize(0.05).coords, (10, 10), (10, 0)])
    assert not shapely.coverage_is_valid([left, right])
    assert shapely.intersection(left, right).area < 1e-9
    caplog.set_level(logging.DEBUG, logger="geotools.render.display")
    a, b = display.simplify_coverage([left, right], 0.5)
    assert "through their arrangement" in caplog.text and "WARNING" not in caplog.text
    before = shapely.get_num_coordinates([left, right]).sum()
    assert shapely.get_num_coordinates([a, b]).sum() < before / 3
    # simplified once: still neighbours, without overlap or gap (each simplified on its own,
    # they would overlap in places and leave slivers open in others)
    assert shapely.coverage_is_valid([a, b])
    union = shapely.union_all([a, b])
    assert union.geom_type == "Polygon" and not list(union.interiors)
    assert union.area == pytest.approx(a.area + b.area, rel=1e-12)


def test_sizes_on_the_deepstate_archive(deepstate_daily, boundaries_full, tmp_path, capsys):
    regions = RegionSpec(boundaries_full)
    month = gather(
        [deepstate_daily],
        start=dt.date(2024, 11, 1),
        end=dt.date(2024, 12, 1),
        regions=regions,
        show_progress=False,
    )
    month_mb = write_map(month, tmp_path / "month.html") / 1e6
    year = gather(
        [deepstate_daily],
        start=dt.date(2024, 11, 1),
        end=dt.date(2025, 11, 1),
        period="day",
        regions=regions,
        show_progress=False,
    )
    year_mb = write_map(year, tmp_path / "year.html") / 1e6
    with capsys.disabled():  # shown in every run, not only with -s
        print(
            f"\nmap sizes: 2024-11 change map with 27 oblasts {month_mb:.2f} MB (limit 1); "
            f"daily timeline 2024-11-01 → 2025-11-01 ({len(year.steps)} steps, oblasts) "
            f"{year_mb:.2f} MB (limit 4)"
        )
    assert len(year.steps) == 365
    # issue 18 point 12: 10.8 MB before the timeline encoding, 3.16 MB with it (the whole
    # archive, 775 steps, 5.5 MB: benchmarks/timeline.py)
    assert month_mb < 1 and year_mb < 4
