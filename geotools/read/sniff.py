"""Sniffing inputs before they are measured: which source they come from (profile
detection), and whether they are control snapshots at all (region layers, data mostly
outside the region of interest). geotools.sources.detect judges; this module reads.

With no ``--profile`` and no ``--status-field``, a run samples its files (the first, the
middle and the last, and the first of every folder): if they match one shipped profile, the
run reads with it and says so in one line; if they match several, half-match one, or mix a
profile with plain polygons, the run stops with one line listing the candidates. Every file
read without a profile is checked again when it is parsed (``check_plain``), so a folder
whose sampled files look plain cannot hide a raw DeepState file or a region layer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import shapely

from geotools.crs import WGS84, project
from geotools.errors import DataError
from geotools.read.batches import read_head  # a big file's first features (issue 16)
from geotools.read.files import stem
from geotools.read.inputs import discover
from geotools.read.layer import RawLayer
from geotools.read.options import ReadOptions
from geotools.read.raw import read_raw
from geotools.read.sniff_cache import cached_look
from geotools.sources.detect import (
    Verdict,
    detection_properties,
    judge,
    region_layer_reason,
    shipped_profiles,
)
from geotools.sources.profile import load_profile, roi_outline

log = logging.getLogger(__name__)

#: A warning when more than this share of a snapshot's area lies outside the region of
#: interest (Ukraine, with the sea it claims) while some of it lies inside.
OUTSIDE_REGION_SHARE = 0.5
#: The region of interest of plain (profile-less) data, when it touches it.
DEFAULT_REGION = "roi_UKR"


def settle(
    inputs: Sequence[str | Path], options: ReadOptions, *, use_cache: bool = True
) -> ReadOptions:
    """The options a run reads ``inputs`` with: ``options`` with the detected profile, or
    unchanged (no detection asked for, or plain polygons); DataError when the sampled files
    look like several sources, half like one, or mix a source with plain polygons."""
    if options.profile is not None:
        return options
    paths = discover(inputs)
    if not paths:
        return options
    if not options.auto:  # --profile none or a status field: plain polygons, as asked
        if not options.allows("outside-region"):
            for path in sample(paths):
                warn_outside_region(path, read_head(path, options.layer, []), options)
        return options
    # --- issue 20: each sampled file's verdict and areas from the cache when it has them ---
    looks = [(p, _cached_look(p, options.layer, use_cache)) for p in sample(paths)]
    for path, (verdict, _) in looks:
        _refuse_ambiguous(path, verdict)
    found = {name for _, (v, _) in looks for name in v.matched}
    if not found:
        for path, (_, areas) in looks:
            if not options.allows("outside-region"):
                _warn_outside(path, areas)
        return options
    # --- end ---
    plain = [p for p, (v, _) in looks if not v.matched]
    if len(found) > 1 or plain:
        names = "; ".join(
            f"{p.name}: {', '.join(v.matched) or 'plain polygons'}" for p, (v, _) in looks
        )
        raise DataError(
            f"the inputs mix sources ({names}); read each source on its own, with its "
            "--profile (or --profile none for plain polygons)"
        )
    name = found.pop()
    why = looks[0][1][0].why.get(name, "")
    where = looks[0][0] if len(paths) == 1 else looks[0][0].parent
    log.warning(
        "%s: detected source profile %s (%s); read as with --profile %s "
        "(--profile none reads every polygon as one class)",
        where,
        name,
        why,
        name,
    )
    return replace(options, profile=load_profile(name), detected=f"{name}: {why}")


def sample(paths: Sequence[Path]) -> list[Path]:
    """The files detection looks at: the first, middle and last, and each folder's first."""
    picked = [paths[0], paths[len(paths) // 2], paths[-1]]
    seen = set()
    for p in paths:
        if p.parent not in seen:
            seen.add(p.parent)
            picked.append(p)
    out: list[Path] = []
    for p in picked:
        if p not in out:
            out.append(p)
    return out


def look(path: Path, layer: str | None) -> tuple[Verdict, RawLayer]:
    """What one file looks like (read with the properties detection needs)."""
    profiles = shipped_profiles()
    raw = read_head(path, layer, detection_properties(profiles), missing_ok=True)
    verdict = judge(profiles, raw.geometries, raw.attributes, path.name, _layer(path, layer, raw))
    return verdict, raw


# --- issue 20: detection through the cache (sniff_cache.py) ---
def _cached_look(
    path: Path, layer: str | None, use_cache: bool
) -> tuple[Verdict, tuple[float, float] | None]:
    def compute() -> tuple[Verdict, tuple[float, float] | None]:
        verdict, raw = look(path, layer)
        return verdict, None if verdict.matched else outside_areas(path, raw)

    return cached_look(path, layer, DEFAULT_REGION, compute) if use_cache else compute()


# --- end ---


def check_plain(path: Path, layer: str | None, raw: RawLayer, options: ReadOptions) -> None:
    """DataError when a file read as plain polygons looks like a source geotools has a
    profile for (auto mode), or like a region layer (always, unless allowed)."""
    profiles = shipped_profiles() if options.auto else []
    wanted = set(detection_properties(profiles))
    wants_region = not options.allows("region-layer")
    if wants_region:
        reason = _region_reason(path, layer, raw)
        if reason is not None:
            raise DataError(
                f"looks like a region layer, not a control snapshot ({reason}); pass it with "
                "--by (regions=) to count per region, or --allow region-layer to measure it",
                path,
            )
    if not profiles:
        return
    have = raw
    if wanted & set(raw.fields) and not wanted <= set(raw.attributes):
        have = read_raw(path, layer, sorted(wanted), missing_ok=True)
    verdict = judge(profiles, have.geometries, have.attributes, path.name, _layer(path, layer, raw))
    _refuse_ambiguous(path, verdict)
    if verdict.matched:
        name = verdict.matched[0]
        raise DataError(
            f"looks like source profile {name} ({verdict.why.get(name, '')}), unlike the "
            f"other inputs; pass --profile {name} to read it as that source, or --profile "
            "none to read every polygon as one class",
            path,
        )


def _region_reason(path: Path, layer: str | None, raw: RawLayer) -> str | None:
    n = len(raw.geometries)
    if n < 3 or not raw.fields:
        return None
    have = raw
    if not set(raw.fields) <= set(raw.attributes):
        have = read_raw(path, layer, raw.fields, missing_ok=True)
    return region_layer_reason(raw.fields, have.attributes, n)


def warn_outside_region(path: Path, raw: RawLayer, options: ReadOptions) -> None:
    """Warn when most of a plain file's area lies outside the region of interest while some
    lies inside (a raw source read without its profile: Karelia, the Kurils…)."""
    if options.allows("outside-region"):
        return
    _warn_outside(path, outside_areas(path, raw))


def outside_areas(path: Path, raw: RawLayer) -> tuple[float, float] | None:
    """A plain file's area and the part of it inside the region of interest (lon/lat
    degrees², simplified to ~1 km), or None when there is nothing to judge."""
    if not len(raw.geometries):
        return None
    try:
        geoms = raw.geometries[shapely.get_type_id(raw.geometries) >= 3]
        # a share against a 50 % threshold: geometry simplified to ~1 km is plenty, and fast
        whole = shapely.make_valid(shapely.union_all(geoms))
        lonlat = whole if raw.crs is None else project(whole, raw.crs, WGS84)
        lonlat = shapely.make_valid(shapely.simplify(lonlat, 0.01))
        region = roi_outline(DEFAULT_REGION)
        total = shapely.area(lonlat)
        inside = shapely.area(shapely.intersection(lonlat, region))
    except Exception as exc:  # the check is advice; the measurement will word real errors
        log.debug("%s: region-of-interest check skipped: %s", path, exc)
        return None
    return float(total), float(inside)


def _warn_outside(path: Path, areas: tuple[float, float] | None) -> None:
    if areas is None:
        return
    total, inside = areas
    if total > 0 and inside > 0 and (total - inside) > OUTSIDE_REGION_SHARE * total:
        log.warning(
            "%s: %.0f %% of its area lies outside Ukraine's outline (a raw source read "
            "without its profile?); check the input or pass --profile (--allow "
            "outside-region silences this)",
            path,
            100 * (total - inside) / total,
        )


def _refuse_ambiguous(path: Path, verdict: Verdict) -> None:
    if len(verdict.matched) > 1:
        names = "|".join(verdict.matched)
        raise DataError(
            f"looks like several sources ({', '.join(verdict.matched)}); pass --profile "
            f"{names} or --profile none",
            path,
        )
    if verdict.partial and not verdict.matched:
        name, failed = verdict.partial[0]
        raise DataError(
            f"looks partly like source profile {name} (but {failed}, below the profile's "
            f"threshold); pass --profile {name} to read it as that source, or --profile none "
            "to read every polygon as one class",
            path,
        )


def _layer(path: Path, layer: str | None, raw: RawLayer) -> str:
    return layer or raw.layer or stem(path)
