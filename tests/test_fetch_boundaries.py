import gzip
import hashlib
import json
import logging
import re

import numpy as np
import pytest
import shapely
import shapely.geometry

from geotools.errors import DataError
from geotools.fetch import boundaries, content
from geotools.fetch.http import USER_AGENT

from .conftest import run_cli
from .httpserver import Reply, Routes, serve

API = "/api/current/gbOpen/UKR/ADM1/"


@pytest.fixture
def adm1_bytes(boundaries_full):
    return gzip.decompress(boundaries_full.read_bytes())


@pytest.fixture
def cache(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("GEOTOOLS_CACHE", str(root))
    return root


def _api(base):
    return json.dumps({"gjDownloadURL": f"{base}/file.geojson", "boundaryISO": "UKR"}).encode()


def test_download_retries_then_caches_and_works_offline(cache, adm1_bytes, monkeypatch):
    routes = Routes()
    with serve(routes) as base:
        monkeypatch.setenv(
            "GEOTOOLS_GEOBOUNDARIES_API", base + "/api/current/{release}/{iso}/{adm}/"
        )
        routes.set(API, Reply(500, b"oops"), Reply(200, _api(base)))
        routes.set(
            "/file.geojson", Reply(429, b"slow down", {"Retry-After": "0"}), Reply(200, adm1_bytes)
        )
        path = boundaries.resolve("geoboundaries:UKR:ADM1")
    assert path.read_bytes() == adm1_bytes
    assert path.is_relative_to(cache)
    assert [p for p, _ in routes.log] == [API, API, "/file.geojson", "/file.geojson"]
    assert all(ua == USER_AGENT for _, ua in routes.log)
    # server gone: the pre-filled cache serves, no network needed
    monkeypatch.setenv("GEOTOOLS_GEOBOUNDARIES_API", "http://127.0.0.1:9/{release}/{iso}/{adm}/")
    assert boundaries.resolve("geoboundaries:UKR:ADM1") == path


def _upstream_style(resaved: bytes) -> bytes:
    """The re-saved test file as upstream serves it: same geometry, other bytes. Compact JSON,
    no ``crs`` member, other key order, features in reverse order, another shapeID scheme plus a
    ``Level`` property, coordinates printed with 7 decimals (the re-save printed some with 15+
    digits), and every ring in the other direction."""
    doc = json.loads(resaved)
    features = []
    for feat in reversed(doc["features"]):
        props = dict(feat["properties"])
        props["shapeID"] = "UKR-ADM1-" + props["shapeID"][:15]
        props["Level"] = "ADM1"
        geom = shapely.geometry.shape(feat["geometry"])
        geom = shapely.transform(shapely.orient_polygons(geom, exterior_cw=True), _round7)
        features.append(
            {
                "geometry": json.loads(shapely.to_geojson(geom)),
                "properties": dict(reversed(list(props.items()))),
                "type": "Feature",
            }
        )
    return json.dumps({"features": features, "type": "FeatureCollection"}).encode()


def _round7(coords):
    return np.round(coords, 7)


def _with_feature(body: bytes, iso: str, change) -> bytes:
    """The layer with the unit ``iso`` changed by ``change(feature)`` (None drops it)."""
    doc = json.loads(body)
    out = []
    for feat in doc["features"]:
        if feat["properties"]["shapeISO"] == iso:
            feat = change(feat)
        if feat is not None:
            out.append(feat)
    doc["features"] = out
    return json.dumps(doc).encode()


def _nudged(feat):
    """One vertex of the unit moved 0.01° (about 1 km) east: a small, real change."""
    geom = shapely.geometry.shape(feat["geometry"])
    coords = shapely.get_coordinates(geom)
    coords[len(coords) // 2, 0] += 0.01
    feat["geometry"] = json.loads(shapely.to_geojson(shapely.set_coordinates(geom, coords)))
    return feat


@pytest.fixture(scope="module")
def upstream_bytes(boundaries_full):
    return _upstream_style(gzip.decompress(boundaries_full.read_bytes()))


def _fetch(cache, body, monkeypatch):
    """Serve ``body`` as the geoBoundaries download and resolve UKR ADM1 from it."""
    routes = Routes()
    with serve(routes) as base:
        monkeypatch.setenv(
            "GEOTOOLS_GEOBOUNDARIES_API", base + "/api/current/{release}/{iso}/{adm}/"
        )
        routes.set(API, Reply(200, _api(base)))
        routes.set("/file.geojson", Reply(200, body))
        return boundaries.resolve("geoboundaries:UKR:ADM1", attempts=1)


def test_upstream_style_file_accepted_by_content(cache, adm1_bytes, upstream_bytes, monkeypatch):
    """Upstream's serialisation (other bytes, attributes, order, ring direction) passes the
    pin, which was made from the re-saved copy; its bytes are kept as served."""
    assert hashlib.sha256(upstream_bytes).hexdigest() not in json.dumps(boundaries.pins())
    assert len(upstream_bytes) != len(adm1_bytes)
    path = _fetch(cache, upstream_bytes, monkeypatch)
    assert path.read_bytes() == upstream_bytes
    found = content.fingerprint_bytes(upstream_bytes, "shapeISO")
    pin = boundaries.pins()["gbOpen/UKR/ADM1"]["content"]
    assert found.geometry_sha256 == pin["geometry_sha256"]  # the very geometry
    # from the cache, later: checked again by content, no network
    monkeypatch.setenv("GEOTOOLS_GEOBOUNDARIES_API", "http://127.0.0.1:9/{release}/{iso}/{adm}/")
    assert boundaries.resolve("geoboundaries:UKR:ADM1", attempts=1) == path


def test_pin_matches_the_data_provenance(adm1_bytes):
    """The pinned areas are the geodesic areas of shared/data/boundaries/PROVENANCE.md."""
    pin = boundaries.pins()["gbOpen/UKR/ADM1"]["content"]
    assert pin["features"] == 27
    assert round(pin["area_m2"]["UA-14"] / 1e6, 1) == 28936.3
    assert round(pin["area_m2"]["UA-30"] / 1e6, 1) == 825.5
    assert round(sum(pin["area_m2"].values()) / 1e6, 1) == 640065.1
    assert content.mismatch(content.fingerprint_bytes(adm1_bytes, "shapeISO"), pin) is None


def test_attributes_renamed_accepted(cache, adm1_bytes, monkeypatch):
    """A unit's name spelled otherwise is no change of content (units are keyed by ISO code)."""
    body = adm1_bytes.replace(b"Odessa", b"Odesa")
    path = _fetch(cache, body, monkeypatch)
    assert path.read_bytes() == body


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (_nudged, r"UA-30 has 8\d\d\.\d{3} km², pinned 825\.\d{3} km² \(\d\.\de-\d\d relative"),
        (lambda feat: None, r"26 features, pinned 27: missing UA-40"),
        (
            lambda feat: dict(feat, properties=dict(feat["properties"], shapeISO="UA-99")),
            r"missing UA-40; not pinned UA-99",
        ),
        (lambda feat: dict(feat, geometry=None), r"UA-40 has 0\.000 km², pinned 3,09"),
    ],
    ids=["geometry-changed", "unit-missing", "code-changed", "geometry-null"],
)
def test_changed_content_refused_in_one_line_and_nothing_written(
    cache, adm1_bytes, upstream_bytes, monkeypatch, change, says
):
    iso = "UA-30" if change is _nudged else "UA-40"
    body = _with_feature(upstream_bytes, iso, change)
    with pytest.raises(DataError) as caught:
        _fetch(cache, body, monkeypatch)
    message = str(caught.value)
    assert "\n" not in message
    assert re.search(
        r"/file\.geojson: content does not match the pinned geoBoundaries-UKR-ADM1", message
    )
    assert re.search(says, message), message
    assert message.endswith("check it, then pass --by PATH")
    assert cached_files(cache) == []


