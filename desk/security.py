"""The desk's door: a session opened by the secret `consult ui` prints, and forms only it can post.

    desk = Desk(settings=..., secret=secrets.token_urlsafe(32))
    login_url("http://127.0.0.1:4280", desk.secret)  # http://127.0.0.1:4280/?token=...

Locally (no team credentials) the first request carries the secret as
`?token=`: the desk answers with a session cookie (HttpOnly, SameSite=Strict)
and a redirect to the same address without it, and from then on the cookie is
the key; a request with neither is refused (403). On a team's setup HTTP Basic
is the key (desk.auth) and the desk sets the session cookie on the first
answer, with no token asked.

Every request that is not a GET or HEAD is a form, and it must carry the
session's CSRF token (a hidden field of every form, `csrf_token`) and an
Origin that is the desk's own (a missing one and `null` are refused): checked
here, before any endpoint sees the body. A form is urlencoded, up to FORM_LIMIT
bytes, or multipart (a spreadsheet uploaded to the registry's import), up to
UPLOAD_LIMIT: the token is read from its parts the same way. Both the cookie and the token are
HMAC-SHA256 of the secret, so the desk keeps no sessions and a restart with a
new secret closes every one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import AsyncGenerator
from html import escape
from urllib.parse import parse_qs, quote, urlencode

from starlette.datastructures import URL, Headers, QueryParams
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_FIELD = "csrf_token"
"""The name of every form's hidden field that carries the session's CSRF token."""
TOKEN_PARAMETER = "token"
"""The query parameter of the first address, which carries the desk's secret."""
FORM_LIMIT = 1_000_000
"""The largest form body the desk reads, in bytes: a meeting's notes are far smaller."""
UPLOAD_LIMIT = 50_000_000 + FORM_LIMIT
"""The largest multipart form the desk reads: a spreadsheet as large as the CLI reads one
(`consult.workspace.sheets.MAX_FILE_BYTES`, 50 MB) and a form's fields beside it."""
MULTIPART = "multipart/form-data"
CSRF_KEY = "consult.desk.csrf"
"""The key of the request's scope that holds its session's CSRF token, once the door let it in."""
SAFE_METHODS = frozenset({"GET", "HEAD"})

LOCKED = "The desk opens only with the link `consult ui` printed: open that link again."


def new_secret() -> str:
    """Return a new secret for a desk: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def login_url(desk_url: str, secret: str) -> str:
    """Return the desk's first address: its root with the secret as `?token=`."""
    return f"{desk_url.rstrip('/')}/?{urlencode({TOKEN_PARAMETER: secret})}"


def _sign(secret: str, purpose: str, value: str) -> str:
    key = secret.encode("utf-8")
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def session_cookie(secret: str, session: str) -> str:
    """Return the value of the session cookie of session id `session`: the id and its signature."""
    return f"{session}.{_sign(secret, 'session', session)}"


def session_of(secret: str, cookie: str | None) -> str | None:
    """Return the session id a cookie value carries if the desk's secret signed it, else None."""
    if not cookie or "." not in cookie:
        return None
    session, _, signature = cookie.partition(".")
    expected = _sign(secret, "session", session)
    return session if hmac.compare_digest(signature, expected) else None


def csrf_token(secret: str, session: str) -> str:
    """Return the CSRF token of a session: what its forms' hidden field must carry."""
    return _sign(secret, "csrf", session)


def cookie_name(headers: Headers) -> str:
    """Return the session cookie's name, by the desk's port: two desks on one host keep theirs."""
    host = headers.get("host", "")
    _, colon, port = host.rpartition(":")
    return f"consult-desk-{port}" if colon and port.isdigit() else "consult-desk"


def _set_cookie(name: str, value: str) -> bytes:
    return f"{name}={value}; Path=/; HttpOnly; SameSite=Strict".encode("latin-1")


