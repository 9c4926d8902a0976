"""Who holds a claim on a message: host, process id and the process's start, and if it lives.

A claim's `claimed_by` is `host:pid:start:nonce`, `start` being when the process
began (Linux: the `starttime` of `/proc/<pid>/stat`, in clock ticks since boot). A
claim made on this host by a process that is gone, or by another process that now
has the same pid (its start differs), is abandoned: the next run takes it over at
once rather than after the lease. A claim from another host, or one whose holder
cannot be told (no start time known), holds until its lease ends.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Holder:
    """Who made a claim, as far as its `claimed_by` tells."""

    host: str
    pid: int | None
    start: str
    """The process's start time as recorded; "" when the claim did not record it."""

    def describe(self) -> str:
        """Return the holder as a person reads it: "host, process 4242"."""
        return f"{self.host}, process {self.pid}" if self.pid is not None else self.host


def holder_id() -> str:
    """Return the `claimed_by` of a claim made by this process: host, pid, start and a nonce."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{process_start(pid)}:{uuid.uuid4().hex[:8]}"


def parse_holder(claimed_by: str) -> Holder:
    """Return who made a claim, from its `claimed_by` (older claims have no start time)."""
    parts = claimed_by.split(":")
    pid = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    start = parts[2] if len(parts) == 4 else ""
    return Holder(host=parts[0], pid=pid, start=start)


def abandoned(claimed_by: str | None) -> bool:
    """Return whether a claim's holder is known to be gone: on this host, its process ended."""
    if not claimed_by:
        return False
    holder = parse_holder(claimed_by)
    if holder.host != socket.gethostname() or holder.pid is None or holder.pid <= 0:
        return False
    if not _exists(holder.pid):
        return True
    fields = _stat(holder.pid)
    if fields and fields[0] in ("Z", "X"):
        return True  # killed, not yet reaped by its parent
    if not holder.start or not fields:
        return False
    return _start(fields) not in ("", holder.start)


def process_start(pid: int) -> str:
    """Return when the process began (clock ticks since boot), or "" where that cannot be read."""
    return _start(_stat(pid))


def _stat(pid: int) -> list[str]:
    """Return the fields of `/proc/<pid>/stat` after the command name: state first; [] if none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return []
    # The command name, in parentheses, may hold spaces and parentheses: split after the last.
    return stat.rsplit(")", 1)[-1].split()


def _start(fields: list[str]) -> str:
    # The fields after the name start at field 3 (state); starttime is field 22.
    return fields[19] if len(fields) > 19 else ""


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, as another user's process
    return True
