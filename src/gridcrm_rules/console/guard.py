"""User errors end in one readable line and an exit status, never a traceback.

Exit statuses of every command (docs/cli.md):

* ``0`` success; ``1`` the command's own "no" (a failed scenario, a gap, more
  errors than ``--max-errors``);
* ``2`` a user error: bad arguments, a missing or unreadable input file, a file
  in another text encoding, an invalid pack, schedule or parameter;
* ``141`` (128 + SIGPIPE) when the reader of stdout went away
  (``gridcrm-rules demo | head -1``), quietly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Final

from pydantic import ValidationError

from ..errors import GridcrmError

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_USER_ERROR", "run_guarded", "user_error_message"]

EXIT_USER_ERROR: Final = 2
EXIT_BROKEN_PIPE: Final = 141


def user_error_message(exc: BaseException) -> str | None:
    """The one-line message for an error the user can fix, or None for a bug."""
    if isinstance(exc, UnicodeDecodeError):
        return (f"cannot decode input as {exc.encoding} at byte {exc.start} "
                f"({exc.object[exc.start:exc.end]!r})")
    if isinstance(exc, FileNotFoundError | IsADirectoryError | NotADirectoryError
                  | PermissionError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    if isinstance(exc, ValidationError):
        return str(exc)
    if isinstance(exc, GridcrmError | ValueError):
        return str(exc)
    return None


def _quiet_stdout() -> None:
    """After a closed pipe: point stdout at devnull so the exit flush raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (tests, notebooks)
        pass


def run_guarded(command: Callable[[], int]) -> int:
    """Run ``command``; user errors print ``error: ...`` on stderr and give status 2."""
    try:
        code = command()
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        message = user_error_message(exc)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USER_ERROR
    return code
