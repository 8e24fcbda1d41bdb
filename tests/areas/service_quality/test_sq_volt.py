"""SQ-VOLT: the supply-voltage limits of 001 第八条, as a function and as a pack, agreeing."""

from __future__ import annotations

from decimal import Decimal

import pytest

import gridcrm_rules as gr
from gridcrm_rules.areas.service_quality.quality import (
    VoltageLimits,
    check_supply_voltage,
    deviation_percent,
    voltage_band,
)

D = Decimal


@pytest.mark.parametrize(
    ("nominal", "low", "high", "within", "band"),
    [
        ("10", "10", "10.7", True, "10kv_and_below"),
        ("10", "10", "10.7001", False, "10kv_and_below"),
        ("10", "9.3", "10", True, "10kv_and_below"),
        ("10", "9.2999", "10", False, "10kv_and_below"),
        ("0.38", "0.3534", "0.4066", True, "10kv_and_below"),
        ("0.38", "0.3533", "0.38", False, "10kv_and_below"),
        ("0.22", "0.198", "0.2354", True, "220v_single_phase"),
        ("0.22", "0.1979", "0.22", False, "220v_single_phase"),
        ("0.22", "0.22", "0.2355", False, "220v_single_phase"),
        ("35", "33.25", "36.75", True, "35kv_and_above"),
        ("35", "33.25", "36.7535", False, "35kv_and_above"),
        ("35", "31.5", "31.5", True, "35kv_and_above"),
        ("110", "99", "110", True, "35kv_and_above"),
        ("110", "121.011", "121.011", False, "35kv_and_above"),
        ("20", "18.6", "21.4", True, "20kv_gap"),
        ("20", "18.598", "20", False, "20kv_gap"),
    ],
)
def test_limits(nominal: str, low: str, high: str, within: bool, band: str) -> None:
    """Each limit includes its bound (不超过) and excludes anything beyond."""
    check = check_supply_voltage(nominal, low, high)
    assert (check.within, check.band, check.clause) == (within, band, "SQ-VOLT")
    assert ("within" if within else "outside") in check.reason


def test_bands_and_deviations() -> None:
    """35 kV and up sum both deviations; 20 kV is the GAP band; 0.22 kV is single-phase."""
    assert voltage_band(D("35")) == "35kv_and_above"
    assert voltage_band(D("20")) == "20kv_gap"
    assert voltage_band(D("10")) == "10kv_and_below"
    assert voltage_band(D("0.22")) == "220v_single_phase"
    assert voltage_band(D("0.22"), single_phase=False) == "10kv_and_below"
    assert voltage_band(D("0.38"), single_phase=True) == "220v_single_phase"
    assert deviation_percent(D("10"), D("9.3"), D("10.7")) == (D(7), D(7))
    assert deviation_percent(D("10"), D("10.2"), D("10.5")) == (D(5), D(0))
    wider = check_supply_voltage("20", "18.2", "20", limits=VoltageLimits(gap_20kv_percent=D(10)))
    assert wider.within
    assert "±10%" in wider.limit
    with pytest.raises(ValueError, match="below min_kv"):
        check_supply_voltage("10", "10.5", "10")


@pytest.fixture(scope="module")
def engine() -> gr.Engine:
    """The service_quality pack alone."""
    return gr.Engine.from_packs(["service_quality"])


def test_pack_defaults_are_the_function_defaults(engine: gr.Engine) -> None:
    """The pack's sq_volt_* parameters default to VoltageLimits()."""
    lim = VoltageLimits()
    params = engine.params
    assert params["sq_volt_sum_percent"] == lim.sum_percent
    assert params["sq_volt_three_phase_percent"] == lim.three_phase_percent
    assert params["sq_volt_single_phase_up_percent"] == lim.single_phase_up_percent
    assert params["sq_volt_single_phase_down_percent"] == lim.single_phase_down_percent
    assert params["sq_volt_20kv_percent"] == lim.gap_20kv_percent


@pytest.mark.parametrize("nominal", ["0.22", "0.38", "10", "20", "35", "110"])
def test_pack_and_function_agree(engine: gr.Engine, nominal: str) -> None:
    """Over a grid of measurements the pack decides exactly what the function decides."""
    n = D(nominal)
    steps = [D(-12), D(-10), D("-7.01"), D(-7), D(-5), D(0), D(5), D(7), D("7.01"), D(10)]
    for lo in steps:
        for hi in steps:
            if hi < lo:
                continue
            low, high = n * (100 + lo) / 100, n * (100 + hi) / 100
            expected = check_supply_voltage(n, low, high)
            d = engine.evaluate(
                {"id": "C1", "category": "other", "supply_voltage_kv": n},
                [
                    {
                        "type": "voltage_measured",
                        "id": "v1",
                        "at": "2026-11-20T10:00:00+08:00",
                        "min_kv": low,
                        "max_kv": high,
                    }
                ],
                as_of="2026-11-22T09:00:00+08:00",
            )
            got = d.outcomes["supply_voltage"]
            assert got.values["within"] is expected.within, (nominal, lo, hi)
            assert got.values["band"] == expected.band
            assert got.rule_ids == (expected.rule_id,)
