"""Source detection through the cache (geotools.read.sniff_cache): the second run reads no
sampled file and reaches the same verdict and the same warning."""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import pytest
import shapely

from geotools import cache
from geotools.errors import DataError
from geotools.read import ReadOptions, sniff

from .conftest import data_path, write_geojson


@pytest.fixture()
def own_cache(tmp_path: Path):
    with cache.using(str(tmp_path / "cache")):
        yield tmp_path / "cache"


def _no_reading(*args: object, **kwargs: object) -> None:
    raise AssertionError("a sampled file was read again")


def test_a_detected_profile_comes_from_the_cache(own_cache, monkeypatch) -> None:
    raw = data_path("deepstate_raw", "daily", "1722459268.geojson.gz")
    first = sniff.settle([raw], ReadOptions())
    assert first.profile is not None and first.profile.name == "deepstate-raw"
    assert any((own_cache / "sniff").rglob("*.json"))
    monkeypatch.setattr(sniff, "look", _no_reading)
    again = sniff.settle([raw], ReadOptions())
    assert again.profile is not None and again.profile.name == "deepstate-raw"
    assert again.detected == first.detected


def test_the_outside_region_warning_comes_from_the_cache(
    own_cache, tmp_path, monkeypatch, caplog
) -> None:
    # mostly in Russia (Moscow's longitude), a little in Ukraine: the warning's case
    path = write_geojson(
        tmp_path / "20240801.geojson",
        [shapely.box(36.0, 54.0, 40.0, 57.0), shapely.box(30.0, 50.0, 30.5, 50.5)],
    )
    with caplog.at_level(logging.WARNING, logger="geotools"):
        assert sniff.settle([path], ReadOptions()).profile is None
    assert "lies outside Ukraine's outline" in caplog.text
    caplog.clear()
    monkeypatch.setattr(sniff, "look", _no_reading)
    with caplog.at_level(logging.WARNING, logger="geotools"):
        assert sniff.settle([path], ReadOptions()).profile is None
    assert "lies outside Ukraine's outline" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="geotools"):
        sniff.settle([path], ReadOptions(allow=("outside-region",)))
    assert "lies outside Ukraine's outline" not in caplog.text


def test_a_changed_file_is_looked_at_again(own_cache, tmp_path) -> None:
    path = tmp_path / "1722459268.geojson"
    raw = data_path("deepstate_raw", "daily", "1722459268.geojson.gz")
    path.write_bytes(gzip.decompress(raw.read_bytes()))
    assert sniff.settle([path], ReadOptions()).profile is not None
    # the same path, other bytes (half a DeepState file): refused, not served from the cache
    write_geojson(
        path,
        [shapely.box(30.0, 50.0, 30.5, 50.5)] * 3,
        [{"name": "Окуповано /// Occupied", "fill": "#123456"}] * 3,
    )
    with pytest.raises(DataError, match="looks partly like source profile deepstate-raw"):
        sniff.settle([path], ReadOptions())
