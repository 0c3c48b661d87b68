/* geotools map: control areas, gained / lost polygons and a per-region choropleth for one
 * or more periods, with a time slider when there is more than one.
 *
 * Every string from the data is put into the page with textContent, never as HTML.
 * Switching periods adds the new period's layers before removing the old ones, in one task,
 * so nothing flickers or vanishes between steps.
 * (c) geotools contributors, MIT licence.
 */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function km2(value) {
    if (value === null || value === undefined) { return "n/a"; }
    return Number(value).toLocaleString("en-US", {
      minimumFractionDigits: 3, maximumFractionDigits: 3
    }) + " km\u00b2";
  }

  function signed(value) {
    return (value > 0 ? "+" : value < 0 ? "\u2212" : "") + km2(Math.abs(value));
  }

  function rows(pairs) {
    var table = el("table", "gt-tip");
    pairs.forEach(function (pair) {
      var tr = el("tr");
      tr.appendChild(el("th", null, pair[0]));
      tr.appendChild(el("td", null, pair[1]));
      table.appendChild(tr);
    });
    return table;
  }

  function tip(title, pairs) {
    var box = el("div", "gt-tooltip");
    box.appendChild(el("div", "gt-tip-title", title));
    box.appendChild(rows(pairs));
    return box;
  }

  function lerp(a, b, t) { return Math.round(a + (b - a) * t); }

  function hexToRgb(hex) {
    var n = parseInt(hex.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }

  // Diverging colour for a net change: the ramp's middle for 0, its ends at +/- max.
  function rampColor(ramp, value, max) {
    if (!max || value === null || value === undefined) { return null; }
    var t = Math.max(-1, Math.min(1, value / max));
    var pos = (t + 1) / 2 * (ramp.length - 1);
    var i = Math.min(ramp.length - 2, Math.floor(pos));
    var f = pos - i;
    var a = hexToRgb(ramp[i]), b = hexToRgb(ramp[i + 1]);
    return "rgb(" + lerp(a[0], b[0], f) + "," + lerp(a[1], b[1], f) + "," + lerp(a[2], b[2], f) + ")";
  }

  function periodPairs(step) {
    return [
      ["Period", step.start + " \u2192 " + step.end],
      ["Snapshots", step.from + " \u2192 " + step.to]
    ];
  }

  // Geometry {type: "Q", q: polygons of rings of integer deltas in 1e-5 degree} -> GeoJSON.
  function decodeGeometry(g) {
    if (!g || g.type !== "Q") { return g; }
    return {
      type: "MultiPolygon",
      coordinates: g.q.map(function (poly) {
        return poly.map(function (ring) {
          var out = [], x = 0, y = 0;
          for (var i = 0; i + 1 < ring.length; i += 2) {
            x += ring[i]; y += ring[i + 1];
            out.push([x / 1e5, y / 1e5]);
          }
          return out;
        });
      })
    };
  }

  function decodeCollection(fc) {
    if (!fc) { return fc; }
    fc.features.forEach(function (f) { f.geometry = decodeGeometry(f.geometry); });
    return fc;
  }
  // Info box: the title, a label for the step shown, its totals and, for several steps, a
  // slider with previous / next buttons (and play / pause with ``o.play``). ``o``: title,
  // count, start, noun ("period"), play, show(i), current(). Returns {label, totals, slider},
  // filled when the box is added (at once).
  function addInfo(map, o) {
    var parts = { label: null, totals: null, slider: null };
    var Info = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var box = el("div", "gt-info leaflet-bar");
        box.appendChild(el("div", "gt-title", o.title));
        parts.label = el("div", "gt-period");
        box.appendChild(parts.label);
        if (o.count > 1) {
          var row = el("div", "gt-slider-row");
          var prev = el("button", "gt-prev", "\u25c0");
          var next = el("button", "gt-next", o.play ? "\u25b6\u25b6" : "\u25b6");
          prev.type = next.type = "button";
          prev.title = "previous " + o.noun; next.title = "next " + o.noun;
          var slider = el("input", "gt-slider");
          slider.type = "range"; slider.min = "0"; slider.max = String(o.count - 1);
          slider.step = "1"; slider.value = String(o.start);
          slider.setAttribute("aria-label", o.noun);
          row.appendChild(prev);
          if (o.play) { row.appendChild(playButton(o)); }
          row.appendChild(slider); row.appendChild(next);
          box.appendChild(row);
          slider.addEventListener("input", function () { o.show(parseInt(slider.value, 10)); });
          prev.addEventListener("click", function () { o.show(Math.max(0, o.current() - 1)); });
          next.addEventListener("click", function () { o.show(Math.min(o.count - 1, o.current() + 1)); });
          parts.slider = slider;
        }
        parts.totals = el("div", "gt-totals");
        box.appendChild(parts.totals);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    map.addControl(new Info());
    return parts;
  }

  function playButton(o) {
    var play = el("button", "gt-play", "\u25b6");
    play.type = "button";
    play.title = "play / pause";
    var timer = null;
    play.addEventListener("click", function () {
      if (timer) { clearInterval(timer); timer = null; play.textContent = "\u25b6"; return; }
      play.textContent = "\u275a\u275a";
      timer = setInterval(function () { o.show((o.current() + 1) % o.count); }, 800);
    });
    return play;
  }

  // Minimap of the land / region outline: works without tiles, offline.
  function addMinimap(map, outline) {
    if (!outline || !L.Control.MiniMap) { return; }
    var mini = L.geoJSON(outline, {
      style: function () { return { color: "#666666", weight: 0.6, fillColor: "#dddddd", fillOpacity: 1 }; }
    });
    new L.Control.MiniMap(mini, {
      position: "bottomright", toggleDisplay: true, zoomLevelOffset: -4, width: 140, height: 120,
      // the plugin's orange view box would read as one more gained polygon
      aimingRectOptions: { color: "#1a1a1a", weight: 1.5, fillOpacity: 0.08, interactive: false },
      shadowRectOptions: { color: "#1a1a1a", weight: 1, opacity: 0, fillOpacity: 0, interactive: false }
    }).addTo(map);
  }

  window.geotoolsDecode = decodeCollection;
  // for the other geotools pages (the compare map): the same text-only builders
  window.geotoolsUI = { el: el, km2: km2, tip: tip, addInfo: addInfo, addMinimap: addMinimap };

  window.geotoolsMap = function (map, groups, data) {
    decodeCollection(data.regions);
    decodeCollection(data.outline);
    data.steps.forEach(function (step) {
      decodeCollection(step.control);
      decodeCollection(step.changes);
    });
    var steps = data.steps;
    var panes = [["gt-regions", 410], ["gt-control", 420], ["gt-changes", 430]];
    panes.forEach(function (p) { map.createPane(p[0]).style.zIndex = p[1]; });

    // Region polygons: one layer per status, restyled for each step (no re-creation).
    var regionLayers = {};
    var current = 0;
    if (data.regions) {
      data.statuses.forEach(function (status) {
        if (!groups.regions[status]) { return; }
        regionLayers[status] = L.geoJSON(data.regions, {
          pane: "gt-regions",
          style: function () { return { weight: 0.8, color: "#555555", fillOpacity: 0.55 }; },
          onEachFeature: function (feature, layer) {
            layer.bindTooltip(function () {
              var v = (steps[current].regions[status] || {})[feature.properties.code];
              var pairs = [["Region", feature.properties.name + " (" + feature.properties.code + ")"]]
                .concat(periodPairs(steps[current]));
              pairs.push(["Status", status]);
              if (v) {
                pairs.push(["Gained", km2(v[0])], ["Lost", km2(v[1])], ["Net", signed(v[2])]);
              } else {
                pairs.push(["Change", "no row in the table"]);
              }
              return tip(feature.properties.name, pairs);
            }, { sticky: true });
          }
        });
        groups.regions[status].addLayer(regionLayers[status]);
      });
    }

    function styleRegions(i) {
      Object.keys(regionLayers).forEach(function (status) {
        var values = steps[i].regions[status] || {};
        var max = data.net_max[status];
        regionLayers[status].setStyle(function (feature) {
          var v = values[feature.properties.code];
          var color = v ? rampColor(data.ramp, v[2], max) : null;
          return {
            weight: 0.8, color: "#555555",
            fillColor: color || "#ffffff", fillOpacity: color ? data.region_opacity : 0.1
          };
        });
      });
    }

    // A change polygon's tooltip: the Table's figures of each region it lies in (largest
    // share first), or of the area outside all regions; without regions, the period's totals.
    function changeFigures(step, p) {
      var pairs = [];
      function figures(v, what) {
        if (!v) { pairs.push(["Change", "no row in the table"]); return; }
        pairs.push(["Gained " + what, km2(v[0])], ["Lost " + what, km2(v[1])],
          ["Net " + what, signed(v[2])]);
      }
      if (!data.regions) {
        var t = step.totals[p.status];
        figures(t ? [t.gained, t.lost, t.net] : null, "in the period");
        return pairs;
      }
      if (!p.regions.length) {
        pairs.push(["Region", "outside all regions"]);
        figures((step.outside || {})[p.status], "outside regions");
        return pairs;
      }
      p.regions.forEach(function (code) {
        var name = data.region_names[code];
        pairs.push(["Region", name ? name + " (" + code + ")" : code]);
        figures((step.regions[p.status] || {})[code], "in the region");
      });
      return pairs;
    }

    // Per-step layers, built on first use and kept.
    var built = {};
    function build(i) {
      if (built[i]) { return built[i]; }
      var step = steps[i];
      var made = { control: {}, gained: null, lost: null };
      var control = step.control_same_as !== undefined ? steps[step.control_same_as].control : step.control;
      data.statuses.forEach(function (status) {
        var features = control.features.filter(function (f) { return f.properties.status === status; });
        made.control[status] = L.geoJSON({ type: "FeatureCollection", features: features }, {
          pane: "gt-control",
          style: function () {
            var c = data.colors.status[status] || "#888888";
            return { color: c, weight: 1, fillColor: c, fillOpacity: 0.35 };
          },
          onEachFeature: function (feature, layer) {
            layer.bindTooltip(function () {
              var t = step.totals[status] || {};
              return tip("Control area: " + status, periodPairs(step).concat([
                ["Area at " + step.to, km2(t.area_to)],
                ["Area at " + step.from, km2(t.area_from)],
                ["Net", signed(t.net || 0)]
              ]));
            }, { sticky: true });
          }
        });
      });
      ["gained", "lost"].forEach(function (kind) {
        var features = step.changes.features.filter(function (f) { return f.properties.change === kind; });
        made[kind] = L.geoJSON({ type: "FeatureCollection", features: features }, {
          pane: "gt-changes",
          style: function () {
            var c = data.colors[kind];
            return { color: "#1a1a1a", weight: 0.8, fillColor: c, fillOpacity: 0.9 };
          },
          onEachFeature: function (feature, layer) {
            var p = feature.properties;
            layer.bindTooltip(function () {
              return tip((kind === "gained" ? "Gained" : "Lost") + ": " + p.status,
                periodPairs(step).concat([["This polygon", km2(p.area_km2)]])
                  .concat(changeFigures(step, p)));
            }, { sticky: true });
          }
        });
      });
      built[i] = made;
      return made;
    }

    var shown = null;
    var info = null;  // the info box's parts (addInfo, below)

    function show(i) {
      var made = build(i);
      // add first, then remove: the map is never without a control area
      Object.keys(made.control).forEach(function (status) {
        if (groups.control[status]) { groups.control[status].addLayer(made.control[status]); }
      });
      groups.gained.addLayer(made.gained);
      groups.lost.addLayer(made.lost);
      if (shown !== null && shown !== made) {
        Object.keys(shown.control).forEach(function (status) {
          if (groups.control[status]) { groups.control[status].removeLayer(shown.control[status]); }
        });
        groups.gained.removeLayer(shown.gained);
        groups.lost.removeLayer(shown.lost);
      }
      shown = made;
      current = i;
      styleRegions(i);
      var step = steps[i];
      info.label.textContent = step.start + " \u2192 " + step.end;
      info.label.title = "snapshots " + step.from + " \u2192 " + step.to +
        (step.gap_days ? " (" + step.gap_days + " days without a snapshot)" : "");
      info.totals.textContent = "";
      data.statuses.forEach(function (status) {
        var t = step.totals[status];
        if (!t) { return; }
        info.totals.appendChild(el("div", null, status + ": gained " + km2(t.gained) + ", lost " +
          km2(t.lost) + ", net " + signed(t.net)));
      });
      if (info.slider) { info.slider.value = String(i); }
      map.getContainer().setAttribute("data-step", String(i));
    }

    // Info box: title, period, totals and (for several steps) the slider.
    info = addInfo(map, {
      title: data.title, count: steps.length, start: 0, noun: "period", play: true,
      show: show, current: function () { return current; }
    });

    // Legend.
    var Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var box = el("div", "gt-legend leaflet-bar");
        function item(color, text, opacity) {
          var row = el("div", "gt-legend-item");
          var sw = el("span", "gt-swatch");
          sw.style.background = color; sw.style.opacity = String(opacity);
          row.appendChild(sw); row.appendChild(el("span", null, text));
          box.appendChild(row);
        }
        item(data.colors.gained, "gained in the period", 0.85);
        item(data.colors.lost, "lost in the period", 0.85);
        data.statuses.forEach(function (s) { item(data.colors.status[s] || "#888888", "control area: " + s, 0.5); });
        if (data.regions) {
          data.statuses.forEach(function (s) {
            if (!groups.regions[s]) { return; }
            var max = data.net_max[s] || 0;
            box.appendChild(el("div", "gt-legend-head", "net change by region (" + s + ")"));
            var bar = el("div", "gt-ramp");
            bar.style.background = "linear-gradient(to right," + data.ramp.join(",") + ")";
            bar.style.opacity = String(data.region_opacity);  // as drawn on the map
            box.appendChild(bar);
            var ticks = el("div", "gt-ramp-ticks");
            ticks.appendChild(el("span", null, "\u2212" + Math.round(max).toLocaleString("en-US")));
            ticks.appendChild(el("span", null, "0"));
            ticks.appendChild(el("span", null, "+" + Math.round(max).toLocaleString("en-US") + " km\u00b2"));
            box.appendChild(ticks);
          });
        }
        return box;
      }
    });
    map.addControl(new Legend());

    addMinimap(map, data.outline);

    show(0);
    window.geotoolsStep = show;

    // An iframe can run this before it has a size (a report's first map): fit the data
    // again once the map has one, or Leaflet stays at its smallest zoom.
    var size = map.getSize();
    if (data.bounds && (size.x === 0 || size.y === 0)) {
      var refit = function () {
        map.invalidateSize(false);
        var s = map.getSize();
        if (s.x === 0 || s.y === 0) { return; }
        map.off("resize", refit);
        window.removeEventListener("load", refit);
        map.fitBounds(data.bounds);
      };
      map.on("resize", refit);
      window.addEventListener("load", refit);
    }
    window.geotoolsLeafletMap = map;
  };
}());
