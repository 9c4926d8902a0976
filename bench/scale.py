"""Benchmark: the commands a coordinator runs, at 1x, 10x and 30x the demo, against their bounds.

Issue 29's steps that no other benchmark times, each against a lower bound measured
in the same run (the others: bench.notes_import, bench.desk_pages' scale figures,
bench.replies, bench.workers):
- `consult --help`, against `python -c pass`, in new processes (best of 5);
- `consult validate`, the command, and its checks in-process (`load_workspace`),
  against reading the same YAML files with PyYAML's CSafeLoader (best of 3);
- `consult send --all-rounds --yes` to a real SMTP server (aiosmtpd, 127.0.0.1):
  every round's invitations in one command, against raw smtplib sending the same
  bytes (the .eml files a dry run of the same rounds wrote) over one connection.
The workspaces (bench/workers.py's `write_rounds`, every meeting confirmed and its
first send confirmed): 1x: 1 round of 12 meetings of 4 contacts (48 invitations; the
demo's first round has 47); 10x: 13 rounds of 10 meetings of 5 (650); 30x: 13 rounds
of 30 of 5 (1,950). Prints each time, its ratio to its bound, and how it grows from
1x. `--quick`: 1x and a 3x of 3 rounds of 4 meetings of 4 (48 and 48).
"""

from __future__ import annotations

import os
import resource
import smtplib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._args import options
from bench.send import SLUG, confirm_rounds
from bench.workers import Sizes, write_rounds
from consult.settings import Settings
from consult.workspace.loading import load_workspace
from tests.mailserver import Mailbox, running

CONSULT = str(Path(sys.executable).parent / "consult")


@dataclass(frozen=True)
class Scale:
    name: str
    sizes: Sizes


FULL = (
    Scale("1x", Sizes(1, 12, 4)),
    Scale("10x", Sizes(13, 10, 5)),
    Scale("30x", Sizes(13, 30, 5)),
)
QUICK = (Scale("1x", Sizes(1, 12, 4)), Scale("3x", Sizes(3, 4, 4)))


def best(run: Callable[[], object], times: int) -> float:
    """Return the fastest of `times` runs, in seconds."""
    took = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        took.append(time.perf_counter() - started)
    return min(took)


def best_cpu(run: Callable[[], object], times: int) -> float:
    """Return the least CPU seconds (user + system) of `times` runs of a command: on a
    machine others load, a new process's wall time mostly measures the others."""
    took = []
    for _ in range(times):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        run()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        took.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(took)


def command(*argv: str, env: dict[str, str] | None = None) -> Callable[[], None]:
    """Return a call of a command that must succeed, its output kept from the screen."""

    def call() -> None:
        done = subprocess.run(
            argv, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL
        )
        if done.returncode != 0:
            raise SystemExit(f"scale: {' '.join(argv)} exited {done.returncode}:\n{done.stderr}")

    return call


def environment(root: Path, port: int | None = None) -> dict[str, str]:
    """Return the environment of a consult command on the workspace `root`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULT_")}
    env["CONSULT_WORKSPACE"] = str(root)
    if port is not None:
        env.update(
            CONSULT_TRANSPORT="smtp",
            CONSULT_SMTP_HOST="127.0.0.1",
            CONSULT_SMTP_PORT=str(port),
            CONSULT_SMTP_SECURITY="none",
        )
    return env


def read_yaml(root: Path) -> None:
    """Read the workspace's YAML files with CSafeLoader: the bound of `consult validate`."""
    for path in [root / "stakeholders.yaml", *sorted((root / "trainings").glob("*.yaml"))]:
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def raw_send(port: int, files: list[Path]) -> None:
    """Send the messages of `files` over one SMTP connection: the bound of `consult send`."""
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for path in files:
            data = path.read_bytes()
            recipient = next(
                line.split(b":", 1)[1].strip().decode()
                for line in data.split(b"\r\n")
                if line.lower().startswith(b"to:")
            )
            address = recipient.rsplit("<", 1)[-1].rstrip(">")
            smtp.sendmail("consultations@consult-mail.net", [address], data)


def workspace(base: Path, scale: Scale) -> Path:
    root = base / scale.name
    write_rounds(root, scale.sizes)
    confirm_rounds(Settings(workspace=root))
    return root


def main(scales: tuple[Scale, ...] = FULL) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        bare = best(command(sys.executable, "-c", "pass"), 5)
        helped = best(command(CONSULT, "--help"), 5)
        cpu = best_cpu(command(CONSULT, "--help"), 5)
        print(
            f"consult --help: {helped:.2f} s ({cpu:.2f} s of CPU), {helped / bare:.1f}x "
            f"`python -c pass` ({bare:.2f} s); target <= 0.4 s: "
            f"{'met' if helped <= 0.4 else 'NOT met'}"
        )
        first: dict[str, float] = {}
        for scale in scales:
            root = workspace(base, scale)
            sizes = scale.sizes
            loaded = best(lambda root=root: read_yaml(root), 3)
            checked = best(command(CONSULT, "validate", env=environment(root)), 3)
            checked_cpu = best_cpu(command(CONSULT, "validate", env=environment(root)), 3)
            inside = best(lambda root=root: load_workspace(root), 3)
            dry = command(CONSULT, "send", SLUG, "--all-rounds", "--dry-run", env=environment(root))
            dry()
            files = sorted((root / "out" / "preview").rglob("*.eml"))
            if len(files) != sizes.messages:
                raise SystemExit(f"scale: the dry run wrote {len(files)} of {sizes.messages}")
            mailbox = Mailbox()
            with running(mailbox) as port:
                bound = best(lambda port=port, files=files: raw_send(port, files), 1)
                send = command(
                    CONSULT, "send", SLUG, "--all-rounds", "--yes", env=environment(root, port)
                )
                sent = best(send, 1)
            if len(mailbox.deliveries) != 2 * sizes.messages:
                raise SystemExit(
                    f"scale: the SMTP server got {len(mailbox.deliveries)} messages, "
                    f"expected {sizes.messages} twice (raw, then consult)"
                )
            first.setdefault("validate", checked)
            first.setdefault("send", sent / sizes.messages)
            print(
                f"{scale.name:>4}: {sizes.rounds} round(s), {sizes.rounds * sizes.meetings} "
                f"meetings, {sizes.messages:,} invitations"
            )
            first.setdefault("inside", inside)
            print(
                f"  validate  {checked:6.2f} s  {checked / loaded:5.1f}x CSafeLoader "
                f"({loaded:.3f} s)  {checked / first['validate']:4.1f}x the 1x time  "
                f"(the command, a new process; {checked_cpu:.2f} s of CPU)"
            )
            print(
                f"  load      {inside:6.3f} s  {inside / loaded:5.1f}x CSafeLoader  "
                f"{inside / first['inside']:4.1f}x the 1x time  (load_workspace in-process: "
                f"every check of validate; target <= 3x at 30x)"
            )
            print(
                f"  send      {sent:6.2f} s  {sizes.messages / sent:6.1f} messages/s  "
                f"{sent / bound:5.1f}x raw smtplib ({bound:.2f} s, "
                f"{sizes.messages / bound:.0f} messages/s)  "
                f"{sent / sizes.messages / first['send']:4.1f}x the 1x time per message"
            )


if __name__ == "__main__":
    main(QUICK if options(__doc__).quick else FULL)
