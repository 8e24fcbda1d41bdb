"""The customer record: the vocabulary of RULES.md §1."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Category", "Customer", "OrgType", "Region"]

Category = Literal["dedicated_transformer", "lv_commercial", "residential", "other"]
"""专变 (>= 10 kV, own transformer) / 低压一般工商业 / 居民照明 / other."""

OrgType = Literal[
    "government",
    "military",
    "media",
    "hospital",
    "school",
    "hotel",
    "state_key_unit",
    "enterprise",
    "household",
    "other",
]
"""Organisation type; the first seven make a customer important (KA-IMP)."""

Region = Literal["urban", "rural", "remote"]
"""城区 / 农村 / 特殊边远山区, for repair-arrival service levels."""


class Customer(BaseModel):
    """One electricity customer, as of the evaluation.

    Strict: unknown fields, unknown enum values and negative quantities are
    refused with the field path.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, Field(min_length=1)]
    category: Category
    supply_voltage_kv: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]
    transformer_kva: Annotated[Decimal, Field(ge=0, allow_inf_nan=False)] | None = None
    usage_nature: str | None = None
    prepaid_meter: bool = False
    org_type: OrgType | None = None
    region: Region | None = None
    is_deputy: bool = False
    is_media: bool = False
    is_supervisor: bool = False

    @property
    def is_low_voltage(self) -> bool:
        """Supplied below 1 kV (the ``lv`` customers of RULES.md §3)."""
        return self.supply_voltage_kv < 1
