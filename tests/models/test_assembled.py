"""The engine's assembled result records are the records the constructors build.

``models/assembled.py`` skips pydantic's validation when every value is already of
exactly the class validation gives.  Here random field values -- plain ones, ones
validation converts (a tuple in a map, a text subclass, a tagged decimal) and bad
ones (a float, a grade that is not A-D) -- go both ways, and the results must be the
same: equal records with the same state (fields, ``model_fields_set``, extra and
private parts), field values of the same classes and the same JSON; or the same
validation errors.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from gridcrm_rules.models import Citation, DecisionOutcome, Entitlement, RuleHit, Task
from gridcrm_rules.models.assembled import decision_outcome, entitlement, rule_hit, task


class Text(str):
    """A text subclass: validation turns it into a plain ``str``."""


plain = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=5),
    st.decimals(allow_nan=False, places=2, min_value=-1000, max_value=1000),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1)),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1),
                 timezones=st.just(UTC)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)
converted = st.one_of(
    st.tuples(plain, plain),                      # a tuple value: validated item by item
    st.text(max_size=3).map(Text),                # a subclass of a plain class
    st.just({"decimal": "1.50"}),                 # a tagged value
    st.floats(allow_nan=False, max_value=10, min_value=-10),  # refused: not a DecisionValue
    st.lists(plain, max_size=2),
)
values = plain | converted
maps = st.dictionaries(st.sampled_from(["a", "b", "amount", "due"]), values, max_size=3) | \
    st.dictionaries(st.sampled_from(["a", "b"]), plain, max_size=3)
texts = st.sampled_from(["credit", "CR-A", "x"]) | st.just(Text("sub"))
citations = st.builds(Citation, clause=st.sampled_from(["CR-A", "SV-B"]),
                      document=st.none() | st.just("001.txt"))


def _same(made: Any, built: Any) -> None:
    """Both ways gave one record (or both refused with the same errors)."""
    if isinstance(built, ValidationError):
        assert isinstance(made, ValidationError)
        assert made.errors(include_context=False) == built.errors(include_context=False)
        return
    assert isinstance(made, BaseModel)
    assert made == built
    assert made.__getstate__() == built.__getstate__()
    assert made.model_fields_set == built.model_fields_set
    for name in type(built).model_fields:
        a, b = getattr(made, name), getattr(built, name)
        assert type(a) is type(b), name
        if isinstance(b, dict):
            assert {k: type(v) for k, v in a.items()} == {k: type(v) for k, v in b.items()}
    assert made.model_dump_json() == built.model_dump_json()


def _either(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except ValidationError as exc:
        return exc


@given(pack=texts, decision=texts, rule_id=texts, source=citations, reads=maps, outputs=maps,
       trigger=st.none() | texts)
def test_rule_hit(pack: str, decision: str, rule_id: str, source: Citation,
                  reads: dict[str, Any], outputs: dict[str, Any], trigger: str | None) -> None:
    made = _either(rule_hit, pack, decision, rule_id, source, reads, outputs, trigger)
    built = _either(RuleHit, pack=pack, decision=decision, rule_id=rule_id, source=source,
                    reads=reads, outputs=outputs, trigger_event_id=trigger)
    _same(made, built)


@given(decision=texts, rule_ids=st.lists(texts, max_size=3).map(tuple), values=maps)
def test_decision_outcome(decision: str, rule_ids: tuple[str, ...],
                          values: dict[str, Any]) -> None:
    made = _either(decision_outcome, decision, rule_ids, values)
    _same(made, _either(DecisionOutcome, decision=decision, rule_ids=rule_ids, values=values))


@given(code=texts, level=st.sampled_from(["granted", "required", "optional"]) | texts,
       clause=texts, grade=st.sampled_from([None, "A", "D", "E"]), params=maps)
def test_entitlement(code: str, level: str, clause: str, grade: str | None,
                     params: dict[str, Any]) -> None:
    made = _either(entitlement, code, level, clause, grade, params)
    _same(made, _either(Entitlement, code=code, level=level, clause=clause, grade=grade,
                        params=params))


class Instant(datetime):
    """A datetime subclass: validation turns it into a plain ``datetime``."""


aware = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1),
                     timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))]))
plain_tasks = st.fixed_dictionaries({
    "kind": st.sampled_from(["callback", "notice"]), "clause": st.sampled_from(["CB-1", "X"]),
    "trigger_event_id": st.none() | st.just("e1"), "due": st.none() | aware,
    "basis": st.sampled_from([None, "working_days", "hours", "calendar"]),
    "channel": st.none() | st.just("phone"), "unit": st.none() | st.just("ops"),
    "status": st.sampled_from(["open", "on_time", "overdue", "undetermined"]),
    "completed_at": st.none() | aware,
    "overdue_by": st.none() | st.timedeltas(min_value=timedelta(0),
                                            max_value=timedelta(days=9)),
    "remaining_amount": st.none() | st.decimals(allow_nan=False, allow_infinity=False,
                                                places=2, min_value=0, max_value=10**6),
})
odd_values = {  # what validation converts or refuses, per field
    "kind": [Text("sub"), 1], "clause": [Text("c")], "trigger_event_id": [Text("e"), 5],
    "due": [Instant(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1), "2026-01-01T00:00:00Z"],
    "basis": ["weeks", Text("hours")], "channel": [Text("x")], "unit": [3],
    "status": ["late", Text("open")], "completed_at": [date(2026, 1, 1)],
    "overdue_by": ["PT1H", 3600], "remaining_amount": [Decimal("NaN"), Decimal("Infinity"), 1.5, 2],
}


ODD_FIELDS = [(name, value) for name, options in odd_values.items() for value in options]


@pytest.mark.parametrize(("odd", "value"), [(None, None), *ODD_FIELDS],
                         ids=["plain", *(f"{n}={v!r}" for n, v in ODD_FIELDS)])
@given(fields=plain_tasks)
def test_task(fields: dict[str, Any], odd: str | None, value: Any) -> None:
    """Plain fields (assembled), or each odd value in turn in one field (the
    constructor's answer: converted or refused)."""
    if odd is not None:
        fields = {**fields, odd: value}
    _same(_either(task, **fields), _either(Task, **fields))


def test_maps_are_copied() -> None:
    """A record never shares the dict it was given: changing that dict later (the
    engine reuses some) leaves the record as it was."""
    reads, outputs = {"a": Decimal("1")}, {"grade": "A"}
    hit = rule_hit("p", "d", "R", Citation(clause="C"), reads, outputs, None)
    reads["a"], outputs["grade"] = Decimal("2"), "B"
    assert hit.reads == {"a": Decimal("1")}
    assert hit.outputs == {"grade": "A"}
    values = {"v": 1}
    outcome = decision_outcome("d", ("R",), values)
    values["v"] = 2
    assert outcome.values == {"v": 1}
