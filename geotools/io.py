"""Read vector files, folders and globs into dated Snapshots.

Dates come, in this order, from an explicit argument, a named date property
(``date_field``), the file name (``YYYYMMDD``, ``YYYY-MM-DD``, ``YYYY_MM_DD`` or a Unix time
in seconds), or a common date property (``date``, ``datetime``, ``snapshot_date``…).
"""

from __future__ import annotations

import datetime as dt
import functools
import glob
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError

from geotools.clean import clean_geometries, revalidate
from geotools.crs import (
    WGS84,
    choose_equal_area_crs,
    lonlat_bounds,
    project,
    require_equal_area,
    wkt,
)
from geotools.errors import DataError, DateError, GeotoolsError, UsageError
from geotools.snapshot import ClassReport, RepairReport, Snapshot
from geotools.sources.profile import Profile, classify, load_profile, settle

log = logging.getLogger(__name__)

#: File name endings geotools reads from a folder (others, e.g. index.csv, are ignored).
VECTOR_SUFFIXES = (
    ".geojson",
    ".json",
    ".geojson.gz",
    ".json.gz",
    ".gpkg",
    ".fgb",
    ".shp",
    ".shp.zip",
    ".zip",
    ".parquet",
    ".geoparquet",
    ".gml",
    ".sqlite",
    ".kml",
    ".kmz",
)
KML_SUFFIXES = (".kml", ".kmz")
DATE_PROPERTY_CANDIDATES = ("date", "datetime", "snapshot_date", "date_utc", "timestamp", "time")
OnDuplicate = Literal["error", "first", "last"]

_NAME_DATE = re.compile(r"(?<!\d)(\d{4})[-_]?(\d{2})[-_]?(\d{2})(?!\d)")
_NAME_UNIX = re.compile(r"^(\d{9,10})$")


@dataclass(frozen=True)
class SnapshotRef:
    """A file and the date it stands for, before its geometry is read."""

    path: Path
    date: dt.date
    date_origin: str  # "argument", "property <name>", "file name"
    layer: str | None = None


# ---------------------------------------------------------------- discovery


def _is_vector(path: Path) -> bool:
    name = path.name.lower()
    return any(name.endswith(s) for s in VECTOR_SUFFIXES)


def discover(inputs: Sequence[str | Path]) -> list[Path]:
    """Expand files, folders (their vector files, not recursive) and globs, in sorted order."""
    found: list[Path] = []
    for item in inputs:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and _is_vector(p))
            if not files:
                raise DataError(
                    "folder has no vector files (.geojson, .geojson.gz, .gpkg, .fgb, .shp, "
                    ".zip, .parquet…)",
                    path,
                )
            found.extend(files)
        elif path.is_file():
            found.append(path)
        elif any(ch in text for ch in "*?["):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
            if not matches:
                raise DataError(f"no file matches the pattern {text!r}; check the path")
            found.extend(matches)
        else:
            raise DataError("no such file or folder; check the path", path)
    seen: set[Path] = set()
    unique = []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


# ---------------------------------------------------------------- dates


def date_from_name(path: str | Path) -> dt.date | None:
    """The date in a file name (YYYYMMDD, YYYY-MM-DD, YYYY_MM_DD, Unix seconds), else None."""
    name = Path(path).name
    stem = name.split(".")[0]
    unix = _NAME_UNIX.match(stem)
    if unix:
        seconds = int(unix.group(1))
        return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).date()
    for m in _NAME_DATE.finditer(name):
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
    return None


