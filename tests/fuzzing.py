"""A property-based fuzz of every reader of outside input: mutated real files, fed to the real code.

Each target writes a mutated seed where its reader looks (a workspace, a notes folder, an
inbox) or serves it as a response body, and calls the reader. Two outcomes are acceptable:
success, or an error (raised, or returned as a problem) whose message names the file it is
about. The run also counts the cases over 5 s of CPU time and the peak memory of the process.
CPU time, not wall time: a machine busy with other work slows every case alike, and
must not fail the run.

Seeds are the real files: the demo workspace (consult/demo_workspace/), tests/data/ and the hostile
corpus under tests/data/hostile/, by suffix. Mutations are hypothesis strategies: byte
flips, lines deleted, duplicated or repeated, hostile fragments spliced in (anchors and
aliases, deep nesting, U+2028, NUL, BOMs, huge numbers, doubled properties), other
encodings. Hypothesis shrinks each distinct uncaught exception, and each distinct error
that does not name its file, to a minimal list of mutations of the simplest seed.

    python -m tests.fuzzing --cases 20000 [--seed 0]

prints per target and in total the cases run, the uncaught exceptions, the cases over
5 s of CPU, the peak memory and the errors not naming their file, and exits 1 if any of them
is found or the peak passes 300 MB.
"""

from __future__ import annotations

import argparse
import io
import re
import resource
import signal
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
import urllib3
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from consult.demo import DEMO_WORKSPACE
from consult.errors import ConsultError, WorkspaceError
from consult.mail.replies import read_inbox
from consult.notes.files import read_notes_folder
from consult.notes.kobo import KoboMapping, fetch_submissions, submissions_to_notes
from consult.planning.feeds import fetch_busy
from consult.retry import RetryPolicy
from consult.workspace.loading import load_workspace
from tests.conftest import TINY_STAKEHOLDERS, TINY_TRAINING

ROOT = Path(__file__).resolve().parent.parent
SLOW_SECONDS = 5.0
"""A case that takes more CPU time than this is a failure: no reader may make a command hang."""
STOP_SECONDS = 20.0
"""A case still running after this much CPU time is stopped (where Python can) and counted slow."""
MEMORY_LIMIT_MB = 300.0
"""The peak resident memory of the fuzzing process that fails the run."""

Mutation = tuple[Any, ...]


# --- seeds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    """A real file a reader is given, mutated: where it came from and what the reader calls it."""

    label: str
    """Where the bytes come from, from the repository's root."""
    data: bytes
    name: str
    """The file's name where the reader finds it, e.g. `notes/x.md` or `inbox/reply.eml`."""
    beside: tuple[tuple[str, bytes], ...] = ()
    """Other files written with it, unmutated (the rest of a workspace)."""


def _files(folder: Path, *suffixes: str) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        path for path in folder.rglob("*") if path.is_file() and path.suffix.lower() in suffixes
    )


