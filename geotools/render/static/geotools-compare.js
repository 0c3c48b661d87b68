/* geotools compare map: the territory only source A, only source B or both call
 * Russian-controlled, one date pair at a time (a slider when there are several), with the
 * compare table's figures per region in the tooltips.
 *
 * Needs geotools-map.js (window.geotoolsDecode, window.geotoolsUI). Every string from the data is put into the
 * page with textContent, never as HTML. Switching pairs adds the new pair's layers before
 * removing the old ones, in one task, so nothing flickers.
 * (c) geotools contributors, MIT licence.
 */
(function () {
  "use strict";

  // the change map's helpers (geotools-map.js is inlined first): one definition of each
  var ui = window.geotoolsUI, el = ui.el, km2 = ui.km2, tip = ui.tip;

  // a key from the data (a region code) may be "constructor" or "__proto__": own keys only
  function own(obj, key) {
    return obj && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
  }

  window.geotoolsCompareMap = function (map, groups, data) {
    var decode = window.geotoolsDecode;
    decode(data.regions);
    decode(data.outline);
    data.steps.forEach(function (step) { decode(step.features); });
    var steps = data.steps;
    var A = data.label_a, B = data.label_b;
    [["gt-regions", 410], ["gt-borders", 415], ["gt-both", 420], ["gt-disputed", 430]].forEach(function (p) {
      map.createPane(p[0]).style.zIndex = p[1];
    });

    var names = data.region_names || {};
    function regionName(code) {
      if (code === data.outside) { return "outside all regions"; }
      var name = own(names, code);
      return name !== undefined ? name : code;
    }
    function datePairs(step) {
      var pairs = [[A, step.date_a], [B, step.date_b]];
      if (step.days_apart) { pairs.push(["Days apart", String(step.days_apart)]); }
      return pairs;
    }
    // v: [only_a, only_b, both, area_a, area_b, disagreement] in km2, from the table
    function numberPairs(v, where) {
      if (!v) { return [["In " + where, "no row in the table"]]; }
      return [
        ["Only " + A + " (" + where + ")", km2(v[0])],
        ["Only " + B + " (" + where + ")", km2(v[1])],
        ["Both (" + where + ")", km2(v[2])],
        ["Disagreement (" + where + ")", km2(v[5])]
      ];
    }

    var current = steps.length - 1;

    // Region outlines: one layer, its tooltip reads the current pair's rows; the national
    // border heavier over it (issue 18).
    if (data.regions && groups.regions && ui.borderLayers) {
      ui.borderLayers(data.regions, "gt-borders").slice(1).forEach(function (l) { groups.regions.addLayer(l); });
    }
    if (data.regions && groups.regions) {
      groups.regions.addLayer(L.geoJSON(data.regions, {
        pane: "gt-regions",
        style: function () {
          return { weight: 0.9, color: "#555555", fillColor: "#ffffff", fillOpacity: 0.05 };
        },
        onEachFeature: function (feature, layer) {
          layer.bindTooltip(function () {
            var step = steps[current], p = feature.properties;
            var v = own(step.regions, p.code);
            var pairs = [["Region", p.name + " (" + p.code + ")"]].concat(datePairs(step))
              .concat(numberPairs(v, "region"));
            if (v) { pairs.push([A + " area (region)", km2(v[3])], [B + " area (region)", km2(v[4])]); }
            return tip(p.name, pairs);
          }, { sticky: true });
        }
      }));
    }

    // Per-pair layers, built on first use and kept.
    var built = {};
    function build(i) {
      if (built[i]) { return built[i]; }
      var step = steps[i];
      var made = {};
      data.kinds.forEach(function (kind) {
        var features = step.features.features.filter(function (f) { return f.properties.kind === kind; });
        made[kind] = L.geoJSON({ type: "FeatureCollection", features: features }, {
          pane: kind === "both" ? "gt-both" : "gt-disputed",
          style: function () {
            var c = data.colors[kind];
            // slivers keep their colour at any zoom: no dark outline
            return kind === "both"
              ? { color: c, weight: 0.6, fillColor: c, fillOpacity: 0.35 }
              : { color: c, weight: 1, fillColor: c, fillOpacity: 0.85 };
          },
          onEachFeature: function (feature, layer) {
            var p = feature.properties;
            layer.bindTooltip(function () {
              var main = p.regions.length ? p.regions[0] : data.outside;
              var pairs = [["Region", p.regions.length ? p.regions.map(regionName).join(", ")
                                                       : "outside all regions"]]
                .concat(datePairs(step))
                .concat([["This polygon", km2(p.area_km2)]])
                .concat(numberPairs(own(step.regions, main), regionName(main)))
                .concat(numberPairs(step.totals, "all"));
              return tip(data.kind_labels[kind], pairs);
            }, { sticky: true });
          }
        });
      });
      built[i] = made;
      return made;
    }

    var shown = null, info = null;  // info: the info box's parts (ui.addInfo, below)

    function show(i) {
      var made = build(i);
      // add first, then remove: the map is never without the shared territory
      data.kinds.forEach(function (kind) { if (groups[kind]) { groups[kind].addLayer(made[kind]); } });
      if (shown !== null && shown !== made) {
        data.kinds.forEach(function (kind) {
          if (groups[kind]) { groups[kind].removeLayer(shown[kind]); }
        });
      }
      shown = made;
      current = i;
      var step = steps[i];
      info.label.textContent = A + " " + step.date_a + " \u00b7 " + B + " " + step.date_b;
      info.totals.textContent = "";
      var t = step.totals;
      if (t) {
        info.totals.appendChild(el("div", null, "only " + A + " " + km2(t[0]) + ", only " + B + " " +
          km2(t[1]) + ", both " + km2(t[2])));
        info.totals.appendChild(el("div", null, "disagreement " + km2(t[5])));
      }
      // issue 18: a pair that disagrees far more than the run's others (a stale file?)
      if (step.outlier) {
        info.totals.appendChild(el("div", "gt-outlier", "\u26a0 outlier: far above the run's median disagreement " +
          "of " + km2(data.median_km2) + " (limit " + km2(data.outlier_limit) + "): a stale or broken file?"));
      }
      map.getContainer().setAttribute("data-outlier", step.outlier ? "yes" : "no");
      if (info.slider) { info.slider.value = String(i); }
      map.getContainer().setAttribute("data-step", String(i));
    }

    info = ui.addInfo(map, {
      title: data.title, count: steps.length, start: current, noun: "date pair", play: false,
      show: show, current: function () { return current; }
    });
    // issue 18: the outlier pairs named under the slider, each a button to it
    var wild = [];
    steps.forEach(function (st, i) { if (st.outlier) { wild.push(i); } });
    if (wild.length && info.box) {
      var row = el("div", "gt-outlier-list", wild.length + " of " + steps.length + " pairs are outliers: ");
      wild.forEach(function (i) {
        var b = el("button", "gt-outlier-pair", steps[i].date_a);
        b.type = "button";
        b.addEventListener("click", function () { show(i); });
        row.appendChild(b);
      });
      info.box.insertBefore(row, info.totals);
    }

    var Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var box = el("div", "gt-legend leaflet-bar");
        function item(color, text, opacity, border) {
          var row = el("div", "gt-legend-item");
          var sw = el("span", "gt-swatch");
          sw.style.background = color; sw.style.opacity = String(opacity);
          if (border) { sw.style.borderColor = border; }
          row.appendChild(sw); row.appendChild(el("span", null, text));
          box.appendChild(row);
        }
        item(data.colors.only_a, data.kind_labels.only_a, 0.85);
        item(data.colors.only_b, data.kind_labels.only_b, 0.85);
        item(data.colors.both, data.kind_labels.both, 0.35);
        if (data.regions) { item("#ffffff", "region (hover: the table's figures)", 1, "#555555"); }
        return box;
      }
    });
    map.addControl(new Legend());

    // Minimap of the land outline: works without tiles, offline.
    ui.addMinimap(map, data.outline);
    if (ui.addCredit) { ui.addCredit(map, data.credit); }  // issue 18
    // issue 18 point 6: the picture of the pair shown, with its figures, legend, source, scale
    ui.addExport(map, function () {
      var line = map.getContainer().querySelector(".leaflet-control-scale-line");
      return {
        title: data.title, period: info.label.textContent,
        totals: Array.prototype.map.call(info.totals.childNodes, function (n) { return n.textContent; }),
        legend: [
          { text: data.kind_labels.only_a, color: data.colors.only_a, opacity: 0.85 },
          { text: data.kind_labels.only_b, color: data.colors.only_b, opacity: 0.85 },
          { text: data.kind_labels.both, color: data.colors.both, opacity: 0.35 }],
        credit: data.credit || "", scale: line ? [line.offsetWidth, line.textContent] : null
      };
    }, function () { return "geotools-compare-" + steps[current].date_a + "-" + steps[current].date_b; });

    show(current);
    window.geotoolsStep = show;
    window.geotoolsLeafletMap = map;
  };
}());
