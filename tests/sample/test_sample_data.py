"""The bundled sample data and its generators: valid, complete, stable, and graded as claimed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from dateutil.relativedelta import relativedelta

from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.models import (
    BillIssued,
    Customer,
    Event,
    MonthlyConsumption,
    PaymentReceived,
    TheftDetected,
    ViolationRecorded,
    event_instant,
    parse_events,
)
from gridcrm_rules.sample import (
    DATA_FILES,
    PROFILE_VARIANTS,
    PROFILES,
    build_sample,
    cutoff_of,
    events_by_customer,
    generate_population,
    generate_sample,
    load_sample,
    population_record,
    render_files,
    sample_profiles,
)

AS_OF = date(2026, 11, 22)
AS_OF_DT = datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI)
# Profiles whose history covers the full 24 months (and only those months).
IRREGULAR = {"new_customer", "no_bills"}


@pytest.fixture(scope="module")
def sample() -> Any:
    """The bundled sample, loaded once."""
    return load_sample()


@pytest.fixture(scope="module")
def population() -> tuple[dict[str, Any], dict[str, Any]]:
    """A small population with consumption rows."""
    return generate_population(3000, seed=7, as_of=AS_OF, consumption=True)


# --- an independent reading of RULES.md §2 (default parameters) -----------------------


@dataclass
class Credit:
    """What the oracle derives for one customer."""

    grade: str
    rule_id: str
    provisional: bool


def _allocate(
    bills: list[BillIssued], pays: list[PaymentReceived], *, names: bool, until: datetime
) -> tuple[dict[str, Decimal], dict[str, datetime]]:
    """Open amount per bill and the instant each bill was settled, using payments before
    ``until``: named payments go to their bill, the others oldest bill first."""
    open_ = {b.id: b.amount for b in bills}
    settled: dict[str, datetime] = {}
    for p in sorted(pays, key=lambda p: p.at):
        if p.at >= until:
            break
        left = p.amount
        if names and p.bill_id is not None:
            targets = [b for b in bills if b.id == p.bill_id]
        else:
            targets = [b for b in bills if event_instant(b) <= p.at]
        for b in targets:
            take = min(left, open_[b.id])
            open_[b.id] -= take
            left -= take
            if take and not open_[b.id]:
                settled[b.id] = p.at
        assert not left, f"payment {p.id} has {left} left over"
    return open_, settled


def oracle(events: list[dict[str, Any]], as_of: datetime, *, names: bool = True) -> Credit:
    """Credit grade by RULES.md §2 with the default pack parameters."""
    known = [e for e in parse_events(events) if event_instant(e) <= as_of]
    cutoff = cutoff_of(as_of.date())
    end_of_cutoff = datetime.combine(cutoff + timedelta(days=1), datetime.min.time(), SHANGHAI)
    bills = sorted((e for e in known if isinstance(e, BillIssued)), key=lambda b: b.period)
    pays = [e for e in known if isinstance(e, PaymentReceived)]
    incident = any(
        isinstance(e, TheftDetected | ViolationRecorded) and e.at >= as_of - relativedelta(years=3)
        for e in known
    )
    open_, settled = _allocate(bills, pays, names=names, until=end_of_cutoff)
    due = [b for b in bills if b.due <= cutoff]
    unpaid = [b for b in due if open_[b.id]]
    arrears = sum((open_[b.id] for b in due), Decimal(0))
    over_1m = any(b.due + relativedelta(months=1) < cutoff for b in unpaid)
    over_2m = any(b.due + relativedelta(months=2) < cutoff for b in unpaid)
    year = [b for b in due if b.due > cutoff - relativedelta(months=12)]
    had = any(b in unpaid or settled[b.id].astimezone(SHANGHAI).date() > b.due for b in year)
    provisional = len(bills) < 12
    if incident or over_2m:
        return Credit("D", "CR-D", provisional)
    if over_1m:
        return Credit("C", "CR-C", provisional)
    if arrears:
        return Credit("B", "CR-GAP", provisional)
    return Credit("B" if had else "A", "CR-B" if had else "CR-A", provisional)


def general_key_account(events: list[dict[str, Any]], as_of: datetime) -> bool:
    """KA-GEN: previous calendar year's average monthly kWh >= 4000 over months with records."""
    year = f"{as_of.year - 1}-"
    kwh = [
        e.kwh
        for e in parse_events(events)
        if isinstance(e, MonthlyConsumption)
        and e.month.startswith(year)
        and event_instant(e) <= as_of
    ]
    return bool(kwh) and sum(kwh) / len(kwh) >= 4000


