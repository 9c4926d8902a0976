"""The team's credentials: HTTP Basic with the Prefect server's `user:password`, or no one gets in.

On a team's setup the Prefect server has PREFECT_SERVER_API_AUTH_STRING and
its clients PREFECT_API_AUTH_STRING (the same `user:password`); the desk asks
for that string too, so it is no open door beside a closed server. Locally
(`consult ui`) neither is set, and the desk, on 127.0.0.1, asks for nothing.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from starlette.types import ASGIApp, Receive, Scope, Send

REALM = "consult desk"


def team_auth_string() -> str | None:
    """Return the `user:password` the Prefect server or its clients are set up with, if any."""
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    for secret in (settings.server.api.auth_string, settings.api.auth_string):
        if secret is not None and secret.get_secret_value():
            return secret.get_secret_value()
    return None


def credentials_match(header: str | None, auth_string: str) -> bool:
    """Return whether an Authorization header carries exactly `auth_string` as HTTP Basic."""
    if not header or not header.lower().startswith("basic "):
        return False
    try:
        given = base64.b64decode(header[6:].strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return secrets.compare_digest(given, auth_string.encode("utf-8"))


class BasicAuth:
    """ASGI middleware: every HTTP request without the credentials is answered 401."""

    def __init__(self, app: ASGIApp, auth_string: str) -> None:
        self.app = app
        self.auth_string = auth_string

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        header = headers.get(b"authorization", b"").decode("latin-1")
        if credentials_match(header, self.auth_string):
            await self.app(scope, receive, send)
            return
        body = b"The desk needs the team's credentials (the Prefect server's user:password).\n"
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"www-authenticate", f'Basic realm="{REALM}", charset="UTF-8"'.encode()),
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