def parse_date(value: Any) -> dt.date | None:
    """Parse one date value: ISO string, date/datetime, pandas Timestamp, or epoch s / ms."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, dt.datetime):
        moment: dt.datetime = value
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.timezone.utc)
        return moment.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    if isinstance(value, (int, np.integer, float, np.floating)):
        number = float(value)
        seconds = number / 1000.0 if number > 1e11 else number  # epoch ms (ArcGIS) or seconds
        return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).date()
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit() and len(text) in (9, 10, 12, 13):
        return parse_date(int(text))
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        return None
    if pd.isna(stamp):
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC")
    return dt.date(stamp.year, stamp.month, stamp.day)


def _date_from_properties(
    path: Path, layer: str | None, field: str | None
) -> tuple[dt.date, str] | None:
    from pyogrio.raw import read

    is_kml = path.name.lower().endswith(KML_SUFFIXES) or (layer is None and _is_zip(path))
    try:
        fields = read_fields(path, layer)
    except GeotoolsError:
        raise
    except Exception as exc:
        raise _read_error(path, exc) from exc
    if field is not None:
        if field not in fields:
            raise DateError(
                f"has no property {field!r} (properties: {', '.join(fields) or 'none'}); "
                "check --date-field",
                path,
            )
        candidates = [field]
    else:
        lower = {f.lower(): f for f in fields}
        candidates = [lower[c] for c in DATE_PROPERTY_CANDIDATES if c in lower]
        if not candidates:
            return None
    name = candidates[0]
    if is_kml:
        values = [read_raw(path, layer, [name]).attributes[name]]
    else:
        source = gdal_path(path)  # outside the try: a refused zip's DataError is worded
        try:
            _, _, _, values = read(source, layer=layer, columns=[name], read_geometry=False)
        except Exception as exc:
            raise _read_error(path, exc) from exc
    dates = {d for d in (parse_date(v) for v in values[0]) if d is not None}
    if not dates:
        if field is not None:
            raise DateError(f"property {field!r} holds no parseable date; check --date-field", path)
        return None
    if len(dates) > 1:
        span = f"{min(dates)} … {max(dates)}"
        raise DateError(
            f"features carry {len(dates)} different dates in {name!r} ({span}); "
            "one file is one snapshot: split it or pass --date",
            path,
        )
    return dates.pop(), f"property {name}"


def read_fields(path: Path, layer: str | None = None) -> list[str]:
    """Property names of a vector file (KML/KMZ through their safety checks, which raise
    DataError; other files raise GDAL's own exception for the caller to word)."""
    if path.name.lower().endswith(KML_SUFFIXES) or (layer is None and _is_zip(path)):
        return read_raw(path, layer).fields  # KML: checked first; a zip: every layer
    from pyogrio import read_info

    return [str(f) for f in read_info(gdal_path(path), layer=layer)["fields"]]


def resolve_date(
    path: Path,
    date: dt.date | None = None,
    date_field: str | None = None,
    layer: str | None = None,
) -> tuple[dt.date, str]:
    """Find the date a file stands for; DateError naming the file if there is none."""
    if date is not None:
        return date, "argument"
    if date_field is not None:
        found = _date_from_properties(path, layer, date_field)
        assert found is not None  # an explicit field either yields a date or raises
        return found
    named = date_from_name(path)
    if named is not None:
        return named, "file name"
    if layer is None and path.name.lower().endswith(GEOJSON_SUFFIXES):
        doc = _geojson_wrapper(path)
        if doc is not None:
            when = parse_date(doc.get("datetime")) or parse_date(doc.get("id"))
            if when is None:
                raise DateError(
                    'the snapshot\'s "datetime" is missing or unreadable; '
                    "pass the date with --date",
                    path,
                )
            return when, "snapshot datetime"
    found = _date_from_properties(path, layer, None)
    if found is not None:
        return found
    raise DateError(
        "no date: the name has no YYYYMMDD / YYYY-MM-DD and no date property was found; "
        "put the date in the file name, or name the property holding it with --date-field",
        path,
    )


def resolve_refs(
    inputs: Sequence[str | Path],
    dates: Sequence[dt.date] | None = None,
    date_field: str | None = None,
    layer: str | None = None,
    on_duplicate: OnDuplicate = "error",
    today: dt.date | None = None,
) -> list[SnapshotRef]:
    """Discover files and date them; sorted by date, duplicates handled by ``on_duplicate``."""
    paths = discover(inputs)
    if dates is not None and len(dates) != len(paths):
        raise UsageError(f"{len(dates)} dates given for {len(paths)} files; give one date per file")
    today = today or dt.datetime.now(dt.timezone.utc).date()
    refs: list[SnapshotRef] = []
    for i, path in enumerate(paths):
        date, origin = resolve_date(path, dates[i] if dates else None, date_field, layer)
        if date > today + dt.timedelta(days=1):
            raise DateError(
                f"date {date.isoformat()} (from {origin}) is in the future; "
                "fix the date in the file name or property",
                path,
            )
        refs.append(SnapshotRef(path=path, date=date, date_origin=origin, layer=layer))
    by_date: dict[dt.date, list[SnapshotRef]] = {}
    for ref in refs:
        by_date.setdefault(ref.date, []).append(ref)
    chosen: list[SnapshotRef] = []
    for date in sorted(by_date):
        group = by_date[date]
        if len(group) > 1:
            if on_duplicate == "error":
                names = ", ".join(str(r.path) for r in group)
                raise DateError(
                    f"{len(group)} files have the date {date.isoformat()} ({names}); "
                    "keep one, or pass --on-duplicate first|last"
                )
            keep = group[0] if on_duplicate == "first" else group[-1]
            log.warning(
                "%d files dated %s; keeping %s (--on-duplicate %s)",
                len(group),
                date,
                keep.path,
                on_duplicate,
            )
            chosen.append(keep)
        else:
            chosen.append(group[0])
    return chosen


# ---------------------------------------------------------------- reading


def gdal_path(path: Path) -> str:
    """The path GDAL should open: gzip through /vsigzip/, zip archives through /vsizip/ once
    they pass the archive checks (zip-slip, size and ratio caps, honest headers: GDAL has no
    zip-bomb limits of its own; DataError otherwise)."""
    if _is_zip(path):
        from geotools.sources.archive import check_archive

        check_archive(path)  # cached per file state: cheap on the second layer of a zip
    return _vsi_path(path)


_LINKS: dict[Path, Path] = {}


def _plain_name(path: Path) -> Path:
    """``path``, or a link to it with a plain name when its name holds ';': pyogrio parses a
    path as a URL, whose last segment ends at ';' ("a;b.gpkg" would open "a"). The links live
    in a temporary folder removed when the process exits."""
    if ";" not in path.name or not path.exists():
        return path
    link = _LINKS.get(path)
    if link is None:
        import hashlib

        digest = hashlib.sha1(str(path).encode()).hexdigest()[:16]
        suffix = "".join(s for s in path.suffixes[-2:] if ";" not in s)
        link = _links_folder() / f"{digest}{suffix}"
        link.symlink_to(path.resolve())
        _LINKS[path] = link
    return link


@functools.cache
def _links_folder() -> Path:
    """A temporary folder for ``_plain_name``'s links, removed when the process exits."""
    import atexit
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="geotools-links-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def _vsi_path(path: Path) -> str:
    path = _plain_name(path)
    name = path.name.lower()
    if name.endswith(".gz"):
        return f"/vsigzip/{path}"
    if name.endswith(".zip"):
        return f"/vsizip/{path}"
    return str(path)


def _is_zip(path: Path) -> bool:
    return path.name.lower().endswith(".zip")


def _read_error(path: Path, exc: Exception) -> DataError:
    detail = str(exc).split(";")[0].split("\n")[0]
    link = _LINKS.get(path, path)
    for noise in (_vsi_path(path), str(path), str(link), "/vsigzip/", "/vsizip/"):
        detail = detail.replace(noise, "")
    detail = detail.strip(" :'")
    if path.exists() and path.stat().st_size == 0:
        return DataError("file is empty (0 bytes); re-download or remove it", path)
    if path.name.lower().endswith(".gz") and path.exists():
        with open(path, "rb") as fh:
            if fh.read(2) != b"\x1f\x8b":
                return DataError(
                    "is named .gz but is not gzip data; rename it without .gz or re-download it",
                    path,
                )
    return DataError(
        f"cannot read as a vector file ({detail[:160]}); check that it is a complete "
        "GeoJSON / GeoPackage / FlatGeobuf / Shapefile and not an error page or truncated",
        path,
    )


@dataclass
class RawLayer:
    """Geometries and wanted attributes of one file, in the file's own CRS."""

    geometries: np.ndarray
    attributes: dict[str, np.ndarray]
    crs: CRS | None
    fields: list[str]
    m_dropped: int = 0
    layer: str | None = None  # the layer's own name, when it differs from the file's stem


def read_raw(
    path: Path,
    layer: str | None = None,
    columns: Iterable[str] | None = (),
    missing_ok: bool = False,
) -> RawLayer:
    """Read geometries (+ the named columns; None: every column) of one vector file;
    DataError on failure.

    With ``missing_ok`` a column the file lacks is read as all None (profiles name properties
    that only some of a source's files carry)."""
    name = path.name.lower()
    if columns is None:
        if name.endswith((*KML_SUFFIXES, ".parquet", ".geoparquet")):
            columns = read_raw(path, layer).fields
        else:
            return _read_gdal(path, layer, None, missing_ok=False)
    columns = list(columns)
    if name.endswith((".parquet", ".geoparquet")):
        return _read_parquet(path, columns, missing_ok)
    if name.endswith(KML_SUFFIXES):
        from geotools.sources.kml import read_kml

        return read_kml(path, layer, columns, missing_ok)
    if layer is None and name.endswith(GEOJSON_SUFFIXES):
        data = _read_bytes(path)
        doc = _geojson_wrapper(path, data)
        if doc is not None:  # {"id", "datetime", "map": FeatureCollection}: GDAL cannot read it
            return _read_feature_list(path, doc.get("features"), columns)
        if not columns and data is not None:
            fast = _read_geojson_fast(data)
            if fast is not None:
                return fast
    return _read_gdal(path, layer, columns, missing_ok)


def _read_gdal(
    path: Path, layer: str | None, columns: list[str] | None, missing_ok: bool
) -> RawLayer:
    """read_raw through GDAL (pyogrio); ``columns`` None reads every column."""
    if layer is None and _is_zip(path):
        return _read_zip(path, columns, missing_ok)
    from pyogrio.raw import read

    from geotools.sources.esrijson import gdal_reading_options

    wanted: list[str] | None = columns
    source = gdal_path(path)  # outside the try: a refused zip's DataError is worded
    if missing_ok and columns:
        from pyogrio import read_info

        try:
            have = {str(f) for f in read_info(source, layer=layer)["fields"]}
        except Exception as exc:
            raise _read_error(path, exc) from exc
        wanted = [c for c in columns if c in have]
    with gdal_reading_options(path):  # outside the try: its own DataError is already worded
        try:
            meta, _, wkb, values = read(source, layer=layer, columns=wanted or None)
        except Exception as exc:
            raise _read_error(path, exc) from exc
    fields = [str(f) for f in meta["fields"]]
    if columns is None:
        columns = fields
    if missing_ok:
        n = len(wkb)
        raw_values = {c: values[fields.index(c)] for c in wanted or []}
        attrs = {
            c: np.asarray(raw_values[c], dtype=object) if c in raw_values else np.full(n, None)
            for c in columns
        }
        geoms = np.asarray(_from_wkb(path, wkb), dtype=object)
        return RawLayer(geoms, attrs, _meta_crs(path, meta), fields)
    missing = [c for c in columns if c not in fields]
    if missing:
        raise DataError(
            f"has no property {missing[0]!r} (properties: {', '.join(fields) or 'none'})", path
        )
    geoms = _from_wkb(path, wkb)
    attrs = {c: np.asarray(values[fields.index(c)], dtype=object) for c in columns}
    return RawLayer(np.asarray(geoms, dtype=object), attrs, _meta_crs(path, meta), fields)


#: GDAL geometry types a zip's layers are read for (points and lines are labels, not areas).
_AREA_TYPES = re.compile(r"polygon|surface|geometrycollection|unknown", re.IGNORECASE)


def _read_zip(path: Path, columns: list[str] | None, missing_ok: bool) -> RawLayer:
    """A zip archive (zipped shapefiles): its only layer, named after itself rather than the
    zip (``RawLayer.layer``: profiles classify ISW's ``UkraineControlMapAO…`` by it), or, when
    it holds several (ISW's daily export: one shapefile per layer), every polygon layer, each
    feature's layer name in the ``layer`` attribute, as the folders of a KMZ."""
    from pyogrio import list_layers

    from geotools.sources.kml import LAYER_FIELD

    source = gdal_path(path)  # the archive checks, outside the try: their DataError is worded
    try:
        listed = [(str(n), None if t is None else str(t)) for n, t in list_layers(source)]
    except Exception as exc:
        raise _read_error(path, exc) from exc
    if not listed:
        raise DataError(
            "zip archive holds no vector layer; check that it is a zipped shapefile", path
        )
    if len(listed) == 1:
        raw = _read_gdal(path, listed[0][0], columns, missing_ok)
        raw.layer = listed[0][0]
        return raw
    names = [n for n, t in listed if t is not None and _AREA_TYPES.search(t)]
    names = names or [n for n, t in listed if t is not None]  # lines only: let the caller judge
    skipped = [f"{n} ({t or 'no geometry'})" for n, t in listed if n not in names]
    if skipped:
        log.info("%s: not an area layer, skipped: %s", path, ", ".join(skipped))
    parts = [(n, _read_gdal(path, n, columns, missing_ok=columns is not None)) for n in names]
    crs = parts[0][1].crs
    for name, part in parts[1:]:
        same = crs is None if part.crs is None else crs is not None and part.crs.equals(crs)
        if not same:
            raise DataError(
                f"layers {parts[0][0]!r} and {name!r} have different CRSs; pass --layer to "
                "read one at a time",
                path,
            )
    fields = [LAYER_FIELD]
    for _, part in parts:
        fields += [f for f in part.fields if f not in fields]
    wanted = fields if columns is None else columns
    missing = [c for c in wanted if c not in fields]
    if missing and not missing_ok:
        raise DataError(
            f"has no property {missing[0]!r} in any layer (properties: {', '.join(fields)})", path
        )
    attributes: dict[str, np.ndarray] = {}
    for column in wanted:
        values = []
        for name, part in parts:
            n = len(part.geometries)
            found = part.attributes.get(column)
            found = np.full(n, None, dtype=object) if found is None else found.astype(object)
            if column == LAYER_FIELD:  # the file's own `layer` values win; else the layer name
                blank = np.array([v is None or str(v).strip() == "" for v in found], dtype=bool)
                found[blank] = name
            values.append(found)
        attributes[column] = np.concatenate(values)
    geometries = np.concatenate([part.geometries for _, part in parts])
    m_dropped = sum(part.m_dropped for _, part in parts)
    return RawLayer(geometries, attributes, crs, fields, m_dropped)


def _from_wkb(path: Path, wkb: Any) -> Any:
    try:
        return shapely.from_wkb(wkb)
    except Exception as exc:  # GDAL wrote something GEOS cannot read back
        raise DataError(
            f"has unreadable geometry ({exc}); repair it in a GIS and retry", path
        ) from exc


def _meta_crs(path: Path, meta: dict[str, Any]) -> CRS | None:
    if not meta.get("crs"):
        return None
    try:
        return CRS.from_user_input(meta["crs"])
    except PyprojCRSError as exc:
        raise DataError(f"declares an unknown CRS {meta['crs']!r}; fix or remove it", path) from exc


def _read_bytes(path: Path) -> bytes | None:
    """A file's bytes, gunzipped when its name ends in .gz; None when unreadable (GDAL then
    reads it and words the error)."""
    try:
        data = path.read_bytes()
        return _gunzip(data) if path.name.lower().endswith(".gz") else data
    except _GUNZIP_ERRORS:
        return None


def _gunzip_errors() -> tuple[type[BaseException], ...]:
    import zlib

    errors: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)
    try:
        from isal import isal_zlib
    except ImportError:
        return errors
    return (*errors, cast("type[BaseException]", isal_zlib.error))