def _label(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


HOSTILE = ROOT / "tests" / "data" / "hostile"
SEEDS = ROOT / "tests" / "data" / "seeds"


def _workspace_seeds() -> list[Seed]:
    pairs: list[tuple[str, bytes, list[tuple[str, bytes]]]] = [
        ("tests/conftest.py", TINY_STAKEHOLDERS.encode(), [("winter-2027", TINY_TRAINING.encode())])
    ]
    for folder in (DEMO_WORKSPACE, ROOT / "tests" / "data" / "golden"):
        trainings = [(p.stem, p.read_bytes()) for p in _files(folder / "trainings", ".yaml")]
        pairs.append((_label(folder), (folder / "stakeholders.yaml").read_bytes(), trainings))
    seeds: list[Seed] = []
    for where, stakeholders, trainings in pairs:
        files = [("stakeholders.yaml", stakeholders)]
        files += [(f"trainings/{slug}.yaml", text) for slug, text in trainings]
        for name, data in files:
            beside = tuple(item for item in files if item[0] != name)
            label = f"{where}:{name}" if where.endswith(".py") else f"{where}/{name}"
            seeds.append(Seed(label, data, name, beside))
    demo = [seed for seed in seeds if seed.label.startswith(f"{_label(DEMO_WORKSPACE)}/")]
    for path in _files(HOSTILE, ".yaml", ".yml"):
        for seed in demo:
            seeds.append(Seed(_label(path), path.read_bytes(), seed.name, seed.beside))
    return seeds


def _notes_seeds() -> list[Seed]:
    seeds = [
        Seed(_label(path), path.read_bytes(), f"notes/{path.name}")
        for path in _files(DEMO_WORKSPACE / "notes", ".md", ".yaml", ".csv")
        if path.name.lower() != "readme.md"
    ]
    for path in _files(HOSTILE, ".md", ".csv", ".yaml", ".yml"):
        seeds.append(Seed(_label(path), path.read_bytes(), f"notes/{path.name}"))
        if path.suffix.lower() in (".yaml", ".yml"):
            # the same YAML as the front matter of a Markdown notes file
            front = b"---\n" + path.read_bytes().rstrip(b"\n") + b"\n---\n\n- [gap] x\n"
            seeds.append(Seed(f"{_label(path)} as front matter", front, f"notes/{path.stem}.md"))
    return seeds


def _reply_seeds() -> list[Seed]:
    return [
        Seed(_label(path), path.read_bytes(), f"inbox/{path.name}")
        for path in [*_files(SEEDS, ".eml", ".ics"), *_files(HOSTILE, ".eml", ".ics")]
    ]


def _kobo_seeds() -> list[Seed]:
    return [
        Seed(_label(path), path.read_bytes(), "kobo")
        for path in [*_files(SEEDS, ".json"), *_files(HOSTILE, ".json")]
    ]


def _feed_seeds() -> list[Seed]:
    return [
        Seed(_label(path), path.read_bytes(), "feed")
        for path in [
            *_files(DEMO_WORKSPACE / "feeds", ".ics"),
            *_files(SEEDS, ".ics"),
            *_files(HOSTILE, ".ics"),
        ]
    ]


# --- mutations --------------------------------------------------------------------------------

COMMON = [
    b"&a",
    b"*a",
    b"&a [x, *a]",
    b"<<: *a",
    b"[[[[",
    b"]]]]",
    b"{{{{",
    "\u2028".encode(),
    "\u2029".encode(),
    "\x85".encode(),
    b"\x0b",
    b"\x0c",
    b"\x00",
    b"\x1b[31m",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xed\xa0\x80",
    b"\xc3",
    b"\x80",
    b"9" * 400,
    b"-" + b"9" * 30,
    b"1e999",
    b"-0",
    b".nan",
    b".inf",
    b"0x1F",
    b"0o17",
    b"2027-02-30",
    b"9999-12-31",
    b"0000-01-01",
    b"24:00",
    b"18:00",
    b"!!python/object/apply:os.system ['id']",
    b"!!binary AAAA",
    b"!!set {a}",
    b"? [a, b]",
    b"{a: 1}: b",
    b"'",
    b'"',
    b"\t",
    b"---",
    b"...",
    b"%YAML 1.1",
    b"- ",
    b": ",
    b"~",
    b"NO",
    b"=cmd|' /C calc'!A0",
    b"\r",
    b"\n\n",
    "ნინო 🎉".encode(),
    b"x" * 200_000,
    b"{{ cycler.__init__.__globals__ }}",
]
YAML = [
    b"organisations: []",
    b"- id: x",
    b"  - id: mia",
    b"contacts: []",
    b"email: nino@",
    b"timezone: Mars/Base",
    b"language: xx",
    b"country: XX",
    b"kind: spaceship",
    b"start: 2027-02-30",
    b"end: 1999-01-01",
    b"count: " + b"9" * 40,
    b"severity: 1e400",
    b"day: -1",
    b"duration_minutes: 0",
    b"organisation: nowhere",
    b"themes: [nowhere]",
    b"name: {en: ''}",
    b"meeting: ",
    b"date: 2027-13-01",
    b"attendance:",
    b"observations: {}",
]
MARKDOWN = [
    b"---",
    b"- [gap] [theme: x] [severity: 9]",
    b"- [commitment] [theme: referral] [severity: 2]",
    b"[id: ",
    b'[quote: "',
    b"[confidentiality: secret]",
    b"- [",
    b"# ",
]
CSV = [b'"', b'""', b",,,,,,,,,,,,,", b'"unterminated', b"meeting,round", b";"]
ICS = [
    b"SEQUENCE:1",
    b"SEQUENCE:" + b"9" * 40,
    b"SEQUENCE:-1",
    b"SEQUENCE:x",
    b"UID:",
    b"UID:x",
    b"METHOD:REPLY",
    b"METHOD:REQUEST",
    b"BEGIN:VEVENT",
    b"END:VEVENT",
    b"BEGIN:VCALENDAR",
    b"END:VCALENDAR",
    b"BEGIN:VTODO",
    b"BEGIN:VALARM",
    b"ATTENDEE:mailto:",
    b"ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example",
    b"ATTENDEE;PARTSTAT=BOGUS:mailto:a@b.example",
    b'ATTENDEE;CN="x:mailto:a@b.example',
    b"DTSTART:99991231T235959Z",
    b"DTSTART:00010101T000000",
    b"DTSTART:20270230T100000",
    b"DTSTART;TZID=Mars/Base:20261210T100000",
    b"DTSTART;VALUE=DATE:20261210",
    b"DTEND:20261201T080000Z",
    b"DURATION:P99999999W",
    b"DURATION:-P1D",
    b"RRULE:FREQ=SECONDLY",
    b"RRULE:FREQ=MINUTELY",
    b"RRULE:FREQ=DAILY;COUNT=1000000",
    b"RRULE:FREQ=YEARLY;UNTIL=99991231T000000Z",
    b"RRULE:FREQ=",
    b"RRULE:FREQ=WEEKLY;BYDAY=XX",
    b"EXDATE:x",
    b"RDATE;VALUE=PERIOD:20261210T000000Z/P1D",
    b"RECURRENCE-ID:20261208T080000Z",
    b"BEGIN:VTIMEZONE",
    b"TZOFFSETFROM:+9999",
    b"BEGIN:VFREEBUSY",
    b"FREEBUSY:20261210T000000Z/20261211T000000Z",
    b"FREEBUSY:x/y",
    b"TRANSP:TRANSPARENT",
    b"STATUS:CANCELLED",
    b" folded",
    b";;;:",
]
EML = [
    b"Content-Type: multipart/mixed; boundary=x",
    b"Content-Type: text/calendar; method=REPLY",
    b'Content-Type: text/calendar; method="REPLY"; charset=utf-99',
    b"Content-Type: application/ics; name*=utf-8''%FF.ics",
    b"Content-Type: message/rfc822",
    b"Content-Transfer-Encoding: base64",
    b"Content-Transfer-Encoding: quoted-printable",
    b"Content-Transfer-Encoding: x-uuencode",
    b"--x",
    b"--x--",
    b"Subject: =?utf-8?b?????=",
    b"Content-Disposition: attachment; filename*=utf-8''%ff%fe.ics",
    b"=E2=80",
    b'boundary=""',
]
JSON = [
    b"null",
    b"[]",
    b"{}",
    b'{"results": [',
    b'{"results": {}}',
    b'{"results": [1]}',
    b'"next": 5,',
    b'"next": "https://evil.example/",',
    b'"next": "https://kf.example.org/api/v2/assets/aKoboFuzzForm/data/?page=2",',
    b'"_uuid": 5,',
    b'"_uuid": "",',
    b'"meta/rootUuid": ":",',
    b'"group_obs/severity": 1e999,',
    b'"group_obs/severity": 99999999999999999999999,',
    b'"group_obs/severity": true,',
    b'"group_meta/date": "2027-02-30",',
    b'"group_obs/text": ["a"],',
    b'"group_obs/text": {"a": 1},',
    b'"group_obs/theme": null,',
    b'"group_obs/kind": "commitment",',
    b"NaN",
    b'"\\ud800"',
    b'"\\u0000"',
]

# Each value as often as its weight: an 8 MB input costs seconds even where it is refused.
REPEATS = [
    times
    for times, weight in ((2, 6), (3, 4), (10, 4), (100, 3), (1_000, 2), (20_000, 1))
    for _ in range(weight)
]
DEPTHS = (2, 10, 64, 65, 200, 1_000, 5_000, 50_000)
ENCODINGS = ("utf-16", "utf-16-be", "bom", "latin-1", "crlf", "cr", "lf")


def _mime(depth: int) -> bytes:
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(depth)
    )
    closing = b"".join(b"\n--b%d--\n" % i for i in reversed(range(depth)))
    return opening + b"Content-Type: text/plain\n\nx" + closing


