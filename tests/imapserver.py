"""A throwaway IMAP server (Dovecot) on loopback, for tests that read a real mailbox.

    with running_dovecot() as server:   # dovecot -F with its own config, a free port
        server.append(b"From: ...")     # IMAP APPEND into the account's INBOX
        read_imap(server.mailbox())

It listens on 127.0.0.1 only, without TLS, and accepts any user with the password
`secret`; mail lives in a temporary folder. Dovecot will not store mail as root: as
root the mail belongs to `nobody`. Debian's dovecot-imapd provides it (`make system`).
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from consult.mail.imap import ImapMailbox

DOVECOT = "/usr/sbin/dovecot"
PASSWORD = "secret"
USER = "coordinator"


class DovecotMissing(Exception):
    """Dovecot is not installed here; the message says how to install it."""


@dataclass(frozen=True)
class Dovecot:
    """A running server and how to reach its account."""

    port: int

    def mailbox(self, **changes: object) -> ImapMailbox:
        """Return the account's INBOX as consult reads it (plain IMAP on loopback)."""
        values: dict[str, object] = {
            "host": "127.0.0.1",
            "port": self.port,
            "security": "none",
            "username": USER,
            "password": PASSWORD,
        }
        values.update(changes)
        return ImapMailbox(**values)  # type: ignore[arg-type]

    def append(self, message: bytes, folder: str = "INBOX") -> None:
        """Deliver a message into a folder with IMAP APPEND."""
        with imaplib.IMAP4("127.0.0.1", self.port, timeout=10) as client:
            client.login(USER, PASSWORD)
            if folder != "INBOX":
                client.create(folder)
            status, detail = client.append(folder, None, None, message)
            assert status == "OK", detail

    def flags(self, folder: str = "INBOX") -> list[bytes]:
        """Return the flags of every message in a folder, to show nothing was marked."""
        with imaplib.IMAP4("127.0.0.1", self.port, timeout=10) as client:
            client.login(USER, PASSWORD)
            client.select(folder, readonly=True)
            _, data = client.fetch("1:*", "(FLAGS)")
            return [item for item in data if isinstance(item, bytes)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    """Yield a Dovecot serving IMAP on a free loopback port; stop it and remove its folder."""
    if not Path(DOVECOT).exists():
        raise DovecotMissing(
            f"{DOVECOT} not found: install Debian's dovecot-imapd (make system does, as root)"
        )
    folder = Path(tempfile.mkdtemp(prefix="consult-imap-"))
    folder.chmod(0o755)
    port = _free_port()
    if os.getuid() == 0:
        owner = pwd.getpwnam("nobody")
        uid, gid, extra = owner.pw_uid, owner.pw_gid, ""
    else:
        me = pwd.getpwuid(os.getuid())
        uid, gid = me.pw_uid, me.pw_gid
        extra = f"default_internal_user = {me.pw_name}\ndefault_login_user = {me.pw_name}\n"
    home = folder / "home"
    home.mkdir()
    os.chown(home, uid, gid)
    config = folder / "dovecot.conf"
    config.write_text(
        f"""protocols = imap
listen = 127.0.0.1
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
{extra}passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (folder / "dovecot.log").read_text(errors="replace")
                    raise RuntimeError(f"dovecot did not start: {log[-2000:]}") from None
                time.sleep(0.1)
        yield Dovecot(port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)