#: What a damaged gzip stream raises (bad header: OSError; cut short: EOFError; corrupt
#: deflate data: zlib's or ISA-L's error).
_GUNZIP_ERRORS = _gunzip_errors()


def _gunzip(data: bytes) -> bytes:
    """gzip.decompress, through ISA-L when installed (2.6× faster on the archive's files)."""
    try:
        from isal.igzip import decompress
    except ImportError:
        import gzip

        return gzip.decompress(data)
    return bytes(decompress(data))  # type: ignore[no-untyped-call]


def _load_json(data: bytes) -> Any:
    """The parsed JSON document, or None when it is not JSON."""
    import json

    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # nested too deeply: not a document to read
        return None


def _geojson_wrapper(path: Path, data: bytes | None = None) -> dict[str, Any] | None:
    """The FeatureCollection inside a ``{"map": FeatureCollection, "datetime": …}`` wrapper
    (DeepState's /api/history/last), with the wrapper's ``datetime``; None otherwise.
    ``data`` is the file's (gunzipped) bytes when the caller has read them already."""
    if data is None:
        data = _read_bytes(path)
    if data is None:
        return None
    head = data[:256]
    if b'"map"' not in head and b'"datetime"' not in head and b'"id"' not in head:
        return None
    doc = _load_json(data)
    if not isinstance(doc, dict) or not isinstance(doc.get("map"), dict):
        return None
    inner: dict[str, Any] = doc["map"]
    if inner.get("type") != "FeatureCollection" or not isinstance(inner.get("features"), list):
        raise DataError(
            'has a "map" member that is not a FeatureCollection; re-download the snapshot', path
        )
    return dict(inner, datetime=doc.get("datetime"), id=doc.get("id"))


