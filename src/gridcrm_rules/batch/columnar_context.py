"""What a columnar fact implementation reads and returns, and how one is found.

A fact provider's columnar twin lives beside the provider, in its area
(``areas/credit/columnar_facts.py`` beside ``areas/credit/facts.py``); the provider
names it in ``FactProvider.columnar`` -- the function itself, or its
``"module:attribute"`` path, imported only when a batch needs it, so that the core
install imports no polars.  The batch backend finds it with :func:`columnar_for`
and never names an area.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import polars as pl

from ..facts.registry import FactProvider

__all__ = ["CIDX", "EXACT_COLUMN", "ColumnarContext", "ColumnarFacts", "columnar_for"]

CIDX: Final = "__cidx"
"""Dense customer index (0..n-1, the position in ``ColumnarContext.customers``)."""
EXACT_COLUMN: Final = "__exact"
"""False for customers whose facts the columnar code cannot vouch for."""


@dataclass(frozen=True, slots=True)
class ColumnarContext:
    """What a columnar provider reads: customer ids, known events, instants, params.

    ``events`` holds only events known at ``as_of`` (canonical columns of
    :mod:`gridcrm_rules.batch.events`), lazily: a provider selects the columns it
    reads, and only those are filtered.  ``customers`` has ``customer_id`` and the
    customer fields.  Both carry ``__cidx``, the customer's row in ``customers``.
    """

    customers: pl.DataFrame
    events: pl.LazyFrame
    as_of: datetime
    cutoff: date
    params: Mapping[str, Any]


ColumnarFacts = Callable[[ColumnarContext], pl.DataFrame]
"""``ctx -> frame`` with ``customer_id``, one column per fact and ``__exact``."""


def columnar_for(provider: FactProvider) -> ColumnarFacts | None:
    """The columnar implementation a provider names, if it names one.

    A ``"module:attribute"`` path is imported here; a path that does not import is
    an ImportError naming the provider (a broken twin must not pass silently).
    """
    own = provider.columnar
    if own is None:
        return None
    if isinstance(own, str):
        module, _, attribute = own.partition(":")
        try:
            loaded: ColumnarFacts = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as exc:
            raise ImportError(f"facts {provider.name!r}: columnar twin {own!r} "
                              f"does not import: {exc}") from exc
        return loaded
    impl: ColumnarFacts = own
    return impl
