"""The pack by email: each expert (and the coordinator) gets the PDF of their language.

Messages go through the delivery ledger, keyed by (`<training>/briefing`,
recipient, version, "briefing"): each version is sent once, whatever re-runs happen.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

from babel.dates import format_date

from consult.briefing.labels import LOCALES, labels_file, load_labels, theme_label
from consult.briefing.render import environment, render_template
from consult.briefing.versions import CompiledPack
from consult.mail.delivery import Delivered, Outgoing, deliver
from consult.mail.mime import as_email, prepare_message
from consult.mail.sender import Sender
from consult.mail.transports import Transport
from consult.store import LEASE, Store
from consult.workspace.loading import Workspace
from schemas.training import Training
from schemas.types import Language


def pack_messages(
    workspace: Workspace,
    compiled: CompiledPack,
    sender: Sender,
    now: dt.datetime,
    *,
    overrides: Path | None = None,
) -> list[Outgoing]:
    """Return one message per expert (and the coordinator) with the PDF in their language."""
    training = workspace.training(compiled.training)
    overrides = overrides if overrides is not None else workspace.root / "templates"
    recipients = [
        (expert.name_for(expert.language), expert.email, expert.language)
        for expert in training.experts
    ]
    coordinator = training.briefing.coordinator_email
    if coordinator and all(coordinator.lower() != r[1].lower() for r in recipients):
        recipients.append(coordinator_reader(workspace, training, coordinator))
    return [
        Outgoing(
            meeting_id=f"{compiled.training}/briefing",
            recipient=email,
            sequence=compiled.version,
            kind="briefing",
            build=functools.partial(
                _build_message, workspace, compiled, sender, (name, email), language, now, overrides
            ),
        )
        for name, email, language in recipients
    ]


def coordinator_reader(
    workspace: Workspace, training: Training, address: str
) -> tuple[str, str, Language]:
    """Return the coordinator as a reader: their name ("" when unknown), address and language.

    The address is looked up among the training's facilitators, then the registry's
    contacts; someone found there is greeted by name in their language. Anyone else
    gets a neutral greeting in English: the sender's name is never theirs.
    """
    people = [
        (f.name_for(f.language), f.email, f.language) for f in training.consultation.facilitators
    ]
    people += [
        (contact.name_for(contact.language), contact.email, contact.language)
        for organisation in workspace.stakeholders.organisations
        for contact in organisation.contacts
    ]
    for name, email, language in people:
        if email.lower() == address.lower():
            return name, address, language
    return "", address, "en"


def send_pack(
    store: Store,
    transport: Transport,
    sender: Sender,
    workspace: Workspace,
    compiled: CompiledPack,
    *,
    now: dt.datetime,
    lease: dt.timedelta = LEASE,
) -> list[Delivered]:
    """Return the delivery of the pack's version to each expert: sent once per version."""
    return deliver(
        store,
        transport,
        pack_messages(workspace, compiled, sender, now),
        domain=sender.domain,
        lease=lease,
    )


def _in_language(sender: Sender, language: str) -> Sender:
    """Return the sender whose name and organisation are those of `language`."""
    read: Language = "ka" if language == "ka" else "ru" if language == "ru" else "en"
    return replace(sender, name=sender.name_for(read), organisation=sender.organisation_for(read))


def _build_message(
    workspace: Workspace,
    compiled: CompiledPack,
    sender: Sender,
    recipient: tuple[str, str],
    language: str,
    now: dt.datetime,
    overrides: Path | None,
    message_id: str,
) -> EmailMessage:
    """Return the email to `recipient` in `language` (English without labels), the PDF attached."""
    training = workspace.training(compiled.training)
    if labels_file(language, overrides) is None:
        language = "en"
    sender = _in_language(sender, language)
    labels = load_labels(language, overrides)
    env = environment(overrides.resolve() if overrides is not None else None)
    title = training.title.get(language)  # type: ignore[arg-type]
    locale = LOCALES[language]
    previous = compiled.version - 1 if compiled.version > 1 else None
    key = "email.subject_update" if previous else "email.subject"
    variables = {
        "t": labels,
        "name": recipient[0],
        "greeting": (
            labels("email.greeting", name=recipient[0])
            if recipient[0]
            else labels("email.greeting_neutral")
        ),
        "title": title,
        "start": format_date(training.start, "long", locale=locale),
        "end": format_date(training.end, "long", locale=locale),
        "version": compiled.version,
        "previous": previous,
        "top": [
            (gap.rank, theme_label(training, gap.theme, language), gap.priority)
            for gap in compiled.analysis.gaps[:3]
        ],
        "sender": sender,
    }
    subject = labels(key, title=title, version=compiled.version)
    message = as_email(
        prepare_message(
            sender=(sender.name, sender.email),
            reply_to=sender.reply_to,
            recipient=recipient,
            subject=" ".join(subject.split()),
            text=render_template(env, "email.txt.j2", variables),
            html=render_template(env, "email.html.j2", variables),
            calendar=None,
            method=None,
            date=now,
            message_id=message_id,
            domain=sender.domain,
        )
    )
    pdf = compiled.pdf(language)
    message.add_attachment(
        pdf.read_bytes(), maintype="application", subtype="pdf", filename=pdf.name
    )
    return message