def _read_feature_list(path: Path, features: Any, columns: list[str]) -> RawLayer:
    """Geometries and properties of a list of GeoJSON features (one GEOS parse for all)."""
    import json

    feats = [f for f in features if isinstance(f, dict)]
    empty = {"type": "GeometryCollection", "geometries": []}
    geoms_doc = {
        "type": "GeometryCollection",
        "geometries": [f.get("geometry") or empty for f in feats],
    }
    try:
        collection = shapely.from_geojson(json.dumps(geoms_doc))
    except Exception as exc:
        raise DataError(
            f"has unreadable geometry ({exc}); repair it in a GIS and retry", path
        ) from exc
    geoms = np.asarray(shapely.get_parts(collection), dtype=object)
    if len(geoms) != len(feats):  # GEOS flattened something: fall back to one parse each
        geoms = np.asarray(
            [shapely.from_geojson(json.dumps(f.get("geometry") or empty)) for f in feats],
            dtype=object,
        )
    attrs = {
        c: np.asarray([(f.get("properties") or {}).get(c) for f in feats], dtype=object)
        for c in columns
    }
    fields = sorted({k for f in feats for k in (f.get("properties") or {})})
    return RawLayer(geoms, attrs, WGS84, fields)


GEOJSON_SUFFIXES = (".geojson", ".json", ".geojson.gz", ".json.gz")
_WGS84_NAMES = (b"CRS84", b"EPSG::4326", b"EPSG:4326", b"crs84")


