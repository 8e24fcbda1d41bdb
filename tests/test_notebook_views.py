"""Notebook views (issue 16): Engine, BatchResult, VerificationReport, Task, Decision card."""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

import gridcrm_rules as gr
from gridcrm_rules.models.display import readable_duration
from gridcrm_rules.sample import load_sample

SAMPLE = load_sample()
AS_OF = "2026-11-22T09:00:00+08:00"
ROOT = Path(__file__).resolve().parent.parent


def _styled_only(html: str) -> None:
    """Every element styles itself: no class names, no <style> block, no bare table."""
    assert "class=" not in html
    assert "<style" not in html
    assert "<table>" not in html
    assert "<td>" not in html


def test_engine_view_lists_packs_versions_and_parameters(default_engine: gr.Engine) -> None:
    html = default_engine._repr_html_()
    _styled_only(html)
    for ref in default_engine.packs:
        assert f">{ref.name}<" in html
        assert f">{ref.version}<" in html
    for name in default_engine.params:
        assert f">{name}<" in html
    assert "Working-day calendar" in html
    assert repr(default_engine).startswith("Engine(packs=[credit ")


def test_batch_view_shows_counts_grade_mix_and_first_rows(default_engine: gr.Engine) -> None:
    events = [{"customer_id": c["id"], **e} for c in SAMPLE.customers
              for e in SAMPLE.events_for(c["id"])]
    result = default_engine.evaluate_batch(SAMPLE.customers, events, as_of=SAMPLE.as_of)
    html = result._repr_html_()
    _styled_only(html)
    assert f"decided customers</td><td style=\"{_td()}\">{result.decisions.height}<" in html
    for grade, n in result.grade_counts().items():
        assert re.search(rf">{grade}</span></td><td [^>]*>{n}</td>", html)
    assert "decisions (first 5 of 60 rows" in html
    assert f">{SAMPLE.customers[0]['id']}<" in html
    assert "tasks (first 5 of" in html
    assert len(html) < 200_000
    assert repr(result).startswith("BatchResult(60 decided")


def _td() -> str:
    from gridcrm_rules.models._html import _TD

    return _TD


def test_verification_view_names_gaps(default_engine: gr.Engine) -> None:
    """The report view names the gaps of a table that has some (credit_strict's CR-GAP)."""
    reports = gr.verify_engine(gr.Engine.from_packs(["credit_strict"]))
    with_gap = next(r for r in reports if r.gaps)
    html = with_gap._repr_html_()
    _styled_only(html)
    assert "Gaps (no rule fires)" in html
    assert f"Decision {with_gap.decision}" in html
    ok = next(r for r in gr.verify_engine(default_engine) if r.ok)
    assert ">ok</span>" in ok._repr_html_()


def _overdue_decision(engine: gr.Engine) -> gr.Decision:
    for c in SAMPLE.customers:
        d = engine.evaluate(c, SAMPLE.events_for(c["id"]), as_of=SAMPLE.as_of)
        if any(t.status == "overdue" for t in d.tasks):
            return d
    pytest.fail("the sample has no overdue task")


def test_task_view_marks_an_overdue_task(default_engine: gr.Engine) -> None:
    d = _overdue_decision(default_engine)
    task = next(t for t in d.tasks if t.status == "overdue")
    html = task._repr_html_()
    _styled_only(html)
    assert "background:#ffebe9" in html
    assert ">overdue</span>" in html
    assert task.clause in html
    assert task.overdue_by is not None
    # as explain() writes it (days and hours), never Python's "325 days, 9:00:01"
    assert f"by {readable_duration(task.overdue_by)}" in html
    assert "days," not in html


def test_decision_card_formats_money_and_has_a_key_account_section(
    default_engine: gr.Engine,
) -> None:
    d = default_engine.evaluate(
        {"id": "C9", "category": "dedicated_transformer", "supply_voltage_kv": "10",
         "transformer_kva": 630, "org_type": "hospital"},
        [{"type": "bill_issued", "id": f"b{m}", "period": f"2026-{m:02d}", "amount": "63000",
          "due": f"2026-{m + 1:02d}-15"} for m in range(1, 10)],
        as_of=AS_OF,
    )
    html = d._repr_html_()
    _styled_only(html)
    assert "Decimal(" not in html
    assert "{'" not in html  # no Python dict reprs
    assert "567,000.00 元" in html  # arrears, money formatted
    assert "Key account" in html
    assert "important (重要客户)" in html
    assert d.credit is not None
    assert re.search(rf">{d.credit.grade}</span>", html)


def test_decision_card_marks_overdue_rows(default_engine: gr.Engine) -> None:
    d = _overdue_decision(default_engine)
    html = d._repr_html_()
    overdue = sum(t.status == "overdue" for t in d.tasks)
    assert html.count("<tr style=\"background:#ffebe9\">") == overdue
    assert f"{overdue} overdue)" in html


def test_fmt_never_shows_python_reprs() -> None:
    from decimal import Decimal

    from gridcrm_rules.models._html import fmt

    assert fmt(Decimal("63000.00"), "amount") == "63,000.00 元"
    assert fmt(Decimal("5"), "arrears_amount") == "5.00 元"
    assert fmt(Decimal("0.125"), "amount") == "0.13 元"  # shown to 0.01, half up
    assert fmt(Decimal("1.5"), "kwh") == "1.5"
    assert fmt({"amount": Decimal("1"), "months": 3}) == "amount: 1.00 元; months: 3"
    assert fmt(None) == "—"
    assert fmt(True) == "yes"
    assert fmt(timedelta(hours=2)) == "PT2H"  # one duration format: ISO 8601


def test_the_spark_extra_keeps_to_a_pandas_pyspark_supports() -> None:
    """PySpark warns for pandas >= 3 and needs >= 2.2 (pyspark 4): the extras say so."""
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for extra in ("spark", "test"):
        (pandas,) = [Requirement(r) for r in project["optional-dependencies"][extra]
                     if Requirement(r).name == "pandas"]
        assert "3.0.0" not in pandas.specifier, extra
        assert "2.2.0" in pandas.specifier, extra
        assert "2.1.0" not in pandas.specifier, extra