NESTINGS: dict[str, Callable[[int], bytes]] = {
    "yaml flow": lambda d: b"x: " + b"[" * d + b"]" * d,
    "yaml block": lambda d: b"- " * d + b"x",
    "yaml map": lambda d: b"x: " + b"{a: " * d + b"1" + b"}" * d,
    "json": lambda d: b"[" * d + b"]" * d,
    "ics": lambda d: b"BEGIN:VEVENT\r\n" * d + b"END:VEVENT\r\n" * d,
    "mime": _mime,
}


def _mutations(fragments: Sequence[bytes], nestings: Sequence[str]) -> st.SearchStrategy[Mutation]:
    """Return the strategy of one mutation; positions are taken modulo the length of the input."""
    at = st.integers(0, 1 << 16)
    fragment = st.one_of(
        st.sampled_from([*fragments, *COMMON]),
        st.binary(max_size=8),
        st.text(max_size=8).map(lambda text: text.encode("utf-8", "surrogatepass")),
    )
    return st.one_of(
        st.tuples(st.just("delete line"), at),
        st.tuples(st.just("duplicate line"), at),
        st.tuples(st.just("insert line"), at, fragment),
        st.tuples(st.just("replace value"), at, fragment),
        st.tuples(st.just("splice"), at, fragment),
        st.tuples(st.just("flip"), at, st.integers(0, 7)),
        st.tuples(st.just("truncate"), at),
        st.tuples(st.just("repeat lines"), at, st.integers(1, 12), st.sampled_from(REPEATS)),
        st.tuples(st.just("nest"), at, st.sampled_from(nestings), st.sampled_from(DEPTHS)),
        st.tuples(st.just("encode"), st.sampled_from(ENCODINGS)),
    )


