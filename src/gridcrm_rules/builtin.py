"""The built-in fact providers of every regulation area, in one literal list.

This module sits above the areas (``gridcrm_rules.areas.<area>``, which import only
the provider registry :mod:`gridcrm_rules.facts`) and below the engine, so that the
engine imports no area by name: the dependency runs one way,
``facts`` -> ``areas`` -> ``builtin`` -> ``engine`` (docs/architecture.md).
"""

from __future__ import annotations

from .areas.credit.facts import CREDIT_FACTS
from .areas.key_accounts.consumption import CONSUMPTION_FACTS
from .areas.key_accounts.facts import KEY_ACCOUNT_FACTS
from .areas.service_quality.quality import VOLTAGE_FACTS
from .facts import FactProvider, FactRegistry

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
