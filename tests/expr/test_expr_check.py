"""Phase 2 of the condition language: type checking with positions and suggestions."""

from __future__ import annotations

import pytest

from gridcrm_rules.errors import ErrorRecord
from gridcrm_rules.expr import Binding, Checker, Type, check_bool, parse
from gridcrm_rules.expr.types import BOOL, DATE, NUMBER, STR
from gridcrm_rules.functions import FUNCTIONS

SCHEMA = {
    "arrears_amount": Binding("arrears_amount", NUMBER),
    "arrears_over_1m": Binding("arrears_over_1m", BOOL),
    "theft_or_violation_3y": Binding("theft_or_violation_3y", BOOL),
    "oldest_unpaid_due": Binding("oldest_unpaid_due", DATE.or_none()),
    "cutoff": Binding("cutoff", DATE),
    "customer.category": Binding(
        "customer.category",
        Type.enum("dedicated_transformer", "lv_commercial", "residential", "other"),
    ),
    "customer.usage_nature": Binding("customer.usage_nature", STR.or_none()),
    "customer.transformer_kva": Binding("customer.transformer_kva", NUMBER.or_none()),
}


def check(source: str, *, condition: bool = True) -> list[ErrorRecord]:
    checker = Checker(SCHEMA, FUNCTIONS, source, ("p", "d", "R1", "when"))
    node = parse(source)
    if condition:
        check_bool(checker, node)
    else:
        checker.check(node)
    return checker.errors


def only(source: str, **kw: bool) -> ErrorRecord:
    errors = check(source, **kw)
    assert len(errors) == 1, errors
    return errors[0]


@pytest.mark.parametrize(
    "source",
    [
        "theft_or_violation_3y or arrears_amount > 0 and not arrears_over_1m",
        'customer.category in ("residential", "other")',
        "oldest_unpaid_due is not None and oldest_unpaid_due < cutoff",
        "0 < arrears_amount <= 100.50",
        "max(arrears_amount, 1) / 2 >= abs(-3)",
        "(arrears_amount if arrears_over_1m else 0) > 0",
        "customer.usage_nature == None",
    ],
)
def test_well_typed_conditions_pass(source: str) -> None:
    """Well-typed conditions give no errors."""
    assert check(source) == []


def test_unknown_name_suggests_the_close_one() -> None:
    """An unknown name is reported at its column with 'did you mean' the near name."""
    e = only("arears_amount > 0")
    assert e.type == "unknown_name"
    assert "unknown name 'arears_amount'" in e.msg
    assert "did you mean 'arrears_amount'" in e.msg
    assert e.column == 0


def test_unknown_name_far_from_everything_has_no_suggestion() -> None:
    """No 'did you mean' when nothing is close."""
    e = only("zzz > 0")
    assert e.msg == "unknown name 'zzz'"


def test_unknown_name_column_points_at_the_name() -> None:
    """The caret sits under the unknown name, not at the start of the condition."""
    e = only("arrears_over_1m and thef_or_violation_3y")
    assert e.column == len("arrears_over_1m and ")
    assert e.render().splitlines()[-1] == "    " + " " * e.column + "^"


def test_enum_literal_typo_suggests_the_choice() -> None:
    """A misspelt enum literal lists the allowed values and suggests the close one."""
    e = only('customer.category == "residental"')
    assert e.type == "unknown_choice"
    assert "'residental' is not one of" in e.msg
    assert "did you mean 'residential'" in e.msg
    assert e.column == len("customer.category == ")


def test_enum_literal_typo_inside_in_tuple() -> None:
    """Enum literals inside an ``in`` tuple are checked too."""
    e = only('customer.category in ("residential", "lv_comercial")')
    assert "did you mean 'lv_commercial'" in e.msg


def test_enum_literal_on_the_left_is_checked() -> None:
    """A literal written before the enum field is checked as well."""
    e = only('"resident" == customer.category')
    assert e.type == "unknown_choice"


def test_unknown_function_suggests_the_close_one() -> None:
    """A call to a non-whitelisted function is refused, with a near whitelisted name."""
    e = only("mx(arrears_amount, 1) > 0")
    assert e.type == "unknown_function"
    assert "did you mean 'max'" in e.msg


def test_dunder_import_is_not_a_function() -> None:
    """``__import__`` and ``eval`` are not callable from a condition."""
    assert only("__import__('os') == 1", condition=False).type == "unknown_function"
    assert only("eval('1') == 1", condition=False).type == "unknown_function"


def test_arity_error() -> None:
    """A whitelisted function with the wrong number of arguments is reported."""
    e = only("abs(arrears_amount, 2) > 0")
    assert e.type == "arity"
    assert "abs() takes 1 arguments, got 2" in e.msg


def test_not_of_number_names_both_types() -> None:
    """'expected X, got Y' names what was wanted and what was given."""
    e = only("not arrears_amount")
    assert e.type == "type_mismatch"
    assert "expected bool, got number" in e.msg


def test_arithmetic_on_string_names_both_types() -> None:
    """Arithmetic on a string says which operand and both types."""
    e = only('arrears_amount + "x" > 0')
    assert "right of '+': expected number, got str" in e.msg


def test_comparing_different_kinds_names_both_types() -> None:
    """Comparing a number with a date names both types, never a bare 'type mismatch'."""
    e = only("arrears_amount < cutoff")
    assert e.msg == "cannot compare number with date using '<'"


def test_ordering_strings_refused() -> None:
    """``<`` needs numbers, dates or datetimes."""
    e = only('customer.usage_nature < "b"')
    assert "'<' needs numbers, dates or datetimes, got str or None" in e.msg


def test_ordering_against_none_refused() -> None:
    """``None`` can only be compared with == or !=."""
    assert "cannot compare with None" in only("arrears_amount > None").msg


def test_condition_must_be_bool() -> None:
    """A condition that is a number is refused with its type."""
    e = only("arrears_amount + 1")
    assert e.msg == "a condition must be bool, got number"


def test_in_item_of_wrong_type() -> None:
    """A number inside an ``in`` tuple of a string field is reported at that item."""
    e = only('customer.category in ("residential", 3)')
    assert e.msg.startswith("'in' item: expected one of")
    assert e.msg.endswith("got number")
    assert e.column == len('customer.category in ("residential", ')


def test_if_branches_must_agree() -> None:
    """Both branches of an if-else must have one type."""
    e = only('(1 if arrears_over_1m else "x") == 1')
    assert "both branches must have one type: got number and str" in e.msg


def test_arithmetic_with_nullable_is_nullable() -> None:
    """Arithmetic on a nullable number gives a nullable number."""
    checker = Checker(SCHEMA, FUNCTIONS, "", ())
    t = checker.check(parse("customer.transformer_kva * 100"))
    assert t == NUMBER.or_none()
    assert checker.errors == []


def test_all_errors_collected() -> None:
    """Every problem in one condition is reported, not just the first."""
    errors = check('arears_amount > 0 and customer.category == "residental" and not cutoff')
    assert [e.type for e in errors] == ["unknown_name", "unknown_choice", "type_mismatch"]
    assert all(e.loc[:4] == ("p", "d", "R1", "when") for e in errors)
    assert [e.loc[-1] for e in errors] == [e.column for e in errors]
