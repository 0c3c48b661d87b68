"""The map's base and layers, border/coast changes and the compare map's palette and outlier
flag (issue 18 points 5, 9, 10) in real Chromium, on the real DeepState month and the real
DeepState-vs-ISW run (see test_browser.py for the browser; skips without one)."""

import datetime as dt

import numpy as np
import pytest
from PIL import Image

from geotools.compare import compare
from geotools.regions import RegionSpec
from geotools.render.compare_map import write_compare_map
from geotools.render.data import gather
from geotools.render.maps import write_map
from geotools.render.style import GAINED, LOST, ONLY_A, ONLY_B

from .conftest import data_path
from .test_browser import Page, browser  # noqa: F401  (the module's browser fixture)
from .test_browser_maps import no_request_beyond_the_file

MAP = "window.geotoolsLeafletMap"
OVERLAY = ".leaflet-control-layers-overlays label:has-text('{}') input"


@pytest.fixture(scope="module")
def month_map(deepstate_daily, boundaries_full, tmp_path_factory):
    out = tmp_path_factory.mktemp("mapbase") / "month.html"
    data = gather(
        [deepstate_daily],
        start=dt.date(2024, 11, 1),
        end=dt.date(2024, 12, 1),
        regions=RegionSpec(boundaries_full),
        show_progress=False,
    )
    write_map(data, out)
    return out, data


def view_at(page, lat, lon, zoom):
    page.evaluate(f"() => {{ {MAP}.setView([{lat}, {lon}], {zoom}, {{animate: false}}); }}")
    page.wait_for_timeout(400)


def xy(page, lat, lon):
    return page.evaluate(
        f"() => {{ const p = {MAP}.latLngToContainerPoint([{lat}, {lon}]); "
        "const r = document.querySelector('.folium-map').getBoundingClientRect(); "
        "return [Math.round(p.x + r.left), Math.round(p.y + r.top)]; }"
    )


def pixels(page, tmp_path, name):
    png = tmp_path / name
    page.screenshot(path=str(png))
    return np.asarray(Image.open(png).convert("RGB")).astype(int)


def test_base_has_no_frame_and_no_second_coastline(browser, month_map, tmp_path):  # noqa: F811
    path, _ = month_map
    view = Page(browser, path)
    page = view.page
    view_at(page, 47.5, 39.5, 6)
    rgb = pixels(page, tmp_path, "base.png")
    land = np.array([0xFB, 0xFB, 0xF8])
    # Russia east of 41° E is land, not sea colour (the old clip box drew a frame there)
    for lat, lon in ((48.5, 42.5), (50.5, 44.0), (46.0, 43.5)):
        x, y = xy(page, lat, lon)
        assert np.abs(rgb[y, x] - land).max() <= 3, (lat, lon, rgb[y, x])
    # a point of the Sea of Azov inside Zaporizhzhia oblast's 12 nmi limit is drawn as sea:
    # no region polygon there (hit test), so no second coastline
    x, y = xy(page, 46.62, 36.2)
    hit = page.evaluate(
        f"() => {{ const e = document.elementFromPoint({x}, {y}); "
        "return e.closest('.leaflet-pane') ? e.closest('.leaflet-pane').className : e.className; }"
    )
    assert "gt-regions" not in str(hit)
    no_request_beyond_the_file(view)
    view.close()


def test_borders_layer_national_border_and_legend_follow(browser, month_map):  # noqa: F811
    path, _ = month_map
    view = Page(browser, path)
    page = view.page
    regions = page.locator(".leaflet-gt-outlines-pane path.gt-border-region")
    national = page.locator(".leaflet-gt-outlines-pane path.gt-border-national")
    assert regions.count() == 27 and national.count() == 1
    width = "e => parseFloat(getComputedStyle(e).strokeWidth)"
    assert national.evaluate(width) >= 2.5 * regions.first.evaluate(width)
    legend = page.locator(".gt-legend")
    assert legend.locator("text=national border").is_visible()
    assert page.locator(".gt-ramp").is_visible()
    # the choropleth off: its ramp goes, the borders (and their legend rows) stay
    page.uncheck(OVERLAY.format("Net change by region"))
    assert page.locator(".leaflet-gt-regions-pane path").count() == 0
    assert regions.count() == 27 and national.count() == 1
    assert not page.locator(".gt-ramp").is_visible()
    assert legend.locator("text=national border").is_visible()
    # the borders off: their legend rows go too
    page.uncheck(OVERLAY.format("Region borders"))
    assert national.count() == 0
    assert not legend.locator("text=national border").is_visible()
    assert not legend.locator("text=border between regions").is_visible()
    page.check(OVERLAY.format("Region borders"))
    assert legend.locator("text=national border").is_visible()
    view.close()


