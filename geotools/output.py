"""Atomic writers for tables and change layers: temporary name first, rename on success.

Every file geotools writes goes through :func:`atomic_path`, so an interrupted run leaves
either the previous file or the new one, never half of one. Within :func:`staged`, the outputs
of a run are renamed together at its end, and only when the whole run succeeded.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import shapely

from geotools.crs import WGS84, project
from geotools.errors import OutputError
from geotools.periods import Period
from geotools.snapshot import M2_PER_KM2, Change
from geotools.table import DATE_COLUMNS, TOTAL, TOTAL_NAME

if TYPE_CHECKING:  # issue 20: pandas is imported by what writes a DataFrame, not with the module
    import pandas as pd

log = logging.getLogger(__name__)

#: Change parts smaller than this are called slivers in the log (they are still kept).
SLIVER_KM2 = 0.01
TABLE_FORMATS = {".csv": "csv", ".parquet": "parquet", ".json": "json"}
LAYER_FORMATS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".fgb": "FlatGeobuf"}


#: The outputs written so far in the innermost :func:`staged` block (temporary, destination).
_STAGE: contextvars.ContextVar[list[tuple[Path, Path]] | None] = contextvars.ContextVar(
    "geotools_output_stage", default=None
)


@contextlib.contextmanager
def staged() -> Iterator[None]:
    """Within the block, outputs are written under temporary names and renamed onto their
    destinations together when the block succeeds; when it fails, none appears (a run that
    fails after writing its ``-o`` table does not leave the table)."""
    pending: list[tuple[Path, Path]] = []
    token = _STAGE.set(pending)
    try:
        yield
    except BaseException:
        for tmp, _ in pending:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    finally:
        _STAGE.reset(token)
    for tmp, dest in pending:
        os.replace(tmp, dest)


def check_table_format(dest: str | Path | None) -> None:
    """OutputError when ``dest`` is not a table format geotools writes (before a run)."""
    if dest is not None and Path(dest).suffix.lower() not in TABLE_FORMATS:
        raise OutputError(
            f"unknown table format {Path(dest).suffix!r}; use .csv, .parquet or .json", dest
        )


def check_writable(dest: str | Path | None) -> None:
    """OutputError (one line naming the folder) when ``dest``'s folder is missing or not
    writable: said before a run, not after it."""
    if dest is None:
        return
    dest = Path(dest)
    folder = dest.parent if str(dest.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"folder {folder} does not exist; create it first", dest)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"folder {folder} is not writable; choose another output", dest)


@contextlib.contextmanager
def atomic_path(dest: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``dest`` (same extension); rename onto ``dest`` on success
    (at the end of the :func:`staged` block, if one is open)."""
    dest = Path(dest)
    folder = dest.parent if str(dest.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"folder {folder} does not exist; create it first", dest)
    suffix = "".join(dest.suffixes[-2:]) if dest.name.endswith(".gz") else dest.suffix
    # the temporary's name is plain ASCII: GDAL writers cut a path at ';' (so "a;b.gpkg"
    # would be written to "a"); the rename gives the file the name asked for, whatever it is
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", dest.stem)[:60]
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{stem}.", suffix=f".tmp{suffix}", dir=folder)
    except OSError as exc:  # read-only folder or file system, full disk…
        raise OutputError(
            f"cannot write in folder {folder} ({exc.strerror or exc}); choose another output",
            dest,
        ) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers (GDAL especially) want to create the file themselves
    stage = _STAGE.get()
    kept = False
    try:
        yield tmp
        if not tmp.exists():
            raise OutputError("writer produced no file", dest)
        if stage is not None:
            stage.append((tmp, dest))  # renamed when the whole run has succeeded
            kept = True
        else:
            os.replace(tmp, dest)
    finally:
        if not kept:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def write_bytes(dest: str | Path, data: bytes, durable: bool = True) -> None:
    """Write bytes atomically; ``durable`` also fsyncs before the rename (outputs, downloads).

    Cache entries skip the fsync: the rename alone keeps them whole, and a lost entry after a
    power cut is only parsed again.
    """
    if not durable:  # the cache's many small entries: fewer system calls than atomic_path
        dest = Path(dest)
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        try:
            with open(tmp, "xb") as fh:
                fh.write(data)
            os.replace(tmp, dest)
        except FileNotFoundError as exc:
            raise OutputError(
                f"folder {dest.parent} does not exist; create it first", dest
            ) from exc
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        return
    with atomic_path(dest) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def link_into(src: Path, dest: Path) -> None:
    """Make ``dest`` a new name (hard link) of the file ``src``, replacing a file of that name
    atomically: readers see the old file or the new one (the cache's packs, issue 20)."""
    try:
        os.link(src, dest)
    except FileExistsError:
        side = dest.with_name(f".{dest.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        os.link(src, side)
        try:
            os.replace(side, dest)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                side.unlink()
            raise


def write_text(dest: str | Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    write_bytes(dest, text.encode("utf-8"))


def _table_for_file(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for col in DATE_COLUMNS:
        if col in out.columns:
            # each distinct date written once (a Table repeats a few hundred dates)
            values = out[col].tolist()
            text = {d: d.isoformat() if d is not None else None for d in set(values)}
            out[col] = [text[d] for d in values]
    return out


def _csv_text(frame: pd.DataFrame) -> str:
    """``frame.to_csv(float_format="%.6f")``, the same text, with the floats formatted by
    Python's own ``format`` in one pass a column (pandas calls a formatter per value)."""
    # --- issue 20: every column as text, then Python's csv writer (the one pandas uses, with
    # pandas' settings); a column of any other kind leaves the frame to pandas ---
    texts = [_column_text(frame[col]) for col in frame.columns]
    if all(t is not None for t in texts) and all(isinstance(c, str) for c in frame.columns):
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(list(frame.columns))
        writer.writerows(zip(*texts, strict=True))
        return buffer.getvalue()
    # --- end ---
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype.kind == "f":
            out[col] = ["" if v != v else f"{v:.6f}" for v in out[col].tolist()]
    return out.to_csv(index=False, lineterminator="\n")


def _column_text(column: pd.Series) -> list[str] | None:
    """A column's cells as pandas writes them with ``float_format="%.6f"``: floats, integers,
    booleans, and text with missing cells (None, NaN) empty; None for any other kind."""
    import pandas as pd

    kind = column.dtype.kind
    values = column.tolist()
    if kind == "f":
        return ["" if v != v else f"{v:.6f}" for v in values]
    if kind in "iub":
        return [str(v) for v in values]
    if isinstance(column.dtype, pd.StringDtype):  # text, a missing cell NaN or None
        return [v if isinstance(v, str) else "" for v in values]
    if all(isinstance(v, str) or v is None or (isinstance(v, float) and v != v) for v in values):
        return ["" if not isinstance(v, str) else v for v in values]
    return None


def write_table(table: pd.DataFrame, dest: str | Path) -> None:
    """Write a Table as CSV, Parquet or JSON (records), chosen by the extension."""
    dest = Path(dest)
    check_table_format(dest)
    kind = TABLE_FORMATS[dest.suffix.lower()]
    frame = _table_for_file(table)
    if kind == "csv":
        write_text(dest, _csv_text(frame))
    elif kind == "json":
        records = json.loads(frame.to_json(orient="records", double_precision=15))
        write_text(dest, json.dumps(records, indent=1, ensure_ascii=False) + "\n")
    else:
        with atomic_path(dest) as tmp:
            frame.to_parquet(tmp, index=False)


class ChangesLayer(NamedTuple):
    """The gained / lost polygons as a GeoDataFrame, and what ``min_area_km2`` left out."""

    frame: pd.DataFrame  # a GeoDataFrame, one row per period, status and gained / lost
    dropped_parts: int
    dropped_km2: float


def changes_frame(
    changes: Sequence[tuple[Period, Sequence[Change]]],
    crs: object,
    /,
    *,
    min_area_km2: float = 0.0,
    out_crs: object = WGS84,
) -> ChangesLayer:
    """GeoDataFrame of gained/lost polygons (``.frame``), with the parts and km² that
    ``min_area_km2`` dropped (``.dropped_parts``, ``.dropped_km2``).

    Examples
    --------
    >>> result = geotools.series(["daily/"], keep_changes=True)  # doctest: +SKIP
    >>> layer = changes_frame(result.changes, result.crs).frame  # doctest: +SKIP

    ``min_area_km2`` drops polygon parts smaller than it from the layer only; the table's
    totals are computed before and are never affected.
    """
    import geopandas as gpd

    rows = []
    dropped_parts, dropped_m2 = 0, 0.0
    slivers, sliver_m2 = 0, 0.0
    for period, cs in changes:
        for ch in cs:
            for kind, geom in (("gained", ch.gained), ("lost", ch.lost)):
                if geom is None or shapely.is_empty(geom):
                    continue
                parts = shapely.get_parts(geom)
                areas = shapely.area(parts)
                small = areas < SLIVER_KM2 * M2_PER_KM2
                slivers += int(small.sum())
                sliver_m2 += float(areas[small].sum())
                keep = areas >= min_area_km2 * M2_PER_KM2
                dropped_parts += int((~keep).sum())
                dropped_m2 += float(areas[~keep].sum())
                if not keep.any():
                    continue
                kept = shapely.multipolygons(parts[keep]) if keep.sum() > 1 else parts[keep][0]
                rows.append(
                    {
                        "period_start": period.start.isoformat(),
                        "period_end": period.end.isoformat(),
                        "from_date": period.from_date.isoformat(),
                        "to_date": period.to_date.isoformat(),
                        "region": TOTAL,
                        "region_name": TOTAL_NAME,
                        "status": ch.status,
                        "change": kind,
                        "area_km2": float(areas[keep].sum()) / M2_PER_KM2,
                        "parts": int(keep.sum()),
                        "geometry": project(kept, crs, out_crs),  # type: ignore[arg-type]
                    }
                )
    if slivers:
        log.info(
            "%d change parts are slivers under %g km² (%.6g km² together); kept in layer and "
            "totals (--min-area leaves them out of the layer)",
            slivers,
            SLIVER_KM2,
            sliver_m2 / M2_PER_KM2,
        )
    columns = [
        "period_start",
        "period_end",
        "from_date",
        "to_date",
        "region",
        "region_name",
        "status",
        "change",
        "area_km2",
        "parts",
        "geometry",
    ]
    frame = gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=out_crs)
    return ChangesLayer(frame, dropped_parts, dropped_m2 / M2_PER_KM2)


def write_layer(frame: Any, dest: str | Path, layer: str = "changes") -> None:
    """Write a GeoDataFrame as GeoPackage / GeoJSON / FlatGeobuf, chosen by the extension
    (``layer`` names the GeoPackage layer)."""
    dest = Path(dest)
    driver = LAYER_FORMATS.get(dest.suffix.lower())
    if driver is None:
        raise OutputError(
            f"unknown layer format {dest.suffix!r}; use .gpkg, .geojson or .fgb", dest
        )
    with atomic_path(dest) as tmp:
        frame.to_file(tmp, driver=driver, layer=layer if driver == "GPKG" else None)


def write_changes(
    changes: Sequence[tuple[Period, Sequence[Change]]],
    crs: object,
    dest: str | Path,
    min_area_km2: float = 0.0,
) -> int:
    """Write the gained/lost polygons to ``dest``, saying what --min-area left out; returns
    the number of features written."""
    frame, n_dropped, km2_dropped = changes_frame(changes, crs, min_area_km2=min_area_km2)
    if n_dropped:
        log.warning(
            "--min-area %g left %d polygon parts (%.6g km²) out of %s; totals include them",
            min_area_km2,
            n_dropped,
            km2_dropped,
            dest,
        )
    write_layer(frame, dest)
    return len(frame)
