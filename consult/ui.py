"""A local Prefect server, a runner serving every deployment of prefect.yaml, the desk, the pages.

    with local_ui(LocalUi.for_workspace(None)) as running:
        print(running.url)         # the Prefect UI, on 127.0.0.1 only
        print(running.desk_login)  # the coordinator's desk (`python -m desk`): its first address

The server keeps its SQLite database under `home` (by default the workspace's
.consult/prefect/), so the runs shown survive a restart. The runner
(`python -m flows.serve`) polls the server every `POLL_SECONDS`, so a run
triggered in the UI starts within that. The desk (`python -m desk`, beside
flows/) serves consult's own pages on a port of its own, and the stakeholders' pages
(`python -m answers_web`) answer on another (`Running.public_url`), which
CONSULT_PUBLIC_URL names to the outside. consult itself never
imports Prefect or the desk: this module starts the three processes and
watches them over HTTP.

The desk opens only with a secret made at each start (`secrets.token_urlsafe`),
in a file of the owner alone under `home` (`desk-token`, 0600, removed at the
stop) that the desk process reads: its first address, `Running.desk_login`
(`http://127.0.0.1:4280/?token=...`), is the only place the secret shows.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO

from consult.errors import UiError

PROJECT = Path(__file__).resolve().parent.parent
"""The project folder: where prefect.yaml and the flows are."""

DEFAULT_PORT = 4200
DESK_PORT = 4280
"""The desk's port when free (else any free one)."""
PUBLIC_PORT = 4290
"""The stakeholders' pages' port when free (else any free one): `python -m answers_web`."""
POLL_SECONDS = 2
"""How often the runner asks the server for runs to start (Prefect's default: 10 s)."""

HOST = "127.0.0.1"
_UNSET = ("PREFECT_API_KEY", "PREFECT_API_AUTH_STRING", "PREFECT_SERVER_API_AUTH_STRING")


