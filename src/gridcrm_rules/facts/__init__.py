"""Derived facts computed from a customer's history at ``as_of``."""

from .credit import CREDIT_FACTS, credit_facts
from .registry import FactContext, FactProvider, FactRegistry, fact
from .settlement import Allocation, Settlement, UnknownBill, settle

__all__ = [
    "CREDIT_FACTS",
    "Allocation",
    "FactContext",
    "FactProvider",
    "FactRegistry",
    "Settlement",
    "UnknownBill",
    "credit_facts",
    "default_facts",
    "fact",
    "settle",
]


def default_facts() -> FactRegistry:
    """The built-in providers (a fresh registry each call)."""
    return FactRegistry((CREDIT_FACTS,))
