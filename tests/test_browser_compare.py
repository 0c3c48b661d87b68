"""The disagreement map of `geotools compare` in a real browser (see test_browser.py)."""

import pytest

from geotools.compare import compare
from geotools.regions import RegionSpec
from geotools.render.compare_map import write_compare_map
from geotools.render.style import ONLY_A

from . import test_browser as tb
from .conftest import data_path
from .test_compare_map import XSS, xss_sources

browser = tb.browser  # the module-scoped headless chromium (skips without one)


def palette_pixels(png, color: str, tolerance: int = 40) -> int:
    """Pixels within ``tolerance`` (each channel) of ``color`` as drawn at 0.85 opacity."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(png).convert("RGB")).astype(int)
    want = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
    drawn = 0.85 * want + 0.15 * np.array([251, 251, 248])  # over the land
    return int((np.abs(rgb - drawn).max(axis=2) < tolerance).sum())


def set_view(page, lat: float, lon: float, zoom: int) -> None:
    # returns nothing: Playwright would serialise the returned Leaflet map, for seconds
    page.evaluate(
        "([lat, lon, zoom]) => { window.geotoolsLeafletMap.setView([lat, lon], zoom, "
        "{animate: false}); }",
        [lat, lon, zoom],
    )


@pytest.fixture(scope="module")
def real_map(deepstate_daily, boundaries_full, tmp_path_factory):
    isw = data_path("isw", "sdspieg")
    dates = ("2024-08-29", "2024-11-24", "2025-03-04")
    result = compare(
        [deepstate_daily],
        [isw / f"territory_geojson_{d}.geojson.gz" for d in dates],
        regions=RegionSpec(boundaries_full),
        labels=("deepstate", "isw"),
        show_progress=False,
    )
    out = tmp_path_factory.mktemp("compare") / "deepstate-vs-isw.html"
    write_compare_map(result, out)
    return out, result


def test_compare_map_loads_toggles_and_shows_the_disagreement(browser, real_map, tmp_path):
    out, result = real_map
    view = tb.Page(browser, out)
    page = view.page
    assert page.locator(".folium-map.leaflet-container").count() == 1
    # the last pair first, its totals the table's
    assert page.inner_text(".gt-period") == "deepstate 2025-03-04 · isw 2025-03-04"
    last = result.series().iloc[-1]
    assert f"disagreement {last['disagreement_km2']:,.3f} km²" in page.inner_text(".gt-totals")
    assert tb.paths_in(page, "gt-regions") == 27
    assert tb.paths_in(page, "gt-both") > 0
    # the layer control hides and shows a layer
    only_a = page.locator("label", has_text="Only deepstate calls it").locator("input")
    before = tb.paths_in(page, "gt-disputed")
    assert before > 100
    only_a.uncheck()
    hidden = tb.paths_in(page, "gt-disputed")
    assert 0 < hidden < before  # only ISW's slivers left
    only_a.check()
    assert tb.paths_in(page, "gt-disputed") == before
    # the slider moves to another pair
    page.locator("input.gt-slider").fill("0")
    assert page.inner_text(".gt-period") == "deepstate 2024-08-29 · isw 2024-08-29"
    assert "disagreement 1,736.254 km²" in page.inner_text(".gt-totals")  # README's figures
    # at the front around Pokrovsk: the disagreement is on screen
    set_view(page, 48.0, 37.4, 9)
    page.wait_for_timeout(400)
    png = tmp_path / "compare-map.png"
    page.screenshot(path=str(png))
    tb.keep_screenshot(png)
    assert png.stat().st_size > 20_000
    # only-DeepState slivers in the compare palette's reddish purple, not in gained vermillion
    assert palette_pixels(png, ONLY_A) > 500
    assert tb.front_pixels(png) == 0
    # the PNG export (issue 18 point 6): the map as shown, its legend in the picture
    with page.expect_download() as info:
        page.click(".gt-export-png")
    exported = tmp_path / info.value.suggested_filename
    info.value.save_as(exported)
    assert exported.name == "geotools-compare-2024-08-29-2024-08-29.png"
    assert palette_pixels(exported, ONLY_A) > 500
    legend = tmp_path / "legend.png"
    from PIL import Image

    with Image.open(exported) as img:
        w, h = img.size
        box = page.locator(".folium-map").bounding_box()
        assert (w, h) == (round(box["width"]), round(box["height"]))
        img.crop((w - 250, h - 120, w, h - 20)).save(legend)  # the legend panel
    assert palette_pixels(legend, ONLY_A, tolerance=60) > 50
    # a tooltip, from the table, on a region outside the occupied area
    set_view(page, 48.6, 35.0, 8)
    page.wait_for_timeout(300)
    page.mouse.move(640, 430)
    page.wait_for_timeout(300)
    tip = page.locator(".leaflet-tooltip").inner_text()
    assert "Dnipropetrovsk" in tip and "Only isw (region)" in tip
    assert view.errors == [] and view.dialogs == []
    view.close()


def test_html_in_file_and_region_names_stays_text(browser, tmp_path):
    folder_a, glob_b, regions = xss_sources(tmp_path)
    result = compare([folder_a], [glob_b], regions=RegionSpec(regions), show_progress=False)
    out = tmp_path / "xss-compare.html"
    write_compare_map(result, out, title=XSS)
    view = tb.Page(browser, out)
    page = view.page
    assert XSS in page.inner_text(".leaflet-control-layers")
    assert XSS in page.inner_text(".gt-title") and XSS in page.inner_text(".gt-legend")
    assert page.locator("img").count() == 0
    for step in range(2):
        page.locator("input.gt-slider").fill(str(step))
        for pane in ("gt-disputed", "gt-both", "gt-regions"):
            for path in page.locator(f".leaflet-{pane}-pane path").all():
                path.hover(force=True)
                page.wait_for_timeout(30)
                assert page.locator("img").count() == 0
    assert page.locator(".leaflet-tooltip").count() >= 1
    assert view.dialogs == [] and view.errors == []
    view.close()
