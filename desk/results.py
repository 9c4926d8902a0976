"""What the desk's actions did, kept a while: the page a POST redirects to shows it.

    key = results.keep(slug, ActionResult("Reminders", ("2 reminders: 2 sent.",)))
    results.get(slug, key)      # on the training page, ?done=<key>

Post/Redirect/Get: the POST acts once, its result is kept under a random id,
and the page it redirects to (and any reload of it) shows the result without
acting again. The results live in the desk's memory, the last KEPT_RESULTS.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

KEPT_RESULTS = 200
"""Results the desk keeps for the pages the actions redirect to; the oldest goes first."""


@dataclass(frozen=True)
class MessageLine:
    """A message an action sent, or tried to: to whom, what, and what became of it."""

    recipient: str
    kind: str
    outcome: str
    detail: str = ""


@dataclass(frozen=True)
class ActionResult:
    """What an action did: its title, its sentences, the messages, or the one error."""

    title: str
    sentences: tuple[str, ...] = ()
    messages: tuple[MessageLine, ...] = ()
    error: str = ""
    links: tuple[tuple[str, str], ...] = ()
    """(label, route name + parameters encoded by the endpoint) rendered as links: files."""


def failed(title: str, error: str) -> ActionResult:
    """Return the result of an action that did nothing: one sentence that says why."""
    return ActionResult(title, error=error)


class ActionResults:
    """The last results of the desk's actions, by a random id; shared by every request."""

    def __init__(self, size: int = KEPT_RESULTS) -> None:
        self._size = size
        self._results: OrderedDict[str, tuple[str, ActionResult]] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, slug: str, result: ActionResult) -> str:
        """Return the id the result of an action on training `slug` is kept under."""
        key = secrets.token_urlsafe(9)
        with self._lock:
            self._results[key] = (slug, result)
            while len(self._results) > self._size:
                self._results.popitem(last=False)
        return key

    def get(self, slug: str, key: str) -> ActionResult | None:
        """Return the result kept under `key` for training `slug`; None when gone or another's."""
        with self._lock:
            found = self._results.get(key)
        return found[1] if found and found[0] == slug else None
