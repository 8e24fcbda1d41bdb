"""The built-in fact providers of every regulation area, in one literal list.

This module sits above the areas (:mod:`gridcrm_rules.facts`, whose providers
serve credit and key accounts, and :mod:`gridcrm_rules.quality` for service
quality, which reads the facts registry) and below the engine, so that the facts
package never imports quality and the engine imports no area by name: the
dependency runs one way, ``facts`` -> ``quality`` -> ``builtin`` -> ``engine``
(docs/architecture.md).
"""

from __future__ import annotations

from .areas.service_quality.quality import VOLTAGE_FACTS
from .facts import CONSUMPTION_FACTS, CREDIT_FACTS, KEY_ACCOUNT_FACTS, FactProvider, FactRegistry

__all__ = ["BUILTIN_PROVIDERS", "default_facts"]

BUILTIN_PROVIDERS: tuple[FactProvider, ...] = (
    CREDIT_FACTS,
    CONSUMPTION_FACTS,
    KEY_ACCOUNT_FACTS,
    VOLTAGE_FACTS,
)
"""Every built-in provider, in registration order."""


def default_facts() -> FactRegistry:
    """The built-in providers (a fresh registry each call)."""
    return FactRegistry(BUILTIN_PROVIDERS)
