"""Analyst-grade maps (issue 18) in real Chromium: no focus box after a click, the source and
dates on the map, a report map that ignores the wheel until clicked, a zoom cap, a timeline
that answers keys and a date input, a phone layout that keeps the slider visible, and the
view and date in the URL hash.

Driven like tests/test_browser.py (Playwright, Debian's chromium; GEOTOOLS_REQUIRE_BROWSER=1
makes a missing browser a failure). The maps are made from the demo scenario: no real data.
"""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from geotools import demo
from geotools.read import ReadOptions
from geotools.regions import RegionSpec
from geotools.render.data import gather
from geotools.render.maps import write_map
from geotools.render.page import MAX_ZOOM
from geotools.render.report import write_report

from .test_browser import Page, browser  # noqa: F401  (the module's browser fixture)

SOURCE = "Demo source <b>&</b>"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    root = tmp_path_factory.mktemp("issue18")
    demo.write_scenario(root / "snapshots")
    common = {
        "regions": RegionSpec(root / "regions.gpkg"),
        "options": ReadOptions(crs=demo.DEMO_CRS),
        "show_progress": False,
    }
    daily = gather([root / "snapshots"], period="day", **common)
    daily.source_label = SOURCE
    single = gather([root / "snapshots"], **common)
    weekly = gather([root / "snapshots"], period="week", **common)
    write_map(daily, root / "daily.html")
    write_map(single, root / "single.html")
    write_report(weekly, single, root / "report.html")
    return root, daily


def open_page(browser, path: Path, width: int = 1280, height: int = 860, hash_: str = ""):  # noqa: F811
    view = Page.__new__(Page)
    view.page = browser.new_page(viewport={"width": width, "height": height})
    view.errors, view.dialogs, view.requests = [], [], []
    view.page.on("request", lambda r: view.requests.append(r.url))
    view.page.on("pageerror", lambda e: view.errors.append(f"page error: {e}"))
    view.page.on("requestfailed", lambda r: view.errors.append(f"request failed: {r.url}"))
    view.page.goto(path.as_uri() + hash_)
    view.page.wait_for_load_state("load")
    view.page.wait_for_timeout(300)
    return view


def no_request_beyond_the_file(view) -> None:
    assert [u for u in view.requests if not u.startswith(("file:", "data:"))] == []
    assert view.errors == []


def test_click_on_a_polygon_draws_no_focus_box(browser, scenario):  # noqa: F811
    root, _ = scenario
    view = open_page(browser, root / "single.html")
    page = view.page
    target = page.locator(".leaflet-gt-changes-pane path.leaflet-interactive").first
    box = target.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(200)
    focused = page.evaluate(
        """() => { const a = document.activeElement;
        return [a.tagName.toLowerCase(), a.classList.contains('leaflet-interactive'),
                getComputedStyle(a).outlineStyle]; }"""
    )
    # the click focused the polygon (Leaflet makes paths with tooltips focusable) ...
    assert focused[:2] == ["path", True]
    # ... and draws no outline around it
    assert focused[2] == "none"
    # keyboard focus stays visible: Tab to a polygon, its outline is drawn
    for _ in range(60):
        page.keyboard.press("Tab")
        tag = page.evaluate("() => document.activeElement.tagName.toLowerCase()")
        if tag == "path":
            break
    style = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert tag == "path" and style == "solid"
    no_request_beyond_the_file(view)
    view.page.close()


def test_the_map_names_source_dates_and_crs(browser, scenario):  # noqa: F811
    root, daily = scenario
    view = open_page(browser, root / "daily.html")
    page = view.page
    credit = page.inner_text(".leaflet-control-attribution")
    assert f"Source: {SOURCE}" in credit  # as text: the markup is not interpreted
    assert page.locator(".leaflet-control-attribution b").count() == 0
    first, last = daily.steps[0].period.from_date, daily.steps[-1].period.to_date
    assert f"snapshots {first.isoformat()} … {last.isoformat()}" in credit
    assert "Lambert azimuthal equal-area" in credit and "(equal-area)" in credit
    # the title names the source, not the input folder as if it were a cadence
    title = page.inner_text(".gt-title")
    assert SOURCE in title and "(snapshots)" not in title
    no_request_beyond_the_file(view)
    view.page.close()
    view = open_page(browser, root / "single.html")  # no label: the inputs described
    assert "Source: 27 files in snapshots/" in view.page.inner_text(".leaflet-control-attribution")
    view.page.close()


