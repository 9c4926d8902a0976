"""The signed token of a stakeholder's personal page: one recipient, one meeting, until a date.

    links = PageLinks.of(settings)          # None without CONSULT_PUBLIC_URL
    url = links.url(meeting_id, email, training.end)
    read_token(secret, token, today)        # PageToken(meeting_id, email, expires) or None

A token is the meeting's id (which names its training and round), the
recipient's address and the last day it opens (the training's end date),
signed with itsdangerous (HMAC-SHA256 over a salt of its own). It is
unguessable without the secret, and any change to it breaks the signature:
`read_token` returns None for an altered, expired or malformed token alike, so
that the public pages answer each with the same 404 as a missing one.

The secret is the setting CONSULT_PAGE_SECRET; without it, a random one kept in
the workspace's `.consult/page-secret`, readable by its owner alone (0600),
made the first time a link is signed. It is never printed or logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from itsdangerous import BadData, URLSafeSerializer

from consult.settings import STATE_DIR, Settings

SALT = "consult.personal-page"
"""The signer's salt: a token of this kind is never valid as any other signed value."""
SECRET_FILE = "page-secret"
"""The file, under the workspace's .consult/, of the secret when no setting gives one."""
PAGE_PATH = "/i/"
"""The path of a personal page under the public base URL: `<public_url>/i/<token>`."""


@dataclass(frozen=True)
class PageToken:
    """What a valid token says: whose page it is, of which meeting, until which day."""

    meeting_id: str
    email: str
    expires: dt.date

    @property
    def training(self) -> str:
        """Return the slug of the meeting's training (its id is `<slug>/<round>/<meeting>`)."""
        return self.meeting_id.split("/", 1)[0]


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT, signer_kwargs={"digest_method": hashlib.sha256})


def make_token(secret: str, meeting_id: str, email: str, expires: dt.date) -> str:
    """Return the token of `email`'s page of the meeting, which opens until `expires` included."""
    return str(_serializer(secret).dumps([meeting_id, email.lower(), expires.isoformat()]))


def read_token(secret: str, token: str, today: dt.date) -> PageToken | None:
    """Return what the token says if the secret signed it and `today` is not past it; else None."""
    if not token or len(token) > 1000:
        return None
    try:
        value = _serializer(secret).loads(token)
    except BadData:
        return None
    if not (isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)):
        return None
    meeting_id, email, until = value
    try:
        expires = dt.date.fromisoformat(until)
    except ValueError:
        return None
    if today > expires or make_token(secret, meeting_id, email, expires) != token:
        return None  # past its day, or not as signed (base64's spare bits changed): no page
    return PageToken(meeting_id, email, expires)


def page_secret(settings: Settings) -> str:
    """Return the secret that signs the pages' tokens: the setting, else the workspace's file.

    The file is made the first time (0600, a new random secret); two processes that
    make it at once both end up with the one that won.
    """
    if settings.page_secret is not None:
        return settings.page_secret.get_secret_value()
    path = settings.workspace / STATE_DIR / SECRET_FILE
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(secrets.token_urlsafe(32))
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        raise FileNotFoundError(path)
    return text


@dataclass(frozen=True)
class PageLinks:
    """The address of every recipient's page: the public base URL and the signing secret."""

    base_url: str
    secret: str = field(repr=False)

    @classmethod
    def of(cls, settings: Settings) -> PageLinks | None:
        """Return the links of these settings; None when no public base URL is set."""
        if not settings.public_url:
            return None
        return cls(settings.public_url.rstrip("/"), page_secret(settings))

    def url(self, meeting_id: str, email: str, expires: dt.date) -> str:
        """Return the address of `email`'s page of the meeting, open until `expires`."""
        token = make_token(self.secret, meeting_id, email, expires)
        return f"{self.base_url}{PAGE_PATH}{quote(token, safe='')}"
