"""Safe KML / KMZ reading: archive and XML checks first, then GDAL on the checked bytes.

A KMZ is a zip archive: an entry whose name is absolute or climbs out with ``..`` is refused
(zip-slip), and the KML entry is decompressed in chunks against a size cap and a compression
ratio cap measured on the bytes actually produced and consumed (zip bombs; the sizes in the
zip header are not trusted: see geotools.read.archive). The KML itself must parse
as XML without a DOCTYPE: entity declarations (billion laughs) and external entities (XXE)
are refused before GDAL sees the bytes. Every folder (GDAL layer) is read; its name is kept
in the ``layer`` attribute so source profiles can classify by it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import shapely

from geotools.crs import WGS84
from geotools.errors import DataError
from geotools.read.archive import read_entry, safe_entries
from geotools.read.layer import RawLayer

LAYER_FIELD = "layer"


def kmz_kml_bytes(path: Path) -> bytes:
    """The KML document inside a KMZ (doc.kml, else the first .kml entry), checked (see
    geotools.read.archive: names, size and ratio caps on the bytes actually decompressed)."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = safe_entries(archive, path)
            kmls = [i for i in entries if i.filename.lower().endswith(".kml") and not i.is_dir()]
            if not kmls:
                raise DataError("KMZ holds no .kml document; check the file", path)
            docs = [i for i in kmls if i.filename.lower() == "doc.kml"]
            return read_entry(path, (docs or kmls)[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise DataError(
            f"is not a readable KMZ (zip) archive ({exc}); re-download or re-export it", path
        ) from exc


def check_xml(data: bytes, path: Path) -> None:
    """Refuse XML with a DOCTYPE (entity expansion, external entities) or that does not parse."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    try:  # streamed, each element dropped once parsed: memory stays flat on large KML
        for _, element in iterparse(
            io.BytesIO(data), forbid_dtd=True, forbid_entities=True, forbid_external=True
        ):
            element.clear()
    except DefusedXmlException as exc:
        raise DataError(
            f"KML declares a DTD or entities ({type(exc).__name__}); refused, as entity "
            "expansion and external entities are unsafe: remove the <!DOCTYPE …> block",
            path,
        ) from exc
    except ParseError as exc:
        raise DataError(
            f"is not well-formed KML/XML ({exc}); check that it is complete and not an error page",
            path,
        ) from exc


def kml_bytes(path: Path) -> bytes:
    """The checked KML text of a .kml or .kmz file."""
    try:
        is_kmz = path.name.lower().endswith(".kmz")
        data = kmz_kml_bytes(path) if is_kmz else path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot be read ({exc.strerror}); check the path", path) from exc
    if not data.strip():
        raise DataError("KML is empty; re-download or remove it", path)
    check_xml(data, path)
    return data


def read_kml(
    path: Path, layer: str | None = None, columns: Iterable[str] = (), missing_ok: bool = False
) -> RawLayer:
    """Geometries (+ named columns) of every folder of a KML/KMZ; ``layer`` holds the folder.

    With ``missing_ok`` a column no folder has is read as all None (as io.read_raw)."""
    from pyogrio import list_layers
    from pyogrio.raw import read

    columns = list(columns)
    data = kml_bytes(path)
    try:
        all_names = [str(n) for n in list_layers(data)[:, 0]]
    except Exception as exc:
        raise DataError(
            f"GDAL cannot read this KML ({_detail(exc)}); check the file", path
        ) from exc
    # a KML without folders has one layer named after the file: here pyogrio's random
    # in-memory name, which changes on every read; the file's own name stands for it
    stem = path.name.split(".")[0]
    all_names = [stem if n.startswith("pyogrio_") else n for n in all_names]
    names = all_names
    if layer is not None:
        if layer not in names:
            raise DataError(
                f"has no layer {layer!r} (layers: {', '.join(names) or 'none'}); check --layer",
                path,
            )
        names = [layer]
    indexes = [all_names.index(n) for n in names]
    geoms: list[np.ndarray] = []
    values: dict[str, list[np.ndarray]] = {c: [] for c in columns}
    fields: list[str] = [LAYER_FIELD]
    for name, index in zip(names, indexes, strict=True):
        try:
            meta, _, wkb, arrays = read(data, layer=index)
        except Exception as exc:
            raise DataError(
                f"GDAL cannot read KML layer {name!r} ({_detail(exc)}); check the file", path
            ) from exc
        layer_fields = [str(f) for f in meta["fields"]]
        fields += [f for f in layer_fields if f not in fields]
        count = len(wkb)
        try:
            geoms.append(np.asarray(shapely.from_wkb(wkb), dtype=object).reshape(count))
        except Exception as exc:
            raise DataError(
                f"has unreadable geometry in layer {name!r} ({exc}); repair it and retry", path
            ) from exc
        for column in columns:
            if column in layer_fields:
                found = np.asarray(arrays[layer_fields.index(column)], dtype=object)
            else:
                found = np.full(count, None, dtype=object)
            if column == LAYER_FIELD:  # the file's own `layer` values win; else the folder
                blank = np.array([v is None or str(v).strip() == "" for v in found], dtype=bool)
                found[blank] = name
            values[column].append(found)
    missing = [c for c in columns if c not in fields]
    if missing and not missing_ok:
        raise DataError(f"has no property {missing[0]!r} (properties: {', '.join(fields)})", path)
    geometries = np.concatenate(geoms) if geoms else np.empty(0, dtype=object)
    attributes = {
        c: (np.concatenate(v) if v else np.empty(0, dtype=object)) for c, v in values.items()
    }
    return RawLayer(geometries, attributes, WGS84, fields)  # KML is lon/lat WGS84 by definition


def _detail(exc: Exception) -> str:
    return str(exc).split("\n")[0][:160]
