"""Large synthetic populations for benchmarks, as NumPy columns.

Same profiles and expectations as the small sample (:mod:`._profiles`), built
with array operations so that a million customers take seconds. NumPy is
imported inside the functions: the package does not depend on it.

Column conventions (events): money is integer fen (``amount_fen``), energy is
integer hundredths of a kWh (``kwh_centi``), ``due`` is ``datetime64[D]``,
``at`` is ``datetime64[s]`` in **UTC** (Asia/Shanghai is UTC+8 all year),
missing values are ``NaT`` / ``0`` / ``-1``; event ids are integers (rendered
``"E<id>"`` by :func:`population_record`). Decimal strings for ~50 million rows
would cost minutes and gigabytes, hence integers.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta

from .._extras import require_extra
from .._time import SHANGHAI
from ._profiles import POPULATION_MIX, PROFILE_VARIANTS, PROFILES
from ._sample import cutoff_of

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["EVENT_TYPES", "generate_population", "population_record"]

EVENT_TYPES = (
    "bill_issued",
    "payment_received",
    "theft_detected",
    "violation_recorded",
    "monthly_consumption",
)
"""Meaning of the ``type`` code column of a population's events."""

_CHUNK = 65_536  # customers per block; fixed so that output depends only on the arguments
_DAY = 86_400
_UTC_OFFSET = 8 * 3600
_SEASON = (1.15, 1.05, 0.95, 0.9, 0.95, 1.1, 1.3, 1.3, 1.05, 0.9, 0.95, 1.1)
# Variants the population generator draws from (the others use variant 0).
_POP_VARIANTS = {
    "late_once_in_year": 2,
    "over_2m": 2,
    "theft_recent": 3,
    "violation_recent": 2,
    "violation_old": 2,
    "named_payment": 2,
    "new_customer": 2,
    "payment_after_cutoff": 2,
}
_CATEGORIES = ("residential", "lv_commercial", "dedicated_transformer")
_USAGE = ("residential", "commercial", "industrial", "public", "agricultural")
_ORGS = (
    "household",
    "enterprise",
    "hospital",
    "school",
    "government",
    "hotel",
    "media",
    "military",
    "state_key_unit",
)
_REGIONS = ("urban", "rural", "remote")


def _epoch_day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


class _Calendar:
    """The bill months of a population and the bill indices each profile needs."""

    def __init__(self, as_of: date, months: int) -> None:
        first = as_of.replace(day=1)
        self.as_of, self.cutoff = as_of, cutoff_of(as_of)
        self.periods = [first - relativedelta(months=months - j) for j in range(months)]
        issued = [p + relativedelta(months=1) for p in self.periods]
        std = [i.replace(day=15) for i in issued]
        c = self.cutoff

        def idx(pred: Any) -> list[int]:
            return [j for j, d in enumerate(std) if pred(d)]

        self.gap = idx(lambda d: d <= c <= d + relativedelta(months=1))[-1]
        self.over_1m = idx(
            lambda d: d + relativedelta(months=1) < c <= d + relativedelta(months=2)
        )[0]
        self.over_2m = idx(lambda d: d + relativedelta(months=2) < c)[-1]
        self.last_due = idx(lambda d: d <= c)[-1]
        self.late = idx(lambda d: c - relativedelta(months=11) <= d <= c - relativedelta(months=1))
        self.before = idx(lambda d: d <= c - relativedelta(months=13))
        self.fifo = idx(lambda d: c - relativedelta(months=10) <= d <= c - relativedelta(months=2))
        self.issue_day = [_epoch_day(d) for d in issued]
        self.due_std = [_epoch_day(d) for d in std]
        self.due_end = [_epoch_day(i + relativedelta(day=31)) for i in issued]
        self.yyyymm = [p.year * 100 + p.month for p in self.periods]
        self.cons = [j for j, p in enumerate(self.periods) if p.year >= as_of.year - 1]
        self.prev_year = [j for j, p in enumerate(self.periods) if p.year == as_of.year - 1]


