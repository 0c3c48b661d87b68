"""The region registry in shapes/regions: ISO 3166-2 codes, official names, spelling variants."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_APOSTROPHES = re.compile(r"['’ʼ`´]")
_SPACES = re.compile(r"[\s\-_]+")


def normalise(text: str) -> str:
    """Key for matching names: casefolded, apostrophes removed, hyphens/underscores as spaces."""
    return _SPACES.sub(" ", _APOSTROPHES.sub("", str(text).casefold())).strip()


@dataclass(frozen=True)
class RegionInfo:
    """One registry entry."""

    code: str
    name: str
    name_uk: str


@dataclass(frozen=True)
class Registry:
    """Lookup of region codes by code or by any known spelling."""

    regions: dict[str, RegionInfo]
    keys: dict[str, str]  # normalised spelling → code

    def lookup(self, value: str) -> str | None:
        """The ISO code for a code or a name in any known spelling, else None."""
        text = str(value).strip()
        if text.upper() in self.regions:
            return text.upper()
        return self.keys.get(normalise(text))

    def name(self, code: str) -> str | None:
        """Official English name of a code."""
        info = self.regions.get(code)
        return info.name if info else None


@lru_cache(maxsize=8)
def load_registry(name: str = "UKR_ADM1") -> Registry:
    """Load a registry shipped in shapes/regions (``UKR_ADM1``: Ukraine's 27 units)."""
    text = resources.files("geotools.shapes").joinpath("regions", f"{name}.json").read_text("utf-8")
    doc = json.loads(text)
    regions: dict[str, RegionInfo] = {}
    keys: dict[str, str] = {}
    for entry in doc["regions"]:
        code = entry["code"]
        regions[code] = RegionInfo(code, entry["name"], entry.get("name_uk", ""))
        for spelling in [entry["name"], entry.get("name_uk", ""), *entry.get("variants", [])]:
            if spelling:
                keys.setdefault(normalise(spelling), code)
    return Registry(regions, keys)
