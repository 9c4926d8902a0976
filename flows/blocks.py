"""Where flows find credentials a coordinator keeps in the Prefect UI (blocks), never in code."""

from typing import Literal

from prefect.blocks.core import Block
from prefect_email import EmailServerCredentials
from pydantic import Field, SecretStr

from consult.settings import Settings

_SECURITY = {"SSL": "ssl", "STARTTLS": "starttls", "INSECURE": "none"}


def with_smtp_block(settings: Settings, block: str | None) -> Settings:
    """Return the settings sending through the SMTP server of an EmailServerCredentials block.

    Only prefect-email's credentials block is used: its own send task builds
    multipart/mixed with octet-stream attachments, which calendars do not take
    as an invitation.
    """
    if not block:
        return settings
    credentials = EmailServerCredentials.load(block)
    smtp_type = credentials.smtp_type
    port = credentials.smtp_port or smtp_type.value
    password = credentials.password.get_secret_value() if credentials.password else ""
    return settings.model_copy(
        update={
            "transport": "smtp",
            "smtp_host": str(getattr(credentials.smtp_server, "value", credentials.smtp_server)),
            "smtp_port": port,
            "smtp_security": _SECURITY[smtp_type.name],
            "smtp_username": credentials.username or None,
            "smtp_password": SecretStr(password) if password else None,
        }
    )


class ImapMailbox(Block):
    """The IMAP mailbox where attendees' calendar replies arrive (read-only: nothing is moved)."""

    _block_type_name = "consult IMAP mailbox"
    _description = "The mailbox whose calendar replies record-replies reads, read-only."

    host: str = Field(description="The IMAP server, e.g. imap.example.org.")
    port: int = Field(default=993, description="993 for SSL, 143 for STARTTLS or none.")
    security: Literal["ssl", "starttls", "none"] = "ssl"
    username: str
    password: SecretStr
    folder: str = Field(default="INBOX", description="The folder the replies arrive in.")


def with_imap_block(settings: Settings, block: str | None) -> Settings:
    """Return the settings reading replies from the IMAP mailbox of an `ImapMailbox` block."""
    if not block:
        return settings
    mailbox = ImapMailbox.load(block)
    assert isinstance(mailbox, ImapMailbox)  # load() of a sync block in a sync flow
    return settings.model_copy(
        update={
            "imap_host": mailbox.host,
            "imap_port": mailbox.port,
            "imap_security": mailbox.security,
            "imap_username": mailbox.username,
            "imap_password": mailbox.password,
            "imap_folder": mailbox.folder,
        }
    )
