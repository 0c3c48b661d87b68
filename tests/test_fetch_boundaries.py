import gzip
import json

import pytest

from geotools.errors import DataError
from geotools.fetch import boundaries
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


def test_hash_mismatch_refused_and_nothing_written(cache, adm1_bytes, monkeypatch):
    routes = Routes()
    with serve(routes) as base:
        monkeypatch.setenv(
            "GEOTOOLS_GEOBOUNDARIES_API", base + "/api/current/{release}/{iso}/{adm}/"
        )
        routes.set(API, Reply(200, _api(base)))
        routes.set("/file.geojson", Reply(200, adm1_bytes.replace(b"Odessa", b"Odesa!")))
        with pytest.raises(DataError, match="does not match the pinned"):
            boundaries.resolve("geoboundaries:UKR:ADM1")
    assert not any(p.suffix == ".geojson" for p in cache.rglob("*"))


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
        with pytest.raises(DataError, match=r"file\.geojson: sha256 .* does not match the pinned"):
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
