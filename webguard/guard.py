"""The pieces of a web app's guard: signed sessions, a form's checks, the body replayed.

    signer = Signer(secret, realm="public:")
    cookie = signer.cookie(session)           # "<session id>.<its HMAC>"
    signer.session_of(cookie) == session      # None for a cookie the secret did not sign
    form = await read_form(receive, HTTPConnection(scope), token=signer.csrf_token(session),
                           limit=100_000)
    if isinstance(form, Refusal): ...         # answer it (refuse) in the app's own words
    else: receive = replay(form, receive)     # the endpoint reads the body as sent

A session is a random id in a cookie, signed with the app's secret (HMAC-SHA256);
its CSRF token is the same id signed for another purpose, so an app keeps no
sessions and a new secret closes every one. The `realm` keeps two apps' signatures
apart though they share a secret. `read_form` takes a form (a request that is not
GET or HEAD) only from the app's own origin (or one more it names), under its size
limit, and with the session's token: else it says why (a `Refusal`), and the app
answers in its own words, having let nothing reach an endpoint.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from html import escape
from urllib.parse import parse_qs

from starlette.requests import HTTPConnection
from starlette.types import Message, Receive, Send

CSRF_FIELD = "csrf_token"
"""The name of every form's hidden field that carries the session's CSRF token."""
SAFE_METHODS = frozenset({"GET", "HEAD"})
"""The methods that are no form: they read, and need no token."""
ANY_ADDRESS = ("0.0.0.0", "::", "")
"""The bind addresses that are every interface: no host name to answer to."""


def bound_hosts(host: str) -> tuple[str, ...]:
    """Return the host name an app bound to `host` answers to besides its settings' ones.

    The address itself (`--host 192.168.1.5`), or none when it binds every interface.
    """
    return () if host in ANY_ADDRESS else (host,)


def new_session() -> str:
    """Return a new session id: 16 random bytes, URL-safe."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class Signer:
    """Signs session ids with an app's secret: the session cookie and the CSRF token."""

    secret: str
    realm: str = ""
    """Prefixed to what is signed (`"public:"` on the pages): two apps' signatures differ."""

    def sign(self, purpose: str, value: str) -> str:
        """Return the hex HMAC-SHA256 of `value` for `purpose`, with the secret as key."""
        message = f"{self.realm}{purpose}:{value}".encode()
        return hmac.new(self.secret.encode("utf-8"), message, hashlib.sha256).hexdigest()

    def cookie(self, session: str) -> str:
        """Return the session cookie's value of session id `session`: the id and its signature."""
        return f"{session}.{self.sign('session', session)}"

    def session_of(self, cookie: str | None) -> str | None:
        """Return the session id a cookie value carries if the secret signed it, else None."""
        if not cookie or "." not in cookie:
            return None
        session, _, signature = cookie.partition(".")
        expected = self.sign("session", session)
        return session if hmac.compare_digest(signature, expected) else None

    def csrf_token(self, session: str) -> str:
        """Return the CSRF token of a session: what its forms' hidden field must carry."""
        return self.sign("csrf", session)


def cookie_header(name: str, value: str, secure: bool = False) -> tuple[bytes, bytes]:
    """Return the Set-Cookie header of a session cookie: HttpOnly, SameSite=Strict, site-wide."""
    flags = "; Secure" if secure else ""
    return b"set-cookie", f"{name}={value}; Path=/; HttpOnly; SameSite=Strict{flags}".encode(
        "latin-1"
    )


class Refusal(Enum):
    """Why a form was not taken; the app answers each in its own words (GONE: no one to answer)."""

    NO_ORIGIN = "no Origin, or `null` (a sandboxed frame)"
    FOREIGN_ORIGIN = "an Origin not the app's"
    TOO_LARGE = "over the size limit, declared or read"
    UNREADABLE = "a body its token reader cannot read"
    WRONG_TOKEN = "no token, or not the session's"
    GONE = "the client left before the body was read"


TokenReader = Callable[[bytes], Awaitable[str | None]]
"""Reads the CSRF token of a form's body: "" without one, None if the body does not parse."""


async def urlencoded_token(body: bytes) -> str | None:
    """Return the token of an urlencoded form ("" without one); None if it is not UTF-8."""
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return None
    return (fields.get(CSRF_FIELD) or [""])[0]


def own_origin(connection: HTTPConnection) -> str:
    """Return the origin of the request's own address: `scheme://host[:port]`."""
    return f"{connection.url.scheme}://{connection.url.netloc}"


async def read_form(
    receive: Receive,
    connection: HTTPConnection,
    *,
    token: str,
    limit: int,
    origins: tuple[str | None, ...] = (),
    token_of: TokenReader = urlencoded_token,
) -> bytes | Refusal:
    """Return a form's body once it is the app's own, else why not (nothing else is read).

    Its Origin must be the request's own or one of `origins`, its size at most `limit`
    bytes (a larger declared Content-Length is refused before reading), and the token
    `token_of` reads in it `token`.
    """
    origin = connection.headers.get("origin")
    if origin is None or origin == "null":
        return Refusal.NO_ORIGIN
    if origin not in (own_origin(connection), *origins):
        return Refusal.FOREIGN_ORIGIN
    declared = connection.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return Refusal.TOO_LARGE
    parts: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return Refusal.GONE
        parts.append(message.get("body", b""))
        size += len(parts[-1])
        more = message.get("more_body", False)
        if size > limit:
            return Refusal.TOO_LARGE
    body = b"".join(parts)
    given = await token_of(body)
    if given is None:
        return Refusal.UNREADABLE
    if not secrets.compare_digest(given.encode(), token.encode()):
        return Refusal.WRONG_TOKEN
    return body


async def refuse(
    send: Send,
    status: int,
    sentence: str,
    title: str,
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    """Answer `status` with a page of one sentence (escaped) under `title`, and `headers`."""
    body = (
        f'<!doctype html>\n<html lang="en"><meta charset="utf-8">'
        f"<title>{escape(title)}</title>\n<p>{escape(sentence)}</p>\n"
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def replay(body: bytes, then: Receive) -> Receive:
    """Return a receive that gives the body read already, then waits as the server's does."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive


def with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    """Return a send that adds `extra` to the headers of the answer's start (`send` if none)."""
    if not extra:
        return send

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending
