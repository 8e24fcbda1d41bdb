"""Facts: what a provider computes from a customer's history at ``as_of``.

This package holds the provider registry only (:class:`FactProvider`,
:class:`FactRegistry`, :func:`fact`).  The built-in providers live in their
regulation areas (``gridcrm_rules.areas.<area>``), which import this package and
never the reverse; :func:`gridcrm_rules.builtin.default_facts` lists them all.
"""

from .registry import FactContext, FactProvider, FactRegistry, fact

__all__ = ["FactContext", "FactProvider", "FactRegistry", "fact"]
