"""The library's exceptions and its one error record.

Bad *data* (a pack file, a condition, an input row) is reported as a list of
:class:`ErrorRecord` -- the pydantic shape ``type``/``loc``/``msg``/``input`` --
collected and raised together.  Misuse of the API raises one of the small,
closed set of exception classes below.  Every exception of the library is
defined here (docs/architecture.md); the modules that raise them import them.

Two are internal signals between phases and never reach a caller:
:class:`ExprSyntaxError` (the parser hands its record to the pack loader) and
:class:`NotColumnar` (the polars backend hands a condition to the scalar one).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BatchInputError",
    "CalendarDataMissing",
    "ErrorRecord",
    "EvaluationError",
    "ExprSyntaxError",
    "GridcrmError",
    "MissingExtra",
    "NotColumnar",
    "PackError",
    "PackNameClash",
    "PackNotFound",
    "PluginWarning",
    "SnapshotMismatch",
    "UnknownBill",
]


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """One problem found in a pack, a condition or an input row.

    ``loc`` runs from the outside in: pack -> decision -> rule -> field ->
    character offset, or row -> field for input data.
    """

    type: str
    loc: tuple[str | int, ...]
    msg: str
    input: Any = None
    source_line: str | None = None
    column: int | None = None
    ctx: dict[str, Any] = field(default_factory=dict)

    def render(self) -> str:
        """Readable form: the path, the message and, where known, a caret line."""
        where = " -> ".join(str(part) for part in self.loc) or "<root>"
        text = f"{where}\n  {self.msg} [type={self.type}]"
        if self.source_line is not None:
            text += f"\n    {self.source_line}"
            if self.column is not None:
                beyond = " " * max(self.column - len(self.source_line), 0)  # at the line's end
                text += "\n    " + _pad(self.source_line[: self.column]) + beyond + "^"
        return text

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form, e.g. for an error table in batch output."""
        return {"type": self.type, "loc": list(self.loc), "msg": self.msg, "input": self.input}


def _pad(before: str) -> str:
    """Blanks as wide as ``before`` on a terminal: tabs kept, CJK characters two cells."""
    return "".join(
        "\t" if ch == "\t" else "  " if unicodedata.east_asian_width(ch) in "WF" else " "
        for ch in before
    )


class GridcrmError(Exception):
    """Base of every exception raised by gridcrm_rules."""


class PackError(GridcrmError):
    """A pack (or a condition inside it) is invalid; holds every problem found."""

    def __init__(self, title: str, errors: Sequence[ErrorRecord]) -> None:
        self.title = title
        self.errors: tuple[ErrorRecord, ...] = tuple(errors)
        count = len(self.errors)
        noun = "error" if count == 1 else "errors"
        body = "\n".join(e.render() for e in self.errors)
        super().__init__(f"{count} {noun} in {title}\n{body}")


class PluginWarning(UserWarning):
    """A third-party pack (entry point) was left out; built-ins and other plugins still work."""


class PackNotFound(GridcrmError, LookupError):
    """A pack name is neither built in, registered, nor a readable file."""


class PackNameClash(PackError, PackNotFound):
    """Two packs claim one name: a plugin and a built-in, two plugins, or a user pack.

    ``name`` is the contested name; ``claimants`` says who claims it (an entry
    point with its distribution, a file, ``built-in``).  Also a :class:`PackNotFound`:
    a clash used to be raised as one, and callers that catch it keep working.
    """

    def __init__(self, name: str, claimants: Sequence[str], hint: str = "") -> None:
        self.name = name
        self.claimants = tuple(claimants)
        msg = f"pack name {name!r} is claimed by {' and '.join(self.claimants)}"
        record = ErrorRecord("pack_name_clash", (name,), msg + (f"; {hint}" if hint else ""))
        super().__init__(f"pack {name!r}", [record])


