"""Who messages come from: the training's sender, the workspace's, or the settings'.

The sender is the From of every email and the ORGANIZER of every invite, so the
calendar replies (RSVPs) go to its address. It belongs to the workspace
(`sender:` in stakeholders.yaml), a training may name its own (`sender:` in its
file), and without either it comes from the settings: `CONSULT_SENDER_EMAIL`,
else the SMTP login when that is an address (an EmailServerCredentials block's
username is one), else `consultations@example.org`, which only the file outbox
may use. Mail sent by SMTP from a domain reserved for examples and tests
(example.org, example.com, example.net, .example, .invalid, .test, .localhost,
or a subdomain of one) is refused before anything is sent (`check_smtp_sender`):
every answer to it would be lost.

A file's sender may give its name and organisation per language (`name: {en: ...,
ka: ..., ru: ...}`): `Sender.name` and `.organisation` are their English, and
`name_for` and `organisation_for` what a reader of a language gets (the From's
display name, the invite's ORGANIZER, the signature). The settings' is English only.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from consult.errors import Problem, SenderError
from consult.settings import Settings
from consult.workspace.loading import STAKEHOLDERS, TRAININGS, Workspace
from consult.workspace.yamlfile import read_yaml
from schemas.stakeholders import MailSender
from schemas.types import Language, Localized

DEFAULT_NAME = "IOM Georgia consultations"
DEFAULT_EMAIL = "consultations@example.org"
"""The From of a workspace that names no sender: good for the file outbox, refused by SMTP."""
RESERVED_DOMAINS = (
    "example.org",
    "example.com",
    "example.net",
    "example",
    "invalid",
    "test",
    "localhost",
)
"""Domains for examples and tests (RFC 2606, RFC 6761): no one reads mail sent to them."""


@dataclass(frozen=True)
class Sender:
    """Who messages come from: the From of every email, the ORGANIZER of every invite."""

    name: str
    email: str
    organisation: str
    domain: str = "consult.local"
    reply_to: str | None = None
    """Where written answers go, when not to `email`."""
    source: str = "the settings"
    """Where the sender was set, to name in an error: a file and field, or a setting."""
    names: Localized | None = None
    """`name` per language, when the file gives it so; `name` is its English."""
    organisations: Localized | None = None
    """`organisation` per language, when the file gives it so."""

    def name_for(self, language: Language) -> str:
        """Return the sender's name for a reader of `language` (English without one)."""
        return self.names.get(language) if self.names is not None else self.name

    def organisation_for(self, language: Language) -> str:
        """Return the sender's organisation for a reader of `language` (English without one)."""
        if self.organisations is not None:
            return self.organisations.get(language)
        return self.organisation


def settings_sender(settings: Settings) -> Sender:
    """Return the sender the settings give: CONSULT_SENDER_EMAIL, or the SMTP login if an email."""
    email, source = settings.sender_email, "CONSULT_SENDER_EMAIL"
    if email is None and settings.transport == "smtp" and settings.smtp_username:
        email, source = _address(settings.smtp_username), "the SMTP login (CONSULT_SMTP_USERNAME)"
    if email is None:
        email, source = DEFAULT_EMAIL, "the default sender (no `sender:` in stakeholders.yaml)"
    return Sender(
        settings.sender_name or DEFAULT_NAME,
        email,
        settings.sender_organisation,
        settings.mail_domain,
        settings.sender_reply_to,
        source,
    )


def sender_for(workspace: Workspace, slug: str | None, fallback: Sender) -> Sender:
    """Return who a training's messages come from: its own sender, the workspace's, or `fallback`.

    Without a training (`slug` None) the workspace's sender or `fallback`.
    """
    if slug is not None and (own := workspace.training(slug).sender) is not None:
        return _sender(own, fallback, f"{TRAININGS}/{slug}.yaml")
    if (shared := workspace.stakeholders.sender) is not None:
        return _sender(shared, fallback, STAKEHOLDERS)
    return fallback


def choose_sender(
    settings: Settings, workspace: Workspace | None = None, training: str | None = None
) -> Sender:
    """Return who messages (of a training) come from: its sender, the workspace's, the settings'.

    Raises SenderError when the settings send by SMTP and that sender's address is
    at a domain for examples and tests.
    """
    chosen = settings_sender(settings)
    if workspace is not None:
        chosen = sender_for(workspace, training, chosen)
    if settings.transport == "smtp":
        check_smtp_sender(chosen, workspace)
    return chosen


def check_smtp_sender(sender: Sender, workspace: Workspace | None = None) -> None:
    """Raise SenderError when `sender` is at a domain for examples and tests, which SMTP refuses."""
    for field, address in (("email", sender.email), ("reply_to", sender.reply_to)):
        domain = reserved_domain(address) if address else None
        if address is None or domain is None:
            continue
        expected = (
            f"an address that receives the replies: {domain} is reserved for examples and "
            "tests, so nothing is sent by SMTP from it (set `sender:` with name and email in "
            f"{STAKEHOLDERS} or the training's file; the file outbox may keep the example)"
        )
        if sender.source.endswith(".yaml"):
            line = _line(workspace, sender.source, ("sender", field))
            raise SenderError(
                str(Problem(sender.source, line, f"sender.{field}", address, expected))
            )
        raise SenderError(f"{sender.source}: got {address!r}, expected {expected}")


def reserved_domain(email: str) -> str | None:
    """Return the reserved domain `email` is at (example.org for x@mail.example.org), or None."""
    host = email.rpartition("@")[2].rstrip(".").lower()
    for domain in RESERVED_DOMAINS:
        if host == domain or host.endswith("." + domain):
            return domain
    return None


def _sender(block: MailSender, fallback: Sender, file: str) -> Sender:
    organisation = block.organisation
    return Sender(
        block.name.en,
        block.email,
        organisation.en if organisation is not None else fallback.organisation,
        fallback.domain,
        block.reply_to,
        file,
        block.name,
        organisation if organisation is not None else fallback.organisations,
    )


def _address(login: str) -> str | None:
    """Return the SMTP login if it is an email address, else None (a plain user name)."""
    try:
        return validate_email(login, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def _line(workspace: Workspace | None, file: str, loc: tuple[str, ...]) -> int | None:
    # the loaded workspace keeps values, not lines: read the file again, on this rare path only
    if workspace is None:
        return None
    return read_yaml(workspace.root / file, file)[1].of(loc)
