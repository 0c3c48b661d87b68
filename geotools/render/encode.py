"""Compact encoding of geometry that changes little from one timeline step to the next.

A daily timeline draws, at every step, the whole control area (thousands of vertices) of
which about 1 % changes from one day to the next; stored whole it was 70 % of the file. A
**track** holds one geometry per step as a stream of integer vertices (1e-5 degree, as
``display.geometry_json``) and a **structure** saying how the stream splits into parts:

- every ``every``-th step is a keyframe: its whole stream, delta-encoded;
- any other step is a list of operations on the previous step's stream: copy a run of its
  vertices, or take new ones (delta-encoded, each relative to the vertex written before).

The map script (``static/geotools-timeline.js``) rebuilds a step from the keyframe before it
in well under a millisecond per step. Nothing here measures anything: the figures shown come
from the Table.

Encoded track (JSON)::

    {"every": K, "steps": [{"s": structure, "k": [dx, dy, ...]},      # keyframe
                           {"d": [n, off, -m, ...], "n": [dx, dy, ...]}]}  # difference

``s`` is present when the structure differs from the step before. In ``d``, ``n > 0`` copies
``n`` vertices of the previous stream starting ``off`` vertices after the end of the last
copy (the first copy: after 0); ``-m`` takes the next ``m`` vertices of ``n``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

#: Keyframe interval chosen by measurement (benchmarks/timeline.py, benchmarks/README.md):
#: on the whole DeepState archive (775 steps) the control track is 20.7 MB with a keyframe
#: every step, 2.3 MB every 10, 1.1 every 25, 0.72 every 50, 0.51 every 100; a step is at
#: most 49 differences (copies of ~2,700 vertices) from its keyframe.
KEYFRAME_EVERY = 50

Structure = Any  # JSON: nested lists of part lengths (vertex counts)


def _keys(verts: np.ndarray) -> np.ndarray:
    v = verts.astype(np.int64) + (1 << 31)
    return (v[:, 0] << 32) | v[:, 1]


def _delta(verts: np.ndarray, before: np.ndarray | None) -> list[int]:
    """``verts`` (n × 2 ints) each relative to the vertex before it (the first to ``before``)."""
    if len(verts) == 0:
        return []
    out = verts.astype(np.int64).copy()
    out[1:] -= verts[:-1]
    if before is not None:
        out[0] -= before
    flat: list[int] = out.ravel().tolist()
    return flat


def diff_ops(old: np.ndarray, new: np.ndarray) -> tuple[list[int], list[int]]:
    """``new`` as copies of runs of ``old`` and new vertices (see the module docstring)."""
    if len(new) == 0:
        return [], []
    pos = np.full(len(new), -1, dtype=np.int64)
    if len(old):
        old_keys = _keys(old)
        order = np.argsort(old_keys, kind="stable")
        sorted_keys = old_keys[order]
        new_keys = _keys(new)
        at = np.searchsorted(sorted_keys, new_keys)
        ok = at < len(sorted_keys)
        ok[ok] = sorted_keys[at[ok]] == new_keys[ok]
        pos[ok] = order[at[ok]]
        # a vertex old holds twice: continue the run before it where that fits
        prev_next = np.r_[-2, np.where(pos[:-1] >= 0, pos[:-1] + 1, -2)]
        cont = (prev_next >= 0) & (prev_next < len(old)) & ~(pos == prev_next)
        if cont.any():
            idx = np.nonzero(cont)[0]
            same = _keys(old[np.minimum(prev_next[idx], len(old) - 1)]) == new_keys[idx]
            pos[idx[same]] = prev_next[idx[same]]
    found = pos >= 0
    brk = np.ones(len(new), dtype=bool)
    brk[1:] = (found[1:] != found[:-1]) | (found[1:] & (pos[1:] != pos[:-1] + 1))
    starts = np.nonzero(brk)[0].tolist()
    ends = [*starts[1:], len(new)]
    ops: list[int] = []
    literal: list[int] = []
    copy_end = 0
    for a, b in zip(starts, ends, strict=True):
        if found[a]:
            ops += [b - a, int(pos[a]) - copy_end]
            copy_end = int(pos[a]) + (b - a)
        else:
            ops.append(a - b)
            literal += _delta(new[a:b], new[a - 1] if a > 0 else None)
    return ops, literal


def encode_track(
    streams: Sequence[np.ndarray], structures: Sequence[Structure], every: int = KEYFRAME_EVERY
) -> dict[str, Any]:
    """A track of one vertex stream (n × 2 ints) and structure per step."""
    steps: list[dict[str, Any]] = []
    previous: np.ndarray | None = None
    prev_structure: Structure = None
    for i, (verts, structure) in enumerate(zip(streams, structures, strict=True)):
        verts = np.asarray(verts, dtype=np.int64).reshape(-1, 2)
        entry: dict[str, Any] = {}
        if i % every == 0 or previous is None:
            entry["s"] = structure
            entry["k"] = _delta(verts, None)
        else:
            if structure != prev_structure:
                entry["s"] = structure
            ops, literal = diff_ops(previous, verts)
            entry["d"] = ops
            if literal:
                entry["n"] = literal
        steps.append(entry)
        previous, prev_structure = verts, structure
    return {"every": every, "steps": steps}


def decode_track(track: dict[str, Any]) -> list[tuple[Structure, np.ndarray]]:
    """Every step's (structure, vertices) back from ``encode_track`` (the map script's inverse,
    for tests and the benchmark)."""
    out: list[tuple[Structure, np.ndarray]] = []
    verts = np.zeros((0, 2), dtype=np.int64)
    structure: Structure = None
    for entry in track["steps"]:
        if "s" in entry:
            structure = entry["s"]
        if "k" in entry:
            verts = np.cumsum(np.asarray(entry["k"], dtype=np.int64).reshape(-1, 2), axis=0)
        else:
            lit = np.asarray(entry.get("n", []), dtype=np.int64).reshape(-1, 2)
            rows: list[np.ndarray] = []
            last = np.zeros(2, dtype=np.int64)
            copy_end = taken = 0
            ops = entry["d"]
            i = 0
            while i < len(ops):
                n = ops[i]
                if n > 0:
                    start = copy_end + ops[i + 1]
                    part = verts[start : start + n]
                    copy_end = start + n
                    i += 2
                else:
                    part = last + np.cumsum(lit[taken : taken - n], axis=0)
                    taken -= n
                    i += 1
                rows.append(part)
                last = part[-1]
            verts = np.concatenate(rows) if rows else np.zeros((0, 2), dtype=np.int64)
        out.append((structure, verts))
    return out


# --- the map's control areas and lines as tracks ---


def ring_ints(ring: Sequence[int]) -> np.ndarray:
    """A ring of ``display.geometry_json`` (delta ints, closed) as absolute ints, unclosed."""
    verts = np.cumsum(np.asarray(ring, dtype=np.int64).reshape(-1, 2), axis=0)
    if len(verts) > 1 and (verts[0] == verts[-1]).all():
        verts = verts[:-1]
    return verts


def control_stream(features: Sequence[dict[str, Any]]) -> tuple[Structure, np.ndarray]:
    """A step's control features (``{"status", "geometry": {"type": "Q"}}``) as a structure
    ``[[status, [[ring lengths of a polygon], ...]], ...]`` and one vertex stream."""
    structure: list[Any] = []
    chunks: list[np.ndarray] = [np.zeros((0, 2), dtype=np.int64)]
    for f in features:
        polys = []
        for poly in f["geometry"]["q"]:
            lens = []
            for ring in poly:
                verts = ring_ints(ring)
                chunks.append(verts)
                lens.append(len(verts))
            polys.append(lens)
        structure.append([f["properties"]["status"], polys])
    return structure, np.concatenate(chunks)


def pack_controls(steps: list[dict[str, Any]], every: int = KEYFRAME_EVERY) -> dict[str, Any]:
    """Take every step's ``control`` (and ``control_same_as``) out of ``steps`` into one
    track; a step that stored none (same as an earlier one) reuses that one's geometry."""
    pairs: list[tuple[Structure, np.ndarray]] = []
    for step in steps:
        if step.get("control") is None and "control_same_as" in step:
            pairs.append(pairs[step["control_same_as"]])
        else:
            pairs.append(control_stream((step.get("control") or {"features": []})["features"]))
        step.pop("control", None)
        step.pop("control_same_as", None)
    return encode_track([p[1] for p in pairs], [p[0] for p in pairs], every)


