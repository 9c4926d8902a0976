"""The public pages' guard: rate limits per address and per token, and forms only from its pages.

Every request counts against its client's address and, on a page of a token
(`/i/<token>/...`), against that token: over `RateLimits` in a minute, 429 with
Retry-After. The counts are kept in memory, per process: a restart forgets
them, and two processes behind one proxy count apart (enough against guessing
tokens, which are 2^256 to guess anyway, and against a form posted in a loop).

The first answer sets a session cookie (HttpOnly, SameSite=Strict, Secure on
https); a form (any request but GET and HEAD) must carry the session's CSRF
token in its hidden field `csrf_token`, and an Origin that is the page's own
or the public URL's; else 403 and nothing is read. Both are HMAC-SHA256 of
the secret, as on the desk (desk.security), so no session is kept: the signing,
the form's checks and the body's replay are webguard's, which both guards share.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from webguard.guard import (
    CSRF_FIELD,
    SAFE_METHODS,
    Refusal,
    Signer,
    cookie_header,
    new_session,
    read_form,
    refuse,
    replay,
    with_headers,
)

__all__ = ["CSRF_FIELD", "CSRF_KEY", "PublicGuard", "RateLimits", "token_of"]

CSRF_KEY = "consult.public.csrf"
"""The key of the request's scope that holds its session's CSRF token."""
COOKIE = "consult-page"
FORM_LIMIT = 100_000
"""The largest form the pages read, in bytes: written input on every theme fits well."""
REALM = "public:"
"""What the pages' signatures are prefixed with: never the desk's, though a secret were both's."""
PAGE_HEADERS = [
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
    (b"x-frame-options", b"DENY"),
]
"""Added to every answer past the guard: the token leaves in no Referer, no cache, no frame."""
REFUSED = (
    "ფორმა ვერ მივიღეთ: გახსენით თქვენი გვერდი ხელახლა. "
    "· The form could not be taken: open your page again. "
    "· Форма не принята: откройте свою страницу заново."
)
TOO_MANY = (
    "ძალიან ბევრი მოთხოვნა: სცადეთ ერთ წუთში. "
    "· Too many requests: try again in a minute. "
    "· Слишком много запросов: попробуйте через минуту."
)


@dataclass
class RateLimits:
    """At most `per_address` requests a `window` from one address, `per_token` for one token."""

    per_address: int = 120
    per_token: int = 30
    window: float = 60.0
    _seen: dict[str, deque[float]] = field(default_factory=dict, repr=False)

    def allow(self, key: str, limit: int, now: float | None = None) -> bool:
        """Return whether one more request of `key` is within `limit`, counting it if so."""
        moment = time.monotonic() if now is None else now
        times = self._seen.setdefault(key, deque())
        while times and times[0] <= moment - self.window:
            times.popleft()
        if len(times) >= limit:
            return False
        times.append(moment)
        if len(self._seen) > 100_000:  # forget the quiet ones: memory stays bounded
            for stale in [k for k, v in self._seen.items() if not v]:
                del self._seen[stale]
        return True


def token_of(path: str) -> str | None:
    """Return the token of a page's path (`/i/<token>/...`, `/<kind>/<token>`), else None."""
    parts = path.strip("/").split("/")
    return f"{parts[0]}/{parts[1]}" if len(parts) >= 2 and parts[0] != "static" else None


class PublicGuard:
    """ASGI middleware: rate limits, a session per browser, and a form only with its token."""

    def __init__(
        self, app: ASGIApp, secret: str, limits: RateLimits, public_url: str | None = None
    ) -> None:
        self.app = app
        self.signer = Signer(secret, realm=REALM)
        self.limits = limits
        parts = urlsplit(public_url or "")
        self.public_origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        client = connection.client.host if connection.client else "?"
        token = token_of(scope["path"])
        if not self.limits.allow(f"address:{client}", self.limits.per_address) or (
            token is not None and not self.limits.allow(f"token:{token}", self.limits.per_token)
        ):
            await refuse(send, 429, TOO_MANY, title="429", headers=((b"retry-after", b"60"),))
            return
        session = self.signer.session_of(connection.cookies.get(COOKIE))
        new_cookie: list[tuple[bytes, bytes]] = []
        if session is None:
            session = new_session()
            secure = connection.url.scheme == "https"
            new_cookie = [cookie_header(COOKIE, self.signer.cookie(session), secure)]
        scope[CSRF_KEY] = self.signer.csrf_token(session)
        if scope["method"] not in SAFE_METHODS:
            form = await read_form(
                receive,
                connection,
                token=self.signer.csrf_token(session),
                limit=FORM_LIMIT,
                origins=(self.public_origin,),
            )
            if isinstance(form, Refusal):
                if form is not Refusal.GONE:
                    status = 413 if form is Refusal.TOO_LARGE else 403
                    await refuse(send, status, REFUSED, title=str(status))
                return
            receive = replay(form, receive)
        await self.app(scope, receive, with_headers(send, [*new_cookie, *PAGE_HEADERS]))
