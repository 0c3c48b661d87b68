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

  // one formatter (issue 18 point 12: toLocaleString with options builds one at each call,
  // ~0.3 ms; the same text)
  var KM2 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 3, maximumFractionDigits: 3 });
  function km2(value) {
    if (value === null || value === undefined) { return "n/a"; }
    return KM2.format(Number(value)) + " km\u00b2";
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
    if (g && g.type === "QL") { return decodeLines(g); }  // issue 18: border lines
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

  // --- issue 18 point 9: lines {type: "QL", q: lines of integer deltas} -> GeoJSON ---
  function decodeLines(g) {
    return {
      type: "MultiLineString",
      coordinates: g.q.map(function (line) {
        var out = [], x = 0, y = 0;
        for (var i = 0; i + 1 < line.length; i += 2) {
          x += line[i]; y += line[i + 1];
          out.push([x / 1e5, y / 1e5]);
        }
        return out;
      })
    };
  }

  // The region borders (a layer of their own): the regions' outlines, and the national
  // border (a line of its own) heavier over them.
  var NATIONAL = { weight: 2.6, color: "#1f1f1f", opacity: 0.85 };
  function borderLayers(regions, pane) {
    var out = [L.geoJSON(regions, { pane: pane, interactive: false,
      style: function () { return { weight: 0.8, color: "#555555", fill: false, className: "gt-border-region" }; } })];
    var b = regions.borders;
    if (b && b.national) {
      if (b.national.type === "QL") { b.national = decodeLines(b.national); }
      out.push(L.geoJSON({ type: "Feature", properties: {}, geometry: b.national }, {
        pane: pane, interactive: false,
        style: function () {
          return { weight: NATIONAL.weight, color: NATIONAL.color, opacity: NATIONAL.opacity, fill: false,
            lineJoin: "round", className: "gt-border-national" };
        }
      }));
    }
    return out;
  }

  // Hatched fills (issue 18 points 5 and 9): an SVG pattern of lines in ``color`` over a pale
  // wash of it, put in the pane's own <svg> (so the PNG export, which copies each svg, keeps
  // it). A hatched control area lets the choropleth under it read; a hatched change is one
  // along the border or the coast. Returns the fill to give Leaflet ("url(#id)").
  var SVGNS = "http://www.w3.org/2000/svg";
  var hatches = [];  // [pane, id, color, wash]
  function hatch(pane, id, color, wash) {
    hatches.push([pane, id, color, wash]);
    return "url(#" + id + ")";
  }
  function placeHatches(map) {
    hatches.forEach(function (h) {
      var svg = map.getPane(h[0]) && map.getPane(h[0]).querySelector("svg");
      if (!svg || svg.querySelector("#" + h[1])) { return; }
      var defs = svg.querySelector("defs") || svg.insertBefore(document.createElementNS(SVGNS, "defs"), svg.firstChild);
      var pat = document.createElementNS(SVGNS, "pattern");
      pat.setAttribute("id", h[1]); pat.setAttribute("patternUnits", "userSpaceOnUse");
      pat.setAttribute("width", "7"); pat.setAttribute("height", "7");
      pat.setAttribute("patternTransform", "rotate(45)");
      var bg = document.createElementNS(SVGNS, "rect");
      bg.setAttribute("width", "7"); bg.setAttribute("height", "7");
      bg.setAttribute("fill", h[2]); bg.setAttribute("fill-opacity", String(h[3]));
      var line = document.createElementNS(SVGNS, "rect");
      line.setAttribute("width", "1.8"); line.setAttribute("height", "7");
      line.setAttribute("fill", h[2]); line.setAttribute("fill-opacity", "0.75");
      pat.appendChild(bg); pat.appendChild(line); defs.appendChild(pat);
    });
  }
  // the same hatching as a CSS background, for legend swatches
  function hatchSwatch(sw, color, wash) {
    var c = hexToRgb(color), pale = "rgba(" + c.join(",") + "," + wash + ")";
    sw.style.background = "repeating-linear-gradient(45deg," + color + " 0 2px," + pale + " 2px 5px)";
    sw.style.opacity = "1";
  }
  // --- end issue 18 point 9 ---

  function decodeCollection(fc) {
    if (!fc) { return fc; }
    fc.features.forEach(function (f) { f.geometry = decodeGeometry(f.geometry); });
    return fc;
  }
  // Info box: the title, a label for the step shown, its totals and, for several steps, a
  // slider with previous / next buttons (and play / pause with ``o.play``). ``o``: title,
  // count, start, noun ("period"), play, show(i), current(). Returns {label, totals, slider},
  // filled when the box is added (at once).
  // Issue 18: with ``o.dates`` (each step's [start, end], ISO days) the slider gets month
  // ticks and a date input beside it; with ``o.play`` a speed choice.
  function addInfo(map, o) {
    var parts = { label: null, totals: null, slider: null, box: null, date: null };
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
          if (o.dates) { addTimeTools(box, slider, o, parts); }
          slider.addEventListener("input", function () { o.show(parseInt(slider.value, 10)); });
          prev.addEventListener("click", function () { o.show(Math.max(0, o.current() - 1)); });
          next.addEventListener("click", function () { o.show(Math.min(o.count - 1, o.current() + 1)); });
          parts.slider = slider;
        }
        parts.totals = el("div", "gt-totals");
        box.appendChild(parts.totals);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        parts.box = box;
        return box;
      }
    });
    map.addControl(new Info());
    return parts;
  }

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // The step showing ``day`` (ISO): the period holding it, else the nearest one.
  function stepAt(dates, day) {
    if (!day) { return -1; }
    if (day < dates[0][0]) { return 0; }
    for (var i = 0; i < dates.length; i++) {
      if (day >= dates[i][0] && day < dates[i][1]) { return i; }
    }
    return dates.length - 1;
  }

  // Month ticks (a datalist: Chromium draws them on the track), their labels, and a date input.
  function addTimeTools(box, slider, o, parts) {
    var dates = o.dates, list = el("datalist"), marks = [];
    list.id = "gt-ticks-" + Math.random().toString(36).slice(2);
    dates.forEach(function (d, i) {
      var month = d[0].slice(0, 7);
      if (i === 0 || month !== dates[i - 1][0].slice(0, 7)) { marks.push([i, d[0]]); }
    });
    // at most ~14 labelled marks: every month, else every quarter, else every year
    var every = marks.length <= 14 ? 1 : marks.length <= 42 ? 3 : 12;
    var kept = marks.filter(function (m) { return (parseInt(m[1].slice(5, 7), 10) - 1) % every === 0; });
    kept.forEach(function (m) {
      var opt = el("option");
      opt.value = String(m[0]);
      list.appendChild(opt);
    });
    slider.setAttribute("list", list.id);
    box.appendChild(list);
    var scale = el("div", "gt-ticks");
    var last = Math.max(1, o.count - 1);
    kept.forEach(function (m, k) {
      if (kept.length > 7 && k % 2) { return; }  // labels: half of them when crowded
      var mon = parseInt(m[1].slice(5, 7), 10) - 1;
      var text = every === 12 || mon === 0 ? m[1].slice(0, 4) : MONTHS[mon];
      var tick = el("span", "gt-tick", text);
      tick.style.left = "calc(8px + (100% - 16px) * " + (m[0] / last) + ")";  // the thumb's inset
      scale.appendChild(tick);
    });
    box.appendChild(scale);
    function align() {  // under the track, whatever the buttons' widths
      scale.style.marginLeft = slider.offsetLeft + "px";
      scale.style.width = slider.offsetWidth + "px";
    }
    setTimeout(align, 0);
    if (window.ResizeObserver) { new ResizeObserver(align).observe(slider); }
    var row = el("div", "gt-date-row");
    var input = el("input", "gt-date");
    input.type = "date";
    input.min = dates[0][0]; input.max = dates[dates.length - 1][1];
    input.value = dates[o.start][0];
    input.setAttribute("aria-label", "go to date");
    input.addEventListener("change", function () {
      var i = stepAt(dates, input.value);
      if (i >= 0) { o.show(i); }
    });
    row.appendChild(el("label", "gt-date-label", "Go to"));
    row.appendChild(input);
    if (o.play) { row.appendChild(speedChoice(o)); }
    box.appendChild(row);
    parts.date = input;
  }

  // Seconds per step of play; for a long timeline a quick default (a year of days in ~90 s).
  function speedChoice(o) {
    var select = el("select", "gt-speed");
    select.setAttribute("aria-label", "play speed");
    select.title = "play speed";
    [[0.1, "0.1 s/step"], [0.25, "0.25 s/step"], [0.5, "0.5 s/step"], [1, "1 s/step"], [2, "2 s/step"]]
      .forEach(function (v) {
        var opt = el("option", null, v[1]);
        opt.value = String(v[0] * 1000);
        select.appendChild(opt);
      });
    select.value = o.count > 60 ? "250" : "1000";
    o.speed = function () { return parseInt(select.value, 10); };
    return select;
  }

  function playButton(o) {
    var play = el("button", "gt-play", "\u25b6");
    play.type = "button";
    play.title = "play / pause";
    var timer = null;
    function tick() {
      o.show((o.current() + 1) % o.count);
      timer = setTimeout(tick, o.speed ? o.speed() : 800);
    }
    play.addEventListener("click", function () {
      if (timer) { clearTimeout(timer); timer = null; play.textContent = "\u25b6"; return; }
      play.textContent = "\u275a\u275a";
      timer = setTimeout(tick, o.speed ? o.speed() : 800);
    });
    return play;
  }

  // Minimap of the land / region outline: works without tiles, offline.
  function addMinimap(map, outline) {
    if (!outline || !L.Control.MiniMap) { return; }
    var narrow = isNarrow();
    var mini = L.geoJSON(outline, {
      style: function () { return { color: "#666666", weight: 0.6, fillColor: "#dddddd", fillOpacity: 1 }; }
    });
    new L.Control.MiniMap(mini, {
      position: "bottomright", toggleDisplay: true, zoomLevelOffset: -4, width: 140, height: 120,
      minimized: narrow,  // issue 18: on a phone it would cover the map
      // the plugin's orange view box would read as one more gained polygon
      aimingRectOptions: { color: "#1a1a1a", weight: 1.5, fillOpacity: 0.08, interactive: false },
      shadowRectOptions: { color: "#1a1a1a", weight: 1, opacity: 0, fillOpacity: 0, interactive: false }
    }).addTo(map);
  }

  // --- places (issue 17): labels by zoom, offline search, the places that changed hands ---
  // The search key of geotools.places.name_key: case, diacritics, apostrophes and separators
  // folded, Cyrillic romanised, transliteration variants merged, doubled letters single.
  var CYRILLIC = "\u0430\u0431\u0432\u0433\u0491\u0434\u0435\u0454\u0436\u0437\u0438\u0456\u0457\u0439" +
    "\u043a\u043b\u043c\u043d\u043e\u043f\u0440\u0441\u0442\u0443\u0444\u0445\u0446\u0447\u0448\u0449" +
    "\u044c\u044e\u044f\u044b\u044d\u0451\u044a";
  var LATIN = "a b v h g d e ie zh z y i i i k l m n o p r s t u f kh ts ch sh shch - iu ia y e io -".split(" ");
  var VARIANTS = [["kh", "h"], ["ch", "c"], ["sh", "s"], ["zh", "z"], ["ts", "c"], ["w", "v"],
    ["j", "i"], ["y", "i"], ["g", "h"]];
  function nameKey(text) {
    var s = String(text).toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
    s = s.replace(/['\u2019\u02bc`\u00b4\u02b9"]/g, "").replace(/[\s\-_.,\/()]+/g, " ").trim();
    var out = "";
    Array.from(s).forEach(function (ch) {
      var at = CYRILLIC.indexOf(ch);
      out += at < 0 ? ch : (LATIN[at] === "-" ? "" : LATIN[at]);
    });
    VARIANTS.forEach(function (v) { out = out.split(v[0]).join(v[1]); });
    return out.replace(/(.)\1+/g, "$1");
  }

  // Indexes of the places matching a query: exact keys, then prefixes, then substrings;
  // biggest places first in each group.
  function searchPlaces(P, query, limit) {
    var key = nameKey(query);
    if (!key) { return []; }
    var groups = [[], [], []];
    P.keys.forEach(function (keys, i) {
      var rank = -1;
      keys.forEach(function (k) {
        var r = k === key ? 0 : k.indexOf(key) === 0 ? 1 : k.indexOf(key) > 0 ? 2 : -1;
        if (r >= 0 && (rank < 0 || r < rank)) { rank = r; }
      });
      if (rank >= 0) { groups[rank].push(i); }
    });
    var pop = function (i) { return P.population[i] || 0; };
    var out = [];
    groups.forEach(function (g) {
      g.sort(function (a, b) { return pop(b) - pop(a); });
      out = out.concat(g);
    });
    return out.slice(0, limit || 8);
  }

  // Labels shown by zoom, the changed places of the step shown marked; a search box that
  // flies to a place and opens its popup. Returns show(step) for the timeline.
  function addPlaces(map, group, P, statusNoun) {
    map.createPane("gt-places").style.zIndex = 640;  // over every layer, under tooltips
    var order = P.names.map(function (_, i) { return i; });
    order.sort(function (a, b) { return (P.population[b] || 0) - (P.population[a] || 0); });
    var markers = {}, onMap = {}, changed = {}, step = 0;
    var MAX_LABELS = 350;

    function placePairs(i) {
      var pairs = [["Population", P.population[i] === null ? "unknown" :
        Number(P.population[i]).toLocaleString("en-US")]];
      var c = changed[i];
      if (c) {
        pairs.push(["Changed", c[1] + " \u2192 " + c[2]], ["First on", c[3]]);
      }
      pairs.push(["Location", P.lat[i].toFixed(4) + ", " + P.lon[i].toFixed(4)]);
      return pairs;
    }
    function marker(i) {
      var node = el("span", "gt-place" + (changed[i] ? " gt-place-changed" : ""), P.names[i]);
      if (changed[i]) { node.title = changed[i][1] + " \u2192 " + changed[i][2] + " (" + statusNoun + ")"; }
      return L.marker([P.lat[i], P.lon[i]], {
        pane: "gt-places", keyboard: false, interactive: false,
        icon: L.divIcon({ className: "gt-place-icon", html: node, iconSize: null })
      });
    }
    // Greedy placement, biggest first: a label whose box would overlap one already placed
    // waits for a closer zoom (the changed places are placed first and always shown).
    function refresh() {
      var z = map.getZoom(), view = map.getBounds().pad(0.2), want = {}, n = 0, boxes = [];
      function fits(i, force) {
        var pt = map.latLngToContainerPoint([P.lat[i], P.lon[i]]);
        var w = 9 + 6.5 * P.names[i].length, box = [pt.x - 4, pt.y - 8, pt.x - 4 + w, pt.y + 8];
        var free = boxes.every(function (b) {
          return box[2] < b[0] || box[0] > b[2] || box[3] < b[1] || box[1] > b[3];
        });
        if (free || force) { boxes.push(box); }
        return free || force;
      }
      Object.keys(changed).forEach(function (i) { want[i] = true; fits(Number(i), true); });
      for (var k = 0; k < order.length && n < MAX_LABELS; k++) {
        var i = order[k];
        if (want[i] || P.zoom[i] > z || !view.contains([P.lat[i], P.lon[i]])) { continue; }
        if (!fits(i, false)) { continue; }
        want[i] = true; n++;
      }
      Object.keys(onMap).forEach(function (i) {
        if (!want[i]) { group.removeLayer(onMap[i]); delete onMap[i]; }
      });
      Object.keys(want).forEach(function (i) {
        if (!onMap[i]) { onMap[i] = markers[i] || (markers[i] = marker(Number(i))); group.addLayer(onMap[i]); }
      });
      map.getContainer().setAttribute("data-place-labels", String(Object.keys(onMap).length));
    }
    function show(i) {
      step = i;
      Object.keys(changed).forEach(function (j) {  // labels restyled: rebuilt on demand
        if (onMap[j]) { group.removeLayer(onMap[j]); delete onMap[j]; }
        delete markers[j];
      });
      changed = {};
      (P.changed[i] || []).forEach(function (c) { changed[c[0]] = c; delete markers[c[0]]; });
      Object.keys(changed).forEach(function (j) {
        if (onMap[j]) { group.removeLayer(onMap[j]); delete onMap[j]; }
      });
      refresh();
    }
    map.on("zoomend moveend", refresh);

    var popup = null;
    function go(i) {
      map.getContainer().setAttribute("data-place", P.names[i]);
      var target = L.latLng(P.lat[i], P.lon[i]);
      var zoom = Math.max(map.getZoom(), 12);
      if (popup) { map.closePopup(popup); }
      popup = L.popup({ autoPan: false, className: "gt-place-popup" }).setLatLng(target)
        .setContent(tip(P.names[i], placePairs(i)));
      map.once("moveend", function () { popup.openOn(map); });
      map.flyTo(target, zoom, { duration: 0.6 });
    }
    var Search = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = el("div", "gt-search leaflet-bar");
        var input = el("input", "gt-search-input");
        input.type = "search"; input.placeholder = "Find a place\u2026";
        input.setAttribute("aria-label", "find a place");
        input.setAttribute("autocomplete", "off");
        var list = el("div", "gt-search-results");
        box.appendChild(input); box.appendChild(list);
        function render() {
          list.textContent = "";
          searchPlaces(P, input.value, 8).forEach(function (i) {
            var item = el("button", "gt-search-hit", P.names[i]);
            item.type = "button";
            var pop = P.population[i];
            if (pop) { item.appendChild(el("span", "gt-search-pop", " " + Number(pop).toLocaleString("en-US"))); }
            item.addEventListener("click", function () { list.textContent = ""; go(i); });
            list.appendChild(item);
          });
        }
        input.addEventListener("input", render);
        input.addEventListener("keydown", function (e) {
          if (e.key !== "Enter") { return; }
          e.preventDefault();
          var hits = searchPlaces(P, input.value, 1);
          list.textContent = "";
          if (hits.length) { go(hits[0]); }
        });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    map.addControl(new Search());
    window.geotoolsPlaceKey = nameKey;
    window.geotoolsFindPlace = function (q) { return searchPlaces(P, q, 8).map(function (i) { return P.names[i]; }); };
    return show;
  }
  // --- end places ---

  // --- issue 18: context, embedding, phones, shareable views ---
  function isNarrow() {
    return !!(window.matchMedia && window.matchMedia("(max-width: 600px)").matches);
  }

  function isEmbedded() {
    try { return window.self !== window.top; } catch (e) { return true; }
  }

  // The source, snapshot dates and CRS in the attribution (built as text, then escaped).
  function addCredit(map, text) {
    if (!text || !map.attributionControl) { return; }
    var span = el("span", "gt-credit", text);
    map.attributionControl.setPrefix(span.outerHTML +
      ' | <a href="https://leafletjs.com" title="A JavaScript library for interactive maps">Leaflet</a>');
  }

  // In a report the page scrolls over the map: the wheel zooms only after a click on it,
  // and stops again when the pointer leaves.
  function wheelAfterClick(map) {
    if (!isEmbedded()) { return; }
    var box = map.getContainer();
    function off() { map.scrollWheelZoom.disable(); box.setAttribute("data-wheel", "off"); }
    off();
    map.on("click", function () { map.scrollWheelZoom.enable(); box.setAttribute("data-wheel", "on"); });
    map.on("mouseout", off);
  }

  // Phones: the layer list and the legend folded, the corner of the legend lifted above the
  // info box (which takes the width), so the slider and the totals stay visible.
  function fitPhone(map, info, legendBox) {
    if (!isNarrow()) { return; }
    var box = map.getContainer();
    box.classList.add("gt-narrow");
    Array.prototype.forEach.call(box.querySelectorAll(".leaflet-control-layers"), function (c) {
      c.classList.remove("leaflet-control-layers-expanded");
    });
    map.on("click", function () {
      Array.prototype.forEach.call(box.querySelectorAll(".leaflet-control-layers"), function (c) {
        c.classList.remove("leaflet-control-layers-expanded");
      });
    });
    if (legendBox) { legendBox.classList.add("gt-folded"); }
    function lift() {  // above the info box's top (the scale bar sits under the box)
      if (!info || !info.box) { return; }
      var c = box.getBoundingClientRect(), r = info.box.getBoundingClientRect();
      map._controlCorners.bottomright.style.bottom = Math.max(0, c.bottom - r.top + 4) + "px";
    }
    lift();
    if (window.ResizeObserver && info && info.box) { new ResizeObserver(lift).observe(info.box); }
  }

  function readHash() {
    var out = {};
    String(window.location.hash || "").replace(/^#/, "").split("&").forEach(function (kv) {
      var at = kv.indexOf("=");
      if (at > 0) { out[decodeURIComponent(kv.slice(0, at))] = decodeURIComponent(kv.slice(at + 1)); }
    });
    return out;
  }

  // The view (centre, zoom) and the timeline's date in the URL hash: a link reopens it.
  function shareView(map, hash, getDate, setDate) {
    if (isEmbedded()) { return function () {}; }
    var ready = false, pending = null;
    // issue 18 point 12: written 100 ms after the last change (stepping through a timeline
    // would call replaceState at every step, which Chromium throttles and charges ~3 ms)
    function write() {
      if (!ready) { return; }
      if (pending) { clearTimeout(pending); }
      pending = setTimeout(writeNow, 100);
    }
    function writeNow() {
      pending = null;
      var c = map.getCenter();
      var text = "#lat=" + c.lat.toFixed(5) + "&lon=" + c.lng.toFixed(5) + "&z=" + map.getZoom();
      var day = getDate();
      if (day) { text += "&date=" + day; }
      try { window.history.replaceState(null, "", text); } catch (e) { /* a sandboxed page */ }
    }
    // after the page's own fitBounds (later in the same script) and its zoom animation,
    // whose end would move the map back to the fitted view
    function apply() {
      if (map._animatingZoom) { map.once("zoomend", apply); return; }
      var lat = parseFloat(hash.lat), lon = parseFloat(hash.lon), z = parseInt(hash.z, 10);
      if (isFinite(lat) && isFinite(lon) && isFinite(z)) { map.setView([lat, lon], z, { animate: false }); }
      if (hash.date && /^\d{4}-\d{2}-\d{2}$/.test(hash.date)) { setDate(hash.date); }
      ready = true;
      map.on("moveend", write);
      write();
    }
    setTimeout(apply, 0);
    return write;
  }
  // PNG export (issue 18 point 6): the map's vector panes drawn into a canvas, with the title,
  // the step, its totals, the legend, the scale and the credit line painted as text. Offline:
  // no library, no request; place labels (HTML) are not in the picture.
  function exportPNG(map, o) {
    var box = map.getContainer(), rect = box.getBoundingClientRect();
    var w = Math.round(rect.width), h = Math.round(rect.height);
    var canvas = document.createElement("canvas");
    canvas.width = w; canvas.height = h;
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = getComputedStyle(box).backgroundColor || "#eef3f7";
    ctx.fillRect(0, 0, w, h);
    var svgs = Array.prototype.slice.call(box.querySelectorAll(".leaflet-map-pane svg"))
      .filter(function (svg) { return svg.closest(".leaflet-container") === box; });  // not the minimap's
    function z(node) {
      var pane = node.closest(".leaflet-pane:not(.leaflet-map-pane)");
      return pane ? parseInt(getComputedStyle(pane).zIndex, 10) || 0 : 0;
    }
    svgs.sort(function (a, b) { return z(a) - z(b); });
    var jobs = svgs.map(function (svg) {
      var r = svg.getBoundingClientRect();
      var copy = svg.cloneNode(true);
      copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
      copy.setAttribute("width", String(r.width)); copy.setAttribute("height", String(r.height));
      copy.style.transform = "";
      var text = new XMLSerializer().serializeToString(copy);
      return new Promise(function (resolve) {
        var img = new Image();
        img.onload = function () { resolve([img, r]); };
        img.onerror = function () { resolve(null); };
        img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
      });
    });
    return Promise.all(jobs).then(function (images) {
      images.forEach(function (it) {
        if (it) { ctx.drawImage(it[0], it[1].left - rect.left, it[1].top - rect.top, it[1].width, it[1].height); }
      });
      paintText(ctx, w, h, o());
      return canvas;
    });
  }

  function panel(ctx, x, y, lines, width) {
    var lh = 16;
    ctx.fillStyle = "rgba(255,255,255,0.92)";
    ctx.fillRect(x, y, width, lines.length * lh + 10);
    ctx.strokeStyle = "#999999"; ctx.lineWidth = 1;
    ctx.strokeRect(x + 0.5, y + 0.5, width, lines.length * lh + 10);
    lines.forEach(function (line, k) {
      var ty = y + 17 + k * lh, tx = x + 8;
      if (line.color) {
        ctx.fillStyle = line.color; ctx.globalAlpha = line.opacity || 1;
        ctx.fillRect(tx, ty - 10, 16, 11);
        ctx.globalAlpha = 1; ctx.strokeStyle = "#555555"; ctx.strokeRect(tx + 0.5, ty - 9.5, 16, 11);
        tx += 22;
      }
      ctx.fillStyle = "#1a1a1a";
      ctx.font = (line.bold ? "600 " : "") + "12px system-ui, sans-serif";
      ctx.fillText(line.text, tx, ty, width - (tx - x) - 6);
    });
    return lines.length * lh + 10;
  }

  function paintText(ctx, w, h, c) {
    var head = [{ text: c.title, bold: true }, { text: c.period, bold: true }]
      .concat(c.totals.map(function (t) { return { text: t }; }));
    panel(ctx, 10, 10, head, Math.min(w - 20, 520));
    var legend = c.legend;
    var lh = legend.length * 16 + 10;
    panel(ctx, w - 250, h - lh - 34, legend, 240);
    if (c.scale) {  // the scale bar as shown on the map
      var y = h - 40;
      ctx.strokeStyle = "#333333"; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(12, y - 6); ctx.lineTo(12, y); ctx.lineTo(12 + c.scale[0], y);
      ctx.lineTo(12 + c.scale[0], y - 6); ctx.stroke();
      ctx.fillStyle = "#1a1a1a"; ctx.font = "11px system-ui, sans-serif";
      ctx.fillText(c.scale[1], 16, y - 4);
    }
    ctx.fillStyle = "rgba(255,255,255,0.85)";
    ctx.fillRect(0, h - 20, w, 20);
    ctx.fillStyle = "#333333"; ctx.font = "11px system-ui, sans-serif";
    ctx.fillText(c.credit, 8, h - 6, w - 16);
  }

  function addExport(map, contents, name) {
    var Export = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var bar = el("div", "leaflet-bar gt-export");
        var a = el("a", "gt-export-png", "PNG");
        a.href = "#"; a.title = "save the map as a PNG image"; a.setAttribute("role", "button");
        a.addEventListener("click", function (e) {
          e.preventDefault();
          exportPNG(map, contents).then(function (canvas) {
            var link = el("a");
            link.download = name() + ".png";
            link.href = canvas.toDataURL("image/png");
            document.body.appendChild(link); link.click(); link.remove();
          });
        });
        L.DomEvent.disableClickPropagation(bar);
        bar.appendChild(a);
        return bar;
      }
    });
    map.addControl(new Export());
  }
  // --- end issue 18 helpers ---

  window.geotoolsDecode = decodeCollection;
  // for the other geotools pages (the compare map): the same text-only builders
  window.geotoolsUI = { el: el, km2: km2, tip: tip, addInfo: addInfo, addMinimap: addMinimap,
    addCredit: addCredit, wheelAfterClick: wheelAfterClick, exportPNG: exportPNG,
    addExport: addExport, borderLayers: borderLayers };

  window.geotoolsMap = function (map, groups, data) {
    var hash = readHash();  // before any move of the map rewrites it
    var writeHash = function () {};
    decodeCollection(data.regions);
    decodeCollection(data.outline);
    // issue 18 point 12: a step's changes are decoded when it is first built (build, below)
    data.steps.forEach(function (step) { decodeCollection(step.control); });
    var steps = data.steps;
    var panes = [["gt-regions", 410], ["gt-control", 420], ["gt-outlines", 425], ["gt-changes", 430], ["gt-rings", 435],
      ["gt-front", 437]];
    var FRONT_COLOR = "#1a1a1a";  // issue 18 point 4: the line of contact
    panes.forEach(function (p) { map.createPane(p[0]).style.zIndex = p[1]; });
    // --- issue 18: hatched control areas over a choropleth; hatched border/coast changes ---
    var controlHatch = {}, edgeHatch = {};
    var mapId = map.getContainer().id || "gt";
    if (data.regions) {
      data.statuses.forEach(function (s, k) {
        controlHatch[s] = hatch("gt-control", mapId + "-hatch-" + k, data.colors.status[s] || "#888888", 0);
      });
    }
    ["gained", "lost"].forEach(function (kind) {
      edgeHatch[kind] = hatch("gt-changes", mapId + "-edge-" + kind, data.colors[kind], 0.2);
    });
    // --- end ---

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

    // Region borders, a layer of their own (issue 18): the choropleth can be hidden without
    // losing them, and they are drawn over the control areas.
    if (data.regions && groups.outlines) {
      borderLayers(data.regions, "gt-outlines").forEach(function (layer) { groups.outlines.addLayer(layer); });
    }

    function styleRegions(i) {
      Object.keys(regionLayers).forEach(function (status) {
        var values = steps[i].regions[status] || {};
        var max = data.net_max[status];
        // issue 18 point 12: only the regions whose colour changes are restyled (each
        // restyled region is painted again; on most days most regions keep theirs)
        regionLayers[status].eachLayer(function (layer) {
          var v = values[layer.feature.properties.code];
          var color = v ? rampColor(data.ramp, v[2], max) : null;
          var style = {
            weight: groups.outlines ? 0 : 0.8, color: "#555555",
            fillColor: color || "#ffffff", fillOpacity: color ? data.region_opacity : 0.1
          };
          var key = JSON.stringify(style);
          if (layer._gtStyle !== key) { layer._gtStyle = key; layer.setStyle(style); }
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
      if (p.shares) {
        // issue 18: where this polygon lies, region by region, and the part outside all
        // regions (0 when none): the rows add up to the polygon's km²
        var outside = false;
        p.shares.forEach(function (sh) {
          outside = outside || sh[0] === "outside";
          var name = sh[0] === "outside" ? "outside all regions" : (data.region_names[sh[0]] || sh[0]);
          pairs.push(["Of it in " + name, km2(sh[1])]);
        });
        if (!outside) { pairs.push(["Of it in outside all regions", km2(0)]); }
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
    var built = {}, builtOrder = [], BUILT_MAX = 40;
    function build(i) {
      if (built[i]) { return built[i]; }
      var step = steps[i];
      var made = { control: {}, gained: null, lost: null };
      // --- issue 18 point 12: the control areas from their track (keyframes + differences)
      // decoded into new objects: the page keeps only the compact form of the steps not shown
      var changeFeatures = step.changes.features.map(function (f) {
        return { type: "Feature", properties: f.properties, geometry: decodeGeometry(f.geometry) };
      });
      var control = data.control_track ? window.geotoolsTimeline.control(data, i) :
        step.control_same_as !== undefined ? steps[step.control_same_as].control : step.control;
      made.front = frontLayer(i);
      // --- end issue 18 point 12
      data.statuses.forEach(function (status) {
        var features = control.features.filter(function (f) { return f.properties.status === status; });
        made.control[status] = L.geoJSON({ type: "FeatureCollection", features: features }, {
          pane: "gt-control",
          style: function () {
            var c = data.colors.status[status] || "#888888";
            if (controlHatch[status]) {  // issue 18: over the choropleth, hatched
              return { color: c, weight: 1.2, fillColor: controlHatch[status], fillOpacity: 1 };
            }
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
        var features = changeFeatures.filter(function (f) { return f.properties.change === kind; });
        made[kind] = L.geoJSON({ type: "FeatureCollection", features: features }, {
          pane: "gt-changes",
          style: function (feature) {
            var c = data.colors[kind];
            if (feature.properties.edge) {  // issue 18: along the border or the coast
              return { color: c, weight: 1, dashArray: "3 2", fillColor: edgeHatch[kind], fillOpacity: 1,
                className: "gt-edge" };
            }
            return { color: "#1a1a1a", weight: 0.8, fillColor: c, fillOpacity: 0.9 };
          },
          onEachFeature: function (feature, layer) {
            var p = feature.properties;
            layer.bindTooltip(function () {
              var pairs = periodPairs(step).concat([["This polygon", km2(p.area_km2)]]);
              if (p.edge) {  // issue 18 point 5
                pairs.push(["Along the border or coast", "within " + data.edge_km + " km: likely a redrawn line"]);
              }
              if (p.places && p.places.length) { pairs.push(["Places inside", p.places.join(", ")]); }
              return tip((kind === "gained" ? "Gained" : "Lost") + ": " + p.status,
                pairs.concat(changeFigures(step, p)));
            }, { sticky: true });
          }
        });
      });
      // issue 18: a ring around each change too small to see at the zoom shown
      made.rings = { gained: rings(made.gained, "gained"), lost: rings(made.lost, "lost") };
      built[i] = made;
      // issue 18 point 12: the last BUILT_MAX steps' layers are kept (a whole archive's would
      // hold hundreds of MB); older ones are built again when shown again
      builtOrder.push(i);
      while (builtOrder.length > BUILT_MAX) {
        var old = builtOrder.shift();
        if (built[old] === shown) { builtOrder.push(old); } else { delete built[old]; }
      }
      return made;
    }

    // --- issue 18 point 4: the line of contact of the step's end snapshot, one path a step
    function frontLayer(i) {
      if (!data.front || !groups.front) { return null; }
      var geom = window.geotoolsTimeline.front(data, i);
      if (!geom) { return null; }
      var step = steps[i], length = data.front.km[i];
      var layer = L.geoJSON({ type: "Feature", properties: {}, geometry: geom }, {
        pane: "gt-front",
        style: function () { return { color: FRONT_COLOR, weight: 2.5, opacity: 0.95 }; }  // solid: dashes cost raster time
      });
      layer.bindTooltip(function () {
        return tip("Line of contact", [["On", step.to], ["Length", length.toLocaleString("en-US", {
          minimumFractionDigits: 1, maximumFractionDigits: 1 }) + " km"],
          ["Drawn", "control boundary more than " + data.front.tolerance_km + " km inside the country"]]);
      }, { sticky: true });
      return layer;
    }
    // --- end issue 18 point 4

    function rings(layer, kind) {
      var out = [];
      layer.eachLayer(function (f) {
        var b = f.getBounds();
        out.push({ bounds: b, ring: L.circleMarker(b.getCenter(), {
          pane: "gt-rings", radius: 9, color: data.colors[kind], weight: 2, opacity: 0.9,
          fill: false, interactive: false, className: "gt-ring"
        }) });
      });
      return out;
    }

    var SMALL_PX = 8;  // a change narrower than this on screen gets a ring
    function updateRings(made, hide) {
      if (!made) { return; }
      var z = map.getZoom();
      ["gained", "lost"].forEach(function (kind) {
        made.rings[kind].forEach(function (r) {
          var a = map.project(r.bounds.getNorthWest(), z), b = map.project(r.bounds.getSouthEast(), z);
          var small = !hide && Math.max(b.x - a.x, b.y - a.y) < SMALL_PX;
          var on = groups[kind].hasLayer(r.ring);
          if (small && !on) { groups[kind].addLayer(r.ring); }
          if (!small && on) { groups[kind].removeLayer(r.ring); }
        });
      });
    }
    map.on("zoomend", function () { updateRings(shown, false); });

    var shown = null;
    var info = null;  // the info box's parts (addInfo, below)
    var showPlaces = data.places && groups.places ?
      addPlaces(map, groups.places, data.places, "in the period") : null;

    function show(i) {
      var made = build(i);
      // add first, then remove: the map is never without a control area
      Object.keys(made.control).forEach(function (status) {
        if (groups.control[status]) { groups.control[status].addLayer(made.control[status]); }
      });
      groups.gained.addLayer(made.gained);
      groups.lost.addLayer(made.lost);
      if (made.front) { groups.front.addLayer(made.front); }  // issue 18 point 4
      if (shown !== null && shown !== made) {
        if (shown.front) { groups.front.removeLayer(shown.front); }
        Object.keys(shown.control).forEach(function (status) {
          if (groups.control[status]) { groups.control[status].removeLayer(shown.control[status]); }
        });
        groups.gained.removeLayer(shown.gained);
        groups.lost.removeLayer(shown.lost);
        updateRings(shown, true);
      }
      shown = made;
      placeHatches(map);  // issue 18: the patterns in the panes' svgs, once they exist
      updateRings(made, false);
      current = i;
      styleRegions(i);
      if (showPlaces) { showPlaces(i); }
      var step = steps[i];
      info.label.textContent = step.start + " \u2192 " + step.end;
      info.label.title = "snapshots " + step.from + " \u2192 " + step.to +
        (step.gap_days ? " (" + step.gap_days + " days without a snapshot)" : "");
      info.totals.textContent = "";
      if (step.from === step.to) {
        // no snapshot dated inside the period: nothing was observed, not "gained 0"
        info.totals.appendChild(el("div", "gt-no-snapshot",
          "no new snapshot in this period (last one: " + step.from + ")"));
      } else {
        data.statuses.forEach(function (status) {
          var t = step.totals[status];
          if (!t) { return; }
          info.totals.appendChild(el("div", null, status + ": gained " + km2(t.gained) + ", lost " +
            km2(t.lost) + ", net " + signed(t.net)));
        });
      }
      if (info.slider) { info.slider.value = String(i); }
      if (info.date && document.activeElement !== info.date) { info.date.value = step.start; }
      map.getContainer().setAttribute("data-step", String(i));
      writeHash();
      // issue 18 point 12: the next step built while the page is idle (play, the arrow keys)
      if (window.requestIdleCallback && i + 1 < steps.length && !built[i + 1]) {
        window.requestIdleCallback(function () { if (current === i) { build(i + 1); } });
      }
    }

    // Info box: title, period, totals and (for several steps) the slider.
    var dates = steps.map(function (st) { return [st.start, st.end]; });
    info = addInfo(map, {
      title: data.title, count: steps.length, start: 0, noun: "period", play: true,
      show: show, current: function () { return current; }, dates: dates
    });

    // Legend.
    var legendBox = null;
    var Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var box = el("div", "gt-legend leaflet-bar");
        legendBox = box;
        var fold = el("button", "gt-legend-toggle", "Legend");
        fold.type = "button";
        fold.title = "show / hide the legend";
        fold.addEventListener("click", function () { box.classList.toggle("gt-folded"); });
        box.appendChild(fold);
        L.DomEvent.disableClickPropagation(box);
        function item(color, text, opacity) {
          var row = el("div", "gt-legend-item");
          var sw = el("span", "gt-swatch");
          sw.style.background = color; sw.style.opacity = String(opacity);
          row.appendChild(sw); row.appendChild(el("span", null, text));
          box.appendChild(row);
        }
        var rowsOf = [];  // [legend rows, the layer group they explain]
        function tagLast(group, n) {
          var kids = Array.prototype.slice.call(box.childNodes, -n);
          rowsOf.push([kids, group]);
        }
        item(data.colors.gained, "gained in the period", 0.85); tagLast(groups.gained, 1);
        item(data.colors.lost, "lost in the period", 0.85); tagLast(groups.lost, 1);
        if (data.edge_km) {  // issue 18: changes along the border or the coast
          ["gained", "lost"].forEach(function (kind) {
            item(data.colors[kind], kind + " along the border or coast (\u2264 " + data.edge_km + " km)", 1);
            hatchSwatch(box.lastChild.firstChild, data.colors[kind], 0.2);
            box.lastChild.firstChild.style.borderStyle = "dashed";
            box.lastChild.classList.add("gt-legend-edge");
            tagLast(groups[kind], 1);
          });
        }
        var ringRow = el("div", "gt-legend-item");
        var ring = el("span", "gt-swatch gt-swatch-ring");
        ring.style.borderColor = data.colors.gained;
        ringRow.appendChild(ring);
        ringRow.appendChild(el("span", null, "ring: a change too small to see at this zoom"));
        box.appendChild(ringRow);
        if (groups.front) {  // issue 18 point 4
          var frontRow = el("div", "gt-legend-item");
          var dash = el("span", "gt-swatch gt-swatch-line");
          dash.style.border = "none"; dash.style.borderTop = "2.5px solid " + FRONT_COLOR;
          dash.style.background = "transparent"; dash.style.height = "0"; dash.style.marginTop = "7px";
          frontRow.appendChild(dash);
          frontRow.appendChild(el("span", null, "line of contact (" + data.front.tolerance_km + " km inside the border)"));
          box.appendChild(frontRow);
          tagLast(groups.front, 1);
        }
        data.statuses.forEach(function (s) {
          item(data.colors.status[s] || "#888888", "control area: " + s, 0.5);
          if (controlHatch[s]) { hatchSwatch(box.lastChild.firstChild, data.colors.status[s] || "#888888", 0); }
          if (groups.control[s]) { tagLast(groups.control[s], 1); }
        });
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
            tagLast(groups.regions[s], 3);
          });
        }
        if (data.regions && groups.outlines) {  // issue 18: the borders, as drawn
          [["gt-line-region", "border between regions"], ["gt-line-national", "national border"]]
            .forEach(function (b) {
              if (b[0] === "gt-line-national" && !(data.regions.borders && data.regions.borders.national)) { return; }
              var row = el("div", "gt-legend-item");
              row.appendChild(el("span", "gt-line " + b[0]));
              row.appendChild(el("span", null, b[1]));
              box.appendChild(row);
              tagLast(groups.outlines, 1);
            });
        }
        // issue 18: the legend follows the visible layers
        function follow() {
          rowsOf.forEach(function (r) {
            var on = map.hasLayer(r[1]);
            r[0].forEach(function (node) { node.style.display = on ? "" : "none"; });
          });
        }
        map.on("overlayadd overlayremove", follow);
        setTimeout(follow, 0);
        return box;
      }
    });
    map.addControl(new Legend());

    addMinimap(map, data.outline);

    show(0);
    window.geotoolsStep = show;

    addCredit(map, data.credit);
    wheelAfterClick(map);
    addExport(map, function () {
      var step = steps[current], legend = [
        { text: "gained in the period", color: data.colors.gained, opacity: 0.85 },
        { text: "lost in the period", color: data.colors.lost, opacity: 0.85 }];
      if (data.edge_km) {  // issue 18 point 5
        legend.push({ text: "hatched: changes along the border or coast (\u2264 " + data.edge_km + " km)",
          color: data.colors.gained, opacity: 0.35 });
      }
      if (groups.front && map.hasLayer(groups.front)) {  // issue 18 point 4
        legend.push({ text: "line of contact", color: FRONT_COLOR, opacity: 1 });
      }
      data.statuses.forEach(function (s) {
        legend.push({ text: "control area: " + s, color: data.colors.status[s] || "#888888", opacity: 0.5 });
      });
      var line = map.getContainer().querySelector(".leaflet-control-scale-line");
      return {
        title: data.title, period: info.label.textContent + "  (snapshots " + step.from + " \u2192 " + step.to + ")",
        totals: Array.prototype.map.call(info.totals.childNodes, function (n) { return n.textContent; }),
        legend: legend, credit: data.credit || "",
        scale: line ? [line.offsetWidth, line.textContent] : null
      };
    }, function () { return "geotools-" + steps[current].start + "-" + steps[current].end; });
    setTimeout(function () { fitPhone(map, info, legendBox); }, 0);  // after the layer control
    writeHash = shareView(map, hash,
      function () { return steps.length > 1 ? steps[current].start : null; },
      function (day) { var i = stepAt(dates, day); if (i >= 0) { show(i); } });

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
