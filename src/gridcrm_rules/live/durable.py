"""A bridge from durable_rules rulesets to a live session (the ``durable`` extra).

For users who already run durable_rules: an action hands an event to a live session with
:func:`forward`, and the change records the session reports come back into durable_rules
as events (``c.post``) or facts (``c.assert_fact``), as JSON messages
(:func:`change_message`), so further rules can match on them::

    from durable.lang import m, ruleset, when_all
    from gridcrm_rules.live.durable import forward

    live = engine.live()
    with ruleset("billing"):
        @when_all(m.type == "payment_received")
        def on_payment(c):
            forward(c, live, c.m.customer_id, payload(c.m))

        @when_all((m.kind == "grade_changed") & (m.to_grade == "D"))
        def on_d(c):
            ...

What the bridge adds over calling ``live.post`` from an action: the records are turned
into the plain JSON durable_rules requires (Decimals as strings, datetimes as ISO text,
the ``sid`` and message ``id`` durable_rules reserves kept apart), with a message id
from the record's content and, through :func:`forward`, the posted event's id and the
record's place among its changes -- so two changes are never de-duplicated away, even
equal ones (a grade going A→B, B→A, A→B at one instant).

If durable_rules fails while the records are sent back, the session has already taken
the event: the exception propagates with the records before it sent and the rest not.

State: durable_rules keeps its rulesets in one process-wide host (a ruleset name
can be defined once per process); the bridge defines no ruleset and holds no state of its
own -- the live session is passed in explicitly, so two engines (two sessions) can feed
one ruleset or two without sharing anything but what the caller shares.

durable-rules has no build for Python >= 3.13; importing this module there (or without
the extra) raises :class:`gridcrm_rules.MissingExtra`.  The core never imports it.
"""

# The extra is checked before the imports that need it:

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Protocol

from .._extras import require_extra

require_extra("durable", "gridcrm_rules.live.durable")

__all__ = ["RESERVED", "LivePoster", "change_message", "forward"]

RESERVED = ("sid", "id")
"""Message keys durable_rules gives a meaning of its own (session id, message id)."""


class LivePoster(Protocol):
    """What :func:`forward` needs of a live session: ``post`` returning change records."""

    def post(self, customer_or_id: Any, event: Any) -> tuple[Any, ...]: ...


def change_message(change: Any, *, origin: str | None = None) -> dict[str, Any]:
    """A change record as a durable_rules message: its ``model_dump(mode="json")``.

    The record's own fields keep their names; a record field named ``sid`` or ``id`` (none
    of the change records has one) would be refused rather than silently overwritten.  The
    message ``id`` is ``"<customer_id>/<kind>/<at>/<digest>"``, the digest a SHA-256 of the
    record's JSON, then ``"/<origin>"`` when given (:func:`forward` passes the posted
    event's id and the record's position, ``"<event id>#<n>"``): two different changes
    never share an id, the same change from the same post always has it.
    """
    body: dict[str, Any] = change.model_dump(mode="json")
    clash = [k for k in RESERVED if k in body]
    if clash:
        raise ValueError(f"a change record has the durable_rules reserved key(s) {clash}")
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    body["id"] = f"{body['customer_id']}/{body['kind']}/{body['at']}/{digest}"
    if origin is not None:
        body["id"] += f"/{origin}"
    return body


def _event_id(event: Any) -> str | None:
    found = event.get("id") if isinstance(event, Mapping) else getattr(event, "id", None)
    return None if found is None else str(found)


def forward(
    c: Any,
    live: LivePoster,
    customer_or_id: str | Mapping[str, Any] | Any,
    event: Any,
    *,
    as_facts: bool = False,
    ruleset: str | None = None,
) -> tuple[Any, ...]:
    """Post ``event`` to ``live`` from a durable_rules action ``c``; send back its changes.

    Each change record becomes a message (:func:`change_message`) posted as an event
    (default) or asserted as a fact (``as_facts=True``), to the action's own ruleset or to
    ``ruleset``.  Returns the records.  A refused event raises as ``post`` does and sends
    nothing (the session is unchanged, so is the ruleset); durable_rules catches the
    exception of an action and keeps it in the session state (``"exception"`` of what
    ``durable.lang.post`` returns).
    """
    changes = live.post(customer_or_id, event)
    send = c.assert_fact if as_facts else c.post
    event_id = _event_id(event)
    for n, change in enumerate(changes):
        message = change_message(change, origin=None if event_id is None else f"{event_id}#{n}")
        if ruleset is None:
            send(message)
        else:
            send(ruleset, message)
    return changes
