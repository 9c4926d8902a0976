"""Random damage to the demo files only ever yields clean, located WorkspaceErrors."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from consult.demo import DEMO_WORKSPACE
from consult.errors import WorkspaceError
from consult.workspace.loading import load_workspace

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
def damage(draw: st.DrawFn) -> tuple[str, str, int, str, int | None]:
    """Return a small description of one random change to one demo file."""
    name = draw(st.sampled_from(FILES))
    count = len((DEMO_WORKSPACE / name).read_text(encoding="utf-8").splitlines())
    how = draw(st.sampled_from(["delete", "duplicate", "value", "indent", "insert", "truncate"]))
    cut = draw(st.none() | st.integers(0, 200_000)) if how == "truncate" else None
    return name, how, draw(st.integers(0, count - 1)), draw(junk), cut


def apply(name: str, how: str, at: int, text: str, cut: int | None) -> bytes:
    """Return the demo file `name` with the described change made."""
    lines = (DEMO_WORKSPACE / name).read_text(encoding="utf-8").splitlines(keepends=True)
    if how == "delete":
        del lines[at]
    elif how == "duplicate":
        lines.insert(at, lines[at])
    elif how == "value" and ":" in lines[at]:
        lines[at] = f"{lines[at].split(':', 1)[0]}: {text}\n"
    elif how == "indent":
        lines[at] = " " * (len(text) % 8) + lines[at].lstrip(" ")
    elif how == "insert":
        lines.insert(at, text + "\n")
    elif how == "truncate":
        lines = lines[:at]
    content = "".join(lines).encode("utf-8")
    return content[:cut] if cut is not None else content


# The explain phase traces PyYAML line by line and takes minutes: left out.
@pytest.mark.slow
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
@given(damage())
def test_a_damaged_demo_file_loads_or_gives_located_problems(
    change: tuple[str, str, int, str, int | None],
) -> None:
    name = change[0]
    content = apply(*change)
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