MAX_INPUT = 8_000_000
"""The largest input a case builds: more than any reader accepts, little beside the process."""


def mutate(data: bytes, mutations: Iterable[Mutation]) -> bytes:
    """Return `data` with each mutation applied in turn, cut to MAX_INPUT bytes."""
    for mutation in mutations:
        data = _apply(data, mutation)[:MAX_INPUT]
    return data


def _apply(data: bytes, mutation: Mutation) -> bytes:
    kind, *args = mutation
    lines = data.splitlines(keepends=True)
    if kind == "encode":
        return _encode(data, args[0])
    if kind == "splice":
        i = args[0] % (len(data) + 1)
        return data[:i] + args[1] + data[i:]
    if kind == "flip":
        if not data:
            return data
        i = args[0] % len(data)
        return data[:i] + bytes([data[i] ^ (1 << args[1])]) + data[i + 1 :]
    if kind == "truncate":
        return data[: args[0] % (len(data) + 1)]
    if kind in ("insert line", "nest"):
        i = args[0] % (len(lines) + 1)
        text = args[1] if kind == "insert line" else NESTINGS[args[1]](args[2])
        return b"".join([*lines[:i], text + b"\n", *lines[i:]])
    if not lines:
        return data
    i = args[0] % len(lines)
    if kind == "delete line":
        del lines[i]
    elif kind == "duplicate line":
        lines.insert(i, lines[i])
    elif kind == "repeat lines":
        block = lines[i : i + args[1]]
        times = min(args[2] - 1, MAX_INPUT // max(1, sum(map(len, block))))
        lines[i + args[1] : i + args[1]] = block * times
    elif kind == "replace value":
        lines[i] = _replace_value(lines[i], args[1])
    return b"".join(lines)


def _replace_value(line: bytes, value: bytes) -> bytes:
    end = line[len(line.rstrip(b"\r\n")) :]
    body = line[: len(line) - len(end)]
    colon, comma = body.find(b":"), body.find(b",")
    if colon >= 0 and (comma < 0 or colon < comma):
        return body[: colon + 1] + b" " + value + end
    if comma >= 0:
        after = body.find(b",", comma + 1)
        return body[: comma + 1] + value + (body[after:] if after >= 0 else b"") + end
    return value + end


def _encode(data: bytes, how: str) -> bytes:
    text = data.decode("utf-8", "replace")
    if how in ("utf-16", "utf-16-be"):
        return text.encode(how)
    if how == "latin-1":
        return text.encode("latin-1", "replace")
    if how == "bom":
        return b"\xef\xbb\xbf" + data
    unix = data.replace(b"\r\n", b"\n")
    return {"crlf": unix.replace(b"\n", b"\r\n"), "cr": unix.replace(b"\n", b"\r")}.get(how, unix)


def describe(mutation: Mutation) -> str:
    """Return one mutation as a person reads it."""
    kind, *args = mutation
    shown = [_show(arg) if isinstance(arg, bytes) else str(arg) for arg in args]
    return f"{kind}({', '.join(shown)})"


def _show(data: bytes, limit: int = 60) -> str:
    return repr(data) if len(data) <= limit else f"{data[:limit]!r}... ({len(data):,} bytes)"


# --- targets ----------------------------------------------------------------------------------


class _Served(BaseAdapter):
    """A transport answering every request with 200 and `body`: a response without a socket.

    Each case would otherwise cost a connection; what parses the body is the same.
    """

    def __init__(self, content_type: str) -> None:
        super().__init__()
        self.content_type = content_type
        self.body = b""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        response = requests.Response()
        response.status_code = 200
        response.reason = "OK"
        response.headers = CaseInsensitiveDict(
            {"Content-Type": self.content_type, "Content-Length": str(len(self.body))}
        )
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = urllib3.HTTPResponse(
            body=io.BytesIO(self.body),
            headers=dict(response.headers),
            status=200,
            preload_content=False,
            decode_content=False,
        )
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        """Nothing to close: no connection is ever opened."""


def _session(adapter: _Served) -> requests.Session:
    session = requests.Session()
    session.mount("https://", adapter)
    return session


@dataclass
class Target:
    """A reader under fuzz: its seeds, the fragments worth splicing in, and how to call it.

    `read(seed, data)` calls the reader and returns every error message it gave back (as
    problems); an error it raises is caught by the runner. `names(seed)` are the strings of
    which an error message must hold one: the file names the reader knows the input by.
    """

    name: str
    seeds: list[Seed]
    fragments: list[bytes]
    nestings: list[str]
    read: Callable[[Seed, bytes], list[str]]
    names: Callable[[Seed], tuple[str, ...]]

    def inputs(self) -> st.SearchStrategy[tuple[Seed, list[Mutation]]]:
        """Return the strategy of one case: a seed and the mutations made to it."""
        return st.tuples(
            st.sampled_from(self.seeds),
            st.lists(_mutations(self.fragments, self.nestings), min_size=1, max_size=4),
        )


def _write(root: Path, files: Iterable[tuple[str, bytes]]) -> None:
    for name, data in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _clear(folder: Path) -> None:
    for path in folder.glob("*"):
        path.unlink()


def workspace_target(scratch: Path) -> Target:
    """Return the target `load_workspace` over stakeholders.yaml and trainings/<slug>.yaml."""
    root = scratch / "workspace"

    def read(seed: Seed, data: bytes) -> list[str]:
        (root / "trainings").mkdir(parents=True, exist_ok=True)
        _clear(root / "trainings")
        _write(root, [*seed.beside, (seed.name, data)])
        load_workspace(root)
        return []

    def names(seed: Seed) -> tuple[str, ...]:
        return ("stakeholders.yaml", "trainings/")

    return Target(
        "workspace", _workspace_seeds(), YAML, ["yaml flow", "yaml block", "yaml map"], read, names
    )


def notes_target(scratch: Path) -> Target:
    """Return the target `read_notes_folder` over one Markdown, YAML or CSV notes file."""
    folder = scratch / "notes"
    folder.mkdir(parents=True, exist_ok=True)

    def read(seed: Seed, data: bytes) -> list[str]:
        _clear(folder)
        _write(scratch, [(seed.name, data)])
        return [str(problem) for problem in read_notes_folder(folder).problems]

    return Target(
        "notes",
        _notes_seeds(),
        [*YAML, *MARKDOWN, *CSV],
        ["yaml flow", "yaml block", "yaml map"],
        read,
        lambda seed: (seed.name,),
    )


def replies_target(scratch: Path) -> Target:
    """Return the target `read_inbox` over one .ics or .eml file in the inbox."""
    folder = scratch / "inbox"
    folder.mkdir(parents=True, exist_ok=True)

    def read(seed: Seed, data: bytes) -> list[str]:
        _clear(folder)
        _write(scratch, [(seed.name, data)])
        return read_inbox(folder).problems

    return Target(
        "replies", _reply_seeds(), [*ICS, *EML], ["ics", "mime"], read, lambda seed: (seed.name,)
    )


KOBO = KoboMapping(
    base_url="https://kf.example.org",
    asset_uid="aKoboFuzzForm",
    token_env="KOBO_TOKEN",
    fields={
        "meeting": "group_meta/meeting",
        "round": "group_meta/round",
        "organisation": "group_meta/organisation",
        "date": "group_meta/date",
        "kind": "group_obs/kind",
        "theme": "group_obs/theme",
        "severity": "group_obs/severity",
        "text": "group_obs/text",
        "quote": "group_obs/quote",
        "speaker_role": "group_obs/speaker_role",
        "confidentiality": "group_obs/confidentiality",
        "owner": "group_obs/owner",
        "due": "group_obs/due",
    },
)
_ONCE = RetryPolicy(attempts=1, backoff=0.0, max_wait=0.0)


def kobo_target(scratch: Path) -> Target:
    """Return the target `fetch_submissions` then `submissions_to_notes` over one data page."""
    adapter = _Served("application/json")
    session = _session(adapter)

    def read(seed: Seed, data: bytes) -> list[str]:
        adapter.body = data
        fetched = fetch_submissions(KOBO, "token", session=session, retry=_ONCE)
        _, problems = submissions_to_notes(KOBO, fetched.results)
        return [*fetched.problems, *problems]

    return Target(
        "kobo",
        _kobo_seeds(),
        JSON,
        ["json"],
        read,
        lambda seed: ("https://kf.example.org/", f"kobo/{KOBO.asset_uid}"),
    )


FEED = "https://feeds.example.org/lela.ics"
WINDOW = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC))


