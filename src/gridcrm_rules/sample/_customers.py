"""Customer records of the small sample: category, voltage, transformer, org type, flags."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

__all__ = ["FLAVOURS", "customer_attributes"]

_Spec = tuple[str, float, int | None, str, str]  # category, kV, kVA, usage nature, org type

# Fill-in customers first get these flavours, so every org type and flag occurs.
FLAVOURS = (
    "school",
    "government",
    "hotel",
    "media",
    "military",
    "state_key_unit",
    "deputy",
    "deputy",
    "supervisor",
    "prepaid",
    "prepaid",
    "agricultural",
)

_FORCED: dict[tuple[str, int], _Spec] = {
    ("key_account_large", 0): ("dedicated_transformer", 35, 2000, "industrial", "enterprise"),
    ("key_account_large", 1): ("dedicated_transformer", 110, 2000, "industrial", "enterprise"),
    ("important_org", 0): ("dedicated_transformer", 10, 1250, "public", "hospital"),
    ("important_org", 1): ("lv_commercial", 0.38, None, "public", "hospital"),
}
_BY_FLAVOUR: dict[str, _Spec] = {
    "school": ("dedicated_transformer", 10, 630, "public", "school"),
    "government": ("lv_commercial", 0.38, None, "public", "government"),
    "hotel": ("dedicated_transformer", 10, 630, "commercial", "hotel"),
    "media": ("lv_commercial", 0.38, None, "commercial", "media"),
    "military": ("dedicated_transformer", 10, 1250, "public", "military"),
    "state_key_unit": ("dedicated_transformer", 35, 2000, "industrial", "state_key_unit"),
    "agricultural": ("lv_commercial", 0.38, None, "agricultural", "other"),
}


def customer_attributes(
    cid: str, profile: str, variant: int, flavour: str | None, rng: random.Random
) -> tuple[dict[str, Any], Decimal, Decimal, float]:
    """Customer record, tariff (yuan/kWh), monthly fixed charge and base kWh."""
    kva: int | None = None
    region = "urban"
    flags: dict[str, bool] = {}
    spec = _FORCED.get((profile, variant)) or _BY_FLAVOUR.get(flavour or "")
    if profile in ("key_account_border", "key_account_below"):
        spec = ("lv_commercial", 0.38, None, "commercial", "enterprise")
    if spec is None:
        category = rng.choices(
            ("residential", "lv_commercial", "dedicated_transformer"), (45, 35, 20)
        )[0]
        if flavour in ("deputy", "supervisor", "prepaid"):
            category = "residential"
        if category == "residential":
            spec = (
                "residential",
                rng.choices((0.22, 0.38), (9, 1))[0],
                None,
                "residential",
                "household",
            )
            region = rng.choices(("urban", "rural", "remote"), (5, 4, 1))[0]
        elif category == "lv_commercial":
            spec = (
                "lv_commercial",
                rng.choices((0.38, 0.22), (85, 15))[0],
                None,
                rng.choices(("commercial", "industrial"), (7, 3))[0],
                "enterprise",
            )
            region = rng.choices(("urban", "rural", "remote"), (14, 5, 1))[0]
        else:
            kva = rng.choice((315, 630, 1250, 2000))
            if kva in (315, 630):
                kv: float = 10
            elif kva == 1250:
                kv = rng.choices((10, 35), (7, 3))[0]
            else:
                kv = rng.choices((35, 110), (4, 1))[0]
            spec = (
                "dedicated_transformer",
                kv,
                kva,
                rng.choices(("industrial", "commercial"), (4, 1))[0],
                "enterprise",
            )
            region = rng.choices(("urban", "rural"), (3, 2))[0]
    category, kv, kva, usage, org = spec
    if flavour == "agricultural" or org == "military":
        region = "rural"
    if flavour == "deputy":
        flags["is_deputy"] = True
    if flavour == "supervisor":
        flags["is_supervisor"] = True
    if flavour == "prepaid":
        flags["prepaid_meter"] = True
    if org == "media":
        flags["is_media"] = True
    customer: dict[str, Any] = {"id": cid, "category": category, "supply_voltage_kv": kv}
    if kva is not None:
        customer["transformer_kva"] = kva
    customer |= {"usage_nature": usage, "org_type": org, "region": region, **flags}

    if category == "residential":
        return customer, Decimal("0.5583"), Decimal(0), rng.uniform(110, 520)
    if category == "lv_commercial":
        tariff = (
            Decimal("0.4883")
            if usage == "agricultural"
            else Decimal(rng.choice(("0.7213", "0.7645", "0.8012")))
        )
        return customer, tariff, Decimal(0), rng.uniform(800, 6500)
    assert kva is not None
    load = rng.uniform(0.3, 0.35) if profile == "key_account_large" else rng.uniform(0.08, 0.35)
    return customer, Decimal("0.6154"), Decimal(22 * kva), kva * 730 * load
