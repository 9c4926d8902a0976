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
the secret, as on the desk (desk.security), so no session is kept.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_FIELD = "csrf_token"
"""The name of every form's hidden field that carries the session's CSRF token."""
CSRF_KEY = "consult.public.csrf"
"""The key of the request's scope that holds its session's CSRF token."""
COOKIE = "consult-page"
FORM_LIMIT = 100_000
"""The largest form the pages read, in bytes: written input on every theme fits well."""
SAFE_METHODS = frozenset({"GET", "HEAD"})
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


def _sign(secret: str, purpose: str, value: str) -> str:
    key = secret.encode("utf-8")
    return hmac.new(key, f"public:{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def csrf_token(secret: str, session: str) -> str:
    """Return the CSRF token of a session: what its forms' hidden field must carry."""
    return _sign(secret, "csrf", session)


def session_of(secret: str, cookie: str | None) -> str | None:
    """Return the session id a cookie carries if the secret signed it, else None."""
    if not cookie or "." not in cookie:
        return None
    session, _, signature = cookie.partition(".")
    return session if hmac.compare_digest(signature, _sign(secret, "session", session)) else None


def token_of(path: str) -> str | None:
    """Return the token of a page's path (`/i/<token>/...`, `/<kind>/<token>`), else None."""
    parts = path.strip("/").split("/")
    return f"{parts[0]}/{parts[1]}" if len(parts) >= 2 and parts[0] != "static" else None


async def _refuse(send: Send, status: int, sentence: str, extra: list[tuple[bytes, bytes]]) -> None:
    body = (
        '<!doctype html>\n<html lang="en"><meta charset="utf-8">'
        f"<title>{status}</title>\n<p>{sentence}</p>\n"
    ).encode()
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class PublicGuard:
    """ASGI middleware: rate limits, a session per browser, and a form only with its token."""

    def __init__(
        self, app: ASGIApp, secret: str, limits: RateLimits, public_url: str | None = None
    ) -> None:
        self.app = app
        self.secret = secret
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
            await _refuse(send, 429, TOO_MANY, [(b"retry-after", b"60")])
            return
        session = session_of(self.secret, connection.cookies.get(COOKIE))
        new_cookie: list[tuple[bytes, bytes]] = []
        if session is None:
            session = secrets.token_urlsafe(16)
            secure = "; Secure" if connection.url.scheme == "https" else ""
            value = f"{session}.{_sign(self.secret, 'session', session)}"
            cookie = f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict{secure}"
            new_cookie = [(b"set-cookie", cookie.encode("latin-1"))]
        scope[CSRF_KEY] = csrf_token(self.secret, session)
        if scope["method"] not in SAFE_METHODS:
            body = await self._form_body(connection, receive, send, session)
            if body is None:
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, _with_headers(send, new_cookie))

    async def _form_body(
        self, connection: HTTPConnection, receive: Receive, send: Send, session: str
    ) -> bytes | None:
        """Return the posted body once the form is the pages' own; else answer and return None."""
        origin = connection.headers.get("origin")
        own = f"{connection.url.scheme}://{connection.url.netloc}"
        if origin is None or origin not in (own, self.public_origin):
            await _refuse(send, 403, REFUSED, [])
            return None
        declared = connection.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > FORM_LIMIT:
            await _refuse(send, 413, REFUSED, [])
            return None
        parts: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            parts.append(message.get("body", b""))
            size += len(parts[-1])
            more = message.get("more_body", False)
            if size > FORM_LIMIT:
                await _refuse(send, 413, REFUSED, [])
                return None
        body = b"".join(parts)
        try:
            given = (parse_qs(body.decode("utf-8")).get(CSRF_FIELD) or [""])[0]
        except UnicodeDecodeError:
            given = ""
        if not secrets.compare_digest(given.encode(), csrf_token(self.secret, session).encode()):
            await _refuse(send, 403, REFUSED, [])
            return None
        return body


def _replay(body: bytes, then: Receive) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [
                *message.get("headers", []),
                *extra,
                (b"referrer-policy", b"same-origin"),
                (b"cache-control", b"no-store"),
                (b"x-frame-options", b"DENY"),
            ]
            message = {**message, "headers": headers}
        await send(message)

    return sending
