"""The consent text a stakeholder agrees to before sending written input, in ka, en and ru.

    consent_text("ka", sender="IOM Georgia", training="...")

The personal page shows it above its consent box (answers_web.wording uses these
texts) and `consult.application.written.record_written` keeps the text agreed to
in the audit log (`written.consent`), so one wording serves both: the page, and
whatever else sends written input through the same call (the demo).
"""

from __future__ import annotations

from typing import Final

CONSENT: Final[dict[str, str]] = {
    "en": "The consultation team of {sender} reads what you write. It is recorded as "
    "an observation of your organisation and, as the confidentiality you choose allows, "
    "goes into the briefing pack of the trainers of “{training}”. It is kept until the "
    "training's records are closed, and used for nothing else.",
    "ka": "{sender}-ის საკონსულტაციო გუნდი წაიკითხავს თქვენს მიერ დაწერილს. ის "
    "ჩაიწერება თქვენი ორგანიზაციის დაკვირვებად და, არჩეული კონფიდენციალურობის ფარგლებში, "
    "შევა „{training}“-ის ტრენერების საბრიფინგო პაკეტში. ის ინახება ტრენინგის ჩანაწერების "
    "დახურვამდე და სხვა მიზნით არ გამოიყენება.",
    "ru": "Ваш текст читает консультационная группа {sender}. Он записывается как "
    "наблюдение вашей организации и, в пределах выбранной вами конфиденциальности, входит "
    "в информационный пакет тренеров «{training}». Он хранится до закрытия записей "
    "тренинга и ни для чего другого не используется.",
}
"""The consent text by language, with `{sender}` and `{training}` to fill in."""


def consent_text(language: str, sender: str, training: str) -> str:
    """Return the consent text in `language` (English for any other), filled in."""
    return CONSENT.get(language, CONSENT["en"]).format(sender=sender, training=training)
