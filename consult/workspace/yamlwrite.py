"""Writes a YAML file a person edits: their comments, order and layout kept, never half-written.

ruamel.yaml reads the file as a round-trip document (comments and key order attached
to its mappings); a change edits that document in place, and what is written differs
from the file only where the change is. The text goes to a temporary file beside the
target, is flushed to the disk, and replaces the target in one rename: a reader sees
the old file or the new one, never a part. A writer that reads, changes and writes a
file holds `locked(path)` throughout, so two writers take turns and neither loses the
other's change.
"""

from __future__ import annotations

import fcntl
import functools
import io
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from consult.errors import StorageError

WIDTH = 4096
"""Long lines stay as they are: a name of 200 characters is not folded."""


LOCKS = ".consult"
"""The folder, beside a locked file, of its lock file: `.consult/stakeholders.yaml.lock`."""


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the lock of the file at `path` while the block reads, changes and writes it.

    An OS lock (flock) on a lock file beside it: threads and processes on this machine
    take turns, and a process that dies lets go of it.
    """
    folder = Path(path).parent / LOCKS
    folder.mkdir(exist_ok=True)
    with open(folder / f"{Path(path).name}.lock", "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write `content` (text in UTF-8) to `path`, so that it is either the old file or the new.

    Raises StorageError, naming the file and what to do, when it cannot be written
    (a full disk, a read-only folder); then the old file is as it was.
    """
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    mode = path.stat().st_mode & 0o777 if path.exists() else None
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise StorageError.writing(path, error) from error
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise StorageError.writing(path, error) from error
        raise


def _yaml(text: str) -> YAML:
    """Return a round-trip YAML set up to write lists and mappings indented as in `text`."""
    handler = YAML(typ="rt")
    handler.preserve_quotes = True
    handler.width = WIDTH
    offset, sequence, mapping = _indents(text)
    handler.indent(mapping=mapping, sequence=sequence, offset=offset)
    return handler


def _indents(text: str) -> tuple[int, int, int]:
    """Return the dash offset, the list indent and the mapping indent `text` uses."""
    dash = re.search(r"^( *)- \S", text, re.MULTILINE)
    if dash is None:
        return 2, 4, 2
    parent = text.rfind("\n", 0, dash.start() - 1)
    above = text[parent + 1 : dash.start()]
    parent_indent = len(above) - len(above.lstrip(" "))
    offset = max(len(dash.group(1)) - parent_indent, 0)
    nested = re.search(r"^( +)\S[^\n]*:\s*\n\1( +)[^\s-]", text, re.MULTILINE)
    mapping = len(nested.group(2)) if nested else 2
    return offset, offset + 2, mapping


def load_document(text: str) -> Any:
    """Return `text` as a round-trip document (a CommentedMap for a mapping)."""
    return _yaml(text).load(text)


def dump_document(document: Any, like: str) -> str:
    """Return `document` as text, indented as `like` (the file it was read from) is."""
    stream = io.StringIO()
    _yaml(like).dump(document, stream)
    return stream.getvalue()


def merge(target: CommentedMap, changes: Mapping[str, Any]) -> None:
    """Set each key of `changes` in `target`, mapping into mapping, so untouched keys keep."""
    for key, value in changes.items():
        current = target.get(key)
        if isinstance(value, Mapping) and isinstance(current, CommentedMap):
            merge(current, value)
        elif current != value:
            target[key] = plain_to_document(value)


def plain_to_document(value: Any) -> Any:
    """Return plain data (dicts, lists, text) as ruamel's document types, lists of words in flow."""
    if isinstance(value, Mapping):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[key] = plain_to_document(item)
        return mapping
    if isinstance(value, list | tuple):
        sequence = CommentedSeq(plain_to_document(item) for item in value)
        if all(isinstance(item, str) for item in value):
            sequence.fa.set_flow_style()
        return sequence
    return value


def block_style(node: Any) -> bool:
    """Write `node` in block style, lists of words aside; return whether any of it was flow.

    A registry once written on one line (flow style) is written back one value a line,
    so that it can be read, reviewed in git, and each warning names a line of its own.
    """
    changed = False
    if isinstance(node, CommentedMap):
        changed = bool(node.fa.flow_style())
        node.fa.set_block_style()
        for value in node.values():
            changed = block_style(value) or changed
    elif isinstance(node, CommentedSeq) and not all(_is_scalar(item) for item in node):
        changed = bool(node.fa.flow_style())
        node.fa.set_block_style()
        for value in node:
            changed = block_style(value) or changed
    elif isinstance(node, CommentedSeq) and not node:
        node.fa.set_block_style()
    return changed


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, CommentedMap | CommentedSeq)