_RAGGED = {
    "Polygon": shapely.GeometryType.POLYGON,
    "MultiPolygon": shapely.GeometryType.MULTIPOLYGON,
}


def _polygons_from_json(data: bytes) -> np.ndarray | None:
    """The features' geometries of a FeatureCollection whose every feature is a 2-D Polygon or
    MultiPolygon, built from its coordinates with orjson and numpy (about twice as fast as
    GEOS's reader; the same doubles, bit for bit: tested on the whole archive); None for
    anything else (other types, 3-D, nulls, malformed), which ``shapely.from_geojson`` reads.
    """
    import gc

    import orjson

    # the parse makes thousands of small lists, freed on return: the cyclic collector,
    # woken by them, would walk the whole heap for nothing (it doubled the time)
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _ragged(orjson.loads(data)["features"])
    except Exception:  # any surprise: the reader that words errors takes over
        return None
    finally:
        if enabled:
            gc.enable()


def _ragged(features: list[Any]) -> np.ndarray | None:
    """Geometries of GeoJSON features (2-D Polygon / MultiPolygon only, else None)."""
    out = np.empty(len(features), dtype=object)
    for i, feature in enumerate(features):
        geometry = feature["geometry"]
        kind = _RAGGED[geometry["type"]]
        polys = geometry["coordinates"]
        if kind == shapely.GeometryType.POLYGON:
            polys = [polys]
        rings = [ring for poly in polys for ring in poly]
        points = list(chain.from_iterable(rings))
        if set(map(len, points)) != {2}:
            return None  # 3-D or malformed positions: GEOS reads (or refuses) them
        coords = np.fromiter(chain.from_iterable(points), np.float64, 2 * len(points))
        coords = coords.reshape(-1, 2)
        ring_offsets = np.zeros(len(rings) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rings], out=ring_offsets[1:])
        first, last = ring_offsets[:-1], ring_offsets[1:] - 1
        if (last - first < 3).any() or not (coords[first] == coords[last]).all():
            return None  # an open or short ring: GEOS refuses it (numpy would close it)
        poly_offsets = np.zeros(len(polys) + 1, dtype=np.int64)
        np.cumsum([len(p) for p in polys], out=poly_offsets[1:])
        offsets: tuple[np.ndarray, ...] = (ring_offsets, poly_offsets)
        if kind == shapely.GeometryType.MULTIPOLYGON:
            offsets += (np.asarray([0, len(polys)], dtype=np.int64),)
        out[i] = shapely.from_ragged_array(kind, coords, offsets)[0]
    return out