def unpack_controls(track: dict[str, Any]) -> list[dict[str, list[list[np.ndarray]]]]:
    """Per step, ``{status: [polygon: [ring vertices (ints, unclosed)]]}`` (for tests)."""
    out = []
    for structure, verts in decode_track(track):
        at = 0
        step: dict[str, list[list[np.ndarray]]] = {}
        for status, polys in structure:
            for lens in polys:
                rings = []
                for n in lens:
                    rings.append(verts[at : at + n])
                    at += n
                step.setdefault(status, []).append(rings)
        out.append(step)
    return out


# --- the payload in the page ---

#: The bulky parts of a map's payload, given to the script through ``JSON.parse``.
BULKY = ("steps", "control_track", "front")


def script_payload(payload: dict[str, Any], bulky: Sequence[str] = BULKY) -> str:
    """``payload`` as a JavaScript expression safe inside a ``<script>`` element: an object
    literal whose bulky parts are ``JSON.parse("…")`` of a string.

    V8 parses a JSON string faster than the same object literal: the whole archive's daily
    timeline (5.5 MB) reaches its first render in 0.65–0.86 s instead of 0.73–1.44 s
    (benchmarks/README.md). The small parts stay literal (the title is a JSON string in the
    page, as before). Nothing in either form can close the script: ``<``, ``>`` and ``&`` are
    escaped as ``\\u003c`` etc. inside the JSON, and the string literal holds that text (line
    separators too, so the literal is one line).
    """
    from geotools.render.assets import json_for_script

    small = {k: v for k, v in payload.items() if k not in bulky}
    text = json_for_script(small)
    extra = []
    for key in bulky:
        if key in payload:
            # a single-quoted literal: the JSON's many double quotes need no escape (a
            # double-quoted one made the whole archive's page 9 % larger)
            inner = json_for_script(payload[key]).replace("\\", "\\\\").replace("'", "\\'")
            extra.append(f"{json.dumps(key)}:JSON.parse('{inner}')")
    if not extra:
        return text
    return text[:-1] + ("," if len(small) else "") + ",".join(extra) + "}"
