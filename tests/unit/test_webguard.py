"""What both web apps' guards stand on (webguard.guard): signed sessions, a form's checks.

The guards themselves are tested through their apps (tests/desk/test_security.py,
tests/desk/test_public_pages.py); here each refusal of `read_form` is met once, on
a request as an ASGI server hands it over.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import pytest
from starlette.requests import HTTPConnection
from starlette.types import Message, Receive

from webguard.guard import CSRF_FIELD, Refusal, Signer, bound_hosts, read_form, replay

SIGNER = Signer("a-secret")
SESSION = "session-id"
TOKEN = SIGNER.csrf_token(SESSION)
OWN = "http://127.0.0.1:4280"


def request(origin: str | None, headers: Iterable[tuple[str, str]] = ()) -> HTTPConnection:
    """Return a POST to 127.0.0.1:4280 with the Origin `origin` (none if None) and `headers`."""
    given = [("host", "127.0.0.1:4280"), *headers, *([("origin", origin)] if origin else [])]
    return HTTPConnection(
        {
            "type": "http",
            "method": "POST",
            "scheme": "http",
            "server": ("127.0.0.1", 4280),
            "path": "/form",
            "query_string": b"",
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in given],
        }
    )


def chunks(*bodies: bytes, gone: bool = False) -> Receive:
    """Return a receive that gives `bodies` one message each, the last without more; or,
    if the client is `gone`, each with more to come, and then the disconnect."""
    messages: list[Message] = [
        {"type": "http.request", "body": body, "more_body": gone or n < len(bodies) - 1}
        for n, body in enumerate(bodies)
    ]
    if gone:
        messages.append({"type": "http.disconnect"})

    async def receive() -> Message:
        return messages.pop(0)

    return receive


async def unread() -> Message:
    raise AssertionError("the body was read")


def form(
    receive: Receive,
    origin: str | None = OWN,
    headers: Iterable[tuple[str, str]] = (),
    origins: tuple[str | None, ...] = (),
) -> bytes | Refusal:
    """Return what read_form makes of a form to 127.0.0.1:4280 of at most 1,000 bytes."""
    connection = request(origin, headers)
    return asyncio.run(read_form(receive, connection, token=TOKEN, limit=1000, origins=origins))


def test_a_session_cookie_opens_only_with_the_secret_and_realm_that_signed_it() -> None:
    cookie = SIGNER.cookie(SESSION)
    assert SIGNER.session_of(cookie) == SESSION
    assert Signer("another-secret").session_of(cookie) is None
    assert Signer("a-secret", realm="public:").session_of(cookie) is None
    assert SIGNER.session_of(cookie[:-1] + ("0" if cookie[-1] != "0" else "1")) is None
    assert SIGNER.session_of("no-signature") is None
    assert SIGNER.session_of(None) is None
    assert TOKEN not in cookie  # the token is the id signed for another purpose


def test_the_apps_own_form_with_its_token_is_taken_whole() -> None:
    body = f"name=Nino&{CSRF_FIELD}={TOKEN}".encode()
    assert form(chunks(body[:5], body[5:])) == body


@pytest.mark.parametrize(
    ("origin", "refusal"),
    [
        (None, Refusal.NO_ORIGIN),
        ("null", Refusal.NO_ORIGIN),
        ("http://127.0.0.1:9999", Refusal.FOREIGN_ORIGIN),
        ("https://127.0.0.1:4280", Refusal.FOREIGN_ORIGIN),
    ],
)
def test_a_form_from_anywhere_but_the_apps_origin_is_refused_unread(
    origin: str | None, refusal: Refusal
) -> None:
    assert form(unread, origin) is refusal


def test_a_second_origin_named_is_taken_too() -> None:
    body = f"{CSRF_FIELD}={TOKEN}".encode()
    public = "https://consult.example.org"
    assert form(chunks(body), public, origins=(None, public)) == body
    assert form(chunks(body), "https://elsewhere.example.org", origins=(public,)) is (
        Refusal.FOREIGN_ORIGIN
    )


def test_a_form_over_the_limit_is_refused_declared_or_read() -> None:
    assert form(unread, headers=[("content-length", "1001")]) is Refusal.TOO_LARGE
    assert form(chunks(b"x" * 600, b"x" * 600)) is Refusal.TOO_LARGE


def test_a_form_without_the_sessions_token_or_not_utf8_is_refused() -> None:
    assert form(chunks(b"name=Nino")) is Refusal.WRONG_TOKEN
    assert form(chunks(f"{CSRF_FIELD}=forged".encode())) is Refusal.WRONG_TOKEN
    # A blank first token is the token given, though a second follows.
    assert form(chunks(f"{CSRF_FIELD}=&{CSRF_FIELD}={TOKEN}".encode())) is Refusal.WRONG_TOKEN
    assert form(chunks(b"\xff" + f"&{CSRF_FIELD}={TOKEN}".encode())) is Refusal.UNREADABLE


def test_a_client_gone_before_the_end_of_its_form_is_nothing_to_answer() -> None:
    assert form(chunks(b"name=", b"Nino", gone=True)) is Refusal.GONE


def test_the_body_read_is_replayed_once_then_the_server_is_asked() -> None:
    async def server() -> Message:
        return {"type": "http.disconnect"}

    async def both() -> list[Message]:
        receive = replay(b"name=Nino", server)
        return [await receive(), await receive()]

    assert asyncio.run(both()) == [
        {"type": "http.request", "body": b"name=Nino", "more_body": False},
        {"type": "http.disconnect"},
    ]


def test_an_app_bound_to_every_interface_names_no_host_of_its_own() -> None:
    assert bound_hosts("192.168.1.5") == ("192.168.1.5",)
    assert bound_hosts("0.0.0.0") == bound_hosts("::") == ()