def _read_geojson_fast(data: bytes) -> RawLayer | None:
    """GEOS's own GeoJSON reader on a file's (gunzipped) bytes (about twice as fast as GDAL
    here).

    Only for plain lon/lat FeatureCollections when no property is needed; anything unusual
    (another CRS, unreadable bytes, null geometries) returns None and GDAL reads the file.
    """
    head = data[:4096]
    if (
        b'"FeatureCollection"' not in head
        or b'"spatialReference"' in head  # ESRI JSON (ArcGIS REST): GDAL's ESRIJSON driver
        or b'"geometry": null' in data
        or b'"geometry":null' in data
    ):
        return None
    crs = WGS84
    at = data.rfind(b'"crs"')
    if at >= 0:  # the legacy CRS member, wherever it stands (GDAL only sees it up front)
        found = re.search(rb'"name"\s*:\s*"([^"]+)"', data[at : at + 300])
        if found is None:
            return None
        if not any(n in found.group(1) for n in _WGS84_NAMES):
            try:
                crs = CRS.from_user_input(found.group(1).decode())
            except (PyprojCRSError, UnicodeDecodeError):
                return None
            epsg = crs.to_epsg()
            crs = CRS.from_epsg(epsg) if epsg else crs
    plain = _polygons_from_json(data)
    if plain is not None:
        return RawLayer(plain, {}, crs, [])
    m_dropped = 0
    try:
        collection = shapely.from_geojson(data)
    except Exception as exc:  # GEOS refused it
        if "more than three" not in str(exc):
            return None  # let GDAL read it and explain
        data, m_dropped = _drop_m(data)
        try:
            collection = shapely.from_geojson(data)
        except Exception:
            return None
    geoms = (
        shapely.get_parts(collection)
        if collection.geom_type == "GeometryCollection"
        else [collection]
    )
    return RawLayer(np.asarray(geoms, dtype=object), {}, crs, [], m_dropped=m_dropped)


def _drop_m(data: bytes) -> tuple[bytes, int]:
    """Cut 4-member positions (XYZM) to XYZ; returns the new text and how many features had M."""
    import json

    doc = json.loads(data)
    count = 0

    def trim(coords: Any) -> tuple[Any, bool]:
        if coords and isinstance(coords[0], (int, float)):
            return coords[:3], len(coords) > 3
        pieces = [trim(c) for c in coords]
        return [c for c, _ in pieces], any(flag for _, flag in pieces)

    for feature in doc.get("features", []):
        geom = feature.get("geometry") or {}
        if "coordinates" in geom:
            geom["coordinates"], had_m = trim(geom["coordinates"])
            count += int(had_m)
    return json.dumps(doc).encode(), count


def _read_parquet(path: Path, columns: list[str], missing_ok: bool = False) -> RawLayer:
    import geopandas as gpd

    try:
        frame = gpd.read_parquet(path)
    except Exception as exc:
        raise DataError(
            f"cannot read as GeoParquet ({str(exc).splitlines()[0][:160]}); check the file", path
        ) from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing and not missing_ok:
        raise DataError(f"has no property {missing[0]!r}", path)
    return RawLayer(
        np.asarray(frame.geometry.values, dtype=object),
        {
            c: frame[c].to_numpy(dtype=object) if c in frame.columns else np.full(len(frame), None)
            for c in columns
        },
        frame.crs,
        [str(c) for c in frame.columns if c != frame.geometry.name],
    )


def _check_coordinates(path: Path, geoms: np.ndarray, crs: CRS) -> None:
    present = geoms[~shapely.is_missing(geoms)]
    if len(present) == 0:
        return
    coords = shapely.get_coordinates(present)
    if len(coords) and not np.isfinite(coords).all():
        raise DataError("has NaN or infinite coordinates; repair or re-export the file", path)
    if len(coords) == 0:
        return
    minx, miny = coords.min(axis=0)
    maxx, maxy = coords.max(axis=0)
    if crs.is_projected and max(abs(minx), abs(miny), abs(maxx), abs(maxy)) <= 180:
        raise DataError(
            f"coordinates ({minx:.6g}, {miny:.6g}) … ({maxx:.6g}, {maxy:.6g}) look like lon/lat "
            f"degrees, but the file declares the projected CRS {crs.name!r}; declare the right "
            "CRS (e.g. ogr2ogr -a_srs EPSG:4326) and retry",
            path,
        )
    if crs.is_projected and max(abs(minx), abs(miny), abs(maxx), abs(maxy)) > 4e7:
        raise DataError(
            f"coordinates up to {max(abs(minx), abs(miny), abs(maxx), abs(maxy)):.3g} are "
            f"beyond the Earth in the CRS {crs.name!r}; the CRS or the coordinates are wrong: "
            "re-export the file with its real CRS",
            path,
        )
    if crs.is_geographic and (min(minx, miny) < -180 or maxx > 180 or maxy > 90 or miny < -90):
        raise DataError(
            f"coordinates ({minx:.6g}, {miny:.6g}) … ({maxx:.6g}, {maxy:.6g}) are not lon/lat, "
            f"but the file's CRS is {crs.name!r}: the data is probably projected with no or a "
            "wrong CRS; declare the right CRS (e.g. ogr2ogr -a_srs) and retry",
            path,
        )


