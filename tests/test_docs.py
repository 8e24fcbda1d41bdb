"""Every code block of README.md and docs/*.md runs as written (see tests/docs_blocks.py).

Each page runs in a fresh directory that sees the repository's ``examples/`` and
``tests/``; its python blocks share one namespace, in page order.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from docs_blocks import DOC_SYBIL

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_code_blocks_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's blocks, in order; the first failing block fails the test with its line."""
    for name in ("examples", "tests"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    document = DOC_SYBIL.parse(page)
    examples = list(document)
    for example in examples:
        example.evaluate()


def _run_page(tmp_path: Path, text: str) -> None:
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    for example in DOC_SYBIL.parse(page):
        example.evaluate()


def test_a_drifted_block_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrong python, wrong console output and a broken pack each fail; skip is honoured."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NameError):
        _run_page(tmp_path, "```python\nundefined_name\n```\n")
    with pytest.raises(AssertionError, match="expected"):
        _run_page(tmp_path, "```console\n$ gridcrm-rules schema nope\nsomething else\n```\n")
    with pytest.raises(AssertionError, match="pack schema"):
        _run_page(tmp_path, "```yaml\nname: x\ndecisions: {d: {hit_polcy: first}}\n```\n")
    with pytest.raises(AssertionError, match="only 'gridcrm-rules' commands"):
        _run_page(tmp_path, "```console\n$ pip install x\n```\n")
    _run_page(tmp_path, "<!-- skip: next -->\n```python\nundefined_name\n```\n")
    _run_page(tmp_path, "```yaml file=p.yaml\nname: p\ndecisions: {}\n```\n")
    assert (tmp_path / "p.yaml").read_text(encoding="utf-8") == "name: p\ndecisions: {}\n"
