"""Settings: where the workspace is, where the state lives, how mail leaves.

Read from the environment (`CONSULT_WORKSPACE`, `CONSULT_DATABASE_URL`, ...);
tests construct `Settings(...)` directly.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from schemas.types import Email, OneLine

STATE_DIR = ".consult"
OUT_DIR = "out"
LEAD_WORKING_DAYS = 2
"""The default lead time, in working days: a full working day between invitation and meeting."""
DESK_URL = "http://127.0.0.1:4280"
"""Where the coordinator's desk answers by default (`consult ui` starts it there)."""
DESK_HOSTS = ("127.0.0.1", "localhost")
"""The host names the desk answers to by default: its own machine only."""
ANONYMITY_K = 3
"""The default k of the pack's anonymity rule (consult.briefing.anonymity.ANONYMITY_K)."""


class Settings(BaseSettings):
    """What consult needs to know about its surroundings."""

    model_config = SettingsConfigDict(env_prefix="CONSULT_", frozen=True)

    workspace: Path = Field(default=Path("workspace"), description="The workspace folder.")
    database_url: str | None = Field(
        default=None,
        description="Any SQLAlchemy URL; by default a SQLite file inside the workspace.",
    )
    transport: Literal["file", "smtp"] = Field(
        default="file", description="file: .eml files in the workspace's out/ folder; smtp: send."
    )
    sender_name: OneLine | None = Field(
        default=None, description="The sender's name when the workspace names no sender."
    )
    sender_email: Email | None = Field(
        default=None,
        description="The From address when the workspace names no sender; empty: the SMTP "
        "login if it is an address, else consultations@example.org (file outbox only).",
    )
    sender_reply_to: Email | None = None
    sender_organisation: OneLine = "IOM Georgia"
    mail_domain: str = Field(
        default="consult.local", description="The right-hand side of every Message-ID."
    )
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_security: Literal["none", "starttls", "ssl"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_per_minute: int | None = Field(default=None, ge=1)
    imap_host: str | None = Field(
        default=None,
        description="An IMAP server whose mailbox receives the calendar replies; "
        "empty: only the inbox/ folder is read.",
    )
    imap_port: int = 993
    imap_security: Literal["ssl", "starttls", "none"] = "ssl"
    imap_username: str | None = None
    imap_password: SecretStr | None = None
    imap_folder: str = "INBOX"
    desk_url: str = Field(
        default=DESK_URL,
        description="The coordinator's desk, which flows' artifacts link to; `consult ui` "
        "sets it to where it started the desk.",
    )
    desk_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        default=DESK_HOSTS,
        description="The host names the desk answers to, comma-separated (a team's server "
        "name, `*.example.org` for its subdomains); any other Host header gets 400, so no "
        "other site can reach the desk through a name of its own (DNS rebinding).",
    )
    public_url: str | None = Field(
        default=None,
        description="The address stakeholders reach the public pages at (e.g. "
        "https://consult.example.org); set, every invitation, update and reminder carries "
        "the link of the recipient's personal page. Empty: no links, messages as before.",
    )
    public_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        default=DESK_HOSTS,
        description="The host names the public pages answer to, comma-separated (the public "
        "URL's host is added); any other Host header gets 400.",
    )
    page_secret: SecretStr | None = Field(
        default=None,
        description="The secret that signs the personal pages' links; empty: a random one "
        "kept in the workspace's .consult/page-secret (0600). Changing it voids every link.",
    )
    lead_working_days: int = Field(
        default=LEAD_WORKING_DAYS,
        ge=0,
        le=30,
        description="Planning proposes no start before the start of each invitee's working day "
        "this many of their working days after now (0: any time after now).",
    )
    anonymity_k: int = Field(
        default=ANONYMITY_K,
        ge=1,
        description="The briefing pack attributes an internal observation only to a kind or "
        "group of which at least this many organisations were consulted, else to "
        "'a stakeholder'.",
    )
    claim_lease_seconds: int = Field(
        default=900,
        ge=1,
        description="How long a claimed, unsent message waits before another run may send it: "
        "longer than any one send takes.",
    )

    @field_validator("desk_hosts", "public_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(host.strip() for host in value.split(",") if host.strip())
        return value

    @classmethod
    def for_workspace(cls, workspace: str | Path | None) -> Settings:
        """Return the settings with this workspace folder, or $CONSULT_WORKSPACE when empty."""
        return cls(workspace=Path(workspace)) if workspace else cls()

    @property
    def store_url(self) -> str:
        """Return the database URL, defaulting to `<workspace>/.consult/state.db`."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.workspace / STATE_DIR / 'state.db').resolve()}"

    @property
    def claim_lease(self) -> timedelta:
        """Return how long a claimed, unsent message waits before another run may send it."""
        return timedelta(seconds=self.claim_lease_seconds)

    @property
    def feed_cache(self) -> Path:
        """Return the folder where busy-time feeds are cached between fetches."""
        return self.workspace / STATE_DIR / "feeds"

    @property
    def notes(self) -> Path:
        """Return the folder of the notes files (Markdown, YAML, CSV)."""
        return self.workspace / "notes"

    @property
    def inbox(self) -> Path:
        """Return the folder where calendar replies (.eml, .ics) are dropped to be recorded."""
        return self.workspace / "inbox"

    @property
    def outbox(self) -> Path:
        """Return the folder of the file transport: one .eml per message."""
        return self.out_dir / "outbox"

    @property
    def preview(self) -> Path:
        """Return the folder where `consult send --dry-run` writes the would-be messages."""
        return self.out_dir / "preview"

    @property
    def out_dir(self) -> Path:
        """Return the folder where outputs (outbox, briefing packs) are written."""
        return self.workspace / OUT_DIR
