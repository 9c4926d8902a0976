"""Hostile YAML (alias bombs, anchors, deep nesting) gives one clear problem naming the line.

The guard against a bomb is counted, not timed: a refused file is never composed into
nodes, and the scan that refuses it reads few events (a bomb once took 22 s and 2.4 GB).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from consult.briefing.labels import load_labels
from consult.errors import BriefingError, WorkspaceError
from consult.notes.files import read_notes_file
from consult.workspace import yamlfile
from consult.workspace.loading import load_workspace
from consult.workspace.yamlfile import MAX_BYTES, MAX_DEPTH, hazards
from tests.conftest import TINY_STAKEHOLDERS

Write = Callable[..., Path]

HOSTILE = Path(__file__).parents[2] / "data" / "hostile" / "yaml"

NO_ANCHORS = "expected no YAML anchors (&name) or aliases (*name); write each value out in full"
TOO_DEEP = (
    f"nests lists or mappings more than {MAX_DEPTH} levels deep; at most {MAX_DEPTH} are allowed"
)

# What each file of the corpus is refused with, after the file's name.
EXPECTED = {
    "alias-bomb-6.yaml": f"line 2: got '&a', {NO_ANCHORS}",
    "alias-bomb-7.yaml": f"line 2: got '&a', {NO_ANCHORS}",
    "anchor-alone.yaml": f"line 3: got '&mia', {NO_ANCHORS}",
    "merge-key.yaml": f"line 2: got '&contact', {NO_ANCHORS}",
    "deep-flow-5000.yaml": f"line 2: {TOO_DEEP}",
    "deep-block-5000.yaml": f"line 3: {TOO_DEEP}",
    "deep-block-mappings-100.yaml": f"line 66: {TOO_DEEP}",
}

TARGETS = ["stakeholders.yaml", "trainings/winter-2027.yaml"]

MOST_EVENTS = 1_000
"""The most YAML events a refused workspace may cost: the tiny one's own files take 216,
a hostile file up to its first hazard (line 66 at most) fewer than 300; 5,000 nested
lists scanned to the end would take 10,000."""
MOST_NODES = 200
"""The most nodes a refused workspace may build: the tiny one's files build 94, a hostile
file none; an alias bomb expanded would build millions."""


@dataclass
class Work:
    """What reading YAML did: events scanned, nodes built, documents composed, files read."""

    events: int = 0
    nodes: int = 0
    composed: int = 0
    files_read: list[str] = field(default_factory=list)


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Work:
    """Count the YAML events, nodes and documents, and the files read, while the test runs."""
    done = Work()
    parse, compose, build = yaml.parse, yaml.compose, yamlfile._Builder.build
    read_bytes = Path.read_bytes

    def parse_counted(*args: object, **kwargs: object) -> Iterator[yaml.Event]:
        for event in parse(*args, **kwargs):
            done.events += 1
            yield event

    def compose_counted(*args: object, **kwargs: object) -> yaml.Node | None:
        done.composed += 1
        return compose(*args, **kwargs)

    def build_counted(self: yamlfile._Builder, node: yaml.Node, loc: yamlfile.Loc) -> object:
        done.nodes += 1
        return build(self, node, loc)

    def read_counted(path: Path) -> bytes:
        done.files_read.append(path.name)
        return read_bytes(path)

    monkeypatch.setattr(yaml, "parse", parse_counted)
    monkeypatch.setattr(yaml, "compose", compose_counted)
    monkeypatch.setattr(yamlfile._Builder, "build", build_counted)
    monkeypatch.setattr(Path, "read_bytes", read_counted)
    return done


def hostile(case: str) -> str:
    return (HOSTILE / case).read_text(encoding="utf-8")


def workspace_with(write_workspace: Write, target: str, text: str) -> Path:
    if target == "stakeholders.yaml":
        return write_workspace(text)
    return write_workspace(trainings={Path(target).stem: text})


def test_every_file_of_the_corpus_has_its_expected_problem() -> None:
    assert sorted(path.name for path in HOSTILE.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_hostile_yaml_is_refused_with_one_problem_naming_file_and_line(
    write_workspace: Write, target: str, case: str, work: Work
) -> None:
    root = workspace_with(write_workspace, target, hostile(case))
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(root)
    assert work.events <= MOST_EVENTS, work
    assert work.nodes <= MOST_NODES, work
    assert [str(problem) for problem in caught.value.problems] == [f"{target}, {EXPECTED[case]}"]


def test_a_nesting_at_the_limit_loads_as_far_as_yaml_goes(write_workspace: Write) -> None:
    # The top mapping is one level: `extra` holds MAX_DEPTH - 1 more, the most allowed.
    deep = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    root = write_workspace(TINY_STAKEHOLDERS + f"extra: {deep}\n")
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(root)
    assert [problem.path for problem in caught.value.problems] == ["extra"]


def test_an_ampersand_or_asterisk_inside_a_value_is_no_anchor(write_workspace: Write) -> None:
    text = TINY_STAKEHOLDERS.replace(
        "en: Ministry of Internal Affairs", "en: Office for R&D, *the* unit &co"
    )
    workspace = load_workspace(write_workspace(text))
    assert workspace.stakeholders.organisation("mia").name.get("en") == (
        "Office for R&D, *the* unit &co"
    )


def test_hazards_name_the_lines_of_the_text_given() -> None:
    front_matter = "\nmeeting: mia\norganisation: &org mia\nthemes: [*org]\n"
    assert [str(problem) for problem in hazards(front_matter, "notes/mia.md")] == [
        f"notes/mia.md, line 3: got '&org', {NO_ANCHORS}"
    ]


def test_hazards_find_nothing_in_plain_or_broken_yaml() -> None:
    assert hazards(TINY_STAKEHOLDERS, "stakeholders.yaml") == []
    assert hazards("a: [1, 2\nb: {", "stakeholders.yaml") == []


@pytest.mark.slow
def test_validate_refuses_an_alias_bomb_with_exit_1_and_no_traceback(
    write_workspace: Write,
) -> None:
    root = write_workspace(hostile("alias-bomb-7.yaml"))
    result = subprocess.run(
        [sys.executable, "-m", "consult", "validate", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert f"stakeholders.yaml, {EXPECTED['alias-bomb-7.yaml']}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("case", sorted(EXPECTED))
@pytest.mark.parametrize("suffix", [".md", ".yaml"])
def test_hostile_yaml_in_a_notes_file_is_refused_naming_file_and_line(
    tmp_path: Path, case: str, suffix: str, work: Work
) -> None:
    # A Markdown file's front matter starts on line 2, after its opening ---.
    body = hostile(case)
    text = f"---\n{body}---\n\n## Observations\n" if suffix == ".md" else body
    path = tmp_path / f"east{suffix}"
    path.write_text(text, encoding="utf-8")
    notes = read_notes_file(path, path.name)
    assert work.events <= MOST_EVENTS, work
    assert (work.nodes, work.composed) == (0, 0)
    line, reason = EXPECTED[case].split(": ", 1)
    if suffix == ".md":
        line = f"line {int(line.removeprefix('line ')) + 1}"
    assert [str(problem) for problem in notes.problems] == [f"{path.name}, {line}: {reason}"]
    assert notes.items == ()


def test_a_labels_override_with_an_alias_is_refused_naming_its_line(tmp_path: Path) -> None:
    labels = tmp_path / "briefing" / "labels" / "ka.yaml"
    labels.parent.mkdir(parents=True)
    labels.write_text(hostile("alias-bomb-7.yaml"), encoding="utf-8")
    with pytest.raises(BriefingError) as caught:
        load_labels("ka", tmp_path)
    assert str(caught.value) == f"{labels}, {EXPECTED['alias-bomb-7.yaml']}"


@pytest.mark.parametrize("target", TARGETS)
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    write_workspace: Write, target: str, work: Work
) -> None:
    # Found by the fuzz: 2 MB of repeated entries took 10 s and 336 MB to report.
    padding = "# " + "x" * 98 + "\n"
    text = padding * (MAX_BYTES // len(padding) + 1)
    root = workspace_with(write_workspace, target, text)
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(root)
    assert Path(target).name not in work.files_read
    size = len(text.encode())
    assert [str(p) for p in caught.value.problems] == [
        f"{target}: is {size:,} bytes, more than the 1,000,000 consult reads"
    ]


def test_a_notes_file_over_the_size_limit_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "east.md"
    path.write_bytes(b"x" * (MAX_BYTES + 1))
    notes = read_notes_file(path, path.name)
    assert [str(p) for p in notes.problems] == [
        "east.md: is 1,000,001 bytes, more than the 1,000,000 consult reads in a Markdown or "
        "YAML notes file (CSV: 10,000,000; Markdown and YAML: 1,000,000)"
    ]
