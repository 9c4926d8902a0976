"""Random damage to the demo files only ever yields clean, located WorkspaceErrors."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consult.demo import DEMO_WORKSPACE
from consult.errors import WorkspaceError
from consult.workspace import load_workspace

FILES = sorted(
    str(path.relative_to(DEMO_WORKSPACE))
    for path in [DEMO_WORKSPACE / "stakeholders.yaml", *DEMO_WORKSPACE.glob("trainings/*.yaml")]
)

junk = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "-",
            ":",
            "[",
            "{a: 1",
            "null",
            "~",
            "yes",
            "12:30",
            "0x1F",
            "*x",
            "&a",
            "!!python/object:os.system",
            "'",
            '"',
            "- - -",
            "2027-02-30",
            "Mars/Base",
            "ნინო@",
            "\t",
            "\x00",
        ]
    ),
    st.integers().map(str),
)


@st.composite
def damage(draw: st.DrawFn) -> tuple[str, bytes]:
    """Return a demo file name and its text with one random change."""
    name = draw(st.sampled_from(FILES))
    lines = (DEMO_WORKSPACE / name).read_text(encoding="utf-8").splitlines(keepends=True)
    at = draw(st.integers(0, len(lines) - 1))
    how = draw(st.sampled_from(["delete", "duplicate", "value", "indent", "insert", "truncate"]))
    if how == "delete":
        del lines[at]
    elif how == "duplicate":
        lines.insert(at, lines[at])
    elif how == "value" and ":" in lines[at]:
        key = lines[at].split(":", 1)[0]
        lines[at] = f"{key}: {draw(junk)}\n"
    elif how == "indent":
        lines[at] = " " * draw(st.integers(0, 7)) + lines[at].lstrip(" ")
    elif how == "insert":
        lines.insert(at, draw(junk) + "\n")
    else:
        lines = lines[:at]
    text = "".join(lines).encode("utf-8")
    if draw(st.booleans()) and how == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    return name, text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damage())
def test_a_damaged_demo_file_loads_or_gives_located_problems(change: tuple[str, bytes]) -> None:
    name, content = change
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "workspace"
        shutil.copytree(DEMO_WORKSPACE, root, ignore=shutil.ignore_patterns(".consult", "out"))
        (root / name).write_bytes(content)
        try:
            load_workspace(root)
            problems = []
        except WorkspaceError as error:
            problems = error.problems
    for problem in problems:
        assert problem.file in FILES or problem.file == "trainings/", problem
        text = str(problem)
        assert text.startswith(problem.file)
        assert "Traceback" not in text
        assert "\n" not in text
