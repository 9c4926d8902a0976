"""The package as a user gets it: a wheel built from the tracked files, installed in a new venv.

The wheel is built from a copy of the checkout's files (those git tracks, or would
track), so nothing left over in the checkout's build/ can slip in. The new venv gets
the wheel alone (`--no-deps`); the dependencies already installed for the tests are
made visible to it by a .pth file naming this venv's site-packages, never the checkout,
and `consult demo` runs from a temporary folder, so `import consult` can only find the
installed wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

DATA = (
    "consult/templates",
    "consult/demo_workspace",
    "desk/templates",
    "desk/static",
    "answers_web/templates",
    "answers_web/static",
)
"""The folders of files that are not Python but that consult needs at run time."""


def _source_files() -> list[str]:
    """Return the checkout's files as git sees them (tracked, or new and not ignored)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("the wheel is built from the files git tracks: no git checkout here")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    names = [name for name in listed.stdout.decode().split("\0") if name]
    return [name for name in names if (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a wheel built (as pip builds one, isolated) from a copy of the checkout."""
    source = tmp_path_factory.mktemp("source")
    for name in _source_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(dist)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = dist.glob("consult-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the bin/ folder of a new venv holding the wheel, its dependencies borrowed."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    subprocess.run(
        [*pip, "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    assert not any(Path(path).resolve() == ROOT for path in ours)
    (Path(site) / "borrowed_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return venv / "bin"


def _clean_env(home: Path) -> dict[str, str]:
    """Return an environment in which nothing points back at the checkout."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTHON", "CONSULT_", "VIRTUAL_ENV"))
    }
    env["HOME"] = str(home)
    return env


def test_the_wheel_holds_the_templates_the_demo_workspace_and_the_desk_files(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    shipped = [name for name in _source_files() if name.startswith(DATA)]
    assert "consult/templates/email/ka/invitation.html.j2" in shipped
    assert "consult/templates/briefing/labels/en.yaml" in shipped
    assert "consult/demo_workspace/stakeholders.yaml" in shipped
    assert "consult/demo_workspace/notes/README.md" in shipped
    assert any(name.endswith(".ics") for name in shipped)
    assert any(name.endswith(".csv") for name in shipped)
    assert [name for name in shipped if name not in names] == []
    assert {"schemas/stakeholders.schema.json", "schemas/training.schema.json"} <= names
    # Only what the packages hold: no tests, benchmarks or checkout files.
    assert {name.split("/")[0] for name in names if "/" in name} == {
        "answers_web",
        "consult",
        "desk",
        "flows",
        "schemas",
        "webguard",
        *(name.split("/")[0] for name in names if ".dist-info/" in name),
    }


def test_consult_demo_runs_to_the_end_from_the_installed_wheel(installed: Path, tmp_path: Path):
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = _clean_env(tmp_path / "home")
    where = subprocess.run(
        [str(installed / "python"), "-c", "import consult, desk; print(consult.__file__)"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed.parent), where
    target = tmp_path / "demo"
    demo = subprocess.run(
        [str(installed / "consult"), "demo", "--into", str(target)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "Traceback" not in demo.stderr
    assert f"demo workspace: {target.resolve()}" in demo.stdout
    assert (target / "stakeholders.yaml").is_file()
    assert list((target / "notes").glob("*.md"))
    outbox = list((target / "out" / "outbox").glob("*.eml"))
    assert outbox
    pack = target / "out" / "briefing"
    for suffix in (".html", ".pdf", ".md"):
        assert list(pack.rglob(f"*{suffix}")), f"no {suffix} in {pack}"
