"""Helpers of the public pages' tests: the app on a workspace, a page's link, its forms."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from answers_web.app import create_app
from answers_web.resources import Public
from answers_web.security import CSRF_FIELD
from consult.answers.tokens import PageLinks
from consult.settings import Settings
from consult.store import open_store
from schemas.state import Attendee, Meeting
from tests.desk.conftest import SLUG

PUBLIC_URL = "http://testserver"


def public_settings(workspace: Path) -> Settings:
    """Return the settings of a workspace whose messages link to the pages at PUBLIC_URL."""
    return Settings(workspace=workspace, public_url=PUBLIC_URL)


def public_client(workspace: Path, **options: Any) -> TestClient:
    """Return a client of the public pages on the workspace (enter it: `with ... as client`)."""
    return TestClient(create_app(Public(settings=public_settings(workspace), **options)))


def silent_invitee(workspace: Path, skip: int = 0) -> tuple[Meeting, Attendee]:
    """Return a confirmed meeting to come, without notes, and an invitee yet to answer it."""
    with open_store(Settings(workspace=workspace).store_url) as store:
        noted = {o.meeting_id for o in store.observations(SLUG)}
        found = [
            (meeting, attendee)
            for meeting in store.meetings(SLUG)
            if meeting.id not in noted and meeting.status == "confirmed"
            for attendee in store.attendees(meeting.id)
            if attendee.role != "CHAIR" and attendee.partstat == "NEEDS-ACTION"
        ]
    return found[skip]


def page_path(workspace: Path, meeting: Meeting, email: str, expires: Any = None) -> str:
    """Return the path of `email`'s page of the meeting, as the link in their email has it."""
    from consult.workspace.loading import load_workspace

    links = PageLinks.of(public_settings(workspace))
    assert links is not None
    end = expires or load_workspace(workspace).training(SLUG).end
    return urlsplit(links.url(meeting.id, email, end)).path


def form_token(html: str) -> str:
    """Return the CSRF token of the first form of a page."""
    found = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


def post(client: TestClient, url: str, html: str, data: dict[str, str], **options: Any) -> Any:
    """POST a form of a page as a browser does: the page's Origin and its token."""
    fields = {CSRF_FIELD: form_token(html), **data}
    return client.post(url, data=fields, headers={"Origin": PUBLIC_URL}, **options)
