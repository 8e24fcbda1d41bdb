"""Derived facts computed from a customer's history at ``as_of``.

The registry of every built-in provider is :func:`gridcrm_rules.builtin.default_facts`
(above this package and :mod:`gridcrm_rules.quality`, which reads this package: the
import runs one way, quality -> facts, never back).
"""

from ..areas.credit.facts import CREDIT_FACTS, credit_facts
from ..areas.credit.settlement import Allocation, Settlement, UnknownBill, settle
from ..areas.key_accounts.consumption import CONSUMPTION_FACTS, consumption_facts
from ..areas.key_accounts.facts import KEY_ACCOUNT_FACTS, key_account_facts
from .registry import FactContext, FactProvider, FactRegistry, fact

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
    "fact",
    "key_account_facts",
    "settle",
]

