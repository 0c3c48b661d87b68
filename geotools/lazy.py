"""Lazy re-exports for a package's ``__init__``: a name is imported on first use, not when
the package is, so that ``import geotools.cli.main`` does not import pandas or GEOS.

A re-exported name that is also a submodule's name (``geotools.series`` the function and
``geotools.series`` the module) stays the re-exported object: when the import system binds the
submodule on its package, the package binds the re-exported object instead, as an eager
``from geotools.series import series`` in the ``__init__`` did.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import Any


class _LazyPackage(ModuleType):
    """A package whose re-exports (``_lazy_exports``: name → module) load on first use."""

    def __getattr__(self, name: str) -> Any:
        exports: dict[str, str] = self.__dict__.get("_lazy_exports", {})
        if name not in exports:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        value = getattr(import_module(exports[name]), name)
        # the submodule's import may have bound the module under this name meanwhile
        ModuleType.__setattr__(self, name, value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        exports: dict[str, str] = self.__dict__.get("_lazy_exports", {})
        if (
            name in exports
            and isinstance(value, ModuleType)
            and value.__name__ == f"{self.__name__}.{name}"
        ):
            value = getattr(value, name)  # the function, not the module of the same name
        ModuleType.__setattr__(self, name, value)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self.__dict__.get("_lazy_exports", {})))


def lazy_exports(package: str, exports: dict[str, str]) -> None:
    """Make ``package`` (its ``__name__``) load each name of ``exports`` (name → the module
    defining it) on first use. Call it at the end of the package's ``__init__``."""
    module = sys.modules[package]
    module.__dict__["_lazy_exports"] = dict(exports)
    module.__class__ = _LazyPackage
