"""Serves an ASGI app with uvicorn in a thread of this process, for tests and benchmarks.

with served(create_app(desk)) as url:
    requests.get(f"{url}/")
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from consult.ui import HOST, free_port


@contextmanager
def served(app: ASGIApp, port: int = 0, timeout: float = 30) -> Iterator[str]:
    """Yield the address of `app` served on 127.0.0.1 (a free port for 0); stop it afterwards."""
    config = uvicorn.Config(
        app, host=HOST, port=free_port(port), log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="desk", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the desk did not start on {HOST}:{config.port}")
        time.sleep(0.01)
    try:
        yield f"http://{HOST}:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