def test_cli_fetch_boundaries_refuses_a_changed_unit(cache, upstream_bytes, tmp_path, monkeypatch):
    body = _with_feature(upstream_bytes, "UA-30", _nudged)
    routes = Routes()
    dest = tmp_path / "out"
    with serve(routes) as base:
        routes.set(API, Reply(200, _api(base)))
        routes.set("/file.geojson", Reply(200, body))
        api = base + "/api/current/{release}/{iso}/{adm}/"
        monkeypatch.setenv("GEOTOOLS_GEOBOUNDARIES_API", api)
        res = run_cli(["fetch", "boundaries", "--retries", "1", str(dest)])
        assert res.returncode == 1
        (line,) = res.stderr.strip().splitlines()
        assert "content does not match the pinned" in line and "UA-30 has" in line
        assert not dest.exists() or list(dest.iterdir()) == []
        routes.set("/file.geojson", Reply(200, upstream_bytes))
        res = run_cli(["fetch", "boundaries", "--retries", "1", str(dest)])
    assert res.returncode == 0, res.stderr
    assert (dest / "geoBoundaries-UKR-ADM1.geojson").read_bytes() == upstream_bytes


def cached_files(cache):
    """Files in the cache, temporaries included (the entry's lock file aside)."""
    return sorted(p.name for p in cache.rglob("*") if p.is_file() and p.suffix != ".lock")


def test_error_page_instead_of_json(cache, monkeypatch):
    routes = Routes()
    with serve(routes) as base:
        monkeypatch.setenv(
            "GEOTOOLS_GEOBOUNDARIES_API", base + "/api/current/{release}/{iso}/{adm}/"
        )
        routes.set(API, Reply(200, b"<html>maintenance</html>", {"Content-Type": "text/html"}))
        with pytest.raises(DataError, match="non-JSON"):
            boundaries.resolve("geoboundaries:UKR:ADM1")
        # the API answers, the download is an error page: refused, nothing cached
        routes.set(API, Reply(200, _api(base)))
        page = b"<html>rate limited</html>"
        routes.set("/file.geojson", Reply(200, page, {"Content-Type": "text/html"}))
        with pytest.raises(
            DataError, match=r"file\.geojson: is not JSON .* does not match the pinned content"
        ):
            boundaries.resolve("geoboundaries:UKR:ADM1")
    assert cached_files(cache) == []


