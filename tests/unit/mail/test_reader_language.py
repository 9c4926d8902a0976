"""Invitations say everything in the reader's language: the purpose, the title, the greeting.

The demo's round is planned and sent to a file outbox: what a Georgian or Russian
contact, and the Georgian national expert who facilitates, would find in their inbox.
"""

from __future__ import annotations

import email
import email.policy
import re
import shutil

import pytest

from consult.demo import DEMO_WORKSPACE
from consult.mail.invitations import send_round
from consult.mail.mailing import round_mailing
from consult.mail.sender import choose_sender
from consult.mail.transports.outbox import FileOutbox
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.conftest import PLANNED_AT

SLUG = "intercultural-communication-2027"
GEORGIAN_CONTACT = "l.gelashvili@example.gov.ge"
RUSSIAN_CONTACT = "a.melnikov@example.gov.ge"
NATIONAL_EXPERT = "tamar.japaridze@example.org"
ENGLISH_WORD = re.compile(r"\b[A-Za-z]{4,}\b")


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The plain text of every invitation of the demo's first round, by recipient."""
    root = tmp_path_factory.mktemp("lang") / "demo"
    shutil.copytree(DEMO_WORKSPACE, root, ignore=shutil.ignore_patterns(".consult", "out"))
    workspace = load_workspace(root)
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        save_plan(store, plan_round(workspace, SLUG, "round-1", {}, [], now=PLANNED_AT), "test")
        store.decide_round(SLUG, "round-1", approve=True, actor="test")
        send_round(
            round_mailing(workspace, SLUG, "round-1", choose_sender(settings), PLANNED_AT),
            store,
            FileOutbox(settings.outbox),
        )
    texts: dict[str, list[str]] = {}
    for file in sorted(settings.outbox.glob("*.eml")):
        message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        body = message.get_body(("plain",))
        assert body is not None
        recipient = message["To"].addresses[0].addr_spec
        texts.setdefault(recipient, []).append(body.get_content())
    return texts


def terms_of_reference_sentences() -> list[str]:
    training = load_workspace(DEMO_WORKSPACE).training(SLUG)
    assert training.terms_of_reference is not None
    return [s for s in " ".join(training.terms_of_reference.en.split()).split(". ") if s]


def line_after(text: str, label: str) -> str:
    [line] = [line for line in text.splitlines() if line.startswith(label)]
    return line.removeprefix(label)


def test_a_georgian_invitation_holds_no_english_paragraph_of_the_terms_of_reference(
    inbox: dict[str, list[str]],
) -> None:
    [text] = inbox[GEORGIAN_CONTACT]
    purpose = line_after(text, "შეხვედრის მიზანი: ")
    assert not ENGLISH_WORD.findall(purpose), purpose
    assert re.search(r"[\u10d0-\u10ff]{4,}", purpose)
    for sentence in terms_of_reference_sentences():
        assert sentence not in " ".join(text.split())


def test_a_russian_invitation_states_its_purpose_in_russian(
    inbox: dict[str, list[str]],
) -> None:
    [text] = inbox[RUSSIAN_CONTACT]
    purpose = line_after(text, "Цель встречи: ")
    assert not ENGLISH_WORD.findall(purpose), purpose
    assert re.search(r"[\u0400-\u04ff]{4,}", purpose)


def test_the_georgian_national_expert_gets_georgian_invitations(
    inbox: dict[str, list[str]],
) -> None:
    texts = inbox[NATIONAL_EXPERT]
    assert texts
    for text in texts:
        assert text.startswith("პატივცემულო თამარ ჯაფარიძე,")
        assert "Dear" not in text


def test_the_international_expert_still_reads_english(inbox: dict[str, list[str]]) -> None:
    for text in inbox["andreea.vasilescu@example.org"]:
        assert text.startswith("Dear Andreea Vasilescu,")
        assert "Purpose of the meeting: " in text
