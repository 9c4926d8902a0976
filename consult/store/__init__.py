"""The state store: meetings, attendees, the delivery ledger, replies, observations, audit log.

`open_store(url)` opens (creating or migrating) a SQLite or PostgreSQL database
by SQLAlchemy URL and returns a `Store`; see `consult.store.store`.
"""

from consult.store.known import Known
from consult.store.meetings import Answer, MeetingPlan
from consult.store.rounds import Proposal
from consult.store.store import LEASE, Store, open_store

__all__ = ["LEASE", "Answer", "Known", "MeetingPlan", "Proposal", "Store", "open_store"]
