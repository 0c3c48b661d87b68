"""Place labels and the place search in a real browser (headless chromium, as test_browser)."""

from __future__ import annotations

import datetime as dt

import pytest

from geotools.places import default_places, name_key
from geotools.read import ReadOptions
from geotools.regions import RegionSpec
from geotools.render.data import gather
from geotools.render.maps import write_map
from geotools.render.places_layer import place_overlay
from geotools.render.report import write_report

from . import test_browser as tb

browser = tb.browser  # the module-scoped headless chromium (skips without one)

NOV, DEC = dt.date(2024, 11, 1), dt.date(2024, 12, 1)


def _place(name: str) -> tuple[float, float]:
    places = default_places()
    (i,) = [i for i, n in enumerate(places.names) if n == name and places.region[i] == "UA-14"]
    return float(places.lat[i]), float(places.lon[i])


def _centre(frame) -> tuple[float, float, int]:
    lat, lon, zoom = frame.evaluate(
        "() => { var m = window.geotoolsLeafletMap, c = m.getCenter(); "
        "return [c.lat, c.lng, m.getZoom()]; }"
    )
    return lat, lon, zoom


def _search(frame, text: str, name: str) -> None:
    """Type ``text`` in the search box, press Enter, wait for the flight to end at ``name``
    (its popup opens once the map has stopped moving)."""
    frame.evaluate("() => { window.geotoolsLeafletMap.closePopup(); }")
    box = frame.locator("input.gt-search-input")
    box.fill(text)
    box.press("Enter")
    frame.wait_for_function(
        "(name) => { var p = document.querySelector('.leaflet-popup-content'); "
        "return p !== null && p.textContent.indexOf(name) === 0; }",
        arg=name,
        timeout=10_000,
    )


@pytest.fixture(scope="module")
def november(deepstate_daily, boundaries_full, tmp_path_factory):
    regions = RegionSpec(boundaries_full)
    data = gather([deepstate_daily], start=NOV, end=DEC, regions=regions, show_progress=False)
    overlay = place_overlay([NOV, DEC], [deepstate_daily], ReadOptions(), regions=regions)
    out = tmp_path_factory.mktemp("places") / "november.html"
    write_map(data, out, places=overlay)
    return out, overlay


def test_search_flies_to_the_place_and_labels_show_by_zoom(browser, november):
    path, overlay = november
    view = tb.Page(browser, path)
    page = view.page
    container = page.locator(".folium-map")
    wide = int(container.get_attribute("data-place-labels"))
    assert wide > 0
    # the big cities' labels at the first (wide) view
    labels = page.locator(".leaflet-gt-places-pane .gt-place")
    assert {"Kharkiv", "Dnipro", "Zaporizhzhya"} <= set(labels.all_inner_texts())
    # a spelling GeoNames does not use, and a Cyrillic one
    for query, name in (("Selidove", "Selydove"), ("Покровськ", "Pokrovsk")):
        _search(page, query, name)
        lat, lon, zoom = _centre(page)
        want = _place(name)
        assert abs(lat - want[0]) < 0.01 and abs(lon - want[1]) < 0.01, (query, lat, lon)
        assert zoom >= 12
        assert container.get_attribute("data-place") == name
        assert page.locator(".leaflet-popup-content").inner_text().startswith(name)
    # zoomed in: every place of the layer around, many more labels than at the wide view
    close = int(container.get_attribute("data-place-labels"))
    assert close > 20 and "Myrnohrad" in labels.all_inner_texts()
    # the places that changed in November are marked
    changed = set(overlay.changes["place"])
    marked = set(page.locator(".gt-place-changed").all_inner_texts())
    assert changed and marked == changed
    # the page's search key is Python's
    names = ["Kup'yans'k", "Купʼянськ", "Selydove", "Zaporizhzhia", "Chasiv Yar", "Dnìpro"]
    keys = page.evaluate("(ns) => ns.map(window.geotoolsPlaceKey)", names)
    assert keys == [name_key(n) for n in names]
    assert view.errors == [] and view.dialogs == []
    view.close()


def test_report_maps_search(browser, deepstate_daily, boundaries_full, tmp_path):
    regions = RegionSpec(boundaries_full)
    common = {"regions": regions, "show_progress": False}
    start = dt.date(2024, 10, 1)
    whole = gather([deepstate_daily], start=start, end=DEC, **common)
    periods = gather([deepstate_daily], start=start, end=DEC, period="month", **common)
    overlay = place_overlay([start, NOV, DEC], [deepstate_daily], ReadOptions(), regions=regions)
    out = tmp_path / "report.html"
    write_report(periods, whole, out, places=overlay)
    view = tb.Page(browser, out)
    page = view.page
    page.wait_for_timeout(500)
    assert page.locator("#settlements").count() == 1
    iframe = page.locator("#timeline-map")
    iframe.scroll_into_view_if_needed()
    frame = iframe.element_handle().content_frame()
    _search(frame, "Vugledar", "Vuhledar")
    lat, lon, _ = _centre(frame)
    want = _place("Vuhledar")
    assert abs(lat - want[0]) < 0.01 and abs(lon - want[1]) < 0.01
    assert view.errors == [] and view.dialogs == []
    view.close()
