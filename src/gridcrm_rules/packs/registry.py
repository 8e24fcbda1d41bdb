"""One registry of packs: the built-in data files and third-party entry points.

Like python-holidays' country registry: a literal map of built-in names to
files (a test proves the map and the files agree), loaded lazily.  Plugins
register through the entry-point group ``gridcrm_rules.packs``; an entry point
may name a file path, a mapping, a :class:`PackSpec`, or a callable returning
one of those.  A name clash is refused, never silently shadowed.

A faulty or clashing plugin never breaks the built-ins or other plugins:
:meth:`PackRegistry.discover` warns (:class:`~gridcrm_rules.errors.PluginWarning`,
naming the distribution and the entry point) and leaves it out, and asking for
that pack by name raises a typed error (:class:`~gridcrm_rules.errors.PackNameClash`
or :class:`~gridcrm_rules.errors.PackError`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping
from importlib import metadata, resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from ..errors import ErrorRecord, PackError, PackNameClash, PackNotFound, PluginWarning
from .load import PackSource, ResolvedPack, read_pack, read_pack_collecting, resolve_collecting
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
        "key_account_duties": "areas/key_accounts/key_account_duties.yaml",
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


def describe_entry_point(ep: metadata.EntryPoint) -> str:
    """'entry point NAME = VALUE of distribution DIST' for warnings and errors."""
    dist = getattr(ep, "dist", None)
    owner = f"distribution {dist.name!r}" if dist is not None else "an unknown distribution"
    return f"entry point {ep.name!r} = {ep.value!r} of {owner}"


def _entry_point_loader(ep: metadata.EntryPoint) -> Callable[[], PackSource]:
    def load() -> PackSource:
        where = describe_entry_point(ep)
        try:
            obj = ep.load()
            value = obj() if callable(obj) and not isinstance(obj, PackSpec | Mapping) else obj
            src = read_pack(value, origin=f"entry point {ep.name} ({ep.value})")
        except PackError:
            raise
        except Exception as exc:  # any fault of third-party code becomes one pack error
            record = ErrorRecord("plugin_load", (ep.name,), f"{type(exc).__name__}: {exc}")
            raise PackError(where, [record]) from exc
        if src.spec.name != ep.name:
            msg = (
                f"the entry point is named {ep.name!r} but loads a pack named "
                f"{src.spec.name!r}; the names must agree"
            )
            raise PackError(where, [ErrorRecord("entry_point_name", (ep.name,), msg)])
        return src

    return load


def _clash_loader(name: str, claimants: tuple[str, ...]) -> Callable[[], PackSource]:
    def load() -> PackSource:
        raise PackNameClash(name, claimants, "uninstall one of them or rename its pack")

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
        by_name: dict[str, list[metadata.EntryPoint]] = {}
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            by_name.setdefault(ep.name, []).append(ep)
        for name, eps in by_name.items():
            if name in BUILTIN_PACKS:
                for ep in eps:
                    warnings.warn(
                        f"{describe_entry_point(ep)} registers pack {name!r}, which is built "
                        "in; the plugin is ignored and the built-in pack is used",
                        PluginWarning,
                        stacklevel=2,
                    )
            elif len(eps) > 1:
                claimants = tuple(describe_entry_point(ep) for ep in eps)
                warnings.warn(
                    f"pack {name!r} is registered by {' and '.join(claimants)}; "
                    "none of them is used",
                    PluginWarning,
                    stacklevel=2,
                )
                loaders[name] = _clash_loader(name, claimants)
            else:
                loaders[name] = _entry_point_loader(eps[0])
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
                src.spec.name,
                (src.origin, "an already registered pack"),
                "give your pack its own name and 'extends' the other",
            )
        loaders = dict(self._loaders)
        loaders[src.spec.name] = lambda: src
        return PackRegistry(loaders)

    def resolve(self, pack: PackInput) -> tuple[PackRegistry, ResolvedPack]:
        """Resolve a pack given by name, path, mapping or spec against this registry.

        Returns the registry extended with the pack (if it was new) and the pack;
        raises one :class:`PackError` with every problem of the pack.
        """
        registry, resolved, errors, origin = self.resolve_collecting(pack)
        if errors:
            raise PackError(origin, errors)
        return registry, resolved

    def resolve_collecting(
        self, pack: PackInput
    ) -> tuple[PackRegistry, ResolvedPack, list[ErrorRecord], str]:
        """Like :meth:`resolve`, but returns the problems (and the pack's origin) it
        could work around, so a caller can add the compile errors of the same pack."""
        if isinstance(pack, str) and pack in self._loaders:
            src = self.get(pack)
            resolved, errors = resolve_collecting(src, self.get)
            return self, resolved, errors, src.origin
        if isinstance(pack, str) and not Path(pack).suffix:
            self.get(pack)  # raises PackNotFound naming the known packs
        src, read_errors = read_pack_collecting(pack)
        registry = self.with_source(src)
        resolved, errors = resolve_collecting(src, registry.get)
        return registry, resolved, read_errors + errors, src.origin
