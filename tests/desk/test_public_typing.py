"""What people type on their page, as browsers and messaging apps send it (found by trying
the pages in Chromium as three stakeholders would): line breaks, invisible marks, limits."""

from __future__ import annotations

import re
from pathlib import Path

from consult.settings import Settings
from consult.store import open_store
from tests.desk.conftest import SLUG
from tests.desk.public_fixtures import page_path, post, public_client, silent_invitee


def test_a_decline_of_2000_characters_with_line_breaks_as_a_browser_sends_them_is_taken(
    desk_demo: Path,
) -> None:
    meeting, invitee = silent_invitee(desk_demo)
    path = page_path(desk_demo, meeting, invitee.email)
    comment = "\r\n".join(["x" * 99] * 20)  # 1,980 characters, and 19 line breaks as CR LF
    assert len(comment.replace("\r\n", "\n")) <= 2000 < len(comment)
    with public_client(desk_demo) as client:
        answer = post(
            client,
            f"{path}/answer",
            client.get(path).text,
            {"answer": "decline", "comment": comment},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        page = client.get(path).text
    assert 'id="answer-decline" value="decline" checked' in page  # the answer shown ticked
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        [reply] = store.replies(meeting.id)[-1:]
    assert reply.comment == comment.replace("\r\n", "\n")


def test_written_input_pasted_with_invisible_marks_and_line_separators_is_taken_clean(
    desk_demo: Path,
) -> None:
    meeting, invitee = silent_invitee(desk_demo)
    path = page_path(desk_demo, meeting, invitee.email)
    pasted = "Call the hotline \u202a+995 32 2 00 00 00\u202c.\u2028Nobody answers at night."
    with public_client(desk_demo) as client:
        html = client.get(path).text
        theme = re.findall(r'name="text-([^"]+)"', html)[-1]  # not the first theme
        done = post(
            client,
            f"{path}/written",
            html,
            {
                f"text-{theme}": pasted,
                f"severity-{theme}": "2",
                "confidentiality": "public",
                "consent": "yes",
            },
            follow_redirects=False,
        )
    assert done.status_code == 303, done.text
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        [written] = [
            o
            for o in store.observations(SLUG)
            if o.key.startswith("written/") and o.meeting_id == meeting.id
        ]
    assert written.text == "Call the hotline +995 32 2 00 00 00.\nNobody answers at night."


def test_a_page_not_found_says_so_in_a_heading_in_three_languages(desk_demo: Path) -> None:
    with public_client(desk_demo) as client:
        answer = client.get("/i/not-a-token")
    assert answer.status_code == 404
    heading = answer.text.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert "Page not found" in heading
    assert "Страница не найдена" in heading
    assert "გვერდი ვერ მოიძებნა" in heading