def _instant(d: date, hour: int, minute: int = 0) -> int:
    """UTC epoch seconds of a Shanghai wall-clock time."""
    return _epoch_day(d) * _DAY + hour * 3600 + minute * 60 - _UTC_OFFSET


def _customers(n: int, rng: np.random.Generator) -> dict[str, Any]:
    import numpy as np

    prof = rng.choice(len(PROFILES), size=n, p=[POPULATION_MIX[p] for p in PROFILES])
    counts = np.array([_POP_VARIANTS.get(p, 1) for p in PROFILES])
    variant = (rng.random(n) * counts[prof]).astype(np.int8)
    names = np.array(PROFILES)
    width = max(7, len(str(n)))
    is_ = {p: prof == i for i, p in enumerate(PROFILES)}

    cat = rng.choice(3, size=n, p=[0.45, 0.35, 0.20])
    cat[is_["key_account_large"] | is_["important_org"]] = 2
    cat[is_["key_account_border"] | is_["key_account_below"]] = 1
    kva = rng.choice(np.array([315.0, 630.0, 1250.0, 2000.0]), size=n)
    kva[is_["important_org"]] = 1250.0
    kva[is_["key_account_large"]] = 2000.0
    u = rng.random(n)
    kv = np.where(
        kva < 1000,
        10.0,
        np.where(kva < 1500, np.where(u < 0.7, 10.0, 35.0), np.where(u < 0.8, 35.0, 110.0)),
    )
    kv = np.where(cat == 0, np.where(u < 0.9, 0.22, 0.38), kv)
    kv = np.where(cat == 1, np.where(u < 0.85, 0.38, 0.22), kv)
    kv[is_["important_org"]] = 10.0
    kva[cat != 2] = np.nan

    usage = np.where(cat == 0, 0, np.where(rng.random(n) < 0.7, 1, 2))
    usage[(cat == 1) & (rng.random(n) < 0.03)] = 4
    org = np.where(cat == 0, 0, 1)
    special = (cat > 0) & (rng.random(n) < 0.06)
    org[special] = rng.integers(2, len(_ORGS), size=int(special.sum()))
    org[is_["important_org"]] = 2
    usage[(org >= 2) & (org != 5) & (org != 6) & (org != 8)] = 3  # public bodies
    region = np.where(
        cat == 0,
        rng.choice(3, size=n, p=[0.5, 0.4, 0.1]),
        rng.choice(3, size=n, p=[0.7, 0.25, 0.05]),
    )
    expected = [PROFILE_VARIANTS[p] for p in PROFILES]
    grade = np.array([[v.grade for v in vs] + [""] * (3 - len(vs)) for vs in expected])
    rule = np.array([[v.rule_id for v in vs] + [""] * (3 - len(vs)) for vs in expected])
    prov = np.array([[v.provisional for v in vs] + [False] * (3 - len(vs)) for vs in expected])
    return {
        "id": np.array([f"P{i:0{width}d}" for i in range(1, n + 1)], dtype=f"U{width + 1}"),
        "category": np.array(_CATEGORIES)[cat],
        "supply_voltage_kv": kv,
        "transformer_kva": kva,
        "usage_nature": np.array(_USAGE)[usage],
        "org_type": np.array(_ORGS)[org],
        "region": np.array(_REGIONS)[region],
        "prepaid_meter": (cat == 0) & (rng.random(n) < 0.02),
        "is_deputy": rng.random(n) < 0.002,
        "is_media": org == 6,
        "is_supervisor": rng.random(n) < 0.001,
        "profile": names[prof],
        "variant": variant,
        "expected_grade": grade[prof, variant],
        "expected_rule_id": rule[prof, variant],
        "expected_provisional": prov[prof, variant],
    }