class EvaluationError(GridcrmError):
    """A rule could not be evaluated for this input (e.g. arithmetic on a missing value).

    ``type`` names the kind of fault (``missing_value``, ``number_out_of_range``,
    ``division_by_zero``, ``bad_argument``, ``evaluation_error``...), ``loc`` where
    it happened (pack -> decision -> rule [-> field]), ``msg`` what went wrong and
    ``values`` the offending values.
    """

    def __init__(
        self,
        msg: str,
        *,
        loc: tuple[str | int, ...] = (),
        type: str = "evaluation_error",
        values: dict[str, Any] | None = None,
    ) -> None:
        self.msg = msg
        self.loc = loc
        self.type = type
        self.values: dict[str, Any] = dict(values or {})
        where = " -> ".join(str(p) for p in loc)
        super().__init__(f"{where}: {msg}" if where else msg)

    def located(self, loc: tuple[str | int, ...]) -> EvaluationError:
        """The same error at ``loc`` (the engine adds pack -> decision -> rule)."""
        return EvaluationError(self.msg, loc=loc, type=self.type, values=self.values)

    def record(self) -> ErrorRecord:
        """This error as an :class:`ErrorRecord` (``input``: the offending values)."""
        return ErrorRecord(self.type, self.loc, self.msg, self.values or None)


class BatchInputError(GridcrmError, ValueError):
    """A whole batch input table is unusable (unknown format or unknown columns)."""


class UnknownBill(ValueError):
    """A payment names a bill that is not in the history (raised by the settlement)."""


class ExprSyntaxError(Exception):
    """Internal: raised inside the condition parser; carries the record to report."""

    def __init__(self, record: ErrorRecord) -> None:
        super().__init__(record.msg)
        self.record = record


class NotColumnar(Exception):
    """Internal: an expression the polars backend does not compile (the scalar engine
    decides it)."""


class CalendarDataMissing(GridcrmError, LookupError):
    """A working-day computation needs a year whose official schedule is not known."""

    def __init__(
        self, year: int, covered: tuple[int, int] | None = None, *,
        loc: tuple[str | int, ...] = (),
    ) -> None:
        self.year = year
        self.covered = covered
        self.loc = loc
        """Where it was needed (pack -> decision -> rule), when raised by a rule."""
        span = f" (known: {covered[0]}-{covered[1]})" if covered else ""
        super().__init__(
            f"no official working-day schedule for {year}{span}; add the State Council "
            "notice as a schedule file (see docs/calendar.md) or opt into a named fallback"
        )

    def located(self, loc: tuple[str | int, ...]) -> CalendarDataMissing:
        """The same error, raised by the rule at ``loc``."""
        return CalendarDataMissing(self.year, self.covered, loc=loc)


class MissingExtra(GridcrmError, ImportError):
    """A feature needs an optional extra (``batch``, ``spark``) that is not installed.

    The message is one line naming the feature, the extra and the command that
    installs it, e.g. ``evaluate_batch needs the batch extra: pip install
    "gridcrm-rules[batch]" (not installed: polars, pyarrow)``.
    """

    def __init__(self, feature: str, extra: str, missing: Sequence[str]) -> None:
        self.feature = feature
        self.extra = extra
        self.missing: tuple[str, ...] = tuple(missing)
        self.install = f'pip install "gridcrm-rules[{extra}]"'
        super().__init__(
            f"{feature} needs the {extra} extra: {self.install} "
            f"(not installed: {', '.join(self.missing)})",
            name=self.missing[0] if self.missing else None,
        )


class SnapshotMismatch(GridcrmError, ValueError):
    """A live-session snapshot was taken under another engine (pack set, versions,
    parameters or calendar: the fingerprint differs) or in another format.

    ``expected`` is this engine's fingerprint, ``found`` the snapshot's.  Restore with
    ``engine.live(restore=blob, rederive=True)`` to replay the stored inputs under this
    engine instead (nothing is then reported as changed).
    """

    def __init__(self, msg: str, *, expected: str, found: str) -> None:
        self.expected = expected
        self.found = found
        super().__init__(msg)
