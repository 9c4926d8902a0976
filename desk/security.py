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

import secrets
from collections.abc import AsyncGenerator
from urllib.parse import quote, urlencode

from starlette.datastructures import Headers, QueryParams
from starlette.formparsers import MultiPartException, MultiPartParser
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
    urlencoded_token,
    with_headers,
)

__all__ = [
    "CSRF_FIELD",
    "CSRF_KEY",
    "FORM_LIMIT",
    "LOCKED",
    "SAFE_METHODS",
    "TOKEN_PARAMETER",
    "UPLOAD_LIMIT",
    "SessionGuard",
    "cookie_name",
    "csrf_token",
    "login_url",
    "new_secret",
    "session_cookie",
    "session_of",
]

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

LOCKED = "The desk opens only with the link `consult ui` printed: open that link again."


def new_secret() -> str:
    """Return a new secret for a desk: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def login_url(desk_url: str, secret: str) -> str:
    """Return the desk's first address: its root with the secret as `?token=`."""
    return f"{desk_url.rstrip('/')}/?{urlencode({TOKEN_PARAMETER: secret})}"


def session_cookie(secret: str, session: str) -> str:
    """Return the value of the session cookie of session id `session`: the id and its signature."""
    return Signer(secret).cookie(session)


def session_of(secret: str, cookie: str | None) -> str | None:
    """Return the session id a cookie value carries if the desk's secret signed it, else None."""
    return Signer(secret).session_of(cookie)


def csrf_token(secret: str, session: str) -> str:
    """Return the CSRF token of a session: what its forms' hidden field must carry."""
    return Signer(secret).csrf_token(session)


def cookie_name(headers: Headers) -> str:
    """Return the session cookie's name, by the desk's port: two desks on one host keep theirs."""
    host = headers.get("host", "")
    _, colon, port = host.rpartition(":")
    return f"consult-desk-{port}" if colon and port.isdigit() else "consult-desk"


async def _refuse(send: Send, status: int, sentence: str) -> None:
    """Answer `status` with a page of one sentence; nothing reaches the endpoints."""
    await refuse(send, status, sentence, title=f"{status} · consult desk")


class SessionGuard:
    """ASGI middleware: a session for every request, and a form only with the session's token.

    `token_login`: True on the local desk (no session without the secret, once);
    False on a team's setup, where HTTP Basic let the request in and the desk
    opens a session for it.
    """

    def __init__(self, app: ASGIApp, secret: str, token_login: bool = True) -> None:
        self.app = app
        self.secret = secret
        self.signer = Signer(secret)
        self.token_login = token_login

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        name = cookie_name(connection.headers)
        session = self.signer.session_of(connection.cookies.get(name))
        token = connection.query_params.get(TOKEN_PARAMETER)
        if self.token_login and token is not None and scope["method"] in SAFE_METHODS:
            await self._login(scope, send, name, token, session)
            return
        new_cookie: list[tuple[bytes, bytes]] = []
        if session is None:
            if self.token_login:
                await _refuse(send, 403, LOCKED)
                return
            session = new_session()
            new_cookie = [cookie_header(name, self.signer.cookie(session))]
        scope[CSRF_KEY] = self.signer.csrf_token(session)
        if scope["method"] not in SAFE_METHODS:
            body = await self._form_body(receive, send, connection, session)
            if body is None:
                return
            receive = replay(body, receive)
        await self.app(scope, receive, with_headers(send, new_cookie))

    async def _login(
        self, scope: Scope, send: Send, name: str, token: str, session: str | None
    ) -> None:
        """Answer the first address: its session's cookie and the same page without the token."""
        if not secrets.compare_digest(token.encode(), self.secret.encode()):
            await _refuse(send, 403, "This link's token is not the desk's. " + LOCKED)
            return
        session = session or new_session()
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
                    cookie_header(name, self.signer.cookie(session)),
                    (b"cache-control", b"no-store"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"content-length", b"0"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    async def _form_body(
        self, receive: Receive, send: Send, connection: HTTPConnection, session: str
    ) -> bytes | None:
        """Return the posted body once the form is the desk's own; else answer and return None."""
        headers = connection.headers
        multipart = headers.get("content-type", "").startswith(MULTIPART)
        limit = UPLOAD_LIMIT if multipart else FORM_LIMIT

        async def multipart_token(body: bytes) -> str | None:
            return await _multipart_token(headers, body)

        form = await read_form(
            receive,
            connection,
            token=self.signer.csrf_token(session),
            limit=limit,
            token_of=multipart_token if multipart else urlencoded_token,
        )
        if not isinstance(form, Refusal):
            return form
        if form is not Refusal.GONE:
            status, sentence = _refusal(form, headers.get("origin"), limit, multipart)
            await _refuse(send, status, sentence)
        return None


def _refusal(refusal: Refusal, origin: str | None, limit: int, multipart: bool) -> tuple[int, str]:
    """Return the status and sentence the desk answers a form it did not take with."""
    if refusal is Refusal.NO_ORIGIN:
        return 403, "a form must come from the desk's own pages: nothing was saved"
    if refusal is Refusal.FOREIGN_ORIGIN:
        return 403, f"a form from {origin} is not the desk's: nothing was saved"
    if refusal is Refusal.TOO_LARGE:
        return 413, _too_large(limit, multipart)
    if refusal is Refusal.UNREADABLE:
        kind = "multipart form the desk reads" if multipart else "UTF-8"
        return 400, f"the form is not {kind}: nothing was saved"
    return (
        403,
        "the form lacks this session's token (reload its page and send it again): "
        "nothing was saved",
    )


def _too_large(limit: int, multipart: bool) -> str:
    """Return the sentence of a refused form over `limit` bytes."""
    if multipart:
        return (
            f"the upload is over {limit:,} bytes, more than a spreadsheet consult reads "
            "(50 MB): nothing was saved"
        )
    return f"the form is over {limit:,} bytes: nothing was saved"


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