def test_report_map_ignores_the_wheel_until_clicked_and_zoom_is_capped(browser, scenario):  # noqa: F811
    root, _ = scenario
    view = open_page(browser, root / "report.html", height=900)
    page = view.page
    page.wait_for_timeout(400)
    text = page.inner_text("body")
    assert "Source: 27 files in snapshots/." in text and "(equal-area)" in text
    assert "Inputs: snapshots." not in text
    iframe = page.locator("#range-map")
    iframe.scroll_into_view_if_needed()
    frame = iframe.element_handle().content_frame()
    zoom = frame.evaluate("() => window.geotoolsLeafletMap.getZoom()")
    assert frame.evaluate("() => window.geotoolsLeafletMap.getMaxZoom()") == MAX_ZOOM
    box = iframe.bounding_box()
    x, y = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.4
    page.mouse.move(x, y)
    page.mouse.wheel(0, -600)
    page.wait_for_timeout(600)
    assert frame.evaluate("() => window.geotoolsLeafletMap.getZoom()") == zoom
    page.mouse.click(x, y)
    page.wait_for_timeout(200)
    page.mouse.wheel(0, -600)
    page.wait_for_timeout(800)
    assert frame.evaluate("() => window.geotoolsLeafletMap.getZoom()") > zoom
    # the cap holds: zooming in far stops at MAX_ZOOM
    frame.evaluate(f"() => window.geotoolsLeafletMap.setZoom({MAX_ZOOM + 6}, {{animate: false}})")
    assert frame.evaluate("() => window.geotoolsLeafletMap.getZoom()") == MAX_ZOOM
    no_request_beyond_the_file(view)
    view.page.close()


def step(page) -> int:
    return int(page.get_attribute(".folium-map", "data-step"))


def test_the_timeline_answers_keys_and_the_date_input(browser, scenario):  # noqa: F811
    root, daily = scenario
    view = open_page(browser, root / "daily.html")
    page = view.page
    n = len(daily.steps)
    width = page.locator(".gt-info").bounding_box()["width"]
    slider = page.locator(".gt-slider")
    slider.focus()
    page.keyboard.press("ArrowRight")
    assert step(page) == 1
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert step(page) == 1
    page.keyboard.press("End")
    assert step(page) == n - 1
    page.keyboard.press("Home")
    assert step(page) == 0
    # a date picks the period holding it
    page.fill(".gt-date", "2024-03-15")
    page.dispatch_event(".gt-date", "change")
    i = step(page)
    p = daily.steps[i].period
    assert p.start <= dt.date(2024, 3, 15) < p.end
    # month ticks: a datalist on the slider, labelled under it
    assert page.locator("datalist option").count() >= 1
    assert "Mar" in page.inner_text(".gt-ticks")
    assert page.locator(".gt-speed option").count() >= 3
    # play at the quickest speed: several steps in well under a second each
    page.select_option(".gt-speed", "100")
    before = step(page)
    page.click(".gt-play")
    page.wait_for_timeout(900)
    page.click(".gt-play")
    played = (step(page) - before) % n
    assert played >= 3, played  # at the old fixed 800 ms a step: one
    # a period without a new snapshot is said to be one, not "gained 0.000 km²"
    blank = next(k for k, s in enumerate(daily.steps) if s.period.from_date == s.period.to_date)
    page.evaluate(f"() => window.geotoolsStep({blank})")
    totals = page.inner_text(".gt-totals")
    assert "no new snapshot" in totals and "gained" not in totals
    # the box keeps its width whatever its text
    assert page.locator(".gt-info").bounding_box()["width"] == width
    no_request_beyond_the_file(view)
    view.page.close()


def test_phone_layout_keeps_the_slider_visible(browser, scenario):  # noqa: F811
    root, _ = scenario
    view = open_page(browser, root / "daily.html", width=390, height=844)
    page = view.page
    box = page.locator(".gt-slider").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844
    # nothing covers the slider or the totals: the topmost element at their centres is theirs
    for sel in (".gt-slider", ".gt-totals"):
        covered = page.evaluate(
            """(sel) => { const e = document.querySelector(sel), r = e.getBoundingClientRect();
            const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
            return e.contains(top); }""",
            sel,
        )
        assert covered, sel
    assert page.locator(".leaflet-control-layers-expanded").count() == 0
    assert page.locator(".gt-legend.gt-folded").count() == 1
    page.click(".gt-legend-toggle")  # and they open on demand
    assert page.locator(".gt-legend.gt-folded").count() == 0
    page.click(".leaflet-control-layers-toggle")
    assert page.locator(".leaflet-control-layers-expanded").count() == 1
    view.page.close()
    wide = open_page(browser, root / "daily.html")  # a desktop keeps them open
    assert wide.page.locator(".leaflet-control-layers-expanded").count() == 1
    assert wide.page.locator(".gt-legend.gt-folded").count() == 0
    wide.page.close()


