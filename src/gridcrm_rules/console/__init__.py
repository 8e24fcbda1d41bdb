"""Pieces the ``gridcrm-rules`` command shares: options, output formats, user errors."""

from .guard import EXIT_BROKEN_PIPE, EXIT_USER_ERROR, run_guarded
from .options import (
    add_calendar_options,
    add_encoding_option,
    add_format_option,
    add_param_option,
    as_of_option,
    calendar_from,
    params_from,
    with_calendar,
)
from .output import emit, json_line

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_USER_ERROR",
    "add_calendar_options",
    "add_encoding_option",
    "add_format_option",
    "add_param_option",
    "as_of_option",
    "calendar_from",
    "emit",
    "json_line",
    "params_from",
    "run_guarded",
    "with_calendar",
]
