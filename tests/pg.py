"""A throwaway PostgreSQL server on loopback, for tests that need a real one.

    server = start_server()            # initdb and pg_ctl start, in a temporary folder
    url = create_database(server.url)  # a new, empty database: its SQLAlchemy URL
    server.stop()                      # pg_ctl stop -m immediate; the folder goes

The server listens on 127.0.0.1 only, on a free port, with its socket in the
temporary folder; it trusts every connection and runs with fsync off, since
its data are not meant to outlive the test session. initdb refuses to run as
root, so as root the folder belongs to the `postgres` user and the server runs
as them. The database's locale is C.UTF-8, so text sorts by code point as it
does in SQLite; its sessions' time zone is Asia/Tbilisi, not UTC, so that code
which takes the server's zone for UTC fails here rather than in production.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
import sqlalchemy as sa
from psycopg import sql

OWNER = "postgres"
"""The system user the server runs as when the tests run as root."""

_numbers = itertools.count(1)


class PostgresMissing(Exception):
    """No PostgreSQL server can be started on this machine; the message says what is missing."""


@dataclass(frozen=True)
class PostgresServer:
    """A running throwaway server: the URL of its `postgres` database, as its superuser."""

    url: str
    root: Path
    pg_ctl: Path
    owner: str | None

    def stop(self) -> None:
        """Stop the server at once, without a checkpoint, and remove its folder."""
        try:
            _run(
                [str(self.pg_ctl), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop"],
                self.owner,
                self.root,
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def find_binaries() -> Path | None:
    """Return the folder holding initdb and pg_ctl (PATH first, newest version next), or None."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(versions, key=lambda bin: _version(bin.parent.name), reverse=True)
    for folder in candidates:
        if all(os.access(folder / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def start_server() -> PostgresServer:
    """Return a server just initialised and started in a new temporary folder.

    Raises PostgresMissing if PostgreSQL is not installed, and RuntimeError,
    with the server's log, if it is but does not start.
    """
    binaries = find_binaries()
    if binaries is None:
        raise PostgresMissing(
            "PostgreSQL is not installed: no initdb and pg_ctl on PATH or under "
            "/usr/lib/postgresql/*/bin (`make system` installs it, as root)"
        )
    owner = None
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam(OWNER)
        except KeyError:
            raise PostgresMissing(
                f"initdb refuses to run as root, and there is no {OWNER!r} user to run it as"
            ) from None
        owner = OWNER
    root = Path(tempfile.mkdtemp(prefix="consult-pg-"))
    try:
        if owner is not None:
            os.chown(root, account.pw_uid, account.pw_gid)
        data = root / "data"
        initdb = [str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
        _run([*initdb, "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], owner, root)
        port = _free_port()
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(port),
            "unix_socket_directories": str(root),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "timezone": "Asia/Tbilisi",
        }
        options = " ".join(f"-c {name}={value}" for name, value in settings.items())
        log = root / "server.log"
        start = [str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options]
        _run([*start, "-w", "-t", "60", "start"], owner, root, log)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    return PostgresServer(url=url, root=root, pg_ctl=binaries / "pg_ctl", owner=owner)


def create_database(server_url: str) -> str:
    """Return the URL of a new, empty database on the server whose URL is given."""
    url = sa.make_url(server_url)
    name = f"test_{next(_numbers)}"
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    ) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url.set(database=name).render_as_string(hide_password=False)


def _run(argv: list[str], owner: str | None, cwd: Path, log: Path | None = None) -> None:
    if owner is not None:
        runuser = shutil.which("runuser")
        if runuser is not None:
            argv = [runuser, "-u", owner, "--", *argv]
        else:
            argv = ["su", owner, "-s", "/bin/sh", "-c", shlex.join(argv)]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        said = done.stdout + done.stderr
        if log is not None and log.exists():
            said += f"\n{log}:\n{log.read_text(errors='replace')}"
        raise RuntimeError(f"{shlex.join(argv)} exited with {done.returncode}:\n{said}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())
