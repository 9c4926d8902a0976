# ruff: noqa: RUF001 (Russian words are written in Cyrillic letters that look Latin)
"""Mail reads in the reader's language to the end: the place, who sends it, the names.

The tiny training's one meeting is planned, approved and sent to a file outbox,
to a Georgian and a Russian contact and an English facilitator: the place, the
sender's name and organisation (the From and the signature) and the
facilitator's name come in each reader's language or script.
"""

from __future__ import annotations

import email
import email.policy

import pytest

from consult.mail.invitations import send_round
from consult.mail.mailing import round_mailing
from consult.mail.sender import choose_sender
from consult.mail.transports.outbox import FileOutbox
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.conftest import PLANNED_AT, TINY_STAKEHOLDERS, TINY_TRAINING

LINK = "          location: https://meet.example.org/winter-2027/mia\n"
"""The tiny meeting's link: a test that makes it an in-person meeting drops it."""

SENDER = """\
sender:
  name:
    en: IOM Georgia consultations
    ka: IOM საქართველოს კონსულტაციები
    ru: Консультации МОМ в Грузии
  email: consultations@iom.example.org
  organisation:
    en: IOM Georgia
    ka: IOM საქართველო
    ru: МОМ Грузия
"""

RUSSIAN_CONTACT = """\
      - name: Алексей Мельников
        email: alexei@mia.example.gov.ge
        role: Senior investigator
        language: ru
        timezone: Asia/Tbilisi
"""

STAKEHOLDERS = SENDER + TINY_STAKEHOLDERS.replace(
    "        timezone: Asia/Tbilisi\n  - id: coordinators",
    "        timezone: Asia/Tbilisi\n" + RUSSIAN_CONTACT + "  - id: coordinators",
)

PLACE = """\
          format: in_person
          location:
            en: Ministry of Internal Affairs, Tbilisi - meeting room 3
            ka: შინაგან საქმეთა სამინისტრო, თბილისი - სათათბირო ოთახი 3
            ru: Министерство внутренних дел, Тбилиси - переговорная 3
"""

TRAINING = (
    TINY_TRAINING.replace(LINK, "")
    .replace("          format: online\n", PLACE)
    .replace(
        "      name: Lela Tsereteli\n",
        "      name: ლელა წერეთელი\n"
        "      name_latin: Lela Tsereteli\n"
        "      name_cyrillic: Лела Церетели\n",
    )
)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> dict[str, email.message.EmailMessage]:
    """The invitation of each recipient of the tiny round, sent with localised texts."""
    root = tmp_path_factory.mktemp("localised") / "workspace"
    (root / "trainings").mkdir(parents=True)
    (root / "stakeholders.yaml").write_text(STAKEHOLDERS, encoding="utf-8")
    (root / "trainings" / "winter-2027.yaml").write_text(TRAINING, encoding="utf-8")
    workspace = load_workspace(root)
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        plan = plan_round(workspace, "winter-2027", "round-1", {}, [], now=PLANNED_AT)
        save_plan(store, plan, "test")
        store.decide_round("winter-2027", "round-1", approve=True, actor="test")
        mailing = round_mailing(
            workspace, "winter-2027", "round-1", choose_sender(settings, workspace), PLANNED_AT
        )
        send_round(mailing, store, FileOutbox(settings.outbox))
    messages = {}
    for file in settings.outbox.glob("*.eml"):
        message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        messages[message["To"].addresses[0].addr_spec] = message
    return messages


def text_of(message: email.message.EmailMessage, kind: str = "plain") -> str:
    body = message.get_body((kind,))
    assert body is not None
    return " ".join(str(body.get_content()).split())


def test_the_place_reaches_each_reader_in_their_language(
    inbox: dict[str, email.message.EmailMessage],
) -> None:
    georgian, russian = inbox["nino@mia.example.gov.ge"], inbox["alexei@mia.example.gov.ge"]
    assert "ადგილი: შინაგან საქმეთა სამინისტრო, თბილისი - სათათბირო ოთახი 3" in text_of(georgian)
    assert "Место: Министерство внутренних дел, Тбилиси - переговорная 3" in text_of(russian)
    assert "Министерство внутренних дел, Тбилиси - переговорная 3" in text_of(russian, "html")
    assert "Ministry of Internal Affairs, Tbilisi" not in text_of(russian)
    english = inbox["lela@example.org"]
    assert "Place: Ministry of Internal Affairs, Tbilisi - meeting room 3" in text_of(english)


def test_the_sender_signs_and_sends_in_the_readers_language(
    inbox: dict[str, email.message.EmailMessage],
) -> None:
    russian = inbox["alexei@mia.example.gov.ge"]
    assert russian["From"].addresses[0].display_name == "Консультации МОМ в Грузии"
    assert "С уважением, Консультации МОМ в Грузии МОМ Грузия" in text_of(russian)
    assert "IOM Georgia" not in text_of(russian)
    georgian = inbox["nino@mia.example.gov.ge"]
    assert georgian["From"].addresses[0].display_name == "IOM საქართველოს კონსულტაციები"
    assert "IOM საქართველოს კონსულტაციები IOM საქართველო" in text_of(georgian)
    english = inbox["lela@example.org"]
    assert english["From"].addresses[0].display_name == "IOM Georgia consultations"


def test_a_facilitator_is_named_in_a_script_each_reader_reads(
    inbox: dict[str, email.message.EmailMessage],
) -> None:
    assert "Модерация: Лела Церетели" in text_of(inbox["alexei@mia.example.gov.ge"])
    assert "ლელა წერეთელი" in text_of(inbox["nino@mia.example.gov.ge"])
    english = inbox["lela@example.org"]
    assert "Facilitated by: Lela Tsereteli" in text_of(english)
    assert "ლელა" not in text_of(english)
    assert english["To"].addresses[0].display_name == "Lela Tsereteli"
