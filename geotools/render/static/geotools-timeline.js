/* geotools timeline tracks: geometry that changes little from one step to the next, stored
 * as keyframes and per-step differences (see geotools/render/encode.py for the format).
 *
 * A track rebuilds any step from the keyframe before it (or from the step it rebuilt last,
 * when that lies between): copies of runs of the previous step's vertices and new vertices,
 * integers in 1e-5 degree. Only numbers are read here; nothing is put into the page.
 * (c) geotools contributors, MIT licence.
 */
(function () {
  "use strict";

  // One difference applied to ``old`` (Int32Array of x, y pairs): a new Int32Array.
  function apply(entry, old) {
    var ops = entry.d, lit = entry.n || [], n = 0, i;
    for (i = 0; i < ops.length; i += ops[i] > 0 ? 2 : 1) { n += Math.abs(ops[i]); }
    var out = new Int32Array(2 * n), w = 0, copyEnd = 0, taken = 0, x = 0, y = 0;
    for (i = 0; i < ops.length;) {
      var k = ops[i];
      if (k > 0) {
        var start = copyEnd + ops[i + 1];
        out.set(old.subarray(2 * start, 2 * (start + k)), w);
        w += 2 * k; copyEnd = start + k; i += 2;
      } else {
        for (var j = 0; j < -k; j++) {
          x += lit[taken++]; y += lit[taken++];
          out[w++] = x; out[w++] = y;
        }
        i += 1;
      }
      x = out[w - 2]; y = out[w - 1];
    }
    return out;
  }

  function keyframe(k) {
    var out = new Int32Array(k.length), x = 0, y = 0;
    for (var i = 0; i + 1 < k.length; i += 2) {
      x += k[i]; y += k[i + 1];
      out[i] = x; out[i + 1] = y;
    }
    return out;
  }

  function Track(enc) {
    this.enc = enc;
    this.at = -1;       // the step rebuilt last
    this.verts = null;  // its vertices
    this.keys = {};     // decoded keyframes
  }

  // {structure, verts} of step ``i``.
  Track.prototype.get = function (i) {
    var steps = this.enc.steps, key = i - i % this.enc.every, from, verts;
    if (this.at >= key && this.at <= i) {
      from = this.at + 1; verts = this.verts;
    } else {  // keyframes are kept decoded (a few dozen arrays of a few thousand vertices)
      if (!this.keys[key]) { this.keys[key] = keyframe(steps[key].k); }
      from = key + 1; verts = this.keys[key];
    }
    for (var s = from; s <= i; s++) {
      verts = steps[s].k ? (this.keys[s] || (this.keys[s] = keyframe(steps[s].k))) : apply(steps[s], verts);
    }
    this.at = i; this.verts = verts;
    var structure = null;
    for (var b = i; b >= 0 && structure === null; b--) {
      if (steps[b].s !== undefined) { structure = steps[b].s; }
    }
    return { structure: structure, verts: verts };
  };

  function ring(verts, at, n) {
    var out = new Array(n + 1);
    for (var i = 0; i < n; i++) { out[i] = [verts[2 * (at + i)] / 1e5, verts[2 * (at + i) + 1] / 1e5]; }
    out[n] = out[0];  // closed, as GeoJSON wants
    return out;
  }

  function line(verts, at, n) {
    var out = new Array(n);
    for (var i = 0; i < n; i++) { out[i] = [verts[2 * (at + i)] / 1e5, verts[2 * (at + i) + 1] / 1e5]; }
    return out;
  }

  function trackOf(holder, key, enc) {
    if (!holder[key]) { holder[key] = new Track(enc); }
    return holder[key];
  }

  // The control areas of step ``i`` as a FeatureCollection (one MultiPolygon per status).
  function control(data, i) {
    var got = trackOf(data, "_controlTrack", data.control_track).get(i), at = 0;
    var features = got.structure.map(function (entry) {
      var polys = entry[1].map(function (lens) {
        return lens.map(function (n) { var r = ring(got.verts, at, n); at += n; return r; });
      });
      return { type: "Feature", properties: { status: entry[0] },
        geometry: { type: "MultiPolygon", coordinates: polys } };
    });
    return { type: "FeatureCollection", features: features };
  }

  // The line of contact of step ``i`` as a MultiLineString (null when it has no line).
  function front(data, i) {
    var got = trackOf(data.front, "_track", data.front.track).get(i), at = 0;
    if (!got.structure.length) { return null; }
    return { type: "MultiLineString", coordinates: got.structure.map(function (n) {
      var l = line(got.verts, at, n); at += n; return l;
    }) };
  }

  window.geotoolsTimeline = { Track: Track, control: control, front: front };
}());
