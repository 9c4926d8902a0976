"""A transport that writes each message to a folder as an .eml file, for review or a dry run."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Self

from consult.errors import StorageError, UnsendableMessageError
from consult.mail.mime import RawMessage, message_bytes

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+=-]{0,150}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]")


class FileOutbox:
    """Writes one <message-id>.eml per message; sending a message again overwrites its file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    def send(self, message: EmailMessage | RawMessage) -> None:
        """Return once the message is in the folder, whole: written aside, then moved in.

        Raises StorageError, naming the file and what to do, when the folder cannot take it
        (a full disk, a read-only folder); then nothing of the message is left in it.
        """
        path = self.folder / eml_name(message)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
        except OSError as error:
            raise StorageError.writing(path, error) from error
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(message_bytes(message))
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException as error:
            Path(temporary).unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise StorageError.writing(path, error) from error
            raise


def eml_name(message: EmailMessage | RawMessage) -> str:
    """Return the file name for the message: its Message-ID, made safe for any file system."""
    message_id = message.message_id if isinstance(message, RawMessage) else message["Message-ID"]
    if not message_id:
        raise UnsendableMessageError("Message-ID: missing; the outbox names files after it")
    bare = str(message_id).strip().strip("<>")
    if _SAFE_NAME.fullmatch(bare):
        return f"{bare}.eml"
    # Two IDs that differ only in unsafe characters must not share a file.
    digest = hashlib.sha256(str(message_id).encode()).hexdigest()[:16]
    return f"{_UNSAFE.sub('_', bare)[:100]}-{digest}.eml"