def test_occupied_fill_lets_the_choropleth_read(browser, month_map, tmp_path):  # noqa: F811
    path, _ = month_map
    view = Page(browser, path)
    page = view.page
    view_at(page, 48.35, 37.7, 8)
    page.uncheck(OVERLAY.format("Gained in the period"))
    page.uncheck(OVERLAY.format("Lost in the period"))
    rgb = pixels(page, tmp_path, "fills.png")

    def crop(lat, lon):
        x, y = xy(page, lat, lon)
        return rgb[y - 25 : y + 25, x - 25 : x + 25].reshape(-1, 3)

    # Donetsk oblast (net gain: purple) where it is free (Kramatorsk) and occupied (Donetsk)
    free, held = crop(48.72, 37.45), crop(47.95, 37.95)
    colour = np.median(free, axis=0)
    assert colour[2] - colour[1] > 12  # the choropleth's purple
    same = (np.abs(held - colour).max(axis=1) <= 6).mean()
    dark = (held.max(axis=1) < 150).mean()
    # under the hatching the choropleth keeps its own colour (a flat grey wash muddied it
    # everywhere: no pixel of the occupied part kept the purple), and the hatching shows
    assert same > 0.4, same
    assert dark > 0.1, dark
    view.close()


def test_border_sliver_tooltip_lists_outside_and_is_hatched(browser, month_map):  # noqa: F811
    path, _ = month_map
    view = Page(browser, path)
    page = view.page
    legend = page.locator(".gt-legend")
    assert legend.locator("text=lost along the border or coast").is_visible()
    # the lost polygon of 4.997 km² along the border: its tooltip, as Chromium draws it
    text = page.evaluate(
        f"""() => {{
        let found = null;
        {MAP}.eachLayer(l => {{
          const p = l.feature && l.feature.properties;
          if (p && p.change === "lost" && Math.abs(p.area_km2 - 4.997) < 1e-3) {{ found = l; }}
        }});
        found.openTooltip(found.getBounds().getCenter());
        const path = found.getElement();
        const out = [found.getTooltip().getElement().innerText,
                     path.getAttribute("fill"), path.getAttribute("class")];
        found.closeTooltip();  // not returned: Playwright would serialise the layer, for seconds
        return out;
        }}"""
    )
    tip, fill, cls = text
    assert "This polygon\t4.997 km²" in tip
    assert "Of it in Luhansk" in tip and "Of it in outside all regions" in tip
    assert "Along the border or coast" in tip
    assert fill.startswith("url(#") and "gt-edge" in cls
    # the pattern lives in the changes pane's own svg (the PNG export copies it)
    pattern = fill[5:-1]
    assert page.locator(f".leaflet-gt-changes-pane svg pattern#{pattern}").count() == 1
    # a change away from the border: plain fill, no note
    plain = page.evaluate(
        f"""() => {{
        let out = null;
        {MAP}.eachLayer(l => {{
          const p = l.feature && l.feature.properties;
          if (p && p.change === "gained" && p.area_km2 > 500) {{
            l.openTooltip(l.getBounds().getCenter());
            out = [l.getTooltip().getElement().innerText, l.getElement().getAttribute("fill")];
          }}
        }});
        return out;
        }}"""
    )
    assert "Along the border" not in plain[0] and plain[1].lower() == GAINED.lower()
    assert "Of it in outside all regions\t0.000 km²" in plain[0]
    view.close()


@pytest.fixture(scope="module")
def isw_map(deepstate_daily, boundaries_full, tmp_path_factory):
    isw = data_path("isw", "sdspieg")
    result = compare(
        [deepstate_daily],
        [str(isw / "territory_geojson_202[4-6]-*.geojson.gz")],
        regions=RegionSpec(boundaries_full),
        labels=("deepstate", "isw"),
        show_progress=False,
    )
    out = tmp_path_factory.mktemp("mapbase") / "isw.html"
    write_compare_map(result, out)
    return out, result


def test_compare_palette_and_outlier_flag(browser, isw_map):  # noqa: F811
    out, result = isw_map
    view = Page(browser, out)
    page = view.page
    # the last pair first: 2026-01-25, the stale ISW file, flagged
    assert page.inner_text(".gt-period") == "deepstate 2026-01-25 · isw 2026-01-25"
    flag = page.locator(".gt-outlier")
    assert flag.is_visible() and "outlier" in flag.inner_text()
    median = result.series()["disagreement_km2"].median()
    assert f"{median:,.3f} km²" in flag.inner_text()
    assert page.get_attribute(".folium-map", "data-outlier") == "yes"
    assert "1 of 7 pairs are outliers" in page.inner_text(".gt-outlier-list")
    # another pair: no flag; the list's button brings the outlier back
    page.locator("input.gt-slider").fill("0")
    assert page.locator(".gt-outlier").count() == 0
    assert page.get_attribute(".folium-map", "data-outlier") == "no"
    page.locator(".gt-outlier-pair", has_text="2026-01-25").click()
    assert page.locator(".gt-outlier").is_visible()
    # the compare palette, drawn: only-A / only-B fills are not the gained / lost colours
    fills = page.evaluate(
        "() => Array.from(document.querySelectorAll('.leaflet-gt-disputed-pane path'))"
        ".map(p => p.getAttribute('fill').toLowerCase())"
    )
    assert set(fills) == {ONLY_A.lower(), ONLY_B.lower()}
    assert not set(fills) & {GAINED.lower(), LOST.lower()}
    swatches = page.evaluate(
        "() => Array.from(document.querySelectorAll('.gt-legend .gt-swatch'))"
        ".map(s => getComputedStyle(s).backgroundColor)"
    )
    assert "rgb(204, 121, 167)" in swatches and "rgb(0, 158, 115)" in swatches
    assert "rgb(213, 94, 0)" not in swatches and "rgb(0, 114, 178)" not in swatches
    no_request_beyond_the_file(view)
    view.close()
