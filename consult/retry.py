"""Asks a server again after a fault that may pass, and only then.

    Failure          a request that cannot succeed as asked; its message follows the URL
    └── Transient    a 5xx or 429 answer, or a dropped connection: worth asking again

Used by the busy-time feeds and the KoboToolbox source alike.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import requests

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a server is asked again after a transient fault."""

    attempts: int = 3
    backoff: float = 0.5
    """Seconds before the second attempt; doubled before each further one."""
    max_wait: float = 5.0
    """The longest single wait, whatever a Retry-After header asks for."""

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"RetryPolicy.attempts: {self.attempts} is not at least 1")


DEFAULT_RETRY = RetryPolicy()


class Failure(Exception):
    """Why a request cannot succeed; the message follows the URL."""


class Transient(Failure):
    """A fault that may pass: a 5xx or 429 answer, or a dropped connection."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def with_retries(
    call: Callable[[], T], policy: RetryPolicy, sleep: Callable[[float], None] = time.sleep
) -> T:
    """Return what `call` gives, asking again after each Transient fault as `policy` allows.

    Raises Failure, naming the fault and the attempts, once the attempts run out.
    """
    attempt = 1
    while True:
        try:
            return call()
        except Transient as fault:
            if attempt >= policy.attempts:
                plural = "s" if attempt > 1 else ""
                raise Failure(f"{fault} after {attempt} attempt{plural}") from None
            backoff = policy.backoff * 2 ** (attempt - 1)
            wait = backoff if fault.retry_after is None else fault.retry_after
            sleep(min(wait, policy.max_wait))
        attempt += 1


def retry_after(response: requests.Response) -> float | None:
    """Return the seconds a Retry-After header asks to wait (seconds or an HTTP date)."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
