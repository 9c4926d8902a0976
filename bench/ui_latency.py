"""Benchmark: from a click on Run in the local Prefect UI to the first invitation in the outbox.

Starts `consult ui`'s server and runner (SQLite, 127.0.0.1, the runner polling
every 2 s) on a temporary home, and for each of TRIALS fresh copies of the demo
workspace (rounds planned and approved) triggers `send-invitations` through the
API, as the UI's Run button does, then times:
- picked up: the run's creation to its first state after Scheduled (server clock);
- first message: the trigger to the first .eml in the workspace's outbox;
- completed: the trigger to the run's Completed state.
Baseline, measured in the same run: the core (`consult send`, no Prefect)
sending one such round in full. Prints each time and the ratio of the median
first message to the baseline. `--quick`: one trial.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

if not __package__:
    # Run by its path (python bench/ui_latency.py): the project root on the path, as with -m.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._args import options
from consult.application.references import round_ref
from consult.application.send import send_round
from consult.bootstrap import services
from consult.settings import Settings
from consult.ui import POLL_SECONDS, LocalUi, local_ui
from tests.uiserver import approved_demo, deployment_id, picked_up_after, trigger, wait_for_state

FULL, QUICK = 3, 1
"""How many fresh demo workspaces are triggered, one after the other."""
SLUG = "intercultural-communication-2027"


def first_message(outbox: Path, since: float, timeout: float = 120) -> float:
    """Return the seconds from `since` (perf_counter) until a .eml appears in `outbox`."""
    deadline = since + timeout
    while not any(outbox.glob("*.eml")):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no message in {outbox} after {timeout} s")
        time.sleep(0.02)
    return time.perf_counter() - since


def main(trials: int = FULL) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        baseline_workspace = approved_demo(base / "baseline")
        started = time.perf_counter()
        with services(Settings(workspace=baseline_workspace)) as built:
            sent = send_round(built, round_ref(built.workspace, SLUG))
        baseline = time.perf_counter() - started
        workspaces = [approved_demo(base / f"trial-{n}") for n in range(trials)]
        ui = LocalUi(home=base / "prefect-home", port=0)
        rows = []
        with local_ui(ui) as running, requests.Session() as http:
            api = f"{running.url}/api"
            deployment_id(api, "send-invitations", session=http)  # the runner has registered
            for workspace in workspaces:
                started = time.perf_counter()
                run = trigger(
                    api,
                    "send-invitations",
                    {"parameters": {"training": SLUG, "workspace": str(workspace)}},
                    session=http,
                )
                first = first_message(workspace / "out" / "outbox", started)
                state = wait_for_state(api, run, {"COMPLETED"}, session=http)
                completed = time.perf_counter() - started
                if state["state_type"] != "COMPLETED":
                    raise RuntimeError(f"run {run} ended {state['state_name']}")
                rows.append((picked_up_after(api, run, session=http), first, completed))
    print(f"local Prefect server (SQLite, 127.0.0.1), runner polling every {POLL_SECONDS} s")
    print(f"baseline, core send of one round ({len(sent)} messages, no Prefect): {baseline:.2f} s")
    for n, (picked, first, completed) in enumerate(rows, start=1):
        print(
            f"trial {n}: picked up {picked:.2f} s, first message {first:.2f} s, "
            f"completed {completed:.2f} s"
        )
    median = statistics.median(first for _, first, _ in rows)
    print(
        f"trigger-to-first-message (median of {trials}): {median:.2f} s "
        f"= {median / baseline:.1f}x the core's whole round"
    )


if __name__ == "__main__":
    main(QUICK if options(__doc__).quick else FULL)
