"""A team's Prefect setup on this machine: a server on PostgreSQL with basic auth, a process
work pool, the deployments, and as many process workers as asked (tests and bench/workers.py).

    with team_server(postgres_url, folder) as server:
        deploy(server, "send-invitations")
        with worker(server, folder, "one", env) as first, worker(server, folder, "two", env):
            ...
            kill_tree(first)          # the machine of worker "one" is gone, with its flow runs

Everything as docs/prefect.md says a team sets it up: `prefect server start` with
PREFECT_API_DATABASE_CONNECTION_URL and PREFECT_SERVER_API_AUTH_STRING, `prefect
work-pool create consult --type process`, `prefect deploy`, and `prefect worker start`
with PREFECT_API_AUTH_STRING and the worker's CONSULT_* settings. Every server binds
127.0.0.1.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import requests

from consult.ui import PROJECT, free_port
from tests import pg

PREFECT = str(Path(sys.executable).parent / "prefect")
USER = "consult"
POOL = "consult"


class SetupError(Exception):
    """A step of the setup did not work: its command, its exit status and its output."""


@dataclass
class TeamServer:
    """A running Prefect server with basic auth, and how clients reach it."""

    api: str
    auth_string: str
    client_env: dict[str, str]

    @property
    def auth(self) -> tuple[str, str]:
        user, password = self.auth_string.split(":", 1)
        return user, password

    def session(self) -> requests.Session:
        """Return an HTTP session to the server's API, with its credentials."""
        http = requests.Session()
        http.auth = self.auth
        return http


def prefect_free_environment() -> dict[str, str]:
    """Return this process's environment without Prefect's or consult's settings."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PREFECT_", "CONSULT_"))
    }


def run(argv: list[str], env: Mapping[str, str], cwd: Path = PROJECT) -> str:
    """Return the output of a command that must succeed."""
    done = subprocess.run(
        argv, cwd=cwd, env=dict(env), capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if done.returncode != 0:
        raise SetupError(f"{argv} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout


def wait_healthy(api: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Return once the server answers its health check; raise if it ends or takes 4 minutes."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SetupError("the Prefect server ended:\n" + log.read_text(errors="replace"))
        try:
            if requests.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SetupError("the Prefect server did not start:\n" + log.read_text(errors="replace"))


@contextmanager
def team_server(postgres_url: str, folder: Path) -> Iterator[TeamServer]:
    """Yield a Prefect server on a new PostgreSQL database, with basic auth, on 127.0.0.1."""
    database = pg.create_database(postgres_url).replace("+psycopg://", "+asyncpg://")
    auth_string = f"{USER}:{secrets.token_urlsafe(16)}"
    port = free_port(0)
    api = f"http://127.0.0.1:{port}/api"
    base = {**prefect_free_environment(), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    server_env = {
        **base,
        "PREFECT_HOME": str(folder / "server-home"),
        "PREFECT_API_DATABASE_CONNECTION_URL": database,
        "PREFECT_SERVER_API_AUTH_STRING": auth_string,
    }
    log = folder / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=server_env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            wait_healthy(api, server, log)
            client_env = {
                **base,
                "PREFECT_HOME": str(folder / "client-home"),
                "PREFECT_API_URL": api,
                "PREFECT_API_AUTH_STRING": auth_string,
                "CONSULT_PROJECT_DIR": str(PROJECT),
            }
            yield TeamServer(api, auth_string, client_env)
        finally:
            server.terminate()
            server.wait(timeout=60)


def deploy(server: TeamServer, *names: str) -> None:
    """Create the `consult` process work pool and deploy prefect.yaml's deployments to it
    (those named, or all)."""
    run([PREFECT, "work-pool", "create", POOL, "--type", "process"], server.client_env)
    chosen = [arg for name in names for arg in ("--name", name)] or ["--all"]
    run([PREFECT, "--no-prompt", "deploy", *chosen], server.client_env)


@contextmanager
def worker(
    server: TeamServer, folder: Path, name: str, env: Mapping[str, str], limit: int = 1
) -> Iterator[subprocess.Popen[bytes]]:
    """Yield a process worker of the `consult` pool named `name`, running at most `limit`
    flow runs at once, with `env` (the workspace, the store, the SMTP server) added; its
    log is `folder/worker-<name>.log`. Stopped (or found killed) at the end."""
    worker_env = {**server.client_env, "PREFECT_WORKER_QUERY_SECONDS": "1", **env}
    log = folder / f"worker-{name}.log"
    argv = [PREFECT, "worker", "start", "--pool", POOL, "--type", "process", "--name", name]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*argv, "--limit", str(limit)],
            cwd=folder,
            env=worker_env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    kill_tree(process)


def descendants(pid: int) -> list[int]:
    """Return the processes started by `pid`, and by them, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(process: subprocess.Popen[bytes]) -> list[int]:
    """Kill a worker and every process under it at once (SIGKILL), as when its machine
    goes down; return the pids killed below it."""
    below = descendants(process.pid)
    for pid in [process.pid, *below]:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=30)
    return below
