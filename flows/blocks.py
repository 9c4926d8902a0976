"""Where flows find credentials a coordinator keeps in the Prefect UI (blocks), never in code."""

from prefect_email import EmailServerCredentials
from pydantic import SecretStr

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
