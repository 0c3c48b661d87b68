"""A multi-step timeline of real data in Chromium (issue 18 points 12 and 4): every step's
figures are the Table's, the control areas drawn are those the encoding holds, and the line
of contact is a layer with one path a step that follows the date.

Driven like tests/test_browser.py (Playwright, Debian's chromium).
"""

import datetime as dt

import numpy as np
import pytest

from geotools.regions import RegionSpec
from geotools.render.data import gather
from geotools.render.encode import decode_track
from geotools.render.maps import write_map

from .test_browser import browser  # noqa: F401  (the module's browser fixture)
from .test_browser_maps import no_request_beyond_the_file, open_page, step
from .test_timeline_encoding import END, START

# every vertex of the step's layers in a pane, [rings, vertices, sum of lng, sum of lat]
DRAWN = """(pane) => {
  const map = window.geotoolsLeafletMap, out = [0, 0, 0, 0];
  const walk = (x) => {
    if (Array.isArray(x) && x.length && x[0].lat === undefined) { x.forEach(walk); return; }
    out[0] += 1;
    x.forEach((p) => { out[1] += 1; out[2] += p.lng; out[3] += p.lat; });
  };
  map.eachLayer((l) => {
    if (l.options && l.options.pane === pane && l.getLatLngs) { walk(l.getLatLngs()); }
  });
  return out;
}"""

# a point of the front line on the screen where the line is the topmost element
ON_THE_LINE = """() => {
  const map = window.geotoolsLeafletMap, box = map.getContainer().getBoundingClientRect();
  let line = null;
  map.eachLayer((l) => {
    if (l.options && l.options.pane === "gt-front" && l.getLatLngs) { line = l; }
  });
  for (const part of line.getLatLngs()) {
    for (const ll of part) {
      const p = map.latLngToContainerPoint(ll), x = p.x + box.left, y = p.y + box.top;
      const hit = document.elementFromPoint(x, y);
      if (hit && hit.closest(".leaflet-gt-front-pane")) { return [x, y]; }
    }
  }
  return null;
}"""


@pytest.fixture(scope="module")
def timeline(deepstate_daily, boundaries_full, tmp_path_factory):
    data = gather(
        [deepstate_daily],
        start=START,
        end=END,
        period="day",
        regions=RegionSpec(boundaries_full),
        show_progress=False,
    )
    path = tmp_path_factory.mktemp("timeline") / "weeks.html"
    write_map(data, path)
    html = path.read_text(encoding="utf-8")
    from benchmarks.timeline import payload_of

    return data, path, payload_of(html)


def _km2(v: float) -> str:
    return f"{v:,.3f} km²"


def test_each_step_shows_the_tables_figures_and_the_encoded_polygons(browser, timeline):  # noqa: F811
    data, path, payload = timeline
    view = open_page(browser, path)
    page = view.page
    totals = data.table[(data.table["region"] == "total") & (data.table["status"] == "occupied")]
    controls = decode_track(payload["control_track"])
    assert len(controls) == len(data.steps) == 21
    drawn_before = None
    for i, st in enumerate(data.steps):
        page.evaluate(f"() => window.geotoolsStep({i})")
        assert step(page) == i
        p = st.period
        row = totals[(totals["period_start"] == p.start) & (totals["period_end"] == p.end)].iloc[0]
        text = page.inner_text(".gt-totals")
        if p.from_date == p.to_date:
            assert "no new snapshot" in text
        else:
            net = float(row["net_km2"])
            sign = "+" if net > 0 else "−" if net < 0 else ""
            want = (
                f"occupied: gained {_km2(row['gained_km2'])}, lost {_km2(row['lost_km2'])}, "
                f"net {sign}{_km2(abs(net))}"
            )
            assert text.strip() == want
        # the control area drawn is the step's own, vertex for vertex
        structure, verts = controls[i]
        rings = sum(len(lens) for _, polys in structure for lens in polys)
        drawn = page.evaluate(DRAWN, "gt-control")
        assert drawn[0] == rings and drawn[1] == len(verts)
        assert drawn[2] == pytest.approx(verts[:, 0].sum() / 1e5, abs=1e-6)
        assert drawn[3] == pytest.approx(verts[:, 1].sum() / 1e5, abs=1e-6)
        if drawn_before is not None and not np.array_equal(verts, controls[i - 1][1]):
            assert drawn != drawn_before  # stepping replaced the polygons
        drawn_before = drawn
        # as many gained and lost paths as the step has change polygons
        features = payload["steps"][i]["changes"]["features"]
        drawn_changes = page.evaluate(DRAWN, "gt-changes")
        want_parts = sum(len(f["geometry"]["q"]) for f in features)
        assert drawn_changes[0] >= want_parts
    # a jump back, then forward again (the track rebuilt from a keyframe, then from the last)
    for i in (3, 19, 2, 20):
        page.evaluate(f"() => window.geotoolsStep({i})")
        drawn = page.evaluate(DRAWN, "gt-control")
        assert drawn[1] == len(controls[i][1])
        assert drawn[2] == pytest.approx(controls[i][1][:, 0].sum() / 1e5, abs=1e-6)
    no_request_beyond_the_file(view)
    view.page.close()


def test_the_line_of_contact_is_a_layer_with_one_path_a_step(browser, timeline):  # noqa: F811
    data, path, payload = timeline
    view = open_page(browser, path)
    page = view.page
    lines = decode_track(payload["front"]["track"])
    km = payload["front"]["km"]
    # a layer in the layer control and a row in the legend
    assert "Line of contact" in page.inner_text(".leaflet-control-layers")
    assert "line of contact" in page.inner_text(".gt-legend")
    seen = set()
    for i in range(len(data.steps)):
        page.evaluate(f"() => window.geotoolsStep({i})")
        assert page.locator(".leaflet-gt-front-pane path").count() == 1
        structure, verts = lines[i]
        drawn = page.evaluate(DRAWN, "gt-front")
        assert drawn[0] == len(structure) and drawn[1] == len(verts)
        assert drawn[2] == pytest.approx(verts[:, 0].sum() / 1e5, abs=1e-6)
        seen.add(page.get_attribute(".leaflet-gt-front-pane path", "d"))
    assert len(seen) > len(data.steps) // 2  # the line moves with the days
    # it follows the date input, and its tooltip gives the step's length
    page.fill(".gt-date", "2024-11-15")
    page.dispatch_event(".gt-date", "change")
    i = step(page)
    assert data.steps[i].period.start == dt.date(2024, 11, 15)
    drawn = page.evaluate(DRAWN, "gt-front")
    assert drawn[1] == len(lines[i][1])
    at = page.evaluate(ON_THE_LINE)
    assert at is not None
    page.mouse.move(at[0], at[1])
    page.wait_for_selector(".gt-tooltip")
    tip = page.inner_text(".leaflet-tooltip")
    assert "Line of contact" in tip and f"{km[i]:,.1f} km" in tip
    assert data.steps[i].period.to_date.isoformat() in tip
    # toggled off in the layer control: no path, and the legend row hidden
    page.locator(".leaflet-control-layers-overlays label", has_text="Line of contact").locator(
        "input"
    ).click()
    assert page.locator(".leaflet-gt-front-pane path").count() == 0
    assert "line of contact" not in page.inner_text(".gt-legend")
    no_request_beyond_the_file(view)
    view.page.close()
