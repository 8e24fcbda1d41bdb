"""Small helpers for the human-readable text the commands and reports print."""

from __future__ import annotations

__all__ = ["counted"]


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``"1 rule"``, ``"2 rules"``: ``count`` with the noun in the right number."""
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"
