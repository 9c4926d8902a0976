"""Emails in Georgian, English and Russian: local time with the zone's name, escaping, overrides."""

# The expected texts hold en dashes and Russian words on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from consult.errors import ConsultError, TemplateError
from consult.mail.render import KINDS, MessageContext, Rendered, render_message

UTC = dt.UTC
LINK = "https://meet.example.org/hate-crime-consultation"

LOCAL = {
    "en": {
        "recipient_name": "Nino Beridze",
        "organisation_name": "Ministry of Internal Affairs",
        "training_title": "Intercultural Communication for Coordinators",
        "purpose": "To learn which situations the coordinators find hardest.",
        "sender_organisation": "IOM Georgia",
        "zone": "Georgia Standard Time",
        "script": re.compile(r"[A-Za-z]"),
    },
    "ka": {
        "recipient_name": "ნინო ბერიძე",
        "organisation_name": "შინაგან საქმეთა სამინისტრო",
        "training_title": "ინტერკულტურული კომუნიკაცია კოორდინატორებისთვის",
        "purpose": "გავიგოთ, რომელი სიტუაციებია კოორდინატორებისთვის ყველაზე რთული.",
        "sender_organisation": "IOM საქართველო",
        "zone": "საქართველოს სტანდარტული დრო",
        "script": re.compile(r"[\u10d0-\u10ff]"),
    },
    "ru": {
        "recipient_name": "Нино Беридзе",
        "organisation_name": "Министерство внутренних дел",
        "training_title": "Межкультурная коммуникация для координаторов",
        "purpose": "Понять, какие ситуации координаторам даются труднее всего.",
        "sender_organisation": "Международная организация по миграции",
        "zone": "Грузия, стандартное время",
        "script": re.compile(r"[\u0400-\u04ff]"),
    },
}