def test_the_url_hash_round_trips_view_and_date(browser, scenario):  # noqa: F811
    root, daily = scenario
    view = open_page(browser, root / "daily.html")
    page = view.page
    page.evaluate("() => window.geotoolsLeafletMap.setView([48.31, 37.92], 10, {animate: false})")
    page.evaluate("() => window.geotoolsStep(7)")
    page.wait_for_timeout(200)
    url = page.url
    assert f"date={daily.steps[7].period.start.isoformat()}" in url and "z=10" in url
    view.page.close()
    again = open_page(browser, root / "daily.html", hash_="#" + url.split("#", 1)[1])
    m = "window.geotoolsLeafletMap"
    assert again.page.evaluate(f"() => {m}.getZoom()") == 10
    lat, lon = again.page.evaluate(f"() => [{m}.getCenter().lat, {m}.getCenter().lng]")
    assert abs(lat - 48.31) < 1e-3 and abs(lon - 37.92) < 1e-3
    assert step(again.page) == 7
    no_request_beyond_the_file(again)
    again.page.close()


def test_small_changes_get_a_ring_at_low_zoom(browser, scenario):  # noqa: F811
    root, _ = scenario
    view = open_page(browser, root / "daily.html")
    page = view.page
    m = "window.geotoolsLeafletMap"
    changes = page.locator(".leaflet-gt-changes-pane path.leaflet-interactive").count()
    assert changes >= 1
    page.evaluate(f"() => {m}.setZoom(2, {{animate: false}})")  # the whole front in a few px
    page.wait_for_timeout(200)
    assert page.locator("path.gt-ring").count() == changes
    page.evaluate(f"() => {m}.setZoom(11, {{animate: false}})")  # every change is large
    page.wait_for_timeout(200)
    assert page.locator("path.gt-ring").count() == 0
    # turning the layer off hides its rings too
    page.evaluate(f"() => {m}.setZoom(2, {{animate: false}})")
    page.wait_for_timeout(200)
    page.uncheck(".leaflet-control-layers-overlays label:has-text('Gained in the period') input")
    page.uncheck(".leaflet-control-layers-overlays label:has-text('Lost in the period') input")
    assert page.locator("path.gt-ring").count() == 0
    no_request_beyond_the_file(view)
    view.page.close()


