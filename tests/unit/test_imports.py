"""A flow run is a new process: the flows that do not plan must not import the solver."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

HEAVY = ("numpy", "highspy", "recurring_ical_events", "weasyprint")
"""The solver's, the busy-time feeds' and the PDF's libraries: 0.1-0.5 s each to import."""


@pytest.mark.parametrize(
    "flow",
    [
        "send_invitations",
        "send_reminders",
        "record_replies",
        "change_meeting",
        "record_notes",
        "import_notes",
        "compile_briefing",
        "run_due_steps",
        "validate_workspace",
    ],
)
def test_a_flow_that_does_not_plan_starts_without_the_solver_feeds_or_pdf(flow: str) -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys, flows.{flow}; print(*[m for m in {HEAVY!r} if m in sys.modules])",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert loaded.stdout.split() == []


def test_the_planning_flow_does_import_the_solver() -> None:
    # The check above can see an import: here is one it must see.
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, flows.plan_consultations; print('highspy' in sys.modules)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert loaded.stdout.strip() == "True"


@pytest.mark.parametrize("bench", sorted(p.stem for p in (ROOT / "bench").glob("[a-z]*.py")))
def test_a_benchmark_loads_by_its_path_as_well_as_with_dash_m(bench: str) -> None:
    # `python bench/send.py` puts bench/ first on the path, not the project root; run_path
    # under another name loads the module as a script would, without running the benchmark.
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import runpy, sys; sys.path[0] = 'bench'; "
            f"runpy.run_path('bench/{bench}.py', run_name='loaded_by_path')",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert loaded.returncode == 0, loaded.stderr


HELP_HEAVY = ("sqlalchemy", "numpy", "highspy", "consult.workspace.loading")
"""The database's, the solver's and the workspace's loading: none is needed to print the help."""


@pytest.mark.parametrize("command", [["--help"], ["export", "--help"], ["send", "--help"]])
def test_the_help_of_consult_imports_neither_the_database_nor_the_solver(
    command: list[str],
) -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from consult.cli import app\n"
            "try:\n"
            f"    app({command!r})\n"
            "except SystemExit:\n"
            "    pass\n"
            f"print('LOADED', *[m for m in {HELP_HEAVY!r} if m in sys.modules])",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert loaded.stdout.splitlines()[-1].split() == ["LOADED"]


CLI_HEAVY = (
    "pydantic_settings",
    "sqlalchemy",
    "requests",
    "yaml",
    "jinja2",
    "icalendar",
    *HEAVY,
)
"""What a command imports only when it needs it: `consult --help` (and every command's
parsing of its arguments) names the commands and their options without any of these.
Not pydantic itself: typer imports it to coerce a command's arguments."""


@pytest.mark.parametrize("argv", [["--help"], ["validate", "--help"], ["send", "--help"]])
def test_the_command_line_parses_its_arguments_without_the_heavy_libraries(
    argv: list[str],
) -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom consult.cli import app\n"
            f"try:\n    app({argv!r}, prog_name='consult')\nexcept SystemExit:\n    pass\n"
            f"print('loaded:', *[m for m in {CLI_HEAVY!r} if m in sys.modules])",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "Usage" in loaded.stdout
    assert loaded.stdout.split("loaded:")[-1].split() == []