def _events(seq: tuple[Event, ...], kind: type[Any]) -> list[Any]:
    return [e for e in seq if isinstance(e, kind)]


# --- the bundled files -----------------------------------------------------------------


def test_bundled_files_equal_a_fresh_generation() -> None:
    """The shipped data files are byte for byte what the generator produces now."""
    fresh = render_files(build_sample())
    data = resources.files("gridcrm_rules.sample").joinpath("data")
    assert sorted(fresh) == sorted(DATA_FILES)
    for name, text in fresh.items():
        assert data.joinpath(name).read_text("utf-8") == text, f"{name} drifted: regenerate it"


def test_every_customer_and_history_validates(sample: Any) -> None:
    """Each customer validates as a Customer and each history through parse_events."""
    assert len(sample.customers) >= 50
    for record in sample.customers:
        Customer.model_validate(record)
        parse_events(sample.events_for(record["id"]))
    assert {e["customer_id"] for e in sample.events} <= {c["id"] for c in sample.customers}
    assert len({e["id"] for e in sample.events}) == len(sample.events)


def test_loader_shapes(sample: Any) -> None:
    """load_sample gives the documented types, as_of and stripped per-customer events."""
    assert sample.as_of == AS_OF_DT
    assert isinstance(sample.customers, tuple)
    assert isinstance(sample.events, tuple)
    assert set(sample.profiles) == {c["id"] for c in sample.customers} == set(sample.expected)
    first = sample.customers[0]["id"]
    assert sample.customer(first) == sample.customers[0]
    assert all("customer_id" not in e for e in sample.events_for(first))
    assert sample.events_for("nobody") == []


def test_every_profile_and_variant_present(sample: Any) -> None:
    """Every profile occurs at least twice, and every variant at least once."""
    counts = Counter(sample.profiles.values())
    assert set(counts) == set(PROFILES)
    assert min(counts.values()) >= 2
    variants = {(x["profile"], x["variant"]) for x in sample.expected.values()}
    assert variants == {(p, v) for p, vs in PROFILE_VARIANTS.items() for v in range(len(vs))}


def test_regular_profiles_have_24_monthly_bills(sample: Any) -> None:
    """Regular customers have one bill per month from as_of - 24 months to last month."""
    first = AS_OF.replace(day=1)
    months = [f"{first - relativedelta(months=k):%Y-%m}" for k in range(24, 0, -1)]
    for cid, profile in sample.profiles.items():
        periods = [e["period"] for e in sample.events_for(cid) if e["type"] == "bill_issued"]
        if profile not in IRREGULAR:
            assert [p for p in periods if p < f"{first:%Y-%m}"] == months, cid
        elif profile == "no_bills":
            assert periods == []
        else:
            assert 0 < len(periods) < 12


def test_amounts_scale_with_category(sample: Any) -> None:
    """Bill amounts are two-decimal strings in the range of each category."""
    ranges = {
        "residential": (30, 600),
        "lv_commercial": (300, 12_000),
        "dedicated_transformer": (10_000, 500_000),
    }
    category = {c["id"]: c["category"] for c in sample.customers}
    for e in sample.events:
        if e["type"] == "bill_issued":
            lo, hi = ranges[category[e["customer_id"]]]
            assert re.fullmatch(r"\d+\.\d\d", e["amount"]), e
            assert lo <= Decimal(e["amount"]) <= hi, e


def test_customer_vocabulary(sample: Any) -> None:
    """Voltages, transformer sizes, org types and flags are realistic and all represented."""
    customers = [Customer.model_validate(c) for c in sample.customers]
    for c in customers:
        if c.category == "dedicated_transformer":
            assert c.supply_voltage_kv in (10, 35, 110)
            assert c.transformer_kva is not None
        else:
            assert c.supply_voltage_kv in (Decimal("0.38"), Decimal("0.22"))
            assert c.transformer_kva is None
    orgs = Counter(c.org_type for c in customers)
    assert {"hospital", "school", "government", "hotel", "media", "military"} <= set(orgs)
    assert orgs["enterprise"] + orgs["household"] > len(customers) / 2
    assert {c.region for c in customers} == {"urban", "rural", "remote"}
    assert any(c.is_deputy for c in customers)
    assert any(c.is_media for c in customers)
    assert {c.usage_nature for c in customers} == {
        "industrial",
        "commercial",
        "residential",
        "agricultural",
        "public",
    }


