"""Fact providers: typed functions from a customer's history to named values.

A provider computes one or more related facts at once (the credit facts share
one settlement of bills), declares their types for the condition checker and
the pack parameters it reads.  A :class:`FactRegistry` is an immutable map;
adding a provider returns a new registry, so two engines never share state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from ..expr.types import Type
from ..models import Customer, Event

__all__ = ["FactContext", "FactProvider", "FactRegistry", "fact"]


@dataclass(frozen=True, slots=True)
class FactContext:
    """What a provider may read: the customer, its history up to ``as_of``, params."""

    customer: Customer
    events: tuple[Event, ...]
    """The events known at ``as_of``, in the engine's order
    (:func:`~gridcrm_rules.models.history_key`: instant known, type, id)."""
    as_of: datetime
    cutoff: date
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class FactProvider:
    """Computes the facts named in ``provides`` (name -> type) in one pass."""

    name: str
    provides: Mapping[str, Type]
    compute: Callable[[FactContext], Mapping[str, Any]]
    params: tuple[str, ...] = ()
    docs: Mapping[str, str] = field(default_factory=dict)
    clause: str | None = None
    columnar: Callable[..., Any] | str | None = None
    """Optional columnar twin for the batch backend (see docs/batch.md): the function,
    or its ``"module:attribute"`` path, imported only when a batch runs."""
    reported_in: str | None = None
    """The part of the Decision that lists these facts (``"credit"``: ``CreditResult.facts``)."""


def fact(
    name: str, type_: Type, *, params: tuple[str, ...] = (), clause: str | None = None
) -> Callable[[Callable[[FactContext], Any]], FactProvider]:
    """Decorator: one function computing one fact becomes a provider.

    >>> from gridcrm_rules.expr.types import NUMBER
    >>> @fact("bill_count", NUMBER)
    ... def bill_count(ctx):
    ...     return sum(e.type == "bill_issued" for e in ctx.events)
    >>> bill_count.provides["bill_count"]
    Type(kind=<Kind.NUMBER: 'number'>, nullable=False, choices=None)
    """

    def wrap(func: Callable[[FactContext], Any]) -> FactProvider:
        return FactProvider(
            name=name,
            provides={name: type_},
            compute=lambda ctx: {name: func(ctx)},
            params=params,
            docs={name: (func.__doc__ or "").strip()},
            clause=clause,
        )

    return wrap


class FactRegistry:
    """An immutable set of providers; each fact name has exactly one provider."""

    __slots__ = ("_by_fact", "_providers")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its providers (the index is rebuilt on loading)."""
        return (FactRegistry, (self._providers,))

    def __init__(self, providers: tuple[FactProvider, ...] = ()) -> None:
        by_fact: dict[str, FactProvider] = {}
        for p in providers:
            for name in p.provides:
                if name in by_fact:
                    raise ValueError(
                        f"fact {name!r} is provided twice: by {by_fact[name].name!r} and {p.name!r}"
                    )
                by_fact[name] = p
        self._providers = providers
        self._by_fact = MappingProxyType(by_fact)

    def with_provider(self, provider: FactProvider) -> FactRegistry:
        """A new registry with ``provider`` added (the original is unchanged)."""
        return FactRegistry((*self._providers, provider))

    @property
    def types(self) -> Mapping[str, Type]:
        """Every fact name with its type."""
        return {n: t for p in self._providers for n, t in p.provides.items()}

    def doc(self, name: str) -> str:
        """The documentation of one fact."""
        return self._by_fact[name].docs.get(name, "")

    def providers_for(self, names: set[str]) -> tuple[FactProvider, ...]:
        """The providers needed to compute ``names``, in registration order."""
        needed = {self._by_fact[n].name for n in names if n in self._by_fact}
        return tuple(p for p in self._providers if p.name in needed)

    def __iter__(self) -> Iterator[FactProvider]:
        return iter(self._providers)

    def __contains__(self, name: object) -> bool:
        return name in self._by_fact