def feeds_target(scratch: Path) -> Target:
    """Return the target `fetch_busy` over one feed body (it parses it with `busy_from_ics`)."""
    adapter = _Served("text/calendar")
    session = _session(adapter)

    def read(seed: Seed, data: bytes) -> list[str]:
        adapter.body = data
        result = fetch_busy(
            FEED, *WINDOW, owner_timezone="Asia/Tbilisi", session=session, retry=_ONCE
        )
        return [result.error] if result.error is not None else []

    return Target("feeds", _feed_seeds(), ICS, ["ics"], read, lambda seed: (FEED,))


TARGETS = (workspace_target, notes_target, replies_target, kobo_target, feeds_target)


# --- one case ---------------------------------------------------------------------------------


class _Stopped(BaseException):
    """A case ran past STOP_SECONDS; a BaseException, so that no `except Exception` keeps it."""


@dataclass(frozen=True)
class Example:
    """One failing case: what went wrong and the input that did it."""

    summary: str
    where: str
    seed: str
    mutations: tuple[Mutation, ...]
    data: bytes
    seconds: float
    peak_mb: float

    def lines(self) -> list[str]:
        """Return the example as indented report lines."""
        changes = ", ".join(describe(m) for m in self.mutations) or "none"
        return [
            f"    {self.summary}" + (f"  [{self.where}]" if self.where else ""),
            f"    input: {self.seed} + {changes}",
            f"    bytes: {_show(self.data, 160)}",
            f"    took {self.seconds:.2f} s of CPU, peak {self.peak_mb:.0f} MB",
        ]