def test_month_end_due_dates_occur(sample: Any) -> None:
    """Some bills fall due on a month's last day (e.g. 08-31), not the 15th."""
    dues = {date.fromisoformat(e["due"]) for e in sample.events if e["type"] == "bill_issued"}
    assert date(2026, 8, 31) in dues
    assert any((d + timedelta(days=1)).day == 1 for d in dues)


def test_expected_grades_match_an_independent_reading_of_the_rules(sample: Any) -> None:
    """The oracle agrees with expected.json on grade, rule, provisional and KA-GEN."""
    for cid, exp in sample.expected.items():
        events = sample.events_for(cid)
        got = oracle(events, sample.as_of)
        assert (got.grade, got.rule_id, got.provisional) == (
            exp["grade"],
            exp["rule_id"],
            exp["provisional"],
        ), (cid, exp)
        assert general_key_account(events, sample.as_of) is exp["key_account_general"], cid
        after = sum(1 for e in parse_events(events) if event_instant(e) > sample.as_of)
        assert after == exp["events_after_as_of"], cid
        assert (after > 0) is (exp["profile"] == "future_events"), cid


def test_expected_outcomes_are_those_of_the_profile_table(sample: Any) -> None:
    """expected.json repeats the profile table, and the key-account profiles are what they say."""
    for exp in sample.expected.values():
        variant = PROFILE_VARIANTS[exp["profile"]][exp["variant"]]
        assert (exp["grade"], exp["rule_id"], exp["note"]) == (
            variant.grade,
            variant.rule_id,
            variant.note,
        )
        profile = exp["profile"]
        if profile in ("key_account_large", "key_account_border"):
            assert exp["key_account_general"]
        if profile == "key_account_below":
            assert not exp["key_account_general"]
        assert exp["important"] is (profile == "important_org" or exp["important"])
    border = [cid for cid, p in sample.profiles.items() if p == "key_account_border"]
    for cid in border:
        kwh = [
            Decimal(e["kwh"])
            for e in sample.events_for(cid)
            if e["type"] == "monthly_consumption" and e["month"].startswith("2025-")
        ]
        assert len(kwh) == 12
        assert sum(kwh) / 12 == Decimal("4000.00")


def test_named_payments_change_the_grade(sample: Any) -> None:
    """For named_payment customers, ignoring bill_id (pure FIFO) gives another grade."""
    for cid, p in sample.profiles.items():
        if p == "named_payment":
            events = sample.events_for(cid)
            assert oracle(events, sample.as_of, names=False).grade == "B"
            assert oracle(events, sample.as_of).grade in ("C", "D")


def test_payment_after_cutoff_is_ignored_at_cutoff(sample: Any) -> None:
    """Counting payments up to as_of instead of cutoff would turn C into B."""
    for cid, p in sample.profiles.items():
        if p == "payment_after_cutoff":
            late = oracle(sample.events_for(cid), sample.as_of + relativedelta(months=1))
            assert oracle(sample.events_for(cid), sample.as_of).grade == "C"
            assert late.grade in ("A", "B")


# --- the generator ---------------------------------------------------------------------


def test_generation_is_deterministic_and_seeded() -> None:
    """The same seed gives the same data; another seed gives other data."""
    assert generate_sample(25, seed=3) == generate_sample(25, seed=3)
    assert generate_sample(25, seed=3) != generate_sample(25, seed=4)
    assert sample_profiles(25, seed=3) == build_sample(25, seed=3).profiles


@pytest.mark.parametrize(
    ("seed", "as_of"),
    [
        (1, date(2026, 11, 22)),
        (2, date(2027, 3, 1)),
        (3, date(2026, 9, 30)),
        (4, date(2027, 1, 15)),
    ],
)
def test_other_seeds_and_dates_keep_their_promises(seed: int, as_of: date) -> None:
    """For other seeds and evaluation dates the profiles still get their expected grades."""
    sample = build_sample(45, seed=seed, as_of=as_of)
    at = datetime.combine(as_of, datetime.min.time().replace(hour=9), SHANGHAI)
    histories = events_by_customer(sample.events)
    for c in sample.customers:
        Customer.model_validate(c)
        got = oracle(histories.get(c["id"], []), at)
        exp = sample.expected[c["id"]]
        assert (got.grade, got.rule_id) == (exp["grade"], exp["rule_id"]), (c["id"], exp)


