"""Flow `send-invitations` on a real Prefect server: one message per attendee, once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult
from prefect import get_client
from prefect_email import EmailServerCredentials

from consult.errors import SmtpServerError
from consult.mail.preview import CONFIRMED
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from flows.send_invitations import SendParameters, send_invitations
from tests.conftest import LIVE_PLANNED_AT, LIVE_TRAINING
from tests.mailserver import Mailbox, running, send_from


def test_the_flow_sends_each_invitation_once_and_publishes_the_delivery(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace(trainings={"winter-2027": LIVE_TRAINING})
    workspace = load_workspace(root)
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        planned = plan_round(workspace, "winter-2027", "round-1", {}, [], now=LIVE_PLANNED_AT)
        save_plan(store, planned, "test")
        store.decide_round("winter-2027", "round-1", approve=True, actor="test")
        store.audit("test", CONFIRMED, "winter-2027/round-1")  # the first send, confirmed

    parameters = SendParameters(training="winter-2027", workspace=str(root), batch_size=1)
    assert send_invitations(parameters) == "2 sent"
    assert send_invitations(parameters) == "2 already sent"
    assert len(list(settings.outbox.glob("*.eml"))) == 2

    with get_client(sync_client=True) as client:
        artifacts = {a.key: a for a in client.read_latest_artifacts()}
    assert "nino@mia.example.gov.ge" in str(artifacts["delivery"].data)
    assert artifacts["delivery-progress"].data == 100.0


def test_the_flow_sends_through_the_smtp_server_of_a_credentials_block(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace(trainings={"winter-2027": LIVE_TRAINING})
    workspace = load_workspace(root)
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        planned = plan_round(workspace, "winter-2027", "round-1", {}, [], now=LIVE_PLANNED_AT)
        save_plan(store, planned, "test")
        store.decide_round("winter-2027", "round-1", approve=True, actor="test")
        store.audit("test", CONFIRMED, "winter-2027/round-1")  # the first send, confirmed
    send_from(root)  # SMTP refuses the default example.org sender
    mailbox = Mailbox()
    with running(mailbox) as port:
        EmailServerCredentials(
            smtp_server="127.0.0.1",
            smtp_port=port,
            smtp_type="INSECURE",
            username="",
            password="",
        ).save("consult-test-smtp", overwrite=True)
        summary = send_invitations(
            SendParameters(
                training="winter-2027", workspace=str(root), smtp_block="consult-test-smtp"
            )
        )
    assert summary == "2 sent"
    assert sorted(r for d in mailbox.deliveries for r in d.recipients) == [
        "lela@example.org",
        "nino@mia.example.gov.ge",
    ]
    assert not settings.outbox.exists()


def test_the_flow_fails_with_one_message_naming_the_server_when_the_login_is_refused(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace(trainings={"winter-2027": LIVE_TRAINING})
    workspace = load_workspace(root)
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        planned = plan_round(workspace, "winter-2027", "round-1", {}, [], now=LIVE_PLANNED_AT)
        save_plan(store, planned, "test")
        store.decide_round("winter-2027", "round-1", approve=True, actor="test")
        store.audit("test", CONFIRMED, "winter-2027/round-1")  # the first send, confirmed
    logins: list[object] = []

    def refuse(server: object, session: object, envelope: object, mechanism: str, data: object):
        logins.append(data)
        return AuthResult(success=False, handled=False)

    with running(Mailbox(), refuse) as port:
        EmailServerCredentials(
            smtp_server="127.0.0.1",
            smtp_port=port,
            smtp_type="INSECURE",
            username="nino@consult-mail.net",
            password="wrong",
        ).save("consult-test-smtp-refused", overwrite=True)
        with pytest.raises(SmtpServerError, match=f"^127.0.0.1:{port} refused the login"):
            send_invitations(
                SendParameters(
                    training="winter-2027",
                    workspace=str(root),
                    smtp_block="consult-test-smtp-refused",
                )
            )
        with open_store(settings.store_url) as store:
            statuses = {m.status for m in store.messages()}

    assert len(logins) == 1
    assert statuses <= {"pending"}
