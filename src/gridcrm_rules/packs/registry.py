"""One registry of packs: the built-in data files and third-party entry points.

Like python-holidays' country registry: a literal map of built-in names to
files (a test proves the map and the files agree), loaded lazily.  Plugins
register through the entry-point group ``gridcrm_rules.packs``; an entry point
may name a file path, a mapping, a :class:`PackSpec`, or a callable returning
one of those.  A name clash is refused, never silently shadowed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from importlib import metadata, resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from ..errors import PackNameClash, PackNotFound
from .load import PackSource, ResolvedPack, read_pack, resolve
from .schema import PackSpec

__all__ = ["BUILTIN_PACKS", "ENTRY_POINT_GROUP", "PackRegistry"]

ENTRY_POINT_GROUP: Final = "gridcrm_rules.packs"

BUILTIN_PACKS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "credit": "areas/credit/credit.yaml",
        "credit_strict": "areas/credit/credit_strict.yaml",
        "callbacks": "areas/callbacks/callbacks.yaml",
        "credit_tasks": "areas/credit/credit_tasks.yaml",
        "entitlements": "areas/entitlements/entitlements.yaml",
        "key_accounts": "areas/key_accounts/key_accounts.yaml",
        "service_quality": "areas/service_quality/service_quality.yaml",
    }
)
"""Built-in pack name -> data file, relative to the ``gridcrm_rules`` package."""

PackInput = str | os.PathLike[str] | Mapping[str, Any] | PackSpec


def _builtin_loader(name: str, filename: str) -> Callable[[], PackSource]:
    def load() -> PackSource:
        ref = resources.files("gridcrm_rules").joinpath(*filename.split("/"))
        with resources.as_file(ref) as path:
            src = read_pack(path, origin=f"gridcrm_rules/{filename}")
        if src.spec.name != name:
            raise PackNotFound(f"{filename} holds pack {src.spec.name!r}, expected {name!r}")
        return src

    return load


def _entry_point_loader(ep: metadata.EntryPoint) -> Callable[[], PackSource]:
    def load() -> PackSource:
        obj = ep.load()
        value = obj() if callable(obj) and not isinstance(obj, PackSpec | Mapping) else obj
        src = read_pack(value, origin=f"entry point {ep.name} ({ep.value})")
        if src.spec.name != ep.name:
            raise PackNotFound(
                f"entry point {ep.name!r} loads a pack named {src.spec.name!r}; "
                "the names must agree"
            )
        return src

    return load


class PackRegistry:
    """An immutable name -> pack map; :meth:`with_source` returns a new registry."""

    __slots__ = ("_cache", "_loaders")

    def __init__(self, loaders: Mapping[str, Callable[[], PackSource]]) -> None:
        self._loaders = MappingProxyType(dict(loaders))
        self._cache: dict[str, PackSource] = {}

    @classmethod
    def builtin(cls) -> PackRegistry:
        """Only the packs shipped in the wheel."""
        return cls({n: _builtin_loader(n, f) for n, f in BUILTIN_PACKS.items()})

    @classmethod
    def discover(cls) -> PackRegistry:
        """Built-in packs plus every installed entry point of ``gridcrm_rules.packs``."""
        loaders = {n: _builtin_loader(n, f) for n, f in BUILTIN_PACKS.items()}
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in loaders:
                raise PackNameClash(
                    f"entry point {ep.value!r} registers pack {ep.name!r}, which already exists"
                )
            loaders[ep.name] = _entry_point_loader(ep)
        return cls(loaders)

    def names(self) -> tuple[str, ...]:
        """Every registered pack name, sorted."""
        return tuple(sorted(self._loaders))

    def get(self, name: str) -> PackSource:
        """The unresolved pack ``name`` (loaded once per registry)."""
        if name not in self._loaders:
            known = ", ".join(self.names())
            raise PackNotFound(f"no pack named {name!r}; known packs: {known}")
        if name not in self._cache:
            self._cache[name] = self._loaders[name]()
        return self._cache[name]

    def with_source(self, src: PackSource) -> PackRegistry:
        """A new registry that also knows ``src``; an existing name is refused."""
        if src.spec.name in self._loaders:
            raise PackNameClash(
                f"pack name {src.spec.name!r} from {src.origin} is already registered; "
                "give your pack its own name and 'extends' the other"
            )
        loaders = dict(self._loaders)
        loaders[src.spec.name] = lambda: src
        return PackRegistry(loaders)

    def resolve(self, pack: PackInput) -> tuple[PackRegistry, ResolvedPack]:
        """Resolve a pack given by name, path, mapping or spec against this registry.

        Returns the registry extended with the pack (if it was new) and the pack.
        """
        if isinstance(pack, str) and pack in self._loaders:
            return self, resolve(self.get(pack), self.get)
        if isinstance(pack, str) and not Path(pack).suffix:
            self.get(pack)  # raises PackNotFound naming the known packs
        src = read_pack(pack)
        registry = self.with_source(src)
        return registry, resolve(src, registry.get)