def test_unpinned_error_page_is_refused_too(cache, monkeypatch):
    """Without a pin (another country, level or release) the parse check alone stands
    between an error page and the cache."""
    routes = Routes()
    with serve(routes) as base:
        monkeypatch.setenv("GEOTOOLS_GEOBOUNDARIES_API", base + "/api/{release}/{iso}/{adm}/")
        routes.set("/api/gbOpen/XYZ/ADM3/", Reply(200, _api(base)))
        routes.set("/file.geojson", Reply(200, b"<html>maintenance</html>"))
        with pytest.raises(DataError, match="not JSON"):
            boundaries.resolve("geoboundaries:XYZ:ADM3", attempts=1)
    assert cached_files(cache) == []


def test_cli_by_spec_uses_prefilled_cache(
    cache, adm1_bytes, deepstate_daily, tmp_path, monkeypatch
):
    target = cache / "boundaries" / "gbOpen" / "geoBoundaries-UKR-ADM1.geojson"
    target.parent.mkdir(parents=True)
    target.write_bytes(adm1_bytes)
    monkeypatch.setenv("GEOTOOLS_GEOBOUNDARIES_API", "http://127.0.0.1:9/{release}/{iso}/{adm}/")
    files = [
        str(deepstate_daily / "20241101.geojson.gz"),
        str(deepstate_daily / "20241201.geojson.gz"),
    ]
    out = tmp_path / "t.csv"
    res = run_cli(
        ["series", *files, "--by", "geoboundaries:UKR:ADM1", "--region", "UA-14", "-o", str(out)]
    )
    assert res.returncode == 0, res.stderr
    assert "UA-14,Donetsk Oblast" in out.read_text()
    res = run_cli(["series", *files, "--by", "geoboundaries:UKR"])
    assert res.returncode == 2 and "bad region spec" in res.stderr


def test_unpinned_layer_altered_in_the_cache_is_downloaded_again(cache, adm1_bytes, monkeypatch):
    """A pinned layer is checked against its pin; an unpinned one against the checksum stored
    beside it: one changed digit is caught, logged and downloaded again."""
    routes = Routes()
    with serve(routes) as base:
        monkeypatch.setenv("GEOTOOLS_GEOBOUNDARIES_API", base + "/api/{release}/{iso}/{adm}/")
        routes.set("/api/gbOpen/XYZ/ADM1/", Reply(200, _api(base)))
        routes.set("/file.geojson", Reply(200, adm1_bytes))
        path = boundaries.resolve("geoboundaries:XYZ:ADM1", attempts=1)
        assert boundaries.resolve("geoboundaries:XYZ:ADM1", attempts=1) == path
        assert len(routes.log) == 2  # the second call came from the cache
        data = bytearray(path.read_bytes())
        at = data.index(b"coordinates") + 20
        while not chr(data[at]).isdigit():
            at += 1
        data[at] = ord("7") if data[at] != ord("7") else ord("3")
        path.write_bytes(bytes(data))
        assert boundaries.resolve("geoboundaries:XYZ:ADM1", attempts=1) == path
    assert len(routes.log) == 4  # downloaded again
    assert path.read_bytes() == adm1_bytes


def test_geometry_within_area_tolerance_accepted_with_a_warning(
    cache, upstream_bytes, monkeypatch, caplog
):
    """One vertex of Odesa oblast moved by 1e-6° (about 10 cm): a new geometry digest, but
    an area change far below 1e-6 of the unit's: accepted, and the difference is said."""

    def tiny(feat):
        geom = shapely.geometry.shape(feat["geometry"])
        coords = shapely.get_coordinates(geom)
        coords[len(coords) // 2, 0] += 1e-6
        feat["geometry"] = json.loads(shapely.to_geojson(shapely.set_coordinates(geom, coords)))
        return feat

    body = _with_feature(upstream_bytes, "UA-51", tiny)
    found = content.fingerprint_bytes(body, "shapeISO")
    pin = boundaries.pins()["gbOpen/UKR/ADM1"]["content"]
    assert found.geometry_sha256 != pin["geometry_sha256"]
    assert 0 < content.largest_area_difference(found, pin) < content.AREA_RTOL
    with caplog.at_level(logging.WARNING, logger="geotools"):
        path = _fetch(cache, body, monkeypatch)
    assert path.read_bytes() == body
    (said,) = [r.getMessage() for r in caplog.records if "pinned digest" in r.getMessage()]
    assert "every unit's area is within 1e-06 of the pin" in said