def append(sequence: CommentedSeq, value: Any) -> None:
    """Append plain data to a list, the blank line or comment after its last item kept last.

    ruamel.yaml keeps what follows an item (the blank line before the next organisation)
    on that item's last value; appended as it is, the new item would come after the gap.
    """
    item = plain_to_document(value)
    if len(sequence):
        old = _last_key(sequence[-1])
        new = _last_key(item)
        if old is not None and new is not None and old[1] in old[0].ca.items:
            new[0].ca.items[new[1]] = old[0].ca.items.pop(old[1])
    sequence.append(item)


def remove(sequence: CommentedSeq, index: int) -> None:
    """Remove an item of a list, the blank line or comment after the list's last item kept last.

    The mirror of `append`: the last item removed leaves what followed it (the gap before
    the next section, or nothing at the end of the file) to the item now last, in place
    of the gap that was between them.
    """
    if index == len(sequence) - 1 and index > 0:
        old = _last_key(sequence[index])
        new = _last_key(sequence[index - 1])
        if old is not None and new is not None:
            new[0].ca.items.pop(new[1], None)
            if old[1] in old[0].ca.items:
                new[0].ca.items[new[1]] = old[0].ca.items.pop(old[1])
    del sequence[index]


def _last_key(node: Any) -> tuple[CommentedMap, Any] | None:
    """Return the mapping and key of the last value written in `node`, at its deepest."""
    if not isinstance(node, CommentedMap) or not node:
        return None
    key = list(node)[-1]
    value = node[key]
    if isinstance(value, CommentedSeq) and value and not value.fa.flow_style():
        deeper = _last_key(value[-1])
        if deeper is not None:
            return deeper
    if isinstance(value, CommentedMap):
        deeper = _last_key(value)
        if deeper is not None:
            return deeper
    return node, key


_FAST_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@functools.lru_cache(maxsize=4096)
def _scalar(value: str | int | float | bool | None) -> str:
    """Return a scalar as YAML writes it: plain, or quoted where plain would mislead."""
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value):
        return f'"{value}"'  # a time, quoted as the workspace's files write times
    text = yaml.dump(value, Dumper=_FAST_DUMPER, allow_unicode=True, width=WIDTH)
    return text.split("\n", 1)[0]


def scalar(value: str | int | float | bool | None) -> str:
    """Return a scalar as YAML writes it on one line: plain, or quoted where plain would mislead."""
    return _scalar(value)


def _block(value: Any, indent: int) -> list[str]:
    """Return the lines of a mapping's entries at `indent`, lists of mappings as `- ` items."""
    lines: list[str] = []
    pad = " " * indent
    for key, item in value.items():
        if isinstance(item, Mapping):
            lines.append(f"{pad}{key}:")
            lines += _block(item, indent + 2)
        elif isinstance(item, list | tuple) and all(isinstance(i, Mapping) for i in item) and item:
            lines.append(f"{pad}{key}:")
            for element in item:
                inner = _block(element, indent + 4)
                lines.append(f"{pad}  - {inner[0].lstrip()}")
                lines += inner[1:]
        elif isinstance(item, list | tuple):
            lines.append(f"{pad}{key}: [{', '.join(_scalar(i) for i in item)}]")
        else:
            lines.append(f"{pad}{key}: {_scalar(item)}")
    return lines


def block_text(value: Mapping[str, Any], indent: int = 0) -> str:
    """Return a mapping as block-style YAML text: one value a line, lists of words in brackets."""
    return "\n".join(_block(value, indent)) + "\n"


def append_text(items: list[dict[str, Any]], like: str) -> str:
    """Return list items as YAML text to add after the last item of the file's top-level list.

    Indented, and separated by blank lines, as the items of `like` (the file) are. The
    items hold text, lists of words and mappings: what a new organisation holds.
    """
    offset, _, _ = _indents(like)
    gap = "\n" if re.search(r"\n\s*\n *- ", like) else ""
    blocks = []
    for item in items:
        lines = _block(item, offset + 2)
        lines[0] = " " * offset + "- " + lines[0].lstrip()
        blocks.append(gap + "\n".join(lines) + "\n")
    return "".join(blocks)
