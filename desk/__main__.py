"""Serves the desk: `python -m desk [--host 127.0.0.1] [--port 4280] [--token-file F]`.

The workspace and store come from consult's settings (CONSULT_WORKSPACE,
CONSULT_DATABASE_URL, CONSULT_DESK_HOSTS); Prefect's API from PREFECT_API_URL;
the team's credentials, when set, from PREFECT_SERVER_API_AUTH_STRING or
PREFECT_API_AUTH_STRING (see desk.auth). The secret of its first address is
the token file's (what `consult ui` writes); without one the desk makes its own
and prints that address, `Desk: http://127.0.0.1:4280/?token=...`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from consult.settings import Settings
from consult.ui import DESK_PORT, HOST
from desk.app import Desk, create_app
from desk.auth import team_auth_string
from desk.prefect_api import PrefectApi, prefect_ui_url
from desk.security import login_url, new_secret
from webguard.guard import ANY_ADDRESS, bound_hosts


def main(argv: list[str] | None = None) -> None:
    """Serve the desk until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m desk", description=__doc__)
    parser.add_argument("--host", default=HOST, help="the address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=DESK_PORT, help="the port to listen on")
    parser.add_argument(
        "--token-file",
        type=Path,
        help="the file of the secret that opens the desk (default: a new one, printed)",
    )
    arguments = parser.parse_args(argv)
    if arguments.token_file is not None:
        secret = arguments.token_file.read_text(encoding="utf-8").strip()
    else:
        secret = new_secret()
    from prefect.settings import get_current_settings

    api = get_current_settings().api
    api_secret = api.auth_string.get_secret_value() if api.auth_string else None
    auth_string = team_auth_string()
    desk = Desk(
        settings=Settings(),
        auth_string=auth_string,
        prefect_ui=prefect_ui_url(),
        prefect=PrefectApi(api.url, api_secret or None) if api.url else None,
        secret=secret,
        hosts=bound_hosts(arguments.host),
    )
    if arguments.token_file is None and not auth_string:
        shown = HOST if arguments.host in ANY_ADDRESS else arguments.host
        print(f"Desk: {login_url(f'http://{shown}:{arguments.port}', secret)}", flush=True)
    uvicorn.run(
        create_app(desk),
        host=arguments.host,
        port=arguments.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
