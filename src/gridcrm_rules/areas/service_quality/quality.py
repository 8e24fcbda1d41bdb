"""Service quality: the supply-voltage deviation check SQ-VOLT (RULES.md §6).

Source: 001_dd512314ecd5c970.txt, 供电服务规范 第八条 电压质量标准:

    在电力系统正常状况下,客户受电端的供电电压允许偏差为: 1、35KV及以上电压供电的,
    电压正、负偏差的绝对值之和不超过额定值的10%; 2、10KV及以下三相供电的,为额定值的±7%;
    3、220V单相供电的,为额定值的+7%,-10%

Counting words (RULES.md §0): "及以上" / "及以下" / "不超过" include the limit itself.
**GAP**: a supply voltage above 10 kV and below 35 kV (20 kV) is in no band; the
default is ±7%, a parameter.

The same limits exist twice, on purpose: :func:`check_supply_voltage` for batch jobs
and notebooks, and the ``service_quality`` pack (decision ``supply_voltage``, reading
the facts of :data:`VOLTAGE_FACTS`) for the engine. A test proves they agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal

from ...expr.types import BOOL, NUMBER, STR, Type
from ...facts.registry import FactContext, FactProvider
from ...models import VoltageMeasured

__all__ = [
    "SINGLE_PHASE_KV",
    "VOLTAGE_FACTS",
    "VoltageBand",
    "VoltageCheck",
    "VoltageLimits",
    "check_supply_voltage",
    "deviation_percent",
    "voltage_band",
    "voltage_facts",
]

CLAUSE: Final = "SQ-VOLT"
SINGLE_PHASE_KV: Final = Decimal("0.22")
"""220 V: the single-phase supply voltage (380 V low voltage is three-phase)."""

VoltageBand = Literal["35kv_and_above", "20kv_gap", "220v_single_phase", "10kv_and_below"]
"""Which limit of 第八条 applies (the rule id is ``SQ-VOLT-`` + the band's short name)."""

_RULE_IDS: Final[Mapping[str, str]] = {
    "35kv_and_above": "SQ-VOLT-35KV",
    "20kv_gap": "SQ-VOLT-20KV",
    "220v_single_phase": "SQ-VOLT-220V",
    "10kv_and_below": "SQ-VOLT-10KV",
}


@dataclass(frozen=True, slots=True)
class VoltageLimits:
    """The allowed deviations in percent of nominal (the pack's ``sq_volt_*`` parameters)."""

    sum_percent: Decimal = Decimal(10)
    """>= 35 kV: |positive| + |negative| deviation."""
    three_phase_percent: Decimal = Decimal(7)
    """<= 10 kV three-phase: ± this."""
    single_phase_up_percent: Decimal = Decimal(7)
    single_phase_down_percent: Decimal = Decimal(10)
    gap_20kv_percent: Decimal = Decimal(7)
    """GAP default for > 10 kV and < 35 kV: ± this."""


@dataclass(frozen=True, slots=True)
class VoltageCheck:
    """The outcome of SQ-VOLT for one measurement."""

    clause: str
    rule_id: str
    band: VoltageBand
    nominal_kv: Decimal
    min_kv: Decimal
    max_kv: Decimal
    up_percent: Decimal
    down_percent: Decimal
    limit: str
    within: bool
    reason: str


def voltage_band(nominal_kv: Decimal, *, single_phase: bool | None = None) -> VoltageBand:
    """The band of 第八条 for a supply voltage; single-phase defaults to ``nominal == 0.22``."""
    if nominal_kv >= 35:
        return "35kv_and_above"
    if nominal_kv > 10:
        return "20kv_gap"
    phase1 = (nominal_kv == SINGLE_PHASE_KV) if single_phase is None else single_phase
    return "220v_single_phase" if phase1 else "10kv_and_below"


def deviation_percent(
    nominal_kv: Decimal, min_kv: Decimal, max_kv: Decimal
) -> tuple[Decimal, Decimal]:
    """(positive, negative) deviation in percent of nominal, each >= 0.

    >>> deviation_percent(Decimal("10"), Decimal("9.3"), Decimal("10.7"))
    (Decimal('7'), Decimal('7'))
    """
    if nominal_kv <= 0:
        raise ValueError(f"nominal_kv must be positive, got {nominal_kv}")
    up = max(Decimal(0), (max_kv - nominal_kv) * 100 / nominal_kv)
    down = max(Decimal(0), (nominal_kv - min_kv) * 100 / nominal_kv)
    return _tidy(up), _tidy(down)


def _short(value: Decimal) -> Decimal:
    """Two decimals for messages (the check itself uses the exact value)."""
    return _tidy(value.quantize(Decimal("0.01")))


def _tidy(value: Decimal) -> Decimal:
    """Without trailing zeros and without an exponent: 7.00 -> 7, 70 stays 70."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def check_supply_voltage(
    nominal_kv: Decimal | int | str,
    min_kv: Decimal | int | str,
    max_kv: Decimal | int | str | None = None,
    *,
    single_phase: bool | None = None,
    limits: VoltageLimits | None = None,
) -> VoltageCheck:
    """SQ-VOLT: are the measured voltages within the limits for ``nominal_kv``?

    ``min_kv``/``max_kv`` are the lowest and highest values measured (give one value
    for a spot reading). Limits include their bound ("不超过").

    >>> check_supply_voltage("10", "9.3").within
    True
    >>> check_supply_voltage("0.22", "0.198", "0.2354").within
    True
    >>> check_supply_voltage("35", "33.25", "36.76").within   # 5% + 5.03% > 10%
    False
    """
    lim = limits if limits is not None else VoltageLimits()
    nominal, low = Decimal(nominal_kv), Decimal(min_kv)
    high = low if max_kv is None else Decimal(max_kv)
    if high < low:
        raise ValueError(f"max_kv {high} is below min_kv {low}")
    band = voltage_band(nominal, single_phase=single_phase)
    up, down = deviation_percent(nominal, low, high)
    if band == "35kv_and_above":
        within = up + down <= lim.sum_percent
        limit = f"|+| + |-| <= {lim.sum_percent}%"
    elif band == "220v_single_phase":
        within = up <= lim.single_phase_up_percent and down <= lim.single_phase_down_percent
        limit = f"+{lim.single_phase_up_percent}% / -{lim.single_phase_down_percent}%"
    else:
        pct = lim.gap_20kv_percent if band == "20kv_gap" else lim.three_phase_percent
        within = up <= pct and down <= pct
        limit = f"±{pct}%"
    verdict = "within" if within else "outside"
    gap = " (GAP default for 20 kV)" if band == "20kv_gap" else ""
    reason = (
        f"{nominal} kV: measured {low}..{high} kV is +{_short(up)}% / -{_short(down)}% "
        f"of nominal, "
        f"{verdict} {limit}{gap} ({CLAUSE})"
    )
    return VoltageCheck(
        clause=CLAUSE,
        rule_id=_RULE_IDS[band],
        band=band,
        nominal_kv=nominal,
        min_kv=low,
        max_kv=high,
        up_percent=up,
        down_percent=down,
        limit=limit,
        within=within,
        reason=reason,
    )


def voltage_facts(ctx: FactContext) -> Mapping[str, Any]:
    """Deviation of the latest ``voltage_measured`` event (by ``at``, then id)."""
    nominal = ctx.customer.supply_voltage_kv
    measured = [e for e in ctx.events if isinstance(e, VoltageMeasured)]
    facts: dict[str, Any] = {
        "sq_volt_measurement_id": None,
        "sq_volt_up_percent": None,
        "sq_volt_down_percent": None,
        "sq_volt_single_phase": nominal == SINGLE_PHASE_KV,
    }
    if measured:
        latest = max(measured, key=lambda e: (e.at, e.id))
        up, down = deviation_percent(nominal, latest.min_kv, latest.max_kv)
        facts.update(
            {
                "sq_volt_measurement_id": latest.id,
                "sq_volt_up_percent": up,
                "sq_volt_down_percent": down,
            }
        )
    return facts


_TYPES: dict[str, Type] = {
    "sq_volt_measurement_id": STR.or_none(),
    "sq_volt_up_percent": NUMBER.or_none(),
    "sq_volt_down_percent": NUMBER.or_none(),
    "sq_volt_single_phase": BOOL,
}

VOLTAGE_FACTS = FactProvider(
    name="supply_voltage",
    provides=_TYPES,
    compute=voltage_facts,
    docs={
        "sq_volt_measurement_id": "Id of the latest voltage_measured event up to as_of.",
        "sq_volt_up_percent": "Positive deviation of its max_kv from the supply voltage, % (>= 0).",
        "sq_volt_down_percent": "Negative deviation of its min_kv, % of nominal (>= 0).",
        "sq_volt_single_phase": "Supplied single-phase at 220 V (supply_voltage_kv == 0.22).",
    },
    clause=CLAUSE,
)
"""The facts the ``service_quality`` pack's ``supply_voltage`` decision reads."""