def _extent(
    dissolved: dict[str, shapely.Geometry], src: CRS
) -> tuple[float, float, float, float] | None:
    bounds = [lonlat_bounds(g, src) for g in dissolved.values() if not shapely.is_empty(g)]
    if not bounds:
        return None
    b = np.array(bounds)
    return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))


def _default_crs(src: CRS, extent: tuple[float, float, float, float] | None) -> CRS:
    """The file's own CRS when it is already equal-area (no reprojection), else LAEA on the data."""
    if src.is_projected:
        try:
            require_equal_area(src, extent)
            return src
        except GeotoolsError:
            pass
    if extent is None:
        return CRS.from_epsg(6933)  # an empty snapshot: any equal-area CRS measures its 0 km²
    return choose_equal_area_crs(extent)


def load_snapshot(
    ref: SnapshotRef,
    crs: CRS | None = None,
    status_field: str | None = None,
    status: str = "occupied",
    force_crs: bool = False,
    source_crs: CRS | None = None,
    use_cache: bool = True,
    warn_empty: bool = True,
    profile: Profile | str | None = None,
    cache_key: str | None = None,
) -> Snapshot:
    """Read, clean, dissolve and project one file into a Snapshot.

    ``crs`` is the equal-area target (chosen from the data when None); ``status_field`` names
    a property whose values are the status classes, else every feature counts as ``status``.
    ``source_crs`` overrides a missing or wrong CRS declared by the file. With ``use_cache``
    the parsed result is kept in the cache, keyed by the file's bytes and these settings.
    A ``profile`` (a shipped name such as ``deepstate-raw``, a JSON file, or a Profile) sorts
    the features into its status classes instead (see geotools.sources.profile).
    ``cache_key`` is this call's snapshot_cache_key when the caller has it already.
    """
    prof = load_profile(profile) if profile is not None else None
    if prof is not None and status_field:
        raise UsageError("give either a profile or a status field, not both")
    args = (ref, crs, status_field, status, force_crs, source_crs, warn_empty, prof)
    if not use_cache:
        return _parse_snapshot(*args)
    from geotools import cache

    key = cache_key or snapshot_cache_key(
        ref, crs, status_field, status, force_crs, source_crs, prof
    )
    hit = cache.load_parsed(key)
    if hit is not None:
        meta, blobs = hit
        if warn_empty and meta["repairs"].get("features") == 0:
            log.warning("%s has no features: read as an empty snapshot (no territory)", ref.path)
        return Snapshot(
            date=ref.date,
            source=str(ref.path),
            crs=CRS.from_wkt(meta["crs"]),
            geometries={k: shapely.from_wkb(v) for k, v in blobs.items()},
            repairs=RepairReport(**meta["repairs"]),
            m2_per_unit=float(meta["m2_per_unit"]),
            classes=ClassReport(**meta["classes"]) if meta.get("classes") else None,
        )
    snap = _parse_snapshot(*args)
    meta = {
        "crs": wkt(snap.crs),
        "m2_per_unit": snap.m2_per_unit,
        "repairs": snap.repairs.as_dict(),
        "classes": snap.classes.as_dict() if snap.classes is not None else None,
    }
    cache.store_parsed(key, meta, {k: shapely.to_wkb(g) for k, g in snap.geometries.items()})
    return snap


def snapshot_cache_key(
    ref: SnapshotRef,
    crs: CRS | None,
    status_field: str | None = None,
    status: str = "occupied",
    force_crs: bool = False,
    source_crs: CRS | None = None,
    profile: Profile | str | None = None,
) -> str:
    """Cache key of a parsed snapshot: the file's bytes and every setting that shapes it."""
    from geotools import cache

    prof = load_profile(profile) if profile is not None else None
    settings = "|".join(
        [
            f"profile:{prof.name}:{prof.digest}" if prof is not None else "",
            wkt(crs) if crs is not None else "auto",
            status_field or "",
            status,
            ref.layer or "",
            str(force_crs),
            wkt(source_crs) if source_crs is not None else "",
        ]
    )
    return cache.snapshot_key(ref.path, settings)