@dataclass(frozen=True)
class Outcome:
    """What one case did: failures found (kind, signature, summary, where), CPU time, memory."""

    failures: tuple[tuple[str, tuple[str, ...], str, str], ...]
    seconds: float
    peak_mb: float


class _Memory:
    """The peak resident memory of this process, per case where Linux allows resetting it."""

    def __init__(self) -> None:
        self.resettable = self._reset()

    @staticmethod
    def _reset() -> bool:
        try:
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def reset(self) -> None:
        """Start measuring a new peak (no-op where the peak cannot be reset)."""
        if self.resettable:
            self._reset()

    def peak_mb(self) -> float:
        """Return the peak since the last reset (or since the process began), in MB."""
        if self.resettable:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        scale = 1 if sys.platform == "darwin" else 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1024 / 1024


@contextmanager
def _stop_after(seconds: float) -> Iterator[None]:
    """Raise _Stopped in the case if it spends more than `seconds` of CPU (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise _Stopped

    previous = signal.signal(signal.SIGPROF, stop)
    # Again every second: an exception raised inside a gc callback is printed and dropped.
    signal.setitimer(signal.ITIMER_PROF, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def _origin(error: BaseException) -> str:
    """Return where `error` was raised: the innermost frame of the project's code, then the
    innermost frame of all when that is in a library."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if Path(f.filename).is_relative_to(ROOT)]
    shown = [f for f in (ours[-1:] + frames[-1:]) if f]
    if len(shown) == 2 and shown[0] == shown[1]:
        shown = shown[:1]
    return " > ".join(f"{_where(Path(f.filename))}:{f.lineno} in {f.name}" for f in shown)