def test_events_by_customer_strips_and_groups() -> None:
    """events_by_customer groups in order and removes customer_id without touching its input."""
    flat = [
        {"customer_id": "X", "id": "1"},
        {"customer_id": "Y", "id": "2"},
        {"customer_id": "X", "id": "3"},
    ]
    assert events_by_customer(flat) == {"X": [{"id": "1"}, {"id": "3"}], "Y": [{"id": "2"}]}
    assert flat[0] == {"customer_id": "X", "id": "1"}


def test_command_line_writes_the_files(tmp_path: Path) -> None:
    """python -m gridcrm_rules.sample.generate --out DIR writes what the package ships."""
    src = Path(__file__).resolve().parents[2] / "src"
    subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-m",
            "gridcrm_rules.sample.generate",
            "--out",
            str(tmp_path),
            "--n",
            "20",
            "--seed",
            "5",
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(src)},
    )
    expected = render_files(build_sample(20, seed=5))
    assert {p.name: p.read_text("utf-8") for p in tmp_path.iterdir()} == expected
    assert json.loads(expected["profiles.json"])


# --- the population generator ----------------------------------------------------------


def test_population_sizes_and_columns(population: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """Every column has one value per customer or per event, with the documented dtypes."""
    customers, events = population
    assert {len(v) for v in customers.values()} == {3000}
    assert len({len(v) for v in events.values()}) == 1
    assert set(events) == {
        "customer_idx",
        "type",
        "id",
        "period",
        "amount_fen",
        "due",
        "at",
        "bill_id",
        "kwh_centi",
    }
    assert events["due"].dtype == np.dtype("datetime64[D]")
    assert events["at"].dtype == np.dtype("datetime64[s]")
    assert np.all(np.diff(events["customer_idx"]) >= 0)
    assert np.array_equal(events["id"], np.arange(len(events["id"])))
    bills = Counter(events["customer_idx"][events["type"] == 0].tolist())
    for i, profile in enumerate(customers["profile"]):
        if profile not in IRREGULAR:
            assert bills[i] == 24
    assert set(customers["profile"]) == set(PROFILES)


def _same(x: Any, y: Any) -> bool:
    if x.dtype.kind == "M":  # NaT != NaT; compare the underlying integers
        x, y = x.view(np.int64), y.view(np.int64)
    return bool(np.array_equal(x, y, equal_nan=x.dtype.kind == "f"))


def test_population_is_deterministic() -> None:
    """Same arguments, same arrays; another seed, other arrays."""
    a = generate_population(500, seed=11, as_of=AS_OF)
    b = generate_population(500, seed=11, as_of=AS_OF)
    c = generate_population(500, seed=12, as_of=AS_OF)
    for x, y in ((a[0], b[0]), (a[1], b[1])):
        assert all(_same(x[k], y[k]) for k in x)
    assert not np.array_equal(a[1]["amount_fen"], c[1]["amount_fen"])
    empty_customers, empty_events = generate_population(0, seed=1, as_of=AS_OF)
    assert len(empty_customers["id"]) == 0
    assert len(empty_events["id"]) == 0
    with pytest.raises(ValueError, match="months"):
        generate_population(10, seed=1, months=12, as_of=AS_OF)


def test_population_records_validate_and_get_their_expected_grade(
    population: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """Rendered as dicts, population customers validate and the oracle gives expected_grade."""
    customers, events = population
    seen: Counter[tuple[str, int]] = Counter()
    for i in range(len(customers["id"])):
        kind = (str(customers["profile"][i]), int(customers["variant"][i]))
        seen[kind] += 1
        if seen[kind] > 4:  # four customers of each profile variant keep the test fast
            continue
        customer, history = population_record(customers, events, i)
        Customer.model_validate(customer)
        got = oracle(history, AS_OF_DT)
        expected = (
            customers["expected_grade"][i],
            customers["expected_rule_id"][i],
            bool(customers["expected_provisional"][i]),
        )
        assert (got.grade, got.rule_id, got.provisional) == expected, (
            i,
            customers["profile"][i],
            customers["variant"][i],
        )
        if customers["profile"][i] == "key_account_border":
            assert general_key_account(history, AS_OF_DT)
        if customers["profile"][i] == "key_account_below":
            assert not general_key_account(history, AS_OF_DT)
