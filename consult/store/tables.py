"""The tables of the state database, and the triggers that keep its audit log append-only.

The tables mirror the values of `schemas.state`; the `messages` table adds the
claim (`claimed_by`, `claimed_at`) that lets exactly one worker send a message.
`packs` numbers the versions of each training's briefing pack by content digest.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

APPEND_ONLY = "the audit log is append-only"


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """A timezone-aware datetime, stored in UTC and read back aware, whatever the database."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Return the value in UTC; a naive datetime is refused, its zone being unknown."""
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"{value.isoformat()} has no time zone, expected an aware datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        """Return the stored value as an aware UTC datetime (SQLite hands back naive ones)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("id", sa.Integer, sa.CheckConstraint("id = 1"), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)

meetings = sa.Table(
    "meetings",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("training", sa.String, nullable=False, index=True),
    sa.Column("round", sa.String, nullable=False),
    sa.Column("organisation", sa.String, nullable=False),
    sa.Column("format", sa.String, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("start", UTCDateTime, nullable=False),
    sa.Column("end", UTCDateTime, nullable=False),
    sa.Column("uid", sa.String, nullable=False, unique=True),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("location", sa.String),
    sa.Column("facilitators", sa.JSON, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # What the meeting was at each earlier SEQUENCE (`schemas.state.MeetingVersion`, as JSON),
    # so that an update tells each attendee what changed since they were last told.
    sa.Column("versions", sa.JSON),
)

attendees = sa.Table(
    "attendees",
    metadata,
    sa.Column(
        "meeting_id", sa.String, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("email", sa.String, primary_key=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("role", sa.String, nullable=False),
    sa.Column("organisation", sa.String),
    sa.Column("language", sa.String, nullable=False),
    sa.Column("timezone", sa.String, nullable=False),
    sa.Column("partstat", sa.String, nullable=False),
    sa.Column("attended", sa.Boolean),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # The meeting; for a briefing pack, "<training>/briefing" (hence no foreign key).
    sa.Column("meeting_id", sa.String, nullable=False, index=True),
    sa.Column("recipient", sa.String, nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("message_id", sa.String),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("claimed_by", sa.String),
    sa.Column("claimed_at", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.UniqueConstraint("meeting_id", "recipient", "sequence", "kind", name="messages_key"),
)

replies = sa.Table(
    "replies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("meeting_id", sa.String, sa.ForeignKey("meetings.id"), nullable=False, index=True),
    sa.Column("attendee", sa.String, nullable=False),
    sa.Column("partstat", sa.String, nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("source", sa.String, nullable=False),
    sa.Column("comment", sa.Text),  # what the attendee said with it: iTIP COMMENT or mail text
)

observations = sa.Table(
    "observations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String, nullable=False, unique=True),
    sa.Column("meeting_id", sa.String, sa.ForeignKey("meetings.id"), nullable=False, index=True),
    sa.Column("organisation", sa.String, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("theme", sa.String, nullable=False),
    sa.Column("severity", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("quote", sa.Text),
    sa.Column("speaker_role", sa.String),
    sa.Column("confidentiality", sa.String, nullable=False),
    sa.Column("owner", sa.String),
    sa.Column("due", sa.Date),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # migration 5: the language the text was written in, and its translations by language
    sa.Column("language", sa.String),
    sa.Column("translations", sa.JSON),
    # migration 9: the line of its notes file where it starts; None for forms and KoboToolbox
    sa.Column("line", sa.Integer),
    # migration 11: the email of the person who said it, when the notes attribute it (personal
    # data: `consult.store.personal`); None when unattributed
    sa.Column("source", sa.String, index=True),
)

# migration 13: which observations come from notes (not written input), and which may leave the
# store, read from the index alone: the desk's states and its check of the record count them
# per meeting without reading each row's text
OBSERVATIONS_BY_MEETING = sa.Index(
    "ix_observations_meeting_confidentiality_key",
    observations.c.meeting_id,
    observations.c.confidentiality,
    observations.c.key,
)

# migration 10: each notes file imported whole, and what it was checked against, so that
# importing it again unchanged is a comparison of digests (`consult.store.notes`)
notes_files = sa.Table(
    "notes_files",
    metadata,
    sa.Column("training", sa.String, primary_key=True),
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("digest", sa.String, nullable=False),  # of its bytes and the workspace's plan
    sa.Column("context", sa.String, nullable=False),  # of its meetings and attendees, as stored
    sa.Column("meetings", sa.JSON, nullable=False),  # the ids of its meetings
    sa.Column("observations", sa.Integer, nullable=False),
    sa.Column("imported_at", UTCDateTime, nullable=False),
)

# migration 11: date polls. A poll meeting offers 3 to 5 times (`poll_options`) until one is
# picked (`polls.picked`); each invitee holds one current vote per option (`poll_votes`, a
# later vote replacing the earlier: the audit log keeps each).
polls = sa.Table(
    "polls",
    metadata,
    sa.Column(
        "meeting_id", sa.String, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("deadline", UTCDateTime, nullable=False),  # voting closes then
    sa.Column("picked", sa.Integer),  # the option picked; None while voting
    sa.Column("picked_by", sa.String),
    sa.Column("picked_at", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

poll_options = sa.Table(
    "poll_options",
    metadata,
    sa.Column(
        "meeting_id",
        sa.String,
        sa.ForeignKey("polls.meeting_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("option", sa.Integer, primary_key=True),  # 1, 2, ... by start
    sa.Column("start", UTCDateTime, nullable=False),
    sa.Column("end", UTCDateTime, nullable=False),
)

poll_votes = sa.Table(
    "poll_votes",
    metadata,
    sa.Column("meeting_id", sa.String, primary_key=True),
    sa.Column("option", sa.Integer, primary_key=True),
    sa.Column("attendee", sa.String, primary_key=True),  # lower-case email
    sa.Column("vote", sa.String, nullable=False),  # yes, if_need_be, no
    sa.Column("via", sa.String, nullable=False),  # page, desk, cli...
    sa.Column("at", UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(
        ["meeting_id", "option"],
        ["poll_options.meeting_id", "poll_options.option"],
        ondelete="CASCADE",
    ),
)

# migration 13: the check of the record. Once a meeting's notes are in, its organisation is
# sent what was recorded (`record_checks.observations`: each observation's key and a digest of
# its text as sent, never a copy) to confirm or correct until `deadline`; each invitee's answer
# is one row for the whole (verdict confirmed or corrections, with a comment) and one per
# observation corrected, which waits for the coordinator (state pending, then accepted or
# declined). A later answer of the same invitee replaces the rows not decided yet; the audit
# log keeps each.
record_checks = sa.Table(
    "record_checks",
    metadata,
    sa.Column(
        "meeting_id", sa.String, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("deadline", UTCDateTime, nullable=False),  # answers are taken until then
    sa.Column("observations", sa.JSON, nullable=False),  # {key: digest of its text} as sent
    sa.Column("opened_by", sa.String, nullable=False),
    sa.Column("opened_at", UTCDateTime, nullable=False),
)

record_answers = sa.Table(
    "record_answers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "meeting_id",
        sa.String,
        sa.ForeignKey("record_checks.meeting_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("attendee", sa.String, nullable=False, index=True),  # lower-case email
    sa.Column("observation_key", sa.String),  # None: the answer as a whole
    sa.Column("verdict", sa.String, nullable=False),  # confirmed, corrections; correction
    sa.Column("text", sa.Text),  # the correction proposed; for the whole, the comment
    sa.Column("digest", sa.String),  # of the text the correction is of (`text_digest`)
    sa.Column("language", sa.String, nullable=False),  # the language the answer was given in
    sa.Column("state", sa.String, nullable=False),  # answered; pending, accepted, declined
    sa.Column("answered_at", UTCDateTime, nullable=False),
    sa.Column("decided_by", sa.String),
    sa.Column("decided_at", UTCDateTime),
)

packs = sa.Table(
    "packs",
    metadata,
    sa.Column("training", sa.String, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("digest", sa.String, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String, nullable=False),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("subject", sa.String, nullable=False, index=True),
    sa.Column("detail", sa.JSON, nullable=False),
)

# Who each sender of the ledger acted for: `messages.claimed_by` names a process, this the
# person (or flow run), so that the audit's joined view (`history`) names who sent a message.
claimants = sa.Table(
    "claimants",
    metadata,
    sa.Column("claimed_by", sa.String, primary_key=True),
    sa.Column("actor", sa.String, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)

# migration 11: each contact's consent, as recorded (given, refused, withdrawn): the latest
# row of an email is its consent now (`consult.store.consents`).
consents = sa.Table(
    "consents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String, nullable=False, index=True),
    sa.Column("status", sa.String, nullable=False),  # given, refused, withdrawn
    sa.Column("at", UTCDateTime, nullable=False),  # when the person gave, refused or withdrew it
    sa.Column("how", sa.String, nullable=False),  # page, email, coordinator
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("recorded_by", sa.String, nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
)

# migration 11: while a row is here, the audit log's rows may be updated (never deleted): the
# one controlled rewrite of the log, pseudonymising a person's fields, inserts its row, updates
# and deletes the row in the same transaction, so no other transaction ever sees one
# (`consult.store.personal.rewriting_audit`).
audit_rewrites = sa.Table(
    "audit_rewrites",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reason", sa.String, nullable=False),
)

# Mail read from the inbox that is no calendar answer: a bounce, an automatic reply, or a
# message that could not be read at all. Keyed by where it was read (the file, or the IMAP
# URL), so that each is recorded once and an unreadable one is not fetched again.
inbound = sa.Table(
    "inbound",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String, nullable=False, unique=True),
    sa.Column("kind", sa.String, nullable=False),  # bounce, delayed, auto_reply, unreadable
    sa.Column("message", sa.Integer, index=True),  # the ledger's row it is about, if known
    sa.Column("address", sa.String, index=True),
    sa.Column("status", sa.String),  # a bounce's status code, e.g. 5.1.1
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
)


def _after_creating_audit(dialect: str, statement: str) -> None:
    ddl = sa.DDL(statement)  # type: ignore[no-untyped-call]
    sa.event.listen(audit, "after_create", ddl.execute_if(dialect=dialect))


SQLITE_APPEND_ONLY = {
    "update": "CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit "
    "WHEN NOT EXISTS (SELECT 1 FROM audit_rewrites) "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    "delete": "CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
}
"""SQLite's triggers: no entry is deleted; one is updated only while `audit_rewrites` has a row."""
# An integrity error on both databases, as SQLite's RAISE(ABORT) is: PL/pgSQL's
# default SQLSTATE (P0001) would reach the caller as a ProgrammingError.
POSTGRESQL_APPEND_ONLY = (
    "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN IF TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM audit_rewrites) THEN "
    "RETURN NULL; END IF; "
    f"RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'restrict_violation'; END $$"
)
"""PostgreSQL's trigger function: as SQLite's triggers."""

for _statement in SQLITE_APPEND_ONLY.values():
    _after_creating_audit("sqlite", _statement)
_after_creating_audit("postgresql", POSTGRESQL_APPEND_ONLY)
_after_creating_audit(
    "postgresql",
    "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
)
