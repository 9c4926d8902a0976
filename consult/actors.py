"""Who the audit log names when no one else is given: the operating-system user.

Apart from `consult.store.audit` so that `consult --help`, whose `--by` options
show this default, does not import the database (SQLAlchemy).
"""

from __future__ import annotations

import getpass

UNKNOWN_ACTOR = "unknown"
"""The actor of an entry when the operating system names no user (a container without one)."""


def default_actor() -> str:
    """Return the operating-system user: who the audit log names when no one else is given."""
    try:
        return getpass.getuser() or UNKNOWN_ACTOR
    except (OSError, KeyError):
        return UNKNOWN_ACTOR