def _where(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    line = text.splitlines()[0] if text else ""
    line = line if len(line) <= 160 else line[:157] + "..."
    return f"{type(error).__name__}: {line}" if line else type(error).__name__


def _shape(message: str) -> str:
    """Return the message with its values blurred, so that one kind of error is one signature."""
    return re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "_", message)[:80]


def run_case(target: Target, seed: Seed, data: bytes, memory: _Memory) -> Outcome:
    """Return what calling the target's reader on `data` did."""
    failures: list[tuple[str, tuple[str, ...], str, str]] = []
    names = target.names(seed)

    def unnamed(messages: Iterable[str], kind: str) -> None:
        for message in messages:
            if not any(name in message for name in names):
                summary = f"{kind}: {message.splitlines()[0][:160]}"
                failures.append(("unnamed", (kind, _shape(message)), summary, ""))

    memory.reset()
    start = time.process_time()
    try:
        with _stop_after(STOP_SECONDS), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            unnamed(target.read(seed, data), "problem")
    except _Stopped:
        pass
    except WorkspaceError as error:
        unnamed((str(problem) for problem in error.problems), type(error).__name__)
    except ConsultError as error:
        unnamed([str(error)], type(error).__name__)
    except Exception as error:
        where = _origin(error)
        failures.append(("uncaught", (type(error).__name__, where), _first_line(error), where))
    seconds = time.process_time() - start
    if seconds > SLOW_SECONDS:
        stopped = " (stopped)" if seconds >= STOP_SECONDS else ""
        failures.append(("slow", ("slow",), f"took {seconds:.1f} s of CPU{stopped}", ""))
    return Outcome(tuple(failures), seconds, memory.peak_mb())


# --- the run ----------------------------------------------------------------------------------


@dataclass
class TargetReport:
    """What the fuzz found in one target."""

    name: str
    cases: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {"uncaught": 0, "slow": 0, "unnamed": 0})
    examples: dict[str, dict[tuple[str, ...], Example]] = field(
        default_factory=lambda: {"uncaught": {}, "slow": {}, "unnamed": {}}
    )
    peak_mb: float = 0.0
    peak_example: Example | None = None
    slowest: float = 0.0


@dataclass
class Report:
    """What the fuzz found, per target, and whether the run passes."""

    targets: list[TargetReport]
    seed: int
    seconds: float

    def total(self, kind: str) -> int:
        """Return how many cases, over all targets, failed in this way."""
        return sum(target.counts[kind] for target in self.targets)

    @property
    def cases(self) -> int:
        """Return the number of cases run, shrinking included."""
        return sum(target.cases for target in self.targets)

    @property
    def peak_mb(self) -> float:
        """Return the highest peak memory of any case, in MB."""
        return max((target.peak_mb for target in self.targets), default=0.0)

    @property
    def passed(self) -> bool:
        """Tell whether the run found no failure of any of the four kinds."""
        no_failures = all(self.total(kind) == 0 for kind in ("uncaught", "slow", "unnamed"))
        return no_failures and self.peak_mb <= MEMORY_LIMIT_MB

    def text(self) -> str:
        """Return the report as a person reads it: a table, then one example per failure."""
        header = f"{'target':<10} {'cases':>7} {'uncaught':>9} {'over 5 s':>9} {'no file':>8}"
        header += f" {'peak MB':>8} {'slowest CPU s':>14}"
        rows = [header]
        for t in self.targets:
            rows.append(
                f"{t.name:<10} {t.cases:>7} {t.counts['uncaught']:>9} {t.counts['slow']:>9}"
                f" {t.counts['unnamed']:>8} {t.peak_mb:>8.0f} {t.slowest:>14.2f}"
            )
        slowest = max((t.slowest for t in self.targets), default=0.0)
        rows.append(
            f"{'total':<10} {self.cases:>7} {self.total('uncaught'):>9} {self.total('slow'):>9}"
            f" {self.total('unnamed'):>8} {self.peak_mb:>8.0f} {slowest:>14.2f}"
        )
        titles = {
            "uncaught": "uncaught exceptions (one example each, shrunk)",
            "slow": f"cases over {SLOW_SECONDS:g} s of CPU time (the slowest of each target)",
            "unnamed": "errors whose message does not name their file (one each, shrunk)",
        }
        for kind, title in titles.items():
            found = [(t.name, e) for t in self.targets for e in t.examples[kind].values()]
            if found:
                rows += ["", f"{title}:"]
                for name, example in found:
                    rows += [f"  {name}:", *example.lines()]
        heavy = [t for t in self.targets if t.peak_mb > MEMORY_LIMIT_MB and t.peak_example]
        if heavy:
            rows += ["", f"peak memory over {MEMORY_LIMIT_MB:g} MB (the heaviest case):"]
            for t in heavy:
                assert t.peak_example is not None
                rows += [f"  {t.name}:", *t.peak_example.lines()]
        verdict = "passed" if self.passed else "FAILED"
        rows += ["", f"{verdict}: {self.cases} cases, seed {self.seed}, {self.seconds:.0f} s"]
        return "\n".join(rows)


