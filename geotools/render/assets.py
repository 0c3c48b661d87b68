"""The vendored Leaflet code and our own map script, inlined so an HTML file needs no network.

Stylesheets keep working from a bare file: every ``url(...)`` they contain becomes a ``data:``
URI of the vendored file it names. See ``vendor/PROVENANCE.md`` for where the files come from.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from importlib import resources
from typing import Any

#: Scripts and stylesheets in load order (paths under ``vendor/``; ``static/`` is our own).
SCRIPTS = (
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet.fullscreen/Control.FullScreen.js",
    "vendor/leaflet-measure/leaflet-measure.js",
    "vendor/leaflet-minimap/Control.MiniMap.min.js",
    "static/geotools-timeline.js",
    "static/geotools-map.js",
)
STYLES = (
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet.fullscreen/Control.FullScreen.css",
    "vendor/leaflet-measure/leaflet-measure.css",
    "vendor/leaflet-minimap/Control.MiniMap.min.css",
    "static/geotools-map.css",
)
_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}


def _read(rel: str) -> bytes:
    return resources.files("geotools.render").joinpath(rel).read_bytes()


def _inline_urls(css: str, rel: str) -> str:
    """Replace relative ``url(x)`` by data URIs of the vendored files (others stay as they are)."""
    folder = rel.rsplit("/", 1)[0]

    def sub(match: re.Match[str]) -> str:
        target = match.group(2)
        if target.startswith(("data:", "#", "http:", "https:")):
            return match.group(0)
        return f'url("{_data_uri(f"{folder}/{target}")}")'

    return _URL.sub(sub, css)


def script_safe(text: str) -> str:
    """Text that cannot end a ``<script>``/``<style>`` element early."""
    return text.replace("</", "<\\/")


@functools.lru_cache(maxsize=1)
def head_html() -> str:
    """``<style>`` and ``<script>`` elements with every stylesheet and script inlined."""
    parts = []
    for rel in STYLES:
        css = _inline_urls(_read(rel).decode("utf-8"), rel)
        parts.append(f"<style>/* {rel} */\n{script_safe(css)}\n</style>")
    for rel in SCRIPTS:
        js = _read(rel).decode("utf-8")
        parts.append(f"<script>/* {rel} */\n{script_safe(js)}\n</script>")
    parts.append(f"<script>{_marker_icons()}</script>")
    return "\n".join(parts)


def _marker_icons() -> str:
    """Leaflet finds its marker images through a stylesheet URL, which an inlined stylesheet
    no longer has (it would then ask the disk for ``marker-icon.png``): give it data URIs."""
    icons = {
        key: _data_uri(f"vendor/leaflet/images/{name}")
        for key, name in (
            ("iconUrl", "marker-icon.png"),
            ("iconRetinaUrl", "marker-icon-2x.png"),
            ("shadowUrl", "marker-shadow.png"),
        )
    }
    return (
        f"L.Icon.Default.mergeOptions({json_for_script(icons)});"
        "L.Icon.Default.include({_getIconUrl: function (name) {"
        "return L.Icon.prototype._getIconUrl.call(this, name); }});"
    )


def _data_uri(rel: str) -> str:
    suffix = rel[rel.rfind(".") :].lower()
    return f"data:{_MIME[suffix]};base64,{base64.b64encode(_read(rel)).decode('ascii')}"


def json_for_script(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>``, no HTML comments)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, code)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
