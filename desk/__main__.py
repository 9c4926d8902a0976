"""Serves the desk: `python -m desk [--host 127.0.0.1] [--port 4280]`, what `consult ui` runs.

The workspace and store come from consult's settings (CONSULT_WORKSPACE,
CONSULT_DATABASE_URL); Prefect's API from PREFECT_API_URL; the team's
credentials, when set, from PREFECT_SERVER_API_AUTH_STRING or
PREFECT_API_AUTH_STRING (see desk.auth).
"""

from __future__ import annotations

import argparse

import uvicorn

from consult.settings import Settings
from consult.ui import DESK_PORT, HOST
from desk.app import Desk, create_app
from desk.auth import team_auth_string
from desk.prefect_api import PrefectApi, prefect_ui_url


def main(argv: list[str] | None = None) -> None:
    """Serve the desk until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m desk", description=__doc__)
    parser.add_argument("--host", default=HOST, help="the address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=DESK_PORT, help="the port to listen on")
    arguments = parser.parse_args(argv)
    from prefect.settings import get_current_settings

    api = get_current_settings().api
    secret = api.auth_string.get_secret_value() if api.auth_string else None
    desk = Desk(
        settings=Settings(),
        auth_string=team_auth_string(),
        prefect_ui=prefect_ui_url(),
        prefect=PrefectApi(api.url, secret or None) if api.url else None,
    )
    uvicorn.run(
        create_app(desk),
        host=arguments.host,
        port=arguments.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