class _Found(Exception):
    """Raised in a case to let hypothesis shrink a failure not seen before."""


Key = tuple[str, tuple[str, ...]]
"""One kind of failure: its kind (uncaught, unnamed, slow) and its signature."""


def fuzz_target(target: Target, cases: int, seed: int, memory: _Memory) -> TargetReport:
    """Return what `cases` cases (and the shrinking of each new failure) found in `target`.

    Hypothesis stops generating at the first failure and shrinks it. Each new kind of
    uncaught exception or unnamed error is shrunk so, then the search goes on from a new
    seed with the cases left; failures seen before are only counted. Slow and heavy
    cases are only counted: shrinking them would take as long again, many times over.
    """
    report = TargetReport(target.name)
    shrunk: set[Key] = set()
    round_ = 0
    while report.cases < cases:
        found = _search(target, cases, seed * 1000 + round_, memory, report, shrunk)
        if found is None:
            break
        shrunk.add(found)
        round_ += 1
    return report


def _search(
    target: Target, cases: int, seed: int, memory: _Memory, report: TargetReport, shrunk: set[Key]
) -> Key | None:
    """Return the new failure found and shrunk in the cases left, or None if none was found."""
    hunted: list[Key] = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=cases - report.cases,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    @given(target.inputs())
    def case(sample: tuple[Seed, list[Mutation]]) -> None:
        seed_, mutations = sample
        data = mutate(seed_.data, mutations)
        outcome = run_case(target, seed_, data, memory)
        report.cases += 1
        report.slowest = max(report.slowest, outcome.seconds)

        def example(summary: str, where: str) -> Example:
            return Example(
                summary,
                where,
                seed_.label,
                tuple(mutations),
                data,
                outcome.seconds,
                outcome.peak_mb,
            )

        if outcome.peak_mb > report.peak_mb:
            report.peak_mb = outcome.peak_mb
            report.peak_example = example(f"peak {outcome.peak_mb:.0f} MB", "")
        found = False
        for kind, signature, summary, where in outcome.failures:
            key = (kind, signature)
            examples = report.examples[kind]
            if kind == "slow":
                slowest = examples.get(signature)
                if slowest is None or outcome.seconds > slowest.seconds:
                    examples[signature] = example(summary, where)
                continue
            if key in shrunk:
                continue
            if not hunted:
                hunted.append(key)
            if key == hunted[0]:
                # the last failing call of a shrink is the minimal example
                examples[signature] = example(summary, where)
                found = True
            elif signature not in examples:
                examples[signature] = example(summary, where)
        for kind, _, _, _ in outcome.failures:
            report.counts[kind] += 1
        if found:
            raise _Found

    try:
        case()
    except _Found:
        pass
    except Exception:
        # hypothesis' own verdicts (a flaky failure, for one); the cases are counted
        if not hunted:
            raise
    return hunted[0] if hunted else None


def run(cases: int, seed: int = 0) -> Report:
    """Return the report of `cases` cases spread evenly over the targets."""
    started = time.perf_counter()
    memory = _Memory()
    with tempfile.TemporaryDirectory(prefix="consult-fuzz-") as scratch:
        targets = [make(Path(scratch)) for make in TARGETS]
        share, extra = divmod(cases, len(targets))
        reports = [
            fuzz_target(target, share + (1 if i < extra else 0), seed, memory)
            for i, target in enumerate(targets)
        ]
    return Report(reports, seed, time.perf_counter() - started)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fuzz from the command line; return 0 if it passed, else 1."""
    parser = argparse.ArgumentParser(prog="python -m tests.fuzzing", description=__doc__)
    parser.add_argument("--cases", type=int, default=2_000, help="cases over all targets")
    parser.add_argument("--seed", type=int, default=0, help="the seed of the search")
    options = parser.parse_args(argv)
    report = run(options.cases, options.seed)
    print(report.text())
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