@dataclass(frozen=True)
class LocalUi:
    """Where the local server keeps its state, which port it takes, and what the runner serves."""

    home: Path
    port: int = DEFAULT_PORT
    workspace: Path | None = None
    desk_port: int = DESK_PORT
    public_port: int = PUBLIC_PORT
    project: Path = PROJECT
    extra_env: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def for_workspace(
        cls, workspace: Path | None, port: int = DEFAULT_PORT, desk_port: int = DESK_PORT
    ) -> LocalUi:
        """Return the local UI of a workspace ($CONSULT_WORKSPACE by default), home inside it."""
        from consult.settings import STATE_DIR, Settings

        settings = Settings.for_workspace(workspace)
        home = (settings.workspace / STATE_DIR / "prefect").resolve()
        return cls(
            home=home, port=port, workspace=settings.workspace.resolve(), desk_port=desk_port
        )

    def environment(self, port: int) -> dict[str, str]:
        """Return the environment of the server and the runner: local, SQLite, no analytics."""
        env = {name: value for name, value in os.environ.items() if name not in _UNSET}
        env.update(
            {
                "PREFECT_HOME": str(self.home),
                "PREFECT_API_URL": f"http://{HOST}:{port}/api",
                "PREFECT_SERVER_API_HOST": HOST,
                "PREFECT_SERVER_API_PORT": str(port),
                "PREFECT_API_DATABASE_CONNECTION_URL": (
                    f"sqlite+aiosqlite:///{self.home / 'prefect.db'}"
                ),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_RUNNER_POLL_FREQUENCY": str(POLL_SECONDS),
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.workspace is not None:
            env["CONSULT_WORKSPACE"] = str(self.workspace)
        env.update(self.extra_env)
        return env


@dataclass(frozen=True)
class Running:
    """The processes of a started local UI, and where to find them."""

    url: str
    server: subprocess.Popen[bytes]
    runner: subprocess.Popen[bytes]
    logs: Path
    desk: subprocess.Popen[bytes] | None = None
    desk_url: str | None = None
    desk_secret: str | None = field(default=None, repr=False)
    """The secret of the desk's first address, which opens its session in a browser."""
    public: subprocess.Popen[bytes] | None = None
    public_url: str | None = None
    """Where the stakeholders' pages answer (`python -m answers_web`), on 127.0.0.1."""

    @property
    def desk_login(self) -> str | None:
        """Return the desk's first address, `<desk_url>/?token=<secret>`: it opens the desk."""
        if self.desk_url is None or self.desk_secret is None:
            return self.desk_url
        return f"{self.desk_url}/?token={self.desk_secret}"

    def exited(self) -> str | None:
        """Return which process has exited and how, or None while all run."""
        processes = [("server", self.server), ("runner", self.runner)]
        if self.desk is not None:
            processes.append(("desk", self.desk))
        if self.public is not None:
            processes.append(("public pages", self.public))
        for name, process in processes:
            code = process.poll()
            if code is not None:
                return f"the {name} exited with {code}: see {self.logs}"
        return None


def free_port(preferred: int) -> int:
    """Return `preferred` if nothing listens there on 127.0.0.1, else a free port; 0 means any."""
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            found: int = probe.getsockname()[1]
            return found
    raise UiError(f"no free port on {HOST}")


def desk_secret_file(path: Path) -> str:
    """Write a new secret of the desk to `path`, readable by its owner alone (0600); return it."""
    secret = secrets.token_urlsafe(32)
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(secret)
    return secret


@contextmanager
def local_ui(ui: LocalUi, startup_timeout: float = 180) -> Iterator[Running]:
    """Yield the running server, runner and desk; stop them all afterwards (also on Ctrl-C)."""
    port = free_port(ui.port)
    desk_port = free_port(ui.desk_port)
    desk_url = f"http://{HOST}:{desk_port}"
    public_port = free_port(ui.public_port)
    public_url = f"http://{HOST}:{public_port}"
    env = {**ui.environment(port), "CONSULT_DESK_URL": desk_url}
    logs = ui.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    url = f"http://{HOST}:{port}"
    with ExitStack() as stack:
        server_log = stack.enter_context((logs / "server.log").open("ab"))
        runner_log = stack.enter_context((logs / "runner.log").open("ab"))
        desk_log = stack.enter_context((logs / "desk.log").open("ab"))
        public_log = stack.enter_context((logs / "public.log").open("ab"))
        prefect = Path(sys.executable).parent / "prefect"
        command = [str(prefect), "server", "start", "--host", HOST, "--port", str(port)]
        server = _start(command, ui.project, env, server_log)
        stack.callback(_stop, server)
        _wait_healthy(url, server, startup_timeout, logs / "server.log")
        started = _server_time(url)
        runner = _start([sys.executable, "-m", "flows.serve"], ui.project, env, runner_log)
        stack.callback(_stop, runner)
        token_file = ui.home / "desk-token"
        desk_secret = desk_secret_file(token_file)
        stack.callback(token_file.unlink, missing_ok=True)
        desk_command = [
            *(sys.executable, "-m", "desk", "--host", HOST, "--port", str(desk_port)),
            *("--token-file", str(token_file)),
        ]
        desk = _start(desk_command, ui.project, env, desk_log)
        stack.callback(_stop, desk)
        public_command = [
            sys.executable,
            "-m",
            "answers_web",
            "--host",
            HOST,
            "--port",
            str(public_port),
        ]
        public = _start(public_command, ui.project, env, public_log)
        stack.callback(_stop, public)
        running = Running(
            url=url,
            server=server,
            runner=runner,
            logs=logs,
            desk=desk,
            desk_url=desk_url,
            desk_secret=desk_secret,
            public=public,
            public_url=public_url,
        )
        _wait_answering(running, startup_timeout)
        _wait_served(running, deployment_names(ui.project), started, startup_timeout)
        yield running


@contextmanager
def interruptible() -> Iterator[None]:
    """Turn Ctrl-C and SIGTERM into KeyboardInterrupt inside, from the first moment.

    Installed before the processes start, so a stop that comes at any point
    (during start-up, just after the address is printed) unwinds `local_ui`,
    which stops both. A shell starts background jobs with SIGINT ignored: this
    takes it back, and SIGTERM too.
    """
    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
        signal.SIGTERM: signal.signal(signal.SIGTERM, _interrupt),
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def wait(running: Running) -> str:
    """Block until one of the processes exits; return why."""
    while True:
        exited = running.exited()
        if exited:
            return exited
        time.sleep(0.5)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _start(
    command: list[str], cwd: Path, env: Mapping[str, str], log: IO[bytes]
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=log, stderr=log
    )


def _wait_healthy(url: str, server: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise UiError(f"the Prefect server exited with {server.returncode}: see {log}")
        try:
            if requests.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise UiError(f"the Prefect server did not answer at {url} within {timeout:.0f} s: see {log}")


def _wait_answering(running: Running, timeout: float) -> None:
    import requests

    # Any answer will do (403 without the desk's session; 401 without a team's credentials).
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        exited = running.exited()
        if exited:
            raise UiError(exited)
        try:
            requests.get(f"{running.desk_url}/", timeout=2)
            if running.public_url is not None:
                requests.get(f"{running.public_url}/static/public.css", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise UiError(f"the desk did not answer within {timeout:.0f} s: see {running.logs}")


def deployment_names(project: Path) -> set[str]:
    """Return the names of the deployments that the project's prefect.yaml declares."""
    import yaml

    config = yaml.safe_load((project / "prefect.yaml").read_text(encoding="utf-8"))
    return {deployment["name"] for deployment in config["deployments"]}


def _server_time(url: str) -> str:
    import requests

    # The server's clock, to the second (its HTTP Date header): it stamps the deployments.
    now: str = requests.get(f"{url}/api/admin/version", timeout=10).headers["date"]
    return now


def _wait_served(running: Running, names: set[str], since: str, timeout: float) -> None:
    import requests

    # Until the runner has (re)registered every deployment, a Run clicked in the UI
    # may start an old version or meet a busy database: say the address only then.
    deadline = time.monotonic() + timeout
    since_time = parsedate_to_datetime(since)
    while time.monotonic() < deadline:
        exited = running.exited()
        if exited:
            raise UiError(exited)
        try:
            served = requests.post(
                f"{running.url}/api/deployments/filter",
                json={"deployments": {"name": {"any_": sorted(names)}}},
                timeout=10,
            ).json()
            fresh = {
                deployment["name"]
                for deployment in served
                if dt.datetime.fromisoformat(deployment["updated"]) >= since_time
            }
            if fresh >= names:
                return
        except (requests.RequestException, ValueError, KeyError, TypeError):
            pass
        time.sleep(0.5)
    raise UiError(
        f"the runner did not serve the deployments within {timeout:.0f} s: see {running.logs}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
