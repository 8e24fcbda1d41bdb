"""The optional extras and the one check that a feature's extra is installed.

The core install (pydantic, dateutil, PyYAML, chinesecalendar, tzdata) runs
``Engine.evaluate`` and every command that needs no columnar engine.  The
columnar backend and Spark need an *extra*; a feature that needs one calls
:func:`require_extra` before importing it, so a missing extra is one clear
:class:`~gridcrm_rules.errors.MissingExtra` naming the ``pip install`` line
instead of a ``ModuleNotFoundError`` from deep inside.

:data:`EXTRA_MODULES` lists the modules each extra provides; a test checks it
against the extras declared in ``pyproject.toml``.
"""

from __future__ import annotations

import importlib.util
from types import MappingProxyType
from typing import Final, Literal

from .errors import MissingExtra

__all__ = ["EXTRA_MODULES", "Extra", "missing_modules", "require_extra"]

Extra = Literal["batch", "spark", "durable", "plot"]

EXTRA_MODULES: Final = MappingProxyType({
    "batch": ("polars", "pyarrow", "tqdm", "numpy"),
    "spark": ("pyspark", "pandas", "polars", "pyarrow", "tqdm", "numpy"),
    "durable": ("durable",),
    "plot": ("altair", "polars", "pyarrow", "tqdm", "numpy"),
})
"""Importable modules each extra provides (their distributions have the same names, but
``durable``, which the ``durable-rules`` distribution installs; Python < 3.13 only)."""


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a blocked or half-removed module counts as missing
        return False


def missing_modules(extra: Extra) -> tuple[str, ...]:
    """The modules of ``extra`` that cannot be imported here (empty when it is installed)."""
    return tuple(m for m in EXTRA_MODULES[extra] if not _installed(m))


def require_extra(extra: Extra, feature: str) -> None:
    """Raise :class:`MissingExtra` if ``extra`` is not installed; ``feature`` names the caller.

    Looks the modules up without importing them, so it is cheap to call first.
    """
    missing = missing_modules(extra)
    if missing:
        raise MissingExtra(feature, extra, missing)
