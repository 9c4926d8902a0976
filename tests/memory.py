"""How much memory a call takes: the bound that tests of outside input assert."""

from __future__ import annotations

import contextlib
import tracemalloc
from collections.abc import Callable


def peak_bytes(call: Callable[[], object], *tolerated: type[BaseException]) -> int:
    """Return the most memory Python held at once while `call` ran, ignoring `tolerated` errors."""
    tracemalloc.start()
    try:
        with contextlib.suppress(*tolerated):
            call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
