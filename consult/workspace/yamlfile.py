"""Reads a YAML file into plain data, remembering the line of every value."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from consult.errors import Problem

Loc = tuple[str | int, ...]


@dataclass
class Lines:
    """The line (1-based) where each value, and each mapping key, of a YAML document starts."""

    values: dict[Loc, int] = field(default_factory=dict)
    keys: dict[Loc, int] = field(default_factory=dict)

    def of(self, loc: Loc) -> int | None:
        """Return the line of the value at `loc`, or of the nearest enclosing value."""
        if loc in self.keys:
            return self.keys[loc]
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.values:
                return self.values[loc[:end]]
        return None


_Loader = yaml.SafeLoader | yaml.CSafeLoader


class _Builder:
    def __init__(self, loader: _Loader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.lines = Lines()
        self.problems: list[Problem] = []

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.lines.values[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, Hashable):
                    self.problems.append(
                        Problem(
                            self.file,
                            key_node.start_mark.line + 1,
                            path_of(loc),
                            str(key),
                            "a plain key",
                        )
                    )
                    continue
                if key in result:
                    self.problems.append(
                        Problem(
                            self.file,
                            key_node.start_mark.line + 1,
                            path_of((*loc, str(key))),
                            key,
                            "each key once in a mapping (this one is repeated)",
                        )
                    )
                    continue
                child = (*loc, key if isinstance(key, str | int) else str(key))
                self.lines.keys[child] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, index)) for index, item in enumerate(node.value)]
        # A plain scalar: PyYAML gives it style None, libyaml an empty string.
        if isinstance(node, yaml.ScalarNode) and not node.style and _is_yaml11_surprise(node):
            return node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError):
            # A plain scalar that looks like a date but is none (2027-02-30): keep the
            # text, and the field's own check says what was expected.
            if isinstance(node, yaml.ScalarNode):
                return node.value
            raise


_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"


def _is_yaml11_surprise(node: yaml.ScalarNode) -> bool:
    """Tell a plain scalar that YAML 1.1 reads as something a person did not mean.

    `18:00` is the integer 1080 in base 60 and `NO` (Norway) is false; both stay text.
    """
    if node.tag in (_INT, _FLOAT):
        return ":" in node.value
    if node.tag == _BOOL:
        return node.value.lower() not in ("true", "false")
    return False


def path_of(loc: Loc) -> str:
    """Return `loc` written as a reader would: `organisations[2].contacts[0].email`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _unreadable(name: str, text: str, error: yaml.reader.ReaderError) -> Problem:
    line = text.count("\n", 0, error.position) + 1
    character = error.character
    shown = f"U+{character:04X}" if isinstance(character, int) else repr(character)
    return Problem(name, line, "", None, f"is not valid YAML: the character {shown} is not allowed")


MAX_DEPTH = 64
"""The deepest nesting of lists and mappings a file may have; the top mapping is level 1.

A workspace file needs fewer than ten levels. Composing far deeper ones recurses until
Python gives up.
"""

_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def hazards(text: str, name: str) -> list[Problem]:
    """Return the problems that make YAML text unsafe to compose: anchors, aliases, deep nesting.

    Call it before composing the text: it reads the event stream once, without recursion,
    so an alias bomb or 5,000 nested lists cost no more than their length. An alias
    expands anew wherever it is used, and a coordinator has no use for one. Text that is
    not valid YAML gives no hazard past its fault: the composer names the fault.
    Lines are those of `text`, 1-based.
    """
    if yaml.__with_libyaml__:
        # libyaml reads ten times faster, but refuses nesting over 1,000 levels deep and
        # some text the Python parser reads: those are left to the Python parser.
        try:
            return list(_scan(text, name, yaml.CSafeLoader))
        except yaml.YAMLError:
            pass
    found: list[Problem] = []
    try:
        for problem in _scan(text, name, yaml.SafeLoader):
            found.append(problem)
    except yaml.YAMLError:
        pass
    return found


