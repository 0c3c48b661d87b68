"""Maps and the report in a real browser: Debian's headless chromium driven by Playwright.

.ci/run installs chromium; locally, `apt-get install chromium`. Without it these tests skip,
unless GEOTOOLS_REQUIRE_BROWSER=1 (set by CI), where a missing browser fails them.
"""

import datetime as dt
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geotools.read import ReadOptions
from geotools.regions import RegionSpec
from geotools.render.data import gather
from geotools.render.maps import default_title, write_map
from geotools.render.report import write_report

from .test_render import XSS, xss_files, xss_inputs

CHROMIUM = os.environ.get("GEOTOOLS_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip without Debian's chromium, unless GEOTOOLS_REQUIRE_BROWSER=1 (CI): then fail."""
    if not Path(CHROMIUM).exists():
        message = f"no chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("GEOTOOLS_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A page with every console message, page error, failed request, request and dialog
    recorded, from before it starts loading."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1280, "height": 860})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on(
            "console",
            lambda m: (
                self.errors.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))
        self.page.on("dialog", self._dialog)
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(300)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def close(self):
        self.page.close()


def paths_in(frame, pane: str) -> int:
    return frame.locator(f".leaflet-{pane}-pane path").count()


def keep_screenshot(png: Path) -> None:
    """Copy a screenshot to $GEOTOOLS_SCREENSHOTS (to look at it) when that is set."""
    folder = os.environ.get("GEOTOOLS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(folder) / png.name)


def front_pixels(png: Path) -> int:
    """Pixels in the colour of gained polygons (vermillion): the front is on screen."""
    rgb = np.asarray(Image.open(png).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(((r > 170) & (g > 60) & (g < 130) & (b < 60)).sum())


def choropleth_pixels(png: Path) -> int:
    """Pixels of a net-gain region (the ramp's purple half at the map's opacity)."""
    rgb = np.asarray(Image.open(png).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(((b - g > 12) & (r - g > 8) & (g > 120)).sum())


def is_fullscreen(page) -> bool:
    return page.evaluate(
        "() => document.fullscreenElement !== null && window.geotoolsLeafletMap._isFullscreen"
    )


@pytest.fixture(scope="module")
def month_map(deepstate_daily, boundaries_full, tmp_path_factory):
    out = tmp_path_factory.mktemp("maps") / "month.html"
    data = gather(
        [deepstate_daily],
        start=dt.date(2024, 11, 1),
        end=dt.date(2024, 12, 1),
        regions=RegionSpec(boundaries_full),
        show_progress=False,
    )
    write_map(data, out)
    return out, data


def test_change_map_loads_toggles_and_shows_the_front(browser, month_map, tmp_path):
    path, data = month_map
    view = Page(browser, path)
    page = view.page
    assert page.locator(".folium-map.leaflet-container").count() == 1
    # scale bar (one: folium's), legend and minimap
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator(".leaflet-control-scale-line").first.inner_text().strip().endswith("km")
    legend = page.locator(".gt-legend")
    assert legend.count() == 1
    assert "gained in the period" in legend.inner_text()
    assert "net change by region (occupied)" in legend.inner_text()
    assert page.locator(".leaflet-control-minimap").count() == 1
    assert page.locator(".leaflet-control-minimap path").count() >= 1  # the land outline
    assert page.inner_text(".gt-period") == "2024-11-01 → 2024-12-01"
    assert "gained 732.723 km²" in page.inner_text(".gt-totals")  # the Table's figure
    assert paths_in(page, "gt-changes") > 10
    assert paths_in(page, "gt-regions") == 27
    # the layer control hides and shows a layer
    control = page.locator("label", has_text="Control area: occupied").locator("input")
    before = paths_in(page, "gt-control")
    assert before > 0
    control.uncheck()
    assert paths_in(page, "gt-control") == 0
    control.check()
    assert paths_in(page, "gt-control") == before
    # zoom to the front line around Pokrovsk / Kurakhove and look
    page.evaluate("() => window.geotoolsLeafletMap.setView([48.0, 37.4], 9, {animate: false})")
    page.wait_for_timeout(400)
    png = tmp_path / "change-map.png"
    page.screenshot(path=str(png))
    keep_screenshot(png)
    assert png.stat().st_size > 20_000
    assert front_pixels(png) > 500
    # a gained polygon's tooltip: the figures of the region it lies in, from the Table
    checked = hover_gained_tooltips(page, data.table)
    assert {"Donetsk Oblast", "Zaporizhzhia Oblast"} <= checked
    # the measure tool measures an area in km² (its markers load inlined images)
    box = page.locator(".leaflet-control-measure-toggle").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator(".js-start").click()
    for xy in ((500, 400), (700, 420), (600, 600)):
        page.mouse.click(*xy)
        page.wait_for_timeout(100)
    page.locator(".js-finish").click()
    assert "km²" in page.locator(".leaflet-popup-content").inner_text()
    # fullscreen: on, then off again (the map and the browser agree)
    toggle = page.locator(".leaflet-control-zoom-fullscreen")
    assert not is_fullscreen(page)
    toggle.click()
    page.wait_for_function("() => document.fullscreenElement !== null")
    assert is_fullscreen(page)
    assert "leaflet-fullscreen-on" in toggle.get_attribute("class")
    toggle.click()
    page.wait_for_function("() => document.fullscreenElement === null")
    assert not is_fullscreen(page)
    assert view.errors == [] and view.dialogs == []
    view.close()


def hover_gained_tooltips(page, table) -> set[str]:
    """Hover every gained polygon on screen; check that each tooltip shows, for each region
    named in it, the Table's gained, lost and net of that region (not the period's totals).
    Returns the regions seen."""
    rows = table[table["status"] == "occupied"].set_index("region_name")
    total = rows.loc["Total"]
    seen: set[str] = set()
    for path in page.locator(".leaflet-gt-changes-pane path").all():
        box = path.bounding_box()
        if box is None or box["width"] < 6 or box["height"] < 6:
            continue
        path.hover(force=True)
        page.wait_for_timeout(40)
        # shown tooltips only: one Leaflet is still taking down is in the page unrendered
        # (its inner text then has no table layout to split on)
        tips = page.locator(".leaflet-tooltip .gt-tooltip", has_text="Gained: occupied")
        tips = tips.filter(visible=True)
        for text in tips.all_inner_texts():
            if "\t" not in text:  # laid out as no table: one Leaflet is taking down (flaky)
                continue
            blocks = text.split("\nRegion\t")[1:]
            assert blocks, text  # every change polygon here lies in an oblast
            assert f"{total['gained_km2']:,.3f}" not in text  # not the period's totals
            for block in blocks:
                name = block.split(" (UA-", 1)[0]
                row = rows.loc[name]
                net = row["net_km2"]
                sign = "+" if net > 0 else "\u2212" if net < 0 else ""
                for line in (
                    f"Gained in the region\t{row['gained_km2']:,.3f} km²",
                    f"Lost in the region\t{row['lost_km2']:,.3f} km²",
                    f"Net in the region\t{sign}{abs(net):,.3f} km²",
                ):
                    assert line in block.splitlines(), (name, block)
                seen.add(name)
    return seen


def test_timeline_slider_moves_without_losing_polygons(
    browser, deepstate_daily, boundaries_full, tmp_path
):
    data = gather(
        [deepstate_daily],
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 7, 1),
        period="month",
        regions=RegionSpec(boundaries_full),
        show_progress=False,
    )
    out = tmp_path / "timeline.html"
    write_map(data, out)
    view = Page(browser, out)
    page = view.page
    assert page.inner_text(".gt-period") == "2025-01-01 → 2025-02-01"
    slider = page.locator("input.gt-slider")
    slider.fill("4")
    assert page.inner_text(".gt-period") == "2025-05-01 → 2025-06-01"
    totals = page.inner_text(".gt-totals")
    page.locator("button.gt-next").click()
    assert page.inner_text(".gt-period") == "2025-06-01 → 2025-07-01"
    assert page.inner_text(".gt-totals") != totals
    # every step, checked in the same task as the switch: the control area never vanishes
    counts = page.evaluate(
        """() => {
            const s = document.querySelector('input.gt-slider');
            const out = [];
            for (let i = 0; i <= Number(s.max); i++) {
                s.value = String(i);
                s.dispatchEvent(new Event('input'));
                out.push(document.querySelectorAll('.leaflet-gt-control-pane path').length);
            }
            return out;
        }"""
    )
    assert len(counts) == 6 and min(counts) > 0
    # the last month at the front west of Pokrovsk (Kurakhove and beyond)
    page.evaluate("() => window.geotoolsLeafletMap.setView([47.95, 37.3], 9, {animate: false})")
    page.wait_for_timeout(400)
    png = tmp_path / "timeline.png"
    page.screenshot(path=str(png))
    keep_screenshot(png)
    assert front_pixels(png) > 500
    assert view.errors == [] and view.dialogs == []
    view.close()


def test_report_loads_with_maps_and_charts(browser, deepstate_daily, boundaries_full, tmp_path):
    common = {"regions": RegionSpec(boundaries_full), "show_progress": False}
    start, end = dt.date(2024, 9, 1), dt.date(2024, 12, 1)
    whole = gather([deepstate_daily], start=start, end=end, **common)
    periods = gather([deepstate_daily], start=start, end=end, period="month", **common)
    out = tmp_path / "report.html"
    write_report(periods, whole, out)
    view = Page(browser, out)
    page = view.page
    page.wait_for_timeout(700)
    widths = page.eval_on_selector_all("img.chart", "els => els.map(e => e.naturalWidth)")
    assert len(widths) == 5 and min(widths) > 300  # area, change, rate, cumulative, regions
    frames = [f for f in page.frames if f != page.main_frame]
    assert len(frames) == 2
    for frame in frames:
        assert frame.locator(".folium-map.leaflet-container").count() == 1
        assert paths_in(frame, "gt-control") > 0
        # fitted to the data even though the frame had no size when its script ran
        assert frame.evaluate("() => window.geotoolsLeafletMap.getZoom()") >= 5
    timeline = page.frame_locator("#timeline-map")
    timeline.locator("input.gt-slider").fill("2")
    assert timeline.locator(".gt-period").inner_text() == "2024-11-01 → 2024-12-01"
    # the first map, as a reader scrolling to it sees it: the front and the choropleth drawn
    # (a full-page capture does not show a frame below the fold, so it proves nothing)
    iframe = page.locator("#range-map")
    iframe.scroll_into_view_if_needed()
    page.wait_for_timeout(400)
    png = tmp_path / "report-range-map.png"
    iframe.screenshot(path=str(png))
    keep_screenshot(png)
    assert front_pixels(png) > 150 and choropleth_pixels(png) > 5_000
    # and at the front itself
    first = iframe.element_handle().content_frame()
    first.evaluate("() => window.geotoolsLeafletMap.setView([48.0, 37.4], 9, {animate: false})")
    page.wait_for_timeout(400)
    png = tmp_path / "report-range-front.png"
    iframe.screenshot(path=str(png))
    keep_screenshot(png)
    assert front_pixels(png) > 2_000
    png = tmp_path / "report.png"
    page.screenshot(path=str(png))
    keep_screenshot(png)
    assert view.errors == [] and view.dialogs == []
    view.close()


def assert_nothing_ran(view) -> None:
    """In the page and every frame of it: no flag set by the payload's onerror, no injected
    image; in the page: no dialog, no error (a sandboxed frame without allow-modals can run a
    script yet open no dialog, hence the flag)."""
    frames = view.page.frames
    for frame in frames:
        assert frame.evaluate("() => typeof window.__xss") == "undefined", frame.url
        assert frame.locator("img[onerror]").count() == 0
        assert frame.locator('img[src="x"]').count() == 0
    assert view.dialogs == [] and view.errors == []


def hover_everything(page, steps: int) -> None:
    """Tooltips of every kind (control areas, changes, regions), at every step."""
    for step in range(steps):
        if steps > 1:
            page.locator("input.gt-slider").fill(str(step))
        for pane in ("gt-changes", "gt-control", "gt-regions"):
            for path in page.locator(f".leaflet-{pane}-pane path").all():
                path.hover(force=True)
                page.wait_for_timeout(30)


def test_html_in_the_data_stays_text(browser, tmp_path):
    folder, regions = xss_inputs(tmp_path)
    read = ReadOptions(status_field="side")
    common = {"regions": RegionSpec(regions), "options": read, "show_progress": False}
    timeline = gather([folder], period="month", **common)
    single = gather([folder], **common)
    map_path, report_path = tmp_path / "xss-map.html", tmp_path / "xss-report.html"
    write_map(timeline, map_path, title=XSS)
    write_report(timeline, single, report_path, title=XSS)
    view = Page(browser, map_path)
    page = view.page
    # shown as text: in the layer control, the title and the legend
    assert XSS in page.inner_text(".leaflet-control-layers")
    assert XSS in page.inner_text(".gt-title")
    assert f"control area: {XSS}" in page.inner_text(".gt-legend")
    assert page.locator("img").count() == 0
    hover_everything(page, 3)
    assert page.locator(".leaflet-tooltip").count() >= 1
    assert page.locator("img").count() == 0
    assert_nothing_ran(view)
    view.close()
    view = Page(browser, report_path)
    view.page.wait_for_timeout(500)
    assert XSS in view.page.inner_text("h1")
    assert len(view.page.frames) == 3  # the page and its two maps
    for frame in view.page.frames[1:]:
        assert frame.locator("img").count() == 0
        assert XSS in frame.locator(".leaflet-control-layers").inner_text()
    assert_nothing_ran(view)
    view.close()


def test_file_names_stay_text_in_the_default_title(browser, tmp_path):
    files, regions = xss_files(tmp_path)
    common = {
        "regions": RegionSpec(regions),
        "options": ReadOptions(status_field="side"),
        "show_progress": False,
    }
    timeline = gather(files, period="month", **common)
    single = gather(files, **common)
    map_path, report_path = tmp_path / "named-map.html", tmp_path / "named-report.html"
    write_map(single, map_path)  # no title: made from the file names
    write_report(timeline, single, report_path)
    view = Page(browser, map_path)
    page = view.page
    title = default_title(single)
    assert XSS in title
    assert page.title() == title  # the <title>, as text
    assert page.inner_text(".gt-title") == title
    assert page.locator("img").count() == 0
    hover_everything(page, 1)
    assert_nothing_ran(view)
    view.close()
    view = Page(browser, report_path)
    view.page.wait_for_timeout(500)
    names = ", ".join(f.name for f in files)
    assert f"Inputs: {names}." in view.page.inner_text("body")
    assert len(view.page.frames) == 3
    for frame in view.page.frames[1:]:
        assert frame.locator("img").count() == 0
    assert_nothing_ran(view)
    view.close()


def test_offered_tiles_load_nothing_until_chosen(browser, tmp_path):
    from geotools import demo

    demo.write_scenario(tmp_path / "snaps")
    data = gather([tmp_path / "snaps"], show_progress=False)
    out = tmp_path / "tiles.html"
    write_map(data, out, tiles=("none", "osm", "light"))
    view = Page(browser, out)  # requests recorded from before the page loads
    assert any(u.startswith("file:") for u in view.requests)  # the listener saw the load
    labels = view.page.inner_text(".leaflet-control-layers-base")
    assert "No tiles" in labels and "OpenStreetMap" in labels and "Esri World Gray Canvas" in labels
    assert view.page.locator(".leaflet-tile").count() == 0
    view.page.mouse.wheel(0, -300)  # zooming the offline map fetches nothing either
    view.page.wait_for_timeout(300)
    assert [u for u in view.requests if not u.startswith(("file:", "data:"))] == []
    assert view.errors == [] and view.dialogs == []
    view.close()
