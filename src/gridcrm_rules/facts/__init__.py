"""Derived facts computed from a customer's history at ``as_of``."""

from .consumption import CONSUMPTION_FACTS, consumption_facts
from .credit import CREDIT_FACTS, credit_facts
from .key_accounts import KEY_ACCOUNT_FACTS, key_account_facts
from .registry import FactContext, FactProvider, FactRegistry, fact
from .settlement import Allocation, Settlement, UnknownBill, settle

__all__ = [
    "CONSUMPTION_FACTS",
    "CREDIT_FACTS",
    "KEY_ACCOUNT_FACTS",
    "Allocation",
    "FactContext",
    "FactProvider",
    "FactRegistry",
    "Settlement",
    "UnknownBill",
    "consumption_facts",
    "credit_facts",
    "default_facts",
    "fact",
    "key_account_facts",
    "settle",
]


def default_facts() -> FactRegistry:
    """The built-in providers (a fresh registry each call)."""
    from ..quality import VOLTAGE_FACTS  # quality sits above facts; imported when needed

    return FactRegistry((CREDIT_FACTS, CONSUMPTION_FACTS, KEY_ACCOUNT_FACTS, VOLTAGE_FACTS))