async def _refuse(send: Send, status: int, sentence: str) -> None:
    """Answer `status` with a page of one sentence; nothing reaches the endpoints."""
    body = (
        f'<!doctype html>\n<html lang="en"><meta charset="utf-8">'
        f"<title>{status} · consult desk</title>\n<p>{escape(sentence)}</p>\n"
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SessionGuard:
    """ASGI middleware: a session for every request, and a form only with the session's token.

    `token_login`: True on the local desk (no session without the secret, once);
    False on a team's setup, where HTTP Basic let the request in and the desk
    opens a session for it.
    """

    def __init__(self, app: ASGIApp, secret: str, token_login: bool = True) -> None:
        self.app = app
        self.secret = secret
        self.token_login = token_login

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        headers, url = connection.headers, connection.url
        name = cookie_name(headers)
        session = session_of(self.secret, connection.cookies.get(name))
        token = connection.query_params.get(TOKEN_PARAMETER)
        if self.token_login and token is not None and scope["method"] in SAFE_METHODS:
            await self._login(scope, send, name, token, session)
            return
        new_cookie: list[tuple[bytes, bytes]] = []
        if session is None:
            if self.token_login:
                await _refuse(send, 403, LOCKED)
                return
            session = secrets.token_urlsafe(16)
            new_cookie = [(b"set-cookie", _set_cookie(name, session_cookie(self.secret, session)))]
        scope[CSRF_KEY] = csrf_token(self.secret, session)
        if scope["method"] not in SAFE_METHODS:
            body = await self._form_body(receive, send, headers, url, session)
            if body is None:
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, _with_headers(send, new_cookie))

    async def _login(
        self, scope: Scope, send: Send, name: str, token: str, session: str | None
    ) -> None:
        """Answer the first address: its session's cookie and the same page without the token."""
        if not secrets.compare_digest(token.encode(), self.secret.encode()):
            await _refuse(send, 403, "This link's token is not the desk's. " + LOCKED)
            return
        session = session or secrets.token_urlsafe(16)
        query = QueryParams(scope.get("query_string", b"").decode("latin-1"))
        rest = [(k, v) for k, v in query.multi_items() if k != TOKEN_PARAMETER]
        path = scope.get("raw_path") or quote(scope["path"]).encode()
        path = b"/" + path.lstrip(b"/")  # a path, never `//host`: the redirect stays on the desk
        target = path + (f"?{urlencode(rest)}".encode() if rest else b"")
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", target),
                    (b"set-cookie", _set_cookie(name, session_cookie(self.secret, session))),
                    (b"cache-control", b"no-store"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"content-length", b"0"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    async def _form_body(
        self, receive: Receive, send: Send, headers: Headers, url: URL, session: str
    ) -> bytes | None:
        """Return the posted body once the form is the desk's own; else answer and return None."""
        origin = headers.get("origin")
        if origin is None or origin == "null":
            await _refuse(
                send, 403, "a form must come from the desk's own pages: nothing was saved"
            )
            return None
        if origin != f"{url.scheme}://{url.netloc}":
            await _refuse(send, 403, f"a form from {origin} is not the desk's: nothing was saved")
            return None
        multipart = headers.get("content-type", "").startswith(MULTIPART)
        limit = UPLOAD_LIMIT if multipart else FORM_LIMIT
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, 413, _too_large(limit, multipart))
            return None
        parts: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            parts.append(message.get("body", b""))
            size += len(parts[-1])
            more = message.get("more_body", False)
            if size > limit:
                await _refuse(send, 413, _too_large(limit, multipart))
                return None
        body = b"".join(parts)
        given = await (_multipart_token(headers, body) if multipart else _urlencoded_token(body))
        if given is None:
            kind = "multipart form the desk reads" if multipart else "UTF-8"
            await _refuse(send, 400, f"the form is not {kind}: nothing was saved")
            return None
        expected = csrf_token(self.secret, session)
        if not secrets.compare_digest(given.encode(), expected.encode()):
            await _refuse(
                send,
                403,
                "the form lacks this session's token (reload its page and send it again): "
                "nothing was saved",
            )
            return None
        return body


def _too_large(limit: int, multipart: bool) -> str:
    """Return the sentence of a refused form over `limit` bytes."""
    if multipart:
        return (
            f"the upload is over {limit:,} bytes, more than a spreadsheet consult reads "
            "(50 MB): nothing was saved"
        )
    return f"the form is over {limit:,} bytes: nothing was saved"


async def _urlencoded_token(body: bytes) -> str | None:
    """Return the token of an urlencoded form ("" without one); None if it is not UTF-8."""
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return None
    return (fields.get(CSRF_FIELD) or [""])[0]


async def _multipart_token(headers: Headers, body: bytes) -> str | None:
    """Return the token of a multipart form ("" without one); None if it does not parse."""

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    try:
        parsed = await MultiPartParser(headers, stream(), max_files=2, max_fields=1000).parse()
    except (MultiPartException, UnicodeDecodeError):
        return None
    try:
        given = parsed.get(CSRF_FIELD)
        return given if isinstance(given, str) else ""
    finally:
        await parsed.close()


def _replay(body: bytes, then: Receive) -> Receive:
    """Return a receive that gives the body read already, then waits as the server's does."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    if not extra:
        return send

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending
