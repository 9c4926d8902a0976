"""The personal page's link in the messages: in every invitation, update and reminder, in the
recipient's language, only when a public base URL is set (CONSULT_PUBLIC_URL)."""

from __future__ import annotations

import pytest

from consult.mail.render import render_message
from tests.unit.mail.test_render import context_in

URL = "https://consult.example.org/i/a-signed-token"
WORDS = {"en": "your own page", "ka": "პირად გვერდზეც", "ru": "личной странице"}


@pytest.mark.parametrize("language", ["en", "ka", "ru"])
@pytest.mark.parametrize("kind", ["invitation", "update", "reminder", "nudge"])
def test_the_link_is_in_the_text_and_the_html_in_the_recipients_language(
    kind: str, language: str
) -> None:
    rendered = render_message(kind, language, context_in(language, page_url=URL))  # type: ignore[arg-type]

    assert URL in rendered.text
    assert f'href="{URL}"' in rendered.html
    assert WORDS[language] in rendered.text


@pytest.mark.parametrize("language", ["en", "ka", "ru"])
def test_without_a_public_url_the_messages_carry_no_link(language: str) -> None:
    rendered = render_message("invitation", language, context_in(language))  # type: ignore[arg-type]

    assert "/i/" not in rendered.text
    assert WORDS[language] not in rendered.text
