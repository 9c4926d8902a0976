"""Serves the stakeholders' pages: `python -m answers_web [--host 127.0.0.1] [--port 4290]`.

The workspace and store come from consult's settings (CONSULT_WORKSPACE,
CONSULT_DATABASE_URL), the hosts it answers to from CONSULT_PUBLIC_HOSTS and
CONSULT_PUBLIC_URL, the links' secret from CONSULT_PAGE_SECRET or the
workspace's .consult/page-secret. Behind a team's HTTPS reverse proxy, give
`--proxy` the proxy's address so that the client's address (for the rate
limits) and https are read from its X-Forwarded-* headers.
"""

from __future__ import annotations

import argparse

import uvicorn

from answers_web.app import create_app
from answers_web.resources import Public
from consult.settings import Settings
from consult.ui import HOST, PUBLIC_PORT
from webguard.guard import bound_hosts


def main(argv: list[str] | None = None) -> None:
    """Serve the public pages until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m answers_web", description=__doc__)
    parser.add_argument("--host", default=HOST, help="the address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=PUBLIC_PORT, help="the port to listen on")
    parser.add_argument(
        "--proxy",
        default=None,
        help="the reverse proxy's address, whose X-Forwarded-For and -Proto are trusted",
    )
    arguments = parser.parse_args(argv)
    public = Public(
        settings=Settings(),
        hosts=bound_hosts(arguments.host),
    )
    uvicorn.run(
        create_app(public),
        host=arguments.host,
        port=arguments.port,
        log_level="warning",
        access_log=False,  # the paths hold the tokens: never logged
        proxy_headers=arguments.proxy is not None,
        forwarded_allow_ips=arguments.proxy or None,
    )


if __name__ == "__main__":
    main()