def context_in(language: str, **changes: object) -> MessageContext:
    """Return a full context in `language`: a one-hour online meeting at 10:00 in Tbilisi."""
    local = LOCAL[language]
    base = MessageContext(
        recipient_name=str(local["recipient_name"]),
        organisation_name=str(local["organisation_name"]),
        training_title=str(local["training_title"]),
        purpose=str(local["purpose"]),
        meeting_format="online",
        start=dt.datetime(2026, 12, 15, 6, 0, tzinfo=UTC),
        end=dt.datetime(2026, 12, 15, 7, 0, tzinfo=UTC),
        recipient_timezone="Asia/Tbilisi",
        location=LINK,
        facilitators=("Andreea Vasilescu", "Tamar Japaridze"),
        sender_name="Mariam Lomidze",
        sender_organisation=str(local["sender_organisation"]),
        coordinator_name="Mariam Lomidze",
        reply_by=dt.date(2026, 12, 10),
        previous_start=dt.datetime(2026, 12, 14, 6, 0, tzinfo=UTC),
        reason="The ministry's meeting room is under repair.",
        sent_at=dt.datetime(2026, 12, 12, 6, 0, tzinfo=UTC),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def english() -> MessageContext:
    """A full English context."""
    return context_in("en")


@pytest.mark.parametrize("language", ["ka", "en", "ru"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_in_every_language_with_local_time_zone_and_place(kind, language):
    rendered = render_message(kind, language, context_in(language))

    zone = str(LOCAL[language]["zone"])
    assert rendered.subject
    assert "\n" not in rendered.subject
    assert LOCAL[language]["script"].search(rendered.subject)  # type: ignore[union-attr]
    for part in (rendered.text, rendered.html):
        assert "10:00–11:00" in part
        assert zone in part
        # a cancellation gives no link; nor does the check of the record of a meeting held
        assert (LINK in part) == (kind not in ("cancellation", "record_check"))
        assert "Andreea Vasilescu" in part


def test_the_english_date_gives_weekday_day_month_year_time_and_zone(english):
    rendered = render_message("invitation", "en", english)

    when = "Tuesday, 15 December 2026, 10:00–11:00 (Georgia Standard Time)"
    assert when in rendered.text
    assert when in rendered.html
    assert "Tuesday, 15 December 2026" in rendered.subject


@pytest.mark.parametrize(
    ("language", "when"),
    [
        # Babel joins the year and its abbreviation with a narrow no-break space.
        ("ka", "სამშაბათი, 15 დეკემბერი, 2026, 10:00–11:00 (საქართველოს სტანდარტული დრო)"),
        ("ru", "вторник, 15 декабря 2026\u202f\u0433., 10:00–11:00 (Грузия, стандартное время)"),
    ],
)
def test_georgian_and_russian_dates_are_written_in_their_own_language(language, when):
    rendered = render_message("invitation", language, context_in(language))

    assert when in rendered.text
    assert when in rendered.html


def test_times_are_shown_in_the_recipient_time_zone_with_its_summer_name():
    context = context_in(
        "en",
        start=dt.datetime(2026, 7, 15, 6, 0, tzinfo=UTC),
        end=dt.datetime(2026, 7, 15, 7, 30, tzinfo=UTC),
        recipient_timezone="Europe/Berlin",
    )

    rendered = render_message("invitation", "en", context)

    assert "Wednesday, 15 July 2026, 08:00–09:30 (Central European Summer Time)" in rendered.text


def test_recipients_of_one_meeting_in_two_zones_each_get_their_own_date_and_zone(english):
    # Aware datetimes of one instant are equal whatever their zone: a cache of the local
    # strings keyed by the datetime alone would give the second recipient the first's.
    start = dt.datetime(2026, 12, 15, 21, 30, tzinfo=UTC)
    tbilisi = dataclasses.replace(english, start=start, end=start + dt.timedelta(minutes=30))
    lisbon = dataclasses.replace(tbilisi, recipient_timezone="Europe/Lisbon")

    first = render_message("invitation", "en", tbilisi)
    second = render_message("invitation", "en", lisbon)

    assert "Wednesday, 16 December 2026, 01:30–02:00 (Georgia Standard Time)" in first.text
    assert "Tuesday, 15 December 2026, 21:30–22:00 (Western European Standard Time)" in second.text


def test_a_meeting_past_local_midnight_shows_both_dates(english):
    context = dataclasses.replace(
        english,
        start=dt.datetime(2026, 12, 15, 19, 30, tzinfo=UTC),
        end=dt.datetime(2026, 12, 15, 20, 30, tzinfo=UTC),
    )

    rendered = render_message("invitation", "en", context)

    assert (
        "Tuesday, 15 December 2026, 23:30 – Wednesday, 16 December 2026, 00:30 "
        "(Georgia Standard Time)"
    ) in rendered.text


def test_html_escapes_markup_in_names_and_text_keeps_it_as_written(english):
    script = "<script>alert(1)</script>"
    context = dataclasses.replace(english, organisation_name=script, recipient_name=script)

    rendered = render_message("invitation", "en", context)

    assert "<script" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert f"Dear {script}," in rendered.text


def test_markup_in_a_subject_is_escaped_where_the_html_repeats_it(english):
    script = "<script>alert(1)</script>"

    rendered = render_message(
        "notes_missing", "en", dataclasses.replace(english, organisation_name=script)
    )

    assert rendered.subject.startswith(f"Notes missing: {script}, ")
    assert "<script" not in rendered.html
    assert "<title>Notes missing: &lt;script&gt;" in rendered.html


def test_template_expressions_in_data_appear_literally_and_are_not_evaluated(english):
    context = dataclasses.replace(
        english, organisation_name="{{ 7*7 }}", recipient_name="{% if true %}x{% endif %}"
    )

    rendered = render_message("invitation", "en", context)

    for part in (rendered.text, rendered.html):
        assert "({{ 7*7 }})" in part
        assert "{% if true %}x{% endif %}" in part
        assert "49" not in part


def test_an_https_location_is_a_link_in_html_and_anything_else_is_plain_text(english):
    linked = render_message("invitation", "en", english)
    plain = render_message(
        "invitation",
        "en",
        dataclasses.replace(english, meeting_format="in_person", location="javascript:alert(1)"),
    )

    assert f'<a href="{LINK}"' in linked.html
    assert "Link: " + LINK in linked.text
    assert 'href="javascript' not in plain.html
    assert "Place: javascript:alert(1)" in plain.text


def test_no_message_promises_a_link_and_a_missing_place_is_to_be_confirmed(english):
    in_person = render_message(
        "invitation",
        "en",
        dataclasses.replace(english, location=None, meeting_format="in_person"),
    )

    assert "Place: to be confirmed" in in_person.text
    for language in ("en", "ka", "ru"):
        online = render_message("invitation", language, dataclasses.replace(english, location=None))
        for text in (online.text, online.html):
            assert "send you the link" not in text
            assert "ბმულს შეხვედრამდე გამოგიგზავნით" not in text
            assert "ссылку мы пришлём" not in text


@pytest.mark.parametrize(("language", "label"), [("en", "Link"), ("ka", "ბმული"), ("ru", "Ссылка")])
def test_a_cancellation_shows_no_link(english, language, label):
    cancelled = render_message("cancellation", language, english)

    assert LINK not in cancelled.text
    assert LINK not in cancelled.html
    assert f"{label}:" not in cancelled.text
    assert f"<th>{label}</th>" not in cancelled.html


def test_css_is_inlined_into_style_attributes_and_no_style_block_is_left(english):
    html = render_message("invitation", "en", english).html

    assert "<style" not in html
    assert re.search(r'<h1 style="[^"]*color: #0b3c5d', html)
    assert re.search(r'<table class="facts"[^>]* style="[^"]*border-collapse', html)


def test_a_workspace_template_overrides_the_built_in_one(english, tmp_path):
    (tmp_path / "email" / "en").mkdir(parents=True)
    (tmp_path / "email" / "en" / "nudge.subject.j2").write_text(
        "Still waiting, {{ recipient_name }}\n", encoding="utf-8"
    )

    rendered = render_message("nudge", "en", english, overrides=tmp_path)
    built_in = render_message("nudge", "en", english)

    assert rendered.subject == "Still waiting, Nino Beridze"
    assert rendered.text == built_in.text
    assert built_in.subject.startswith("Awaiting your reply")


def test_a_missing_variable_names_the_template_and_the_variable(english, tmp_path):
    (tmp_path / "email" / "en").mkdir(parents=True)
    (tmp_path / "email" / "en" / "nudge.txt.j2").write_text(
        '{% extends "en/_layout.txt.j2" %}\n{% block body %}\nHello {{ recipient_nme }}\n'
        "{% endblock %}\n",
        encoding="utf-8",
    )

    with pytest.raises(TemplateError) as caught:
        render_message("nudge", "en", english, overrides=tmp_path)

    assert isinstance(caught.value, ConsultError)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == (
        "en/nudge.txt.j2: 'recipient_nme' is undefined "
        f"({tmp_path / 'email' / 'en' / 'nudge.txt.j2'}, line 3)"
    )


def test_a_template_syntax_error_names_the_file_and_line(english, tmp_path):
    (tmp_path / "email" / "ru").mkdir(parents=True)
    (tmp_path / "email" / "ru" / "update.html.j2").write_text("<p>\n{{ when\n", encoding="utf-8")

    with pytest.raises(TemplateError, match=r"^ru/update\.html\.j2: .*update\.html\.j2, line \d"):
        render_message("update", "ru", context_in("ru"), overrides=tmp_path)


def test_a_subject_is_collapsed_to_one_line_when_data_holds_line_breaks(english):
    context = dataclasses.replace(english, training_title="Intercultural\r\nCommunication\n\tDay")

    subject = render_message("invitation", "en", context).subject

    assert "\r" not in subject
    assert "\n" not in subject
    assert "“Intercultural Communication Day”" in subject


def test_an_empty_subject_is_an_error(english, tmp_path):
    (tmp_path / "email" / "en").mkdir(parents=True)
    (tmp_path / "email" / "en" / "reminder.subject.j2").write_text(" \n\t\n", encoding="utf-8")

    with pytest.raises(TemplateError, match=r"^en/reminder\.subject\.j2: the subject is empty$"):
        render_message("reminder", "en", english, overrides=tmp_path)


@pytest.mark.parametrize(
    ("sent_at", "english_words", "russian_words", "georgian_words"),
    [
        (dt.datetime(2026, 12, 14, 20, 30, tzinfo=UTC), "takes place today", "сегодня", "დღეს"),
        (dt.datetime(2026, 12, 14, 6, 0, tzinfo=UTC), "takes place tomorrow", "завтра", "ხვალ"),
        (dt.datetime(2026, 12, 12, 6, 0, tzinfo=UTC), "in 3 days", "через 3 дня", "3 დღეში"),
        (dt.datetime(2026, 12, 10, 6, 0, tzinfo=UTC), "in 5 days", "через 5 дней", "5 დღეში"),
        (dt.datetime(2026, 11, 24, 6, 0, tzinfo=UTC), "in 21 days", "через 21 день", "21 დღეში"),
    ],
)
def test_a_reminder_counts_the_days_in_the_recipient_calendar(
    sent_at, english_words, russian_words, georgian_words
):
    for language, words in (("en", english_words), ("ru", russian_words), ("ka", georgian_words)):
        rendered = render_message("reminder", language, context_in(language, sent_at=sent_at))

        assert words in rendered.text
        assert words in rendered.html


def test_a_reminder_without_sent_at_is_refused(english):
    with pytest.raises(TemplateError, match=r"^reminder: MessageContext\.sent_at is needed"):
        render_message("reminder", "en", dataclasses.replace(english, sent_at=None))


def test_a_reminder_sent_after_the_start_is_refused(english):
    late = dt.datetime(2026, 12, 15, 6, 30, tzinfo=UTC)

    with pytest.raises(TemplateError, match=r"^MessageContext\.sent_at: got datetime"):
        render_message("reminder", "en", dataclasses.replace(english, sent_at=late))


def test_messages_sent_after_the_meeting_such_as_notes_missing_are_not_refused(english):
    late = dt.datetime(2026, 12, 16, 6, 0, tzinfo=UTC)

    rendered = render_message("notes_missing", "en", dataclasses.replace(english, sent_at=late))

    assert rendered.subject.startswith("Notes missing: Ministry of Internal Affairs")


def test_an_update_gives_the_new_and_the_previous_time(english):
    rendered = render_message("update", "en", english)

    previous = "Previous time: Monday, 14 December 2026, 10:00–11:00 (Georgia Standard Time)"
    assert "New time: Tuesday, 15 December 2026, 10:00–11:00" in rendered.text
    assert previous in rendered.text
    assert previous in rendered.html


def test_an_update_that_moves_only_the_place_names_the_previous_place(english):
    context = dataclasses.replace(english, previous_start=None, previous_location="Room 3")

    rendered = render_message("update", "en", context)

    assert "Previous time" not in rendered.text
    assert f"New link: {LINK}\nPrevious place: Room 3" in rendered.text


def test_a_cancellation_gives_the_reason_only_when_there_is_one(english):
    with_reason = render_message("cancellation", "en", english)
    without = render_message("cancellation", "en", dataclasses.replace(english, reason=None))

    assert "Reason: The ministry's meeting room is under repair." in with_reason.text
    assert "The ministry's meeting room is under repair." in with_reason.html
    assert "Reason" not in without.text
    assert "has been cancelled" in without.text


def test_an_invitation_asks_for_a_reply_by_the_date_when_there_is_one(english):
    with_date = render_message("invitation", "en", english)
    without = render_message("invitation", "en", dataclasses.replace(english, reply_by=None))

    assert "We would be grateful for your reply by 10 December 2026." in with_date.text
    assert "grateful for your reply" not in without.text
    assert "accept or decline" in without.text


def test_notes_missing_is_addressed_to_the_coordinator_and_names_the_organisation():
    context = context_in("ka", coordinator_name="მარიამ ლომიძე")

    rendered = render_message("notes_missing", "ka", context)

    assert rendered.text.startswith("პატივცემულო მარიამ ლომიძე,")
    assert "შინაგან საქმეთა სამინისტრო" in rendered.subject
    assert "ორგანიზაცია: შინაგან საქმეთა სამინისტრო" in rendered.text


def test_the_result_is_a_frozen_triple(english):
    rendered = render_message("invitation", "en", english)

    assert isinstance(rendered, Rendered)
    assert rendered.text.endswith(
        "IOM Georgia\n\nThis message is part of the consultations "
        "held to prepare the training\n"
        "“Intercultural Communication for Coordinators”. If you have "
        "any questions, simply reply to this email.\n"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        rendered.subject = "x"  # type: ignore[misc]


def test_an_unknown_kind_or_language_is_refused(english):
    with pytest.raises(TemplateError, match=r"^unknown message kind 'invite', expected one of"):
        render_message("invite", "en", english)
    with pytest.raises(TemplateError, match=r"^unknown language 'de', expected one of ka, en, ru$"):
        render_message("invitation", "de", english)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start": dt.datetime(2026, 12, 15, 10, 0)}, r"^MessageContext\.start: .* aware datetime"),
        (
            {"end": dt.datetime(2026, 12, 15, 5, 0, tzinfo=UTC)},
            r"^MessageContext\.end: .* expected a time after start",
        ),
        ({"recipient_timezone": "Georgia/Tbilisi"}, r"^MessageContext\.recipient_timezone: got"),
        ({"meeting_format": "webinar"}, r"^MessageContext\.meeting_format: got 'webinar'"),
        ({"recipient_name": "  "}, r"^MessageContext\.recipient_name: got '  ', expected a non"),
    ],
)
def test_a_context_that_cannot_be_shown_is_refused_naming_the_field(changes, message):
    with pytest.raises(TemplateError, match=message):
        context_in("en", **changes)


def test_the_built_in_templates_exist_for_every_kind_and_language():
    root = Path(__file__).resolve().parents[3] / "consult" / "templates" / "email"

    for language in LOCAL:
        for kind in KINDS:
            for suffix in ("subject.j2", "txt.j2", "html.j2"):
                assert (root / language / f"{kind}.{suffix}").is_file()


@pytest.mark.parametrize("language", ["ka", "en", "ru"])
def test_the_place_and_the_facilitators_are_two_lines(english, language):
    in_person = dataclasses.replace(english, meeting_format="in_person", location="Room 3")
    text = render_message("invitation", language, in_person).text

    [place] = [line for line in text.splitlines() if "Room 3" in line]
    assert place.endswith(": Room 3")
