"""Small helpers for the human-readable text the commands and reports print."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["counted", "shorten", "suggest"]


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``"1 rule"``, ``"2 rules"``: ``count`` with the noun in the right number."""
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def shorten(text: str, width: int) -> str:
    """``text`` on one line, at most ``width`` characters, cut at a word and ended by "…".

    Whitespace runs (line breaks of a YAML block) become one space.  A text that
    fits is returned whole; otherwise the words that fit before the ellipsis are
    kept (a single word longer than the width is cut inside it).
    """
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    room = flat[: width - 1]
    if flat[width - 1] != " " and " " in room:  # the cut falls inside a word
        room = room.rsplit(" ", 1)[0]
    return room.rstrip(" ,;:-–—") + "…"


def suggest(word: str, candidates: Iterable[str]) -> str:
    """``" (did you mean 'x' or 'y'?)"`` for the names close to ``word``, else ``""``:
    the one hint every "unknown name" error gives (names, parameters, keys, event types)."""
    near = difflib.get_close_matches(word, list(candidates), n=3, cutoff=0.6)
    if not near:
        return ""
    return " (did you mean " + " or ".join(repr(n) for n in near) + "?)"
