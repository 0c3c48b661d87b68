"""Fetchers against a real HTTP server on 127.0.0.1 serving API-shaped answers built from the
shared DeepState and ISW files, with the faults the real services show: 5xx, 429 with
Retry-After, timeouts, bodies cut short, HTML error pages, ArcGIS error objects. Every run
ends in correct files or a clear error, and never leaves a half-written or invalid file.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import itertools
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from geotools.errors import DataError
from geotools.fetch import boundaries, http, isw
from geotools.fetch.deepstate import fetch_deepstate
from geotools.fetch.http import USER_AGENT
from geotools.fetch.isw import fetch_isw
from geotools.read import ReadOptions, SnapshotRef, load_snapshot
from tests.synthetic import LAEA_35 as LAEA

from .conftest import data_path, run_cli
from .httpserver import Reply, Routes, serve

FAST = {"delay": 0.0, "timeout": 0.4, "backoff": 0.0, "show_progress": False}


@pytest.fixture(scope="module")
def samples() -> dict[int, bytes]:
    folder = data_path("deepstate_raw", "samples")
    return {
        int(p.name.split(".")[0]): gzip.decompress(p.read_bytes())
        for p in sorted(folder.glob("*.geojson.gz"))
    }


def history(ids) -> bytes:
    return json.dumps(
        [
            {
                "id": i,
                "createdAt": dt.datetime.fromtimestamp(i, dt.timezone.utc).isoformat(),
                "status": True,
                "description": "…",
                "descriptionEn": "…",
            }
            for i in ids
        ]
    ).encode()


def utc_day(ident: int) -> dt.date:
    return dt.datetime.fromtimestamp(ident, dt.timezone.utc).date()


def leftovers(folder: Path) -> list[str]:
    """Anything in the folder that is not a finished .geojson (temporaries, partials)."""
    return sorted(p.name for p in folder.iterdir() if not p.name[0].isdigit() or ".tmp" in p.name)


def test_deepstate_faults_recovered_then_rerun_fetches_nothing(samples, tmp_path, monkeypatch):
    ids = [i for i in samples if dt.date(2023, 6, 1) <= utc_day(i) <= dt.date(2024, 12, 31)]
    assert len(ids) == 5
    a, b, c, d, e = ids
    routes = Routes()
    dest = tmp_path / "deepstate"
    with serve(routes) as base:
        monkeypatch.setenv("GEOTOOLS_DEEPSTATE_API", base + "/api")
        routes.set("/api/history/public", Reply(500, b"oops"), Reply(200, history(samples)))
        routes.set(
            f"/api/history/{a}/geojson",
            Reply(429, b"slow down", {"Retry-After": "1"}),
            Reply(200, samples[a]),
        )
        wrapped = {"id": b, "datetime": "2023-12-31T21:19:18Z", "map": json.loads(samples[b])}
        routes.set(f"/api/history/{b}/geojson", Reply(200, json.dumps(wrapped).encode()))
        routes.set(
            f"/api/history/{c}/geojson", Reply(200, samples[c], delay=1.0), Reply(200, samples[c])
        )
        cut = Reply(200, samples[d][:5000], content_length=len(samples[d]))
        routes.set(f"/api/history/{d}/geojson", cut, Reply(200, samples[d]))
        routes.set(f"/api/history/{e}/geojson", Reply(200, samples[e]))
        # a tiny base backoff (0.01 s before the first retry): only Retry-After makes it wait 1 s
        summary = fetch_deepstate(
            dest, dt.date(2023, 6, 1), dt.date(2024, 12, 31), **{**FAST, "backoff": 0.01}
        )
        (gap,) = routes.gaps(f"/api/history/{a}/geojson")  # between the 429 and the retry
        assert gap >= 1.0  # Retry-After honoured
        assert len(summary.fetched) == 5 and not summary.failed and not summary.skipped
        for i in ids:
            got = (dest / f"{i}.geojson").read_bytes()
            if i == b:  # unwrapped from {"map": …} to the bare FeatureCollection
                assert json.loads(got) == json.loads(samples[b])
            else:  # kept byte for byte
                assert got == samples[i]
        assert leftovers(dest) == []
        assert {ua for _, ua in routes.log} == {USER_AGENT}
        # a second run lists and skips: no snapshot is downloaded again
        routes.log.clear()
        again = fetch_deepstate(dest, dt.date(2023, 6, 1), dt.date(2024, 12, 31), **FAST)
        assert len(again.skipped) == 5 and not again.fetched
        assert [p for p, _ in routes.log] == ["/api/history/public"]
    # the files are snapshots geotools reads, dated by their id
    snap = load_snapshot(
        SnapshotRef(dest / f"{e}.geojson", dt.date(2024, 12, 21), "t"),
        options=ReadOptions(crs=LAEA),
    )
    assert snap.repairs.features == json.loads(samples[e])["features"].__len__()


def test_deepstate_failures_are_clear_and_leave_no_file(samples, tmp_path):
    ids = sorted(samples)  # 2022-04-03 … 2025-08-03
    html, cut, down, slow, points, good, stale = ids[:7]
    routes = Routes()
    dest = tmp_path / "ds"
    dest.mkdir()
    (dest / f"{stale}.geojson").write_bytes(samples[stale][:3000])  # a partial from elsewhere
    only_points = {
        "type": "FeatureCollection",
        "features": [
            f
            for f in json.loads(samples[points])["features"]
            if f["geometry"] and f["geometry"]["type"] == "Point"
        ],
    }
    with serve(routes) as base:
        routes.set("/api/history/public", Reply(200, history(ids[:7])))
        page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        routes.set(f"/api/history/{html}/geojson", Reply(200, page, {"Content-Type": "text/html"}))
        routes.set(
            f"/api/history/{cut}/geojson",
            Reply(200, samples[cut][:4000], content_length=len(samples[cut])),
        )
        routes.set(f"/api/history/{down}/geojson", Reply(503, b"down"))
        routes.set(f"/api/history/{slow}/geojson", Reply(200, samples[slow], delay=1.0))
        routes.set(f"/api/history/{points}/geojson", Reply(200, json.dumps(only_points).encode()))
        routes.set(f"/api/history/{good}/geojson", Reply(200, samples[good]))
        routes.set(f"/api/history/{stale}/geojson", Reply(200, samples[stale]))
        summary = fetch_deepstate(
            dest, dt.date(2022, 1, 1), base_url=base + "/api", attempts=2, **FAST
        )
    assert sorted(p.name for p in summary.fetched) == [f"{good}.geojson", f"{stale}.geojson"]
    assert (dest / f"{stale}.geojson").read_bytes() == samples[stale]  # partial replaced
    errors = dict(summary.failed)
    url = f"{base}/api/history/{{}}/geojson"
    assert "an HTML page" in errors[url.format(html)]
    assert "ChunkedEncodingError" in errors[url.format(cut)]
    assert "HTTP 503" in errors[url.format(down)]
    assert "Timeout" in errors[url.format(slow)]
    assert "no polygons" in errors[url.format(points)]
    assert sorted(p.name for p in dest.iterdir()) == [f"{good}.geojson", f"{stale}.geojson"]
    with pytest.raises(DataError, match=r"5 download\(s\) failed .* rerun the same command"):
        summary.raise_for_failures()


def test_deepstate_list_errors(tmp_path):
    routes = Routes()
    with serve(routes) as base:
        routes.set("/api/history/public", Reply(200, b"<html>maintenance</html>"))
        with pytest.raises(DataError, match="non-JSON"):
            fetch_deepstate(tmp_path, dt.date(2024, 1, 1), base_url=base + "/api", **FAST)
        routes.set("/api/history/public", Reply(200, b'{"error": "gone"}'))
        with pytest.raises(DataError, match="not a JSON list"):
            fetch_deepstate(tmp_path, dt.date(2024, 1, 1), base_url=base + "/api", **FAST)
    assert list(tmp_path.iterdir()) == []


def test_cli_fetch_deepstate(samples, tmp_path, monkeypatch):
    ids = sorted(samples)[-3:]
    routes = Routes()
    dest = tmp_path / "out"
    with serve(routes) as base:
        monkeypatch.setenv("GEOTOOLS_DEEPSTATE_API", base + "/api")
        routes.set("/api/history/public", Reply(200, history(ids)))
        for i in ids:
            routes.set(f"/api/history/{i}/geojson", Reply(200, samples[i]))
        args = ["fetch", "deepstate", "--since", "2024-12-01", "--delay", "0", "--retries", "2"]
        res = run_cli([*args, str(dest)], module=True)
        assert res.returncode == 0, res.stderr
        assert res.stdout.startswith("fetched 3, already there 0, failed 0")
        routes.set(f"/api/history/{ids[0]}/geojson", Reply(500, b"boom"))
        (dest / f"{ids[0]}.geojson").unlink()
        res = run_cli([*args, "--timeout", "1", str(dest)], module=True)
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("geotools: error: 1 download(s) failed"), lines
    assert "HTTP 500" in lines[0] and "already there 2" in lines[0]
    assert sorted(p.name for p in dest.iterdir()) == [f"{i}.geojson" for i in ids[1:]]


def test_killed_run_resumes(samples, tmp_path):
    ids = sorted(samples)[-3:]
    routes = Routes()
    dest = tmp_path / "out"
    dest.mkdir()
    stale = dest / f".{ids[0]}.abcd1234.tmp.geojson"  # left by an older killed run
    stale.write_bytes(samples[ids[0]][:100])
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    with serve(routes) as base:
        routes.set("/api/history/public", Reply(200, history(ids)))
        routes.set(f"/api/history/{ids[0]}/geojson", Reply(200, samples[ids[0]]))
        routes.set(f"/api/history/{ids[1]}/geojson", Reply(200, samples[ids[1]], delay=30))
        routes.set(f"/api/history/{ids[2]}/geojson", Reply(200, samples[ids[2]]))
        cmd = [sys.executable, "-m", "geotools", "fetch", "deepstate", "--since", "2024-12-01"]
        cmd += ["--api", base + "/api", "--delay", "0", "--timeout", "60", str(dest)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first = dest / f"{ids[0]}.geojson"
        deadline = time.monotonic() + 30
        while not first.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.kill()  # mid-download of the second snapshot
        proc.communicate()
        assert first.read_bytes() == samples[ids[0]]
        # the old temporary swept, nothing half-written
        assert sorted(p.name for p in dest.iterdir()) == [f"{ids[0]}.geojson"]
        routes.set(f"/api/history/{ids[1]}/geojson", Reply(200, samples[ids[1]]))
        summary = fetch_deepstate(dest, dt.date(2024, 12, 1), base_url=base + "/api", **FAST)
    assert (len(summary.skipped), len(summary.fetched)) == (1, 2)
    assert sorted(p.name for p in dest.iterdir()) == [f"{i}.geojson" for i in ids]


def test_deepstate_gzipped_snapshots_count_as_present(samples, tmp_path):
    """An archive keeps snapshots as <id>.geojson.gz (as the shared data does): a valid one is
    not downloaded again; a damaged one is, as <id>.geojson."""
    ids = sorted(samples)[-4:]
    kept, damaged, missing = ids[:2], ids[2], ids[3]
    dest = tmp_path / "archive"
    dest.mkdir()
    for i in kept:  # the shared files themselves, byte for byte
        src = data_path("deepstate_raw", "samples", f"{i}.geojson.gz")
        (dest / src.name).write_bytes(src.read_bytes())
    (dest / f"{damaged}.geojson.gz").write_bytes(gzip.compress(samples[damaged])[:2000])
    routes = Routes()
    with serve(routes) as base:
        routes.set("/api/history/public", Reply(200, history(ids)))
        for i in ids:
            routes.set(f"/api/history/{i}/geojson", Reply(200, samples[i]))
        summary = fetch_deepstate(dest, dt.date(2022, 1, 1), base_url=base + "/api", **FAST)
    assert sorted(summary.skipped) == [dest / f"{i}.geojson.gz" for i in kept]
    assert sorted(summary.fetched) == [dest / f"{i}.geojson" for i in (damaged, missing)]
    assert [p for p, _ in routes.log] == [
        "/api/history/public",
        f"/api/history/{damaged}/geojson",
        f"/api/history/{missing}/geojson",
    ]


def test_not_found_fails_at_once_and_says_so(tmp_path):
    routes = Routes()
    with serve(routes) as base:
        with pytest.raises(DataError) as caught:
            http.get(f"{base}/api/history/public", attempts=4, backoff=0.01, timeout=2)
        assert len(routes.log) == 1  # a 404 is not retried
        message = str(caught.value)
        assert message == f"HTTP 404 Not Found from {base}/api/history/public; check the address"
        summary = fetch_isw(tmp_path, {"x": f"{base}/nowhere"}, today=dt.date(2024, 1, 1), **FAST)
    ((_, error),) = summary.failed
    assert "HTTP 404 Not Found" in error and "attempts" not in error
    assert list(tmp_path.iterdir()) == []


def _http_date(seconds_ahead: float) -> str:
    when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds_ahead)
    return email.utils.format_datetime(when, usegmt=True)


def test_retry_after_as_http_date_is_honoured_and_capped():
    routes = Routes()
    with serve(routes) as base:
        # whole seconds only: 3 s ahead is 2–3 s after the 429; the base backoff is 0.01 s
        routes.set("/date", Reply(429, b"later", {"Retry-After": _http_date(3)}), Reply(200, b"ok"))
        assert http.get(f"{base}/date", backoff=0.01, timeout=2).content == b"ok"
        (gap,) = routes.gaps("/date")
        assert gap >= 1.5


@pytest.mark.parametrize("value", ["3600", "date"], ids=["seconds", "http-date"])
def test_retry_after_beyond_max_wait_is_an_error_at_once(value):
    """Waiting 60 s when the server asked for an hour would only be refused again: the
    request fails at once (one request, no sleep) and says to rerun later."""
    routes = Routes()
    with serve(routes) as base:
        header = _http_date(3600) if value == "date" else value
        routes.set("/far", Reply(429, b"later", {"Retry-After": header}), Reply(200, b"ok"))
        with pytest.raises(http.RetryLaterError) as caught:
            http.get(f"{base}/far", backoff=0.01, max_wait=60, timeout=2)
    assert [p for p, _ in routes.log] == ["/far"]  # not asked again
    message = str(caught.value)
    assert re.fullmatch(
        rf"{base}/far: the server asks to wait 3[56]\d\d s \(more than the 60 s limit\); "
        "rerun later",
        message,
    ), message
    assert isinstance(caught.value, DataError)  # the CLI prints it as one line, exit 1


def test_retry_after_beyond_max_wait_stops_the_run_and_keeps_what_was_fetched(samples, tmp_path):
    ids = sorted(samples)[-3:]
    routes = Routes()
    dest = tmp_path / "out"
    with serve(routes) as base:
        routes.set("/api/history/public", Reply(200, history(ids)))
        routes.set(f"/api/history/{ids[0]}/geojson", Reply(200, samples[ids[0]]))
        routes.set(f"/api/history/{ids[1]}/geojson", Reply(429, b"", {"Retry-After": "7200"}))
        routes.set(f"/api/history/{ids[2]}/geojson", Reply(200, samples[ids[2]]))
        cmd = ["fetch", "deepstate", "--since", "2024-12-01", "--api", base + "/api"]
        res = run_cli([*cmd, "--delay", "0", str(dest)], module=True)
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert lines == [
        f"geotools: error: {base}/api/history/{ids[1]}/geojson: the server asks to wait "
        "7200 s (more than the 60 s limit); rerun later"
    ]
    # the third snapshot is not asked for: the server asked for a pause
    assert [p for p, _ in routes.log] == [
        "/api/history/public",
        f"/api/history/{ids[0]}/geojson",
        f"/api/history/{ids[1]}/geojson",
    ]
    assert sorted(p.name for p in dest.iterdir()) == [f"{ids[0]}.geojson"]


def test_retry_after_values():
    now = dt.datetime(2024, 8, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
    assert http.retry_after_seconds("120", now) == 120
    assert http.retry_after_seconds("Thu, 01 Aug 2024 12:00:30 GMT", now) == 30
    assert http.retry_after_seconds("Thu, 01 Aug 2024 12:00:30 -0000", now) == 30
    assert http.retry_after_seconds("Wed, 31 Jul 2024 12:00:00 GMT", now) == 0  # past
    for value in (None, "", "soon", "-5", "1.5"):
        assert http.retry_after_seconds(value, now) is None


# ---------------------------------------------------------------- ISW / ArcGIS


def _pages(features, sizes, nested_flag=False):
    pages, start = [], 0
    for n, size in enumerate(sizes):
        chunk = features[start : start + size]
        start += size
        more = n < len(sizes) - 1
        page = {"type": "FeatureCollection", "features": chunk}
        if more and nested_flag and n == 1:
            page["properties"] = {"exceededTransferLimit": True}  # where f=geojson puts it
        elif more:
            page["exceededTransferLimit"] = True
        pages.append(json.dumps(page).encode())
    return pages


def test_isw_pagination_across_three_pages(tmp_path, monkeypatch):
    src = data_path("isw", "nikkei", "data_20230531.geojson.gz")
    doc = json.loads(gzip.decompress(src.read_bytes()))
    features = doc["features"]
    pages = _pages(features, [40, 40, len(features) - 80], nested_flag=True)
    layer = "/services/VIEW_RussiaCoTinUkraine_V3/FeatureServer/49/query"
    routes = Routes()
    dest = tmp_path / "isw"
    with serve(routes) as base:
        monkeypatch.setenv("GEOTOOLS_ISW_API", base + "/services")
        # a 500 in the middle of the pagination is retried, the page is not skipped
        routes.set(
            layer, Reply(200, pages[0]), Reply(500, b"busy"), *(Reply(200, p) for p in pages[1:])
        )
        layers = {"control": "VIEW_RussiaCoTinUkraine_V3/FeatureServer/49"}
        summary = fetch_isw(dest, layers, today=dt.date(2023, 5, 31), page_size=40, **FAST)
        assert not summary.failed, summary.failed
        offsets = [p.split("resultOffset=")[1].split("&")[0] for p, _ in routes.log]
        assert offsets == ["0", "40", "40", "80"]
        assert all(
            "f=geojson" in p and "where=1%3D1" in p and "outFields=%2A" in p for p, _ in routes.log
        )
        target = dest / "20230531_control.geojson"
        assert json.loads(target.read_bytes())["features"] == features
        assert leftovers(dest) == []
        routes.log.clear()
        again = fetch_isw(dest, layers, today=dt.date(2023, 5, 31), page_size=40, **FAST)
        assert again.skipped == [target] and routes.log == []
    got = load_snapshot(
        SnapshotRef(target, dt.date(2023, 5, 31), "t"),
        options=ReadOptions(crs=LAEA, status_field="layer"),
        use_cache=False,
    )
    want = load_snapshot(
        SnapshotRef(src, dt.date(2023, 5, 31), "t"),
        options=ReadOptions(crs=LAEA, status_field="layer"),
        use_cache=False,
    )
    assert {s: got.area_m2(s) for s in got.geometries} == pytest.approx(
        {s: want.area_m2(s) for s in want.geometries}, rel=1e-12
    )


def test_isw_errors_leave_no_file(tmp_path):
    routes = Routes()
    dest = tmp_path / "isw"
    arcgis_error = {"error": {"code": 400, "message": "Invalid URL", "details": []}}
    empty = {"type": "FeatureCollection", "features": []}
    with serve(routes) as base:
        routes.set("/a/query", Reply(200, json.dumps(arcgis_error).encode()))
        routes.set("/b/query", Reply(200, b"<!DOCTYPE html><html>Service unavailable</html>"))
        routes.set("/c/query", Reply(200, json.dumps(empty).encode()))
        layers = {"a": f"{base}/a", "b": f"{base}/b", "c": f"{base}/c"}
        summary = fetch_isw(dest, layers, today=dt.date(2024, 1, 1), attempts=1, **FAST)
    errors = [e for _, e in summary.failed]
    assert "ArcGIS error 400: Invalid URL" in errors[0]
    assert "non-JSON" in errors[1]
    assert "no polygons (0 features)" in errors[2]
    assert list(dest.iterdir()) == []


@pytest.mark.parametrize("with_ids", [True, False], ids=["object-ids", "no-ids"])
def test_isw_server_ignoring_result_offset_is_an_error_not_a_loop(tmp_path, with_ids):
    src = data_path("isw", "nikkei", "data_20230531.geojson.gz")
    features = json.loads(gzip.decompress(src.read_bytes()))["features"][:40]
    if with_ids:  # as f=geojson gives them: OBJECTID as the feature id
        features = [{**f, "id": n + 1} for n, f in enumerate(features)]
    page = {"type": "FeatureCollection", "features": features, "exceededTransferLimit": True}
    routes = Routes()
    dest = tmp_path / "isw"
    with serve(routes) as base:
        routes.set("/layer/query", Reply(200, json.dumps(page).encode()))  # whatever the offset
        summary = fetch_isw(
            dest, {"control": f"{base}/layer"}, today=dt.date(2023, 5, 31), page_size=40, **FAST
        )
    ((url, error),) = summary.failed
    assert url == f"{base}/layer"
    assert "resultOffset=40 repeats features already received (40 of them)" in error
    assert "ignores resultOffset" in error and "\n" not in error
    assert len(routes.log) == 2  # not MAX_PAGES requests
    assert list(dest.iterdir()) == []


def test_cli_fetch_boundaries(boundaries_full, tmp_path, monkeypatch):
    body = gzip.decompress(boundaries_full.read_bytes())
    routes = Routes()
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "cache"))
    with serve(routes) as base:
        monkeypatch.setenv("GEOTOOLS_GEOBOUNDARIES_API", base + "/api/{release}/{iso}/{adm}/")
        meta = {"gjDownloadURL": f"{base}/file.geojson"}
        routes.set("/api/gbOpen/UKR/ADM1/", Reply(200, json.dumps(meta).encode()))
        routes.set("/file.geojson", Reply(503, b"x", {"Retry-After": "0"}), Reply(200, body))
        res = run_cli(["fetch", "boundaries", str(tmp_path / "b")], module=True)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "b" / "geoBoundaries-UKR-ADM1.geojson").read_bytes() == body
    res = run_cli(["fetch", "boundaries", "--spec", "UKR:ADM1", str(tmp_path / "b")], module=True)
    assert res.returncode == 2 and "bad region spec" in res.stderr


def test_cli_fetch_isw(tmp_path, monkeypatch):
    src = data_path("isw", "sdspieg", "territory_geojson_2024-08-29.geojson.gz")
    routes = Routes()
    with serve(routes) as base:
        monkeypatch.setenv("GEOTOOLS_ISW_API", base + "/rest/services")
        routes.set(
            "/rest/services/Control/FeatureServer/0/query",
            Reply(200, gzip.decompress(src.read_bytes())),
        )
        res = run_cli(["fetch", "isw", "--layer", "nope", str(tmp_path)], module=True)
        assert res.returncode == 2 and "is not NAME=PATH" in res.stderr
        args = ["fetch", "isw", "--layer", "control=Control/FeatureServer/0", "--delay", "0"]
        res = run_cli([*args, str(tmp_path / "isw")], module=True)
    assert res.returncode == 0, res.stderr
    (written,) = (tmp_path / "isw").iterdir()
    assert re.fullmatch(r"\d{8}_control\.geojson", written.name)
    assert routes.log[0][0].startswith("/rest/services/Control/FeatureServer/0/query?where=1%3D1")


# ------------------------------------------- the same faults against every fetcher

FETCHERS = ["deepstate", "isw", "boundaries"]
#: client timeout of the fault tests; a "slow" reply comes after 3 times as long
TIMEOUT = 0.5


@dataclass
class Target:
    """One fetcher wired to the local server: ``fault_path`` is the request that gets the
    fault (DeepState: the snapshot; ISW: page 2, after page 1 succeeded; geoBoundaries: the
    file, after the API answered), ``good`` what it answers when it works; ``run`` fetches and
    returns the file written (a DataError when the download failed); ``folder`` must then hold
    that file and nothing else, ``want`` is its parsed content."""

    fault_path: str
    good: bytes
    run: Callable[..., Path]
    folder: Path
    want: Any

    def files(self) -> list[str]:
        """What the folder holds, temporaries included (the cache's lock files aside)."""
        if not self.folder.exists():
            return []
        return sorted(p.name for p in self.folder.iterdir() if not p.name.endswith(".lock"))


def _target(
    name: str, routes: Routes, base: str, tmp_path: Path, monkeypatch, samples, adm1: bytes
) -> Target:
    if name == "deepstate":
        ident = sorted(samples)[-1]
        routes.set("/api/history/public", Reply(200, history([ident])))
        dest = tmp_path / "deepstate"

        def run_deepstate(**options: Any) -> Path:
            fetch_deepstate(
                dest,
                utc_day(ident),
                base_url=base + "/api",
                delay=0.0,
                show_progress=False,
                **options,
            ).raise_for_failures()
            return dest / f"{ident}.geojson"

        body = samples[ident]
        return Target(f"/api/history/{ident}/geojson", body, run_deepstate, dest, json.loads(body))
    if name == "isw":
        src = data_path("isw", "nikkei", "data_20230531.geojson.gz")
        features = json.loads(gzip.decompress(src.read_bytes()))["features"]
        first, second = _pages(features, [40, len(features) - 40])
        layer = f"{base}/layer"
        routes.set(isw.page_url(layer, 0, 40).removeprefix(base), Reply(200, first))
        dest = tmp_path / "isw"

        def run_isw(**options: Any) -> Path:
            day = dt.date(2023, 5, 31)
            fetch_isw(
                dest,
                {"control": layer},
                today=day,
                page_size=40,
                delay=0.0,
                show_progress=False,
                **options,
            ).raise_for_failures()
            return dest / "20230531_control.geojson"

        want = {"type": "FeatureCollection", "features": features}
        return Target(isw.page_url(layer, 40, 40).removeprefix(base), second, run_isw, dest, want)
    assert name == "boundaries"
    cache = tmp_path / "cache"
    monkeypatch.setenv("GEOTOOLS_CACHE", str(cache))
    monkeypatch.setenv("GEOTOOLS_GEOBOUNDARIES_API", base + "/api/{release}/{iso}/{adm}/")
    meta = {"gjDownloadURL": f"{base}/file.geojson"}
    routes.set("/api/gbOpen/UKR/ADM1/", Reply(200, json.dumps(meta).encode()))

    def run_boundaries(**options: Any) -> Path:
        return boundaries.resolve("geoboundaries:UKR:ADM1", delay=0.0, **options)

    folder = cache / "boundaries" / "gbOpen"
    return Target("/file.geojson", adm1, run_boundaries, folder, json.loads(adm1))


@pytest.fixture(scope="module")
def adm1() -> bytes:
    return gzip.decompress(
        data_path("boundaries", "geoBoundaries-UKR-ADM1.geojson.gz").read_bytes()
    )


def _cut(body: bytes) -> Reply:
    """The headers promise the whole body; the connection closes after half of it."""
    return Reply(200, body[: len(body) // 2], content_length=len(body))


RECOVERED = ["500", "429-retry-after", "truncated", "timeout"]


@pytest.mark.parametrize("fault", RECOVERED)
@pytest.mark.parametrize("fetcher", FETCHERS)
def test_fault_then_success_gives_the_whole_file(
    fetcher, fault, samples, adm1, tmp_path, monkeypatch
):
    routes = Routes()
    with serve(routes) as base:
        target = _target(fetcher, routes, base, tmp_path, monkeypatch, samples, adm1)
        first = {
            "500": Reply(500, b"busy"),
            "429-retry-after": Reply(429, b"slow down", {"Retry-After": "1"}),
            "truncated": _cut(target.good),
            "timeout": Reply(200, target.good, delay=3 * TIMEOUT),
        }[fault]
        routes.set(target.fault_path, first, Reply(200, target.good))
        # a base backoff of 0.01 s: only Retry-After can make the client wait 1 s
        written = target.run(timeout=TIMEOUT, attempts=3, backoff=0.01)
    assert json.loads(written.read_bytes()) == target.want
    assert target.files() == [written.name]  # no temporary, no partial
    assert [p for p, _ in routes.log].count(target.fault_path) == 2  # failed once, then got it
    assert len(routes.log) == len(set(p for p, _ in routes.log)) + 1  # nothing else repeated
    assert {ua for _, ua in routes.log} == {USER_AGENT}
    if fault == "429-retry-after":
        (gap,) = routes.gaps(target.fault_path)
        assert gap >= 1.0


FOR_GOOD = {  # fault → what the one-line error says, per fetcher
    "503": dict.fromkeys(FETCHERS, "download failed after 2 attempts (HTTP 503)"),
    "truncated": dict.fromkeys(FETCHERS, "after 2 attempts (ChunkedEncodingError)"),
    "timeout": dict.fromkeys(FETCHERS, "after 2 attempts (ReadTimeout)"),
    "html": {
        "deepstate": "download is an HTML page, not GeoJSON",
        "isw": "answered with non-JSON (text/html)",
        "boundaries": "does not match the pinned",  # the pin is checked before parsing
    },
}


@pytest.mark.parametrize("fault", list(FOR_GOOD))
@pytest.mark.parametrize("fetcher", FETCHERS)
def test_fault_for_good_is_a_clear_error_and_leaves_no_file(
    fetcher, fault, samples, adm1, tmp_path, monkeypatch
):
    routes = Routes()
    with serve(routes) as base:
        target = _target(fetcher, routes, base, tmp_path, monkeypatch, samples, adm1)
        page = b"<!DOCTYPE html><html><body>Service unavailable</body></html>"
        reply = {
            "503": Reply(503, b"down"),
            "truncated": _cut(target.good),
            "timeout": Reply(200, target.good, delay=3 * TIMEOUT),
            "html": Reply(200, page, {"Content-Type": "text/html"}),
        }[fault]
        routes.set(target.fault_path, reply)
        with pytest.raises(DataError) as caught:
            target.run(timeout=TIMEOUT, attempts=2, backoff=0.01)
    message = str(caught.value)
    assert FOR_GOOD[fault][fetcher] in message
    assert f"{base}{target.fault_path}" in message  # names what failed
    assert target.files() == []  # ISW: page 1 came, yet no file and no temporary
    asked = [p for p, _ in routes.log].count(target.fault_path)
    assert asked == (1 if fault == "html" else 2)  # a 200 error page is not asked for again


def test_cli_isw_later_page_failing_is_one_line_and_leaves_nothing(tmp_path):
    src = data_path("isw", "nikkei", "data_20230531.geojson.gz")
    features = json.loads(gzip.decompress(src.read_bytes()))["features"]
    first, _ = _pages(features, [40, len(features) - 40])
    routes = Routes()
    dest = tmp_path / "isw"
    with serve(routes) as base:
        layer = f"{base}/layer"
        routes.set(isw.page_url(layer, 0, 40).removeprefix(base), Reply(200, first))
        routes.set(isw.page_url(layer, 40, 40).removeprefix(base), Reply(502, b"bad gateway"))
        args = ["fetch", "isw", "--layer", f"control={layer}", "--page-size", "40"]
        args += ["--delay", "0", "--retries", "2", "--timeout", "5", str(dest)]
        res = run_cli(args, module=True)
    assert res.returncode == 1
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith("geotools: error: 1 download(s) failed; first: ")
    assert f"{isw.page_url(layer, 40, 40)}: download failed after 2 attempts (HTTP 502)" in line
    assert list(dest.iterdir()) == []
    assert res.stdout.startswith("fetched 0, already there 0, failed 1")


# ----------------------------------------------------------- polite rate limit


@pytest.mark.parametrize("fetcher", ["deepstate", "isw"])
def test_delay_spaces_every_request(fetcher, samples, tmp_path):
    """--delay 0.3 with three downloads: every gap the server saw is at least 0.3 s (the
    local server answers in milliseconds, so only the delay explains them)."""
    routes = Routes()
    with serve(routes) as base:
        if fetcher == "deepstate":
            ids = sorted(samples)[-3:]
            routes.set("/api/history/public", Reply(200, history(ids)))
            for i in ids:
                routes.set(f"/api/history/{i}/geojson", Reply(200, samples[i]))
            summary = fetch_deepstate(
                tmp_path, utc_day(ids[0]), base_url=base + "/api", **{**FAST, "delay": 0.3}
            )
            expected = 1 + 3  # the list, then three snapshots
        else:
            src = data_path("isw", "nikkei", "data_20230531.geojson.gz")
            features = json.loads(gzip.decompress(src.read_bytes()))["features"]
            layer = f"{base}/layer"
            for n, page in enumerate(_pages(features, [40, 40, len(features) - 80])):
                routes.set(isw.page_url(layer, 40 * n, 40).removeprefix(base), Reply(200, page))
            summary = fetch_isw(
                tmp_path,
                {"control": layer},
                today=dt.date(2023, 5, 31),
                page_size=40,
                **{**FAST, "delay": 0.3},
            )
            expected = 3  # three pages
    assert not summary.failed and len(summary.fetched) == (3 if fetcher == "deepstate" else 1)
    arrived = [t for _, t in routes.times]
    assert len(arrived) == expected
    gaps = [b - a for a, b in itertools.pairwise(arrived)]
    assert min(gaps) >= 0.3, gaps


def test_cli_fetch_boundaries_passes_delay_timeout_and_retries(adm1, tmp_path, monkeypatch):
    """The file first answers too late for --timeout 0.5, then 500, then well: with --retries 2
    the run gives up before the third answer (the default, 4, would get it); --delay 0.3 spaces
    the API request and the download."""
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "cache"))
    routes = Routes()
    with serve(routes) as base:
        monkeypatch.setenv("GEOTOOLS_GEOBOUNDARIES_API", base + "/api/{release}/{iso}/{adm}/")
        meta = {"gjDownloadURL": f"{base}/file.geojson"}
        routes.set("/api/gbOpen/UKR/ADM1/", Reply(200, json.dumps(meta).encode()))
        routes.set("/file.geojson", Reply(200, adm1, delay=2.0), Reply(500, b"x"), Reply(200, adm1))
        args = ["fetch", "boundaries", "--delay", "0.3", "--timeout", "0.5", "--retries", "2"]
        res = run_cli([*args, str(tmp_path / "b")], module=True)
    assert res.returncode == 1
    (line,) = res.stderr.strip().splitlines()
    assert line == (
        f"geotools: error: {base}/file.geojson: download failed after 2 attempts (HTTP 500); "
        "check the network or retry later"
    )
    assert [p for p, _ in routes.log] == ["/api/gbOpen/UKR/ADM1/"] + ["/file.geojson"] * 2
    assert routes.times[1][1] - routes.times[0][1] >= 0.3  # API answer → download
    assert not (tmp_path / "b").exists()
    assert not list((tmp_path / "cache").rglob("*.geojson"))


# ----------------------------------------- a fetched DeepState folder through `series`


def test_fetched_folder_with_two_snapshots_a_day_runs_with_on_duplicate_last(samples, tmp_path):
    """DeepState sometimes publishes twice on one UTC day; both are kept (named by their
    publication time). `series` then needs --on-duplicate last, which keeps the later one,
    and says so when it is missing."""
    day1, day2, later = 1711141551, 1711228520, 1735766502  # 2024-03-22, 03-23, 2025-01-01
    early = day2 - 3 * 3600  # an earlier map of 2024-03-23, with a different map in it
    assert utc_day(early) == utc_day(day2)
    bodies = {day1: samples[day1], early: samples[1734816028], day2: samples[day2]}
    bodies[later] = samples[later]
    routes = Routes()
    dest = tmp_path / "deepstate"
    with serve(routes) as base:
        routes.set("/api/history/public", Reply(200, history(bodies)))
        for i, body in bodies.items():
            routes.set(f"/api/history/{i}/geojson", Reply(200, body))
        summary = fetch_deepstate(dest, dt.date(2024, 3, 1), base_url=base + "/api", **FAST)
    assert sorted(summary.fetched) == [dest / f"{i}.geojson" for i in sorted(bodies)]
    edges = "2024-03-22,2024-03-23,2025-01-01"
    series = ["series", "--profile", "deepstate-raw", "--edges", edges]

    res = run_cli([*series, str(dest), "-o", str(tmp_path / "no.csv")])
    assert res.returncode == 1
    (line,) = res.stderr.strip().splitlines()
    assert "2 files have the date 2024-03-23" in line and "--on-duplicate" in line, line
    assert not (tmp_path / "no.csv").exists()

    out = tmp_path / "last.csv"
    res = run_cli([*series, str(dest), "--on-duplicate", "last", "-o", str(out)])
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out)
    classes = {"occupied", "occupied_pre2022", "contested", "liberated", "russian_control"}
    assert set(table["status"]) == classes
    assert len(table) == 2 * len(classes)  # two periods × five classes, total region only
    assert sorted(set(zip(table["from_date"], table["to_date"], strict=True))) == [
        ("2024-03-22", "2024-03-23"),
        ("2024-03-23", "2025-01-01"),
    ]
    # the later map of 2024-03-23 was kept: the same table as without the earlier one
    alone = tmp_path / "alone"
    alone.mkdir()
    for i in (day1, day2, later):
        (alone / f"{i}.geojson").write_bytes((dest / f"{i}.geojson").read_bytes())
    reference = tmp_path / "reference.csv"
    res = run_cli([*series, str(alone), "-o", str(reference)])
    assert res.returncode == 0, res.stderr
    assert out.read_text() == reference.read_text()
