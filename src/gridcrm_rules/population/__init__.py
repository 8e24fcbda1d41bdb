"""Population rules: pure functions over many customers' decisions (RULES.md §3–§5).

A single evaluation decides one customer; these rules compare customers:

=============  =====================================  ==============================
clause         function                               result
=============  =====================================  ==============================
SV-PRIO        :func:`service_order`                  ``RankedCustomer`` per position
SV-SHED        :func:`shedding_order`                 ``RankedCustomer`` per position
SV-REWARD      :func:`reward_draw`                    :class:`Sample` (per category)
CB-SAMPLE      :func:`callback_sample`                :class:`Sample` (per usage type)
CB-CARD        :func:`feedback_card_sample`           :class:`Sample` (non-res. / res.)
KA-TIER        :func:`assign_tiers`                   ``TierAssignment`` per key account
=============  =====================================  ==============================

All are deterministic: inputs are sorted by customer id before anything else,
ties are broken by customer id, and draws use ``random.Random`` seeded from the
caller's seed (see :mod:`.draws`). Every position or stratum carries a ``reason``.
See docs/population.md.
"""

from ._common import GRADE_ORDER, at_least_percent, grade_rank
from .draws import (
    REWARD_CATEGORIES,
    Exclusion,
    Sample,
    Stratum,
    callback_sample,
    draw,
    feedback_card_sample,
    reward_draw,
)
from .ordering import UNSPECIFIED_USAGE, RankedCustomer, service_order, shedding_order
from .tiers import TierAssignment, assign_tiers, is_key_account

__all__ = [
    "GRADE_ORDER",
    "REWARD_CATEGORIES",
    "UNSPECIFIED_USAGE",
    "Exclusion",
    "RankedCustomer",
    "Sample",
    "Stratum",
    "TierAssignment",
    "assign_tiers",
    "at_least_percent",
    "callback_sample",
    "draw",
    "feedback_card_sample",
    "grade_rank",
    "is_key_account",
    "reward_draw",
    "service_order",
    "shedding_order",
]