def generate_population(
    n: int, *, seed: int, months: int = 24, as_of: date, consumption: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(customers, events)`` as dicts of NumPy columns, for ``n`` customers.

    ``customers`` has the :class:`~gridcrm_rules.models.Customer` fields
    (``transformer_kva`` NaN when absent) plus ``profile``, ``variant`` and the
    expected credit result (``expected_grade``, ``expected_rule_id``,
    ``expected_provisional``). ``events`` has ``customer_idx`` (row in
    ``customers``; rows are grouped by customer, ascending), ``type`` (code into
    :data:`EVENT_TYPES`), ``id``, ``period`` (``YYYYMM`` int, 0 if none),
    ``amount_fen``, ``due``, ``at`` (UTC), ``bill_id`` (-1 if none) and, with
    ``consumption=True``, ``kwh_centi`` and ``monthly_consumption`` rows for the
    previous and current calendar year.  About ``2 * months`` events per
    customer.  Deterministic for ``(n, seed, months, as_of)``.
    """
    require_extra("batch", "generate_population")
    import numpy as np

    if months < 15:
        raise ValueError(f"months must be at least 15 to hold every profile, got {months}")
    cal = _Calendar(as_of, months)
    customers = _customers(n, np.random.default_rng([seed, 0]))
    parts: list[dict[str, NDArray[Any]]] = []
    next_id = 0
    for block, start in enumerate(range(0, max(n, 1), _CHUNK)):
        rng = np.random.default_rng([seed, 1, block])
        chunk = {k: v[start : start + _CHUNK] for k, v in customers.items()}
        part = _events(cal, chunk, start, next_id, rng, consumption)
        next_id += len(part["id"])
        parts.append(part)
    events = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return customers, events


def _events(
    cal: _Calendar,
    cust: dict[str, Any],
    start: int,
    first_id: int,
    rng: np.random.Generator,
    consumption: bool,
) -> dict[str, NDArray[Any]]:
    import numpy as np

    c, m = len(cust["id"]), len(cal.periods)
    prof, var = cust["profile"], cust["variant"].astype(np.int64)
    rows = np.arange(c)

    def who(name: str, v: int | None = None) -> NDArray[np.intp]:
        sel = prof == name
        return np.flatnonzero(sel if v is None else sel & (var == v))

    cat = cust["category"]
    kva = np.nan_to_num(cust["transformer_kva"])
    load = np.where(
        prof == "key_account_large", rng.uniform(0.3, 0.35, c), rng.uniform(0.08, 0.35, c)
    )
    base = np.where(
        cat == "residential",
        rng.uniform(110, 520, c),
        np.where(cat == "lv_commercial", rng.uniform(800, 6500, c), kva * 730 * load),
    )
    season = np.array([_SEASON[p.month - 1] for p in cal.periods])
    kwh = np.rint(base[:, None] * season[None, :] * rng.uniform(0.92, 1.08, (c, m)) * 100).astype(
        np.int64
    )
    prev = np.array(cal.prev_year, dtype=np.intp)
    kwh[np.ix_(who("key_account_border"), prev)] = 400_000
    kwh[np.ix_(who("key_account_below"), prev)] = 399_999
    for v, old in ((0, cal.over_2m), (1, cal.over_1m)):  # disputed bill <= 0.85 x last bill due
        r = who("named_payment", v)
        kwh[r, old] = np.minimum(kwh[r, old], kwh[r, cal.last_due] * 85 // 100)
    tariff = np.where(
        cat == "residential", 0.5583, np.where(cat == "lv_commercial", 0.7645, 0.6154)
    )
    amount = np.rint(kwh * tariff[:, None] + (kva * 2200)[:, None]).astype(np.int64)

    bill_ok = np.ones((c, m), dtype=bool)
    for v, keep in ((0, 5), (1, 11)):
        bill_ok[who("new_customer", v), : m - keep] = False
    bill_ok[who("no_bills")] = False

    month_end = (prof == "punctual") & (rng.random(c) < 0.1)
    issue = np.array(cal.issue_day)[None, :]
    due = np.where(
        month_end[:, None], np.array(cal.due_end)[None, :], np.array(cal.due_std)[None, :]
    )
    pay_day = issue + 1 + (rng.random((c, m)) * (due - issue - 1)).astype(np.int64)
    pay_sec = pay_day * _DAY + rng.integers(8 * 3600, 22 * 3600, (c, m)) - _UTC_OFFSET
    pay_amt = amount.copy()
    as_of_sec = _instant(cal.as_of, 0)
    named = (rng.random(c) < 0.3) | (prof == "named_payment")
    named &= (prof != "fifo_partial") & (prof != "payment_after_cutoff")
    cols = np.arange(m)[None, :]

    for name, window in (("late_once_in_year", cal.late), ("late_before_year", cal.before)):
        r = who(name)
        j = rng.choice(np.array(window), size=len(r))
        late_days = np.where(var[r] == 1, 1, rng.integers(3, 13, len(r)))
        sec = np.where(var[r] == 1, 8 * 3600 + 1800, rng.integers(8 * 3600, 22 * 3600, len(r)))
        pay_sec[r, j] = (np.array(cal.due_std)[j] + late_days) * _DAY + sec - _UTC_OFFSET
    stop = np.full(c, m)
    stop[who("gap")] = cal.gap
    stop[who("over_1m")] = cal.over_1m
    stop[who("payment_after_cutoff")] = cal.over_1m
    stop[who("over_2m")] = cal.over_2m - 3 * var[who("over_2m")]
    pay_ok = bill_ok & (cols < stop[:, None]) & (pay_sec < as_of_sec)

    r = who("payment_after_cutoff")  # one payment after cutoff settles what was overdue at it
    k, upto = cal.over_1m, np.where(var[r] == 0, m, cal.last_due + 1)
    pay_amt[r, k] = np.where(cols[:, k:] < upto[:, None], amount[r, k:], 0).sum(axis=1)
    early = cal.cutoff + timedelta(days=max(1, min(5, (cal.as_of - cal.cutoff).days - 1)))
    after = np.where(
        var[r] == 0, _instant(early, 10, 15), _instant(cal.cutoff + timedelta(1), 0, 5)
    )
    pay_sec[r, k] = after
    pay_ok[r, k] = after < as_of_sec
    pay_ok[r] |= (cols >= upto[:, None]) & (pay_sec[r] < as_of_sec)
    r = who("fifo_partial")
    x = rng.choice(np.array(cal.fifo), size=len(r))
    part = amount[r, x] * rng.choice(np.array([5, 6, 7]), size=len(r)) // 10
    pay_amt[r, x] = part
    pay_amt[r, x + 1] += amount[r, x] - part
    for v, old in ((0, cal.over_2m), (1, cal.over_1m)):
        pay_ok[who("named_payment", v), old] = False

    extra_type = np.full(c, -1, dtype=np.int8)
    extra_sec = np.zeros(c, dtype=np.int64)

    def incident(r: NDArray[np.intp], kind: int, day: date, spread: int, hour: int | None) -> None:
        extra_type[r] = kind
        days = _epoch_day(day) + rng.integers(0, spread + 1, len(r))
        tod = rng.integers(8 * 3600, 22 * 3600, len(r)) if hour is None else hour * 3600
        extra_sec[r] = days * _DAY + tod - _UTC_OFFSET

    a = cal.as_of
    incident(who("theft_recent", 0), 2, a - relativedelta(months=20), 60, None)
    incident(who("theft_recent", 1), 2, a - relativedelta(years=3), 0, 10)
    incident(who("theft_recent", 2), 2, a - timedelta(days=2), 0, 14)
    incident(who("violation_recent", 0), 3, a - relativedelta(months=15), 30, None)
    incident(who("violation_recent", 1), 3, a - relativedelta(months=23), 30, None)
    incident(who("violation_old", 0), 3, a - relativedelta(years=4), 30, None)
    incident(who("violation_old", 1), 3, a - relativedelta(years=3, days=1), 0, 15)
    incident(who("future_events"), 2, a + timedelta(days=1), 0, 10)

    # Layout per customer: bill j and its payment slot, consumption months, one incident.
    cons = cal.cons if consumption else []
    s = 2 * m + len(cons) + 1
    ok = np.zeros((c, s), dtype=bool)
    ok[:, 0 : 2 * m : 2], ok[:, 1 : 2 * m : 2] = bill_ok, pay_ok
    ok[:, 2 * m : s - 1] = bill_ok[:, cons]
    ok[:, -1] = extra_type >= 0
    ids = (np.cumsum(ok.ravel()) - 1 + first_id).reshape(c, s)

    def grid(dtype: Any, fill: Any) -> NDArray[Any]:
        return np.full((c, s), fill, dtype=dtype)

    typ = grid(np.int8, 0)
    typ[:, 1 : 2 * m : 2], typ[:, 2 * m : s - 1], typ[:, -1] = 1, 4, extra_type
    period = grid(np.int32, 0)
    period[:, 0 : 2 * m : 2] = np.array(cal.yyyymm)
    period[:, 2 * m : s - 1] = np.array(cal.yyyymm)[cons]
    money = grid(np.int64, 0)
    money[:, 0 : 2 * m : 2], money[:, 1 : 2 * m : 2] = amount, pay_amt
    nat = np.iinfo(np.int64).min
    due_col = grid(np.int64, nat)
    due_col[:, 0 : 2 * m : 2] = due
    at_col = grid(np.int64, nat)
    at_col[:, 1 : 2 * m : 2], at_col[:, -1] = pay_sec, extra_sec
    bill_ref = grid(np.int64, -1)
    bill_ref[:, 1 : 2 * m : 2] = np.where(named[:, None], ids[:, 0 : 2 * m : 2], -1)
    out = {
        "customer_idx": np.broadcast_to((rows + start).astype(np.int32)[:, None], (c, s))[ok],
        "type": typ[ok],
        "id": ids[ok],
        "period": period[ok],
        "amount_fen": money[ok],
        "due": due_col[ok].view("datetime64[D]"),
        "at": at_col[ok].view("datetime64[s]"),
        "bill_id": bill_ref[ok],
    }
    if consumption:
        kwh_col = grid(np.int64, 0)
        kwh_col[:, 2 * m : s - 1] = kwh[:, cons]
        out["kwh_centi"] = kwh_col[ok]
    return out


def population_record(
    customers: dict[str, Any], events: dict[str, Any], i: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Customer ``i`` of a population as DESIGN.md dicts (the small sample's format).

    For cross-checking a columnar implementation against the per-customer one.
    """
    require_extra("batch", "population_record")
    import numpy as np

    customer: dict[str, Any] = {
        "id": str(customers["id"][i]),
        "category": str(customers["category"][i]),
        "supply_voltage_kv": float(customers["supply_voltage_kv"][i]),
    }
    kva = float(customers["transformer_kva"][i])
    if not np.isnan(kva):
        customer["transformer_kva"] = int(kva)
    for key in ("usage_nature", "org_type", "region"):
        customer[key] = str(customers[key][i])
    for key in ("prepaid_meter", "is_deputy", "is_media", "is_supervisor"):
        if customers[key][i]:
            customer[key] = True
    lo, hi = np.searchsorted(events["customer_idx"], [i, i + 1])
    out: list[dict[str, Any]] = []
    for row in range(int(lo), int(hi)):
        kind = EVENT_TYPES[int(events["type"][row])]
        event: dict[str, Any] = {"type": kind, "id": f"E{int(events['id'][row])}"}
        fen = int(events["amount_fen"][row])
        money = f"{fen // 100}.{fen % 100:02d}"
        period = int(events["period"][row])
        month = f"{period // 100:04d}-{period % 100:02d}"
        if kind == "bill_issued":
            due = events["due"][row].astype("datetime64[D]").item()
            event |= {"period": month, "amount": money, "due": due.isoformat()}
        elif kind == "monthly_consumption":
            centi = int(events["kwh_centi"][row])
            event |= {"month": month, "kwh": f"{centi // 100}.{centi % 100:02d}"}
        else:
            sec = int(events["at"][row].astype(np.int64))
            event["at"] = datetime.fromtimestamp(sec, SHANGHAI).isoformat()
            if kind == "payment_received":
                event["amount"] = money
                if int(events["bill_id"][row]) >= 0:
                    event["bill_id"] = f"E{int(events['bill_id'][row])}"
        out.append(event)
    return customer, out