def orange(rgb):
    """Pixels in the gained colour (vermillion, as drawn or at the legend's opacity)."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return (r > 170) & (g > 60) & (g < 130) & (b < 60)


def test_png_export_holds_the_map_legend_and_credit(browser, scenario, tmp_path):  # noqa: F811
    import numpy as np
    from PIL import Image

    root, _ = scenario
    view = open_page(browser, root / "single.html")
    page = view.page
    with page.expect_download() as info:
        page.click(".gt-export-png")
    png = tmp_path / info.value.suggested_filename
    info.value.save_as(png)
    assert png.name.startswith("geotools-") and png.suffix == ".png"
    rgb = np.asarray(Image.open(png).convert("RGB")).astype(int)
    box = page.locator(".folium-map").bounding_box()
    assert rgb.shape[:2] == (round(box["height"]), round(box["width"]))
    h, w = rgb.shape[:2]
    # the legend panel (bottom right) holds the gained swatch; the map holds the polygon
    assert orange(rgb[h - 200 :, w - 250 :]).sum() > 50
    assert orange(rgb[: h - 200, :]).sum() > 200
    # the credit strip at the bottom is painted (dark text on the white strip)
    assert (rgb[h - 18 :, : w // 2].sum(axis=2) < 300).sum() > 50
    no_request_beyond_the_file(view)
    view.page.close()


def test_tooltips_give_each_region_share_and_the_part_outside(browser, tmp_path):  # noqa: F811
    from geotools.render.maps import map_payload

    demo.write_scenario(tmp_path / "snaps")
    half = demo.regions()
    half = half[half["code"].str.endswith("A")]  # the grid's first column: the front leaves it
    half.to_file(tmp_path / "half.gpkg", driver="GPKG", layer="regions")
    data = gather(
        [tmp_path / "snaps"],
        regions=RegionSpec(tmp_path / "half.gpkg"),
        options=ReadOptions(crs=demo.DEMO_CRS),
        show_progress=False,
    )
    features = map_payload(data, "t")["steps"][0]["changes"]["features"]
    straddling = None
    for f in features:
        p = f["properties"]
        # the shares add up to the polygon's own km² (each rounded to the m²)
        assert sum(a for _, a in p["shares"]) == pytest.approx(p["area_km2"], abs=1e-5)
        codes = [c for c, _ in p["shares"]]
        if "outside" in codes and len(codes) > 1:
            straddling = p
    assert straddling is not None and straddling["change"] == "gained"
    out = tmp_path / "half.html"
    write_map(data, out)
    view = open_page(browser, out)
    page = view.page
    target = page.locator(".leaflet-gt-changes-pane path.leaflet-interactive").first
    box = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    text = page.inner_text(".leaflet-tooltip")
    outside = next(a for c, a in straddling["shares"] if c == "outside")
    assert "Of it in outside all regions" in text and f"{outside:,.3f} km²" in text
    assert "Of it in Region R1A" in text
    view.page.close()


def test_borders_stay_and_the_legend_follows_the_layers(browser, scenario):  # noqa: F811
    root, _ = scenario
    view = open_page(browser, root / "single.html")
    page = view.page
    borders = page.locator(".leaflet-gt-outlines-pane path").count()
    # the demo's grid, and the national border (issue 18: a line of its own, heavier)
    assert page.locator(".leaflet-gt-outlines-pane path.gt-border-region").count() == 6
    assert page.locator(".leaflet-gt-outlines-pane path.gt-border-national").count() == 1
    assert borders == 7
    assert page.locator(".gt-ramp").is_visible()
    overlay = ".leaflet-control-layers-overlays label:has-text('{}') input"
    page.uncheck(overlay.format("Net change by region"))
    # the choropleth is gone, its ramp with it; the borders stay
    assert page.locator(".leaflet-gt-regions-pane path").count() == 0
    assert page.locator(".leaflet-gt-outlines-pane path").count() == borders
    assert not page.locator(".gt-ramp").is_visible()
    legend = page.locator(".gt-legend")
    assert legend.locator("text=gained in the period").is_visible()
    page.uncheck(overlay.format("Gained in the period"))
    assert not legend.locator("text=gained in the period").is_visible()
    page.check(overlay.format("Net change by region"))
    assert page.locator(".gt-ramp").is_visible()
    no_request_beyond_the_file(view)
    view.page.close()


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    """The report `geotools demo` writes (its source line is a long one)."""
    out = tmp_path_factory.mktemp("demo") / "geotools-demo"
    res = subprocess.run(
        [sys.executable, "-m", "geotools", "-q", "demo", "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    return out / "report.html"


@pytest.mark.parametrize(("name", "width"), [("demo", 1300), ("demo", 800), ("daily", 390)])
def test_the_source_line_keeps_clear_of_the_scale_bar(
    browser,  # noqa: F811
    scenario,
    demo_report,
    name,
    width,
):
    """The attribution (source, dates, CRS) wraps before the scale bar, in a report's narrow
    map and on a phone: in the demo's report it used to run over it."""
    root, _ = scenario
    view = open_page(browser, demo_report if name == "demo" else root / "daily.html", width=width)
    page = view.page
    page.wait_for_timeout(500)  # the report's maps live in frames of their own
    maps = [
        frame.locator(".folium-map").nth(k)
        for frame in page.frames
        for k in range(frame.locator(".folium-map").count())
    ]
    assert maps
    for container in maps:
        credit = container.locator(".leaflet-control-attribution").bounding_box()
        scale = container.locator(".leaflet-control-scale").bounding_box()
        assert credit is not None and scale is not None
        apart = (
            credit["x"] >= scale["x"] + scale["width"]
            or credit["y"] >= scale["y"] + scale["height"]
            or scale["y"] >= credit["y"] + credit["height"]
        )
        assert apart, (name, width, credit, scale)
    no_request_beyond_the_file(view)
    view.page.close()
