"""Who messages come from: the training's, the workspace's, the settings'; SMTP refuses examples."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from consult.errors import SenderError
from consult.mail.sender import choose_sender, reserved_domain
from consult.settings import Settings
from consult.workspace.loading import load_workspace
from tests.conftest import TINY_STAKEHOLDERS, TINY_TRAINING

WORKSPACE_SENDER = """\
sender:
  name: IOM Georgia consultations
  email: consultations@iom-georgia.net
  reply_to: coordinator@iom-georgia.net
organisations:
"""

TRAINING_SENDER = """\
sender:
  name: Winter school team
  email: winter@iom-georgia.net
"""


def with_sender(stakeholders: str = TINY_STAKEHOLDERS) -> str:
    return stakeholders.replace("organisations:\n", WORKSPACE_SENDER, 1)


def test_the_workspace_sender_is_the_from_with_its_reply_to(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace(with_sender())
    chosen = choose_sender(Settings(workspace=root), load_workspace(root), "winter-2027")
    assert (chosen.name, chosen.email) == (
        "IOM Georgia consultations",
        "consultations@iom-georgia.net",
    )
    assert chosen.reply_to == "coordinator@iom-georgia.net"
    assert chosen.source == "stakeholders.yaml"


def test_a_trainings_own_sender_wins_over_the_workspaces(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace(with_sender(), {"winter-2027": TINY_TRAINING + TRAINING_SENDER})
    chosen = choose_sender(Settings(workspace=root), load_workspace(root), "winter-2027")
    assert (chosen.name, chosen.email, chosen.reply_to) == (
        "Winter school team",
        "winter@iom-georgia.net",
        None,
    )
    assert chosen.source == "trainings/winter-2027.yaml"


def test_without_a_workspace_sender_the_settings_or_the_smtp_login_give_it(
    write_workspace: Callable[..., Path],
) -> None:
    workspace = load_workspace(write_workspace())
    explicit = Settings(workspace=workspace.root, sender_email="team@iom-georgia.net")
    assert choose_sender(explicit, workspace, "winter-2027").email == "team@iom-georgia.net"
    login = Settings(
        workspace=workspace.root, transport="smtp", smtp_username="smtp-login@iom-georgia.net"
    )
    assert choose_sender(login, workspace, "winter-2027").email == "smtp-login@iom-georgia.net"
    assert choose_sender(Settings(workspace=workspace.root), workspace).email == (
        "consultations@example.org"
    )


def test_smtp_from_the_default_example_address_is_refused_naming_where_to_set_it(
    write_workspace: Callable[..., Path],
) -> None:
    workspace = load_workspace(write_workspace())
    with pytest.raises(SenderError) as raised:
        choose_sender(
            Settings(workspace=workspace.root, transport="smtp"), workspace, "winter-2027"
        )
    assert str(raised.value).startswith(
        "the default sender (no `sender:` in stakeholders.yaml): got 'consultations@example.org', "
        "expected an address that receives the replies: example.org is reserved for examples "
        "and tests, so nothing is sent by SMTP from it (set `sender:` with name and email in "
        "stakeholders.yaml or the training's file"
    )


def test_smtp_from_an_example_address_in_the_workspace_names_its_file_and_line(
    write_workspace: Callable[..., Path],
) -> None:
    stakeholders = with_sender().replace(
        "consultations@iom-georgia.net", "consultations@mail.example.com"
    )
    root = write_workspace(stakeholders)
    with pytest.raises(SenderError) as raised:
        choose_sender(
            Settings(workspace=root, transport="smtp"), load_workspace(root), "winter-2027"
        )
    assert str(raised.value).startswith(
        "stakeholders.yaml, line 3, sender.email: got 'consultations@mail.example.com', "
        "expected an address that receives the replies: example.com is reserved"
    )


def test_the_file_outbox_may_send_from_an_example_address(
    write_workspace: Callable[..., Path],
) -> None:
    workspace = load_workspace(write_workspace())
    chosen = choose_sender(Settings(workspace=workspace.root), workspace, "winter-2027")
    assert chosen.email == "consultations@example.org"


@pytest.mark.parametrize(
    ("address", "domain"),
    [
        ("a@example.org", "example.org"),
        ("a@EXAMPLE.COM", "example.com"),
        ("a@iom.example.org", "example.org"),
        ("a@consult.test", "test"),
        ("a@host.invalid.", "invalid"),
        ("a@iom.int", None),
        ("a@notexample.org", None),
        ("a@example.org.ge", None),
    ],
)
def test_reserved_domains_are_examples_and_tests_and_their_subdomains(
    address: str, domain: str | None
) -> None:
    assert reserved_domain(address) == domain