def _parse_snapshot(
    ref: SnapshotRef,
    crs: CRS | None,
    status_field: str | None,
    status: str,
    force_crs: bool,
    source_crs: CRS | None,
    warn_empty: bool = True,
    profile: Profile | None = None,
) -> Snapshot:
    path = ref.path
    if profile is not None:
        raw = read_raw(path, ref.layer, profile.properties, missing_ok=True)
    else:
        raw = read_raw(path, ref.layer, [status_field] if status_field else [])
    src = source_crs or raw.crs
    if src is None:
        log.info("%s declares no CRS; assuming WGS84 lon/lat", path)
        src = WGS84
    _check_coordinates(path, raw.geometries, src)
    classes = None
    geometries = raw.geometries
    if profile is not None:
        statuses, classes = classify(
            profile,
            raw.geometries,
            raw.attributes,
            src,
            path.name,
            ref.layer or raw.layer or _stem(path),
        )
        keep = np.isin(statuses, profile.classes)
        geometries, statuses = raw.geometries[keep], statuses[keep]
        log.debug("%s: %s", path, classes.summary())
    elif status_field:
        values = raw.attributes[status_field]
        statuses = np.array(
            ["unknown" if v is None else str(v).strip() for v in values], dtype=object
        )
    else:
        statuses = np.full(len(raw.geometries), status, dtype=object)
    if profile is None and _already_clean(geometries, statuses):
        fast = _project_clean(ref, geometries, statuses, src, crs, force_crs)
        if fast is not None:
            fast.repairs.m_dropped += raw.m_dropped
            return fast
    dissolved, report = clean_geometries(geometries, statuses)
    report.m_dropped += raw.m_dropped
    if profile is not None:
        report.features = len(raw.geometries)
        if report.polygon_parts == 0 and report.features:
            assert classes is not None
            raise DataError(
                f"no feature is in a status class of profile {profile.name!r} "
                f"({classes.summary()}); check the profile (--profile)",
                path,
            )
    if report.features == 0:
        if warn_empty:
            log.warning("%s has no features: read as an empty snapshot (no territory)", path)
    elif report.polygon_parts == 0:
        dropped = report.summary()
        raise DataError(
            f"has no polygons ({dropped}); geotools measures areas: use a polygon layer"
            + (" (pass --layer)" if ref.layer is None else ""),
            path,
        )
    extent = _extent(dissolved, src)
    if crs is None:
        crs = _default_crs(src, extent)
    m2_per_unit = require_equal_area(crs, extent, force=force_crs)
    projected: dict[str, shapely.Geometry] = {}
    for name, geom in dissolved.items():
        geom = project(geom, src, crs)
        geom, changed = revalidate(geom)
        report.invalid_after_projection += int(changed)
        projected[name] = geom
    if profile is not None:  # in the equal-area CRS, so the classes stay disjoint there
        projected = settle(profile, projected)
    log.debug("%s: %s", path, report.summary())
    return Snapshot(
        date=ref.date,
        source=str(path),
        crs=crs,
        geometries=projected,
        repairs=report,
        m2_per_unit=m2_per_unit,
        classes=classes,
    )


def _already_clean(geoms: np.ndarray, statuses: np.ndarray) -> bool:
    """One non-empty 2-D (Multi)Polygon per status (a flattened export): nothing to dissolve."""
    return (
        len(geoms) > 0
        and len(set(statuses.tolist())) == len(geoms)
        and bool(np.isin(shapely.get_type_id(geoms), (3, 6)).all())
        and not bool(shapely.is_empty(geoms).any())
        and not bool(shapely.has_z(geoms).any())
        and not (hasattr(shapely, "has_m") and bool(shapely.has_m(geoms).any()))
    )


def _project_clean(
    ref: SnapshotRef,
    geoms: np.ndarray,
    statuses: np.ndarray,
    src: CRS,
    crs: CRS | None,
    force_crs: bool,
) -> Snapshot | None:
    """Project first and check validity once, in the CRS the areas are measured in; None when
    a geometry is invalid there (the caller then takes the full repair route)."""
    pre = {str(s): g for s, g in zip(statuses, geoms, strict=True)}
    extent = _extent(pre, src)
    if crs is None:
        crs = _default_crs(src, extent)
    m2_per_unit = require_equal_area(crs, extent, force=force_crs)
    projected = {name: project(g, src, crs) for name, g in pre.items()}
    if not bool(shapely.is_valid(np.asarray(list(projected.values()), dtype=object)).all()):
        return None
    report = RepairReport(
        features=len(geoms), polygon_parts=int(shapely.get_num_geometries(geoms).sum())
    )
    log.debug("%s: %s", ref.path, report.summary())
    return Snapshot(
        date=ref.date,
        source=str(ref.path),
        crs=crs,
        geometries=projected,
        repairs=report,
        m2_per_unit=m2_per_unit,
    )


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".geojson", ".json", ".gpkg", ".fgb", ".shp", ".zip", ".kmz", ".kml"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


def read_snapshots(
    inputs: Sequence[str | Path],
    crs: CRS | None = None,
    dates: Sequence[dt.date] | None = None,
    date_field: str | None = None,
    layer: str | None = None,
    status_field: str | None = None,
    status: str = "occupied",
    on_duplicate: OnDuplicate = "error",
    force_crs: bool = False,
    profile: Profile | str | None = None,
) -> list[Snapshot]:
    """Read files / folders / globs into Snapshots sorted by date, all in one equal-area CRS.

    When ``crs`` is None the first snapshot's extent chooses it (see choose_equal_area_crs).
    """
    refs = resolve_refs(inputs, dates, date_field, layer, on_duplicate)
    snapshots: list[Snapshot] = []
    for ref in refs:
        snap = load_snapshot(ref, crs, status_field, status, force_crs, profile=profile)
        crs = snap.crs
        snapshots.append(snap)
    return snapshots
