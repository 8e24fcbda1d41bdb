"""The customer record: the vocabulary of RULES.md §1."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._missing import drop_missing
from ._types import Day

__all__ = [
    "Category",
    "Customer",
    "ImportantCategory",
    "KeyAccountType",
    "MineType",
    "OrgType",
    "Region",
    "SupplySources",
]

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

ImportantCategory = Literal["critical_infrastructure", "government", "public_service", "special"]
"""重要客户 classes (KA-IMPCAT): 关键基础设施类 / 政府机关类 / 公共服务类 / 其他特殊行业类."""

SupplySources = Literal["single", "two_substations", "two_bus_sections"]
"""Supply-source configuration: one source; two sources from different substations;
two bus sections of one substation (KA-L1)."""

MineType = Literal["coal", "non_coal"]
"""煤矿 / 非煤矿山: the grade-1 important customers whose applications need documents (KA-L1)."""

KeyAccountType = Literal["key", "strategic", "partner"]
"""重点客户 / 战略客户 / 合作伙伴 (KA-TYPE)."""


class Customer(BaseModel):
    """One electricity customer, as of the evaluation.

    Strict: unknown fields, unknown enum values and negative quantities are
    refused with the field path.  A missing value (``None``, ``NaN``) means "not
    given": an optional field takes its default (see :mod:`._missing`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _not_given(cls, data: Any) -> Any:
        return drop_missing(data)

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
    # Key accounts (RULES.md §5, source 004_953f5f3099258168.txt); all optional.
    important_category: ImportantCategory | None = Field(
        default=None,
        description="Explicit 重要客户 category (KA-IMPCAT), e.g. critical_infrastructure for an "
        "energy, water or transport utility; designates the customer important (KA-IMP).",
    )
    important_grade: Annotated[int, Field(ge=1, le=2)] | None = Field(
        default=None,
        description="重要客户 grade: 1 = 一级重要客户 (e.g. coal and non-coal mines), 2 = 二级; "
        "designates the customer important (KA-IMP); grade 1 is checked by KA-L1.",
    )
    supply_sources: SupplySources | None = Field(
        default=None,
        description="Supply-source configuration (供电电源): single, two_substations (two "
        "sources from different substations) or two_bus_sections (two bus sections of one "
        "substation); None = unknown. KA-L1 flags a grade-1 customer without two sources.",
    )
    mine_type: MineType | None = Field(
        default=None,
        description="coal (煤矿) or non_coal (非煤矿山) for mines; KA-L1 lists the documents a "
        "grade-1 mine's new-installation or capacity-increase application lacks.",
    )
    key_account_type: KeyAccountType | None = Field(
        default=None,
        description="Key-account type designated by the customer-management department "
        "(KA-TYPE: key 重点客户 / strategic 战略客户 / partner 合作伙伴); a key account "
        "without one gets the pack default.",
    )
    key_account_tier: Annotated[int, Field(ge=1, le=3)] | None = Field(
        default=None,
        description="Key-account tier 1/2/3 (KA-TIER), as assigned by the population step "
        "gridcrm_rules.population.assign_tiers (revenue share); None = not yet tiered.",
    )
    connected_on: Day | None = Field(
        default=None,
        description="Day the customer was connected (接电); used by the since_connection "
        "reading of KA-GEN for a customer connected during the previous year.",
    )

    @property
    def is_low_voltage(self) -> bool:
        """Supplied below 1 kV (the ``lv`` customers of RULES.md §3)."""
        return self.supply_voltage_kv < 1
