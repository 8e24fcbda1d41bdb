"""Explanations name the regulation by its title, quote the clause, round numbers for
display; the JSON writes durations as ISO 8601, the text an overdue task readably."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import gridcrm_rules as gr
from gridcrm_rules.models.display import readable_duration
from gridcrm_rules.models.explain import format_duration, format_number
from gridcrm_rules.models.regulations import REGULATION_TITLES, regulation_title
from gridcrm_rules.sample import load_sample

AS_OF = "2026-11-22T09:00:00+08:00"
CUSTOMER = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}
THEFT = [{"type": "theft_detected", "id": "t", "at": "2025-03-01"}]


def _seeds() -> Path | None:
    """shared/seeds beside the checkout (or one level up, for a worktree), if present."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "seeds"
        if candidate.is_dir():
            return candidate
    return None


def test_titles_are_the_headings_of_the_seed_files() -> None:
    """Each title is written in its seed file (where the seeds are available)."""
    seeds = _seeds()
    if seeds is None:
        pytest.skip("shared/seeds is not beside this checkout")
    for filename, title in REGULATION_TITLES.items():
        head = (seeds / filename).read_text(encoding="utf-8")[:2000]
        # one seed annotates its characters with pinyin in brackets: 經(jīng)
        plain = re.sub(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]+\)", "", head)
        assert title in plain, (filename, title)


def test_every_document_cited_by_a_builtin_pack_has_a_title() -> None:
    """No built-in rule falls back to showing a file name."""
    engine = gr.Engine.default()
    documents = {
        r.source.document
        for d in engine.program.decisions
        for r in d.rules
        if r.source.document and r.source.document.endswith(".txt")
    }
    assert documents
    assert documents <= set(REGULATION_TITLES)
    assert regulation_title("local policy 2026-11") == "local policy 2026-11"


def test_text_explanation_names_the_title_and_quotes_the_clause() -> None:
    """'[000_….txt]' is replaced by the title; the clause text follows in 「」."""
    d = gr.Engine.from_packs(["credit"]).evaluate(CUSTOMER, THEFT, as_of=AS_OF)
    text = d.explain()
    assert "000_00d757a177b389d7.txt" not in text
    assert "credit: rule CR-D (clause CR-D, 电力客户信用等级评价与管理办法)" in text
    assert "「三年内有窃电或违章用电行为,或截止上月累计拖欠电费超过两个月」" in text


def test_html_explanation_names_the_title_and_quotes_the_clause() -> None:
    """The notebook card carries the same title and quote (escaped)."""
    d = gr.Engine.from_packs(["credit"]).evaluate(CUSTOMER, THEFT, as_of=AS_OF)
    html = d._repr_html_() if hasattr(d, "_repr_html_") else gr.models.explain.explain_html(d)
    assert "电力客户信用等级评价与管理办法" in html
    assert "三年内有窃电或违章用电行为" in html
    assert "000_00d757a177b389d7.txt" not in html


def test_json_carries_title_and_quote_and_full_precision() -> None:
    """The JSON citation has document, title and text; numbers are not rounded there."""
    d = gr.Engine.from_packs(["credit"]).evaluate(CUSTOMER, THEFT, as_of=AS_OF)
    data = json.loads(d.model_dump_json())
    (hit,) = [h for h in data["trace"]["hits"] if h["rule_id"] == "CR-D"]
    assert hit["source"]["title"] == "电力客户信用等级评价与管理办法"
    assert hit["source"]["document"] == "000_00d757a177b389d7.txt"
    assert hit["source"]["text"].startswith("三年内有窃电")


def test_sample_explanation_rounds_every_number_to_two_decimals() -> None:
    """No value in the demo explanation has more than two decimals."""
    sample = load_sample()
    engine = gr.Engine.default()
    for customer in sample.customers[:10]:
        d = engine.evaluate(customer, sample.events_for(customer["id"]), as_of=sample.as_of)
        text = d.explain()
        assert not re.search(r"=\d+\.\d{3,}", text), text


@given(st.decimals(min_value=-10**9, max_value=10**9, places=6, allow_nan=False))
def test_format_number_rounds_half_up_to_the_cent(value: Decimal) -> None:
    """Display value = value rounded half up to 0.01; short values are kept as written."""
    shown = Decimal(format_number(value))
    assert abs(shown - value) <= Decimal("0.005")
    assert -int(shown.as_tuple().exponent) <= 2


def test_format_number_examples() -> None:
    """The issue's own value, and values already short enough."""
    assert format_number(Decimal("88966.31833333333333333333333")) == "88966.32"
    assert format_number(Decimal("0.005")) == "0.01"
    assert format_number(Decimal("63000.00")) == "63000.00"
    assert format_number(Decimal("4000")) == "4000"
    assert format_number(12.3456) == "12.35"


def test_the_explanation_shows_overdue_durations_readably() -> None:
    """'overdue by 325 d 9 h' in the text; the JSON keeps the exact ISO 8601 value."""
    sample = load_sample()
    engine = gr.Engine.default()
    for customer in sample.customers:
        d = engine.evaluate(customer, sample.events_for(customer["id"]), as_of=sample.as_of)
        late = [t for t in d.tasks if t.overdue_by]
        if late:
            data = json.loads(d.model_dump_json())
            exact = {t["overdue_by"] for t in data["tasks"] if t["overdue_by"]}
            assert all(s.startswith("P") for s in exact)  # the JSON: ISO 8601, unchanged
            text = d.explain()
            for task in late:
                assert task.overdue_by is not None
                assert f"overdue by {readable_duration(task.overdue_by)}" in text
            assert not re.search(r"overdue by P", text)
            assert "days," not in text  # no str(timedelta) form
            return
    pytest.fail("the sample has no overdue task")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (timedelta(days=325, hours=9, seconds=1), "325 d 9 h"),
        (timedelta(days=1), "1 d"),
        (timedelta(days=2, minutes=59), "2 d"),  # minutes only under a day
        (timedelta(hours=23, minutes=59, seconds=59), "23 h 59 min"),
        (timedelta(hours=4), "4 h"),
        (timedelta(minutes=45, seconds=30), "45 min"),
        (timedelta(seconds=1), "1 s"),
        (timedelta(milliseconds=5), "< 1 s"),
        (timedelta(0), "0 s"),
    ],
)
def test_readable_duration(value: timedelta, shown: str) -> None:
    """Days and hours; hours and minutes under a day; seconds under a minute."""
    assert readable_duration(value) == shown
    assert format_duration(timedelta(days=325, hours=9, seconds=1)) == "P325DT9H1S"  # JSON's


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4000)))
def test_a_shown_duration_is_accepted_back_by_scenarios(value: timedelta) -> None:
    """What the explanation (and the JSON) writes is what a scenario may expect."""
    from gridcrm_rules.scenarios.compare import same

    assert same(format_duration(value), value)
    assert not same(format_duration(value + timedelta(seconds=1)), value)


def test_scenarios_read_iso_and_clock_durations() -> None:
    """'PT4H' and '4:00:00' mean four hours; nonsense matches nothing."""
    from gridcrm_rules.scenarios.compare import same

    four = timedelta(hours=4)
    assert same("PT4H", four)
    assert same("4:00:00", four)
    assert same("P3D", timedelta(hours=72))
    assert not same("PT5H", four)
    assert not same("four hours", four)