def _scan(text: str, name: str, loader: type[_Loader]) -> Iterator[Problem]:
    """Yield the first anchor or alias of `text`, then where it nests too deep, if it does."""
    anchored = False
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                expected = (
                    f"nests lists or mappings more than {MAX_DEPTH} levels deep; "
                    f"at most {MAX_DEPTH} are allowed"
                )
                yield Problem(name, _line_of(event), "", None, expected)
                return
        elif isinstance(event, _CLOSE):
            depth -= 1
        if anchored:
            continue
        if isinstance(event, yaml.AliasEvent):
            anchored = True
            yield _anchored(name, event, f"*{event.anchor}")
        elif isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            anchored = True
            yield _anchored(name, event, f"&{event.anchor}")


def _anchored(name: str, event: yaml.Event, written: str) -> Problem:
    expected = "no YAML anchors (&name) or aliases (*name); write each value out in full"
    return Problem(name, _line_of(event), "", written, expected)


def _line_of(event: yaml.Event) -> int | None:
    return event.start_mark.line + 1 if event.start_mark else None


def _read_with_libyaml(text: str, name: str) -> tuple[Any, Lines, list[Problem]] | None:
    """Return what `read_yaml` returns for a well-formed mapping, read by libyaml; else None.

    libyaml reads a large file ten times faster than PyYAML's Python parser. Whatever it
    cannot read is left to the Python parser, whose errors name the line and the fault.
    """
    if not yaml.__with_libyaml__:
        return None
    loader = yaml.CSafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        builder = _Builder(loader, name)
        data = builder.build(node, ())
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return None
    return data, builder.lines, builder.problems


MAX_BYTES = 1_000_000
"""The most consult reads of one workspace or notes file: a registry of a thousand
organisations is about 400 KB, and a larger file is a mistake or an attack."""


def too_large(size: int, name: str) -> Problem | None:
    """Return the problem of a file of `size` bytes when it is over `MAX_BYTES`, else None."""
    if size <= MAX_BYTES:
        return None
    return Problem(
        name, None, "", None, f"is {size:,} bytes, more than the {MAX_BYTES:,} consult reads"
    )


def read_yaml(path: Path, name: str) -> tuple[Any, Lines, list[Problem]]:
    """Return a YAML file's data, the line of each value, and what is wrong with the file.

    The data is None whenever a problem stops the file from being read at all.
    """
    try:
        # The size from the disk first: a file too large is refused before it is read.
        if (large := too_large(path.stat().st_size, name)) is not None:
            return None, Lines(), [large]
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, Lines(), [Problem(name, None, "", None, "does not exist")]
    except OSError as error:
        return None, Lines(), [Problem(name, None, "", None, f"cannot be read ({error.strerror})")]
    if b"\x00" in raw:
        return (
            None,
            Lines(),
            [Problem(name, None, "", None, "is a binary file, expected YAML text")],
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return (
            None,
            Lines(),
            [
                Problem(
                    name,
                    None,
                    "",
                    None,
                    f"is not UTF-8 text (byte {raw[error.start]:#04x} at offset {error.start})",
                )
            ],
        )
    if not text.strip():
        return None, Lines(), [Problem(name, None, "", None, "is empty, expected a YAML mapping")]
    refused = hazards(text, name)
    if refused:
        return None, Lines(), refused
    fast = _read_with_libyaml(text, name)
    if fast is not None:
        return fast
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as error:
        return None, Lines(), [_unreadable(name, text, error)]
    try:
        node = loader.get_single_node()
        if node is None:
            return (
                None,
                Lines(),
                [Problem(name, None, "", None, "is empty, expected a YAML mapping")],
            )
        builder = _Builder(loader, name)
        data = builder.build(node, ())
    except yaml.reader.ReaderError as error:
        return None, Lines(), [_unreadable(name, text, error)]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        reason = error.problem or error.context or "not valid YAML"
        return None, Lines(), [Problem(name, line, "", None, f"is not valid YAML: {reason}")]
    except yaml.YAMLError as error:
        return None, Lines(), [Problem(name, None, "", None, f"is not valid YAML: {error}")]
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return (
            None,
            builder.lines,
            [Problem(name, 1, "", type(data).__name__, "a YAML mapping at the top of the file")],
        )
    return data, builder.lines, builder.problems
