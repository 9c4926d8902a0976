"""The fuzz's own rules (tests/fuzzing.py): what counts as a slow case."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests import fuzzing
from tests.fuzzing import Seed, Target, run_case


def _target(read: Callable[[Seed, bytes], list[str]]) -> Target:
    return Target("probe", [Seed("probe.txt", b"", "probe")], [], [], read, lambda s: ("probe",))


@pytest.fixture
def quick_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow case is one over 0.2 s, so that a test can pass it in a moment."""
    monkeypatch.setattr(fuzzing, "SLOW_SECONDS", 0.2)


def _slow(target: Target) -> bool:
    outcome = run_case(target, target.seeds[0], b"", fuzzing._Memory())
    return any(kind == "slow" for kind, *_ in outcome.failures)


def test_a_case_that_waits_on_a_busy_machine_is_not_slow(quick_rule: None) -> None:
    # Waiting stands for a machine busy with other work: wall time passes, no CPU is spent.
    def wait(seed: Seed, data: bytes) -> list[str]:
        time.sleep(0.4)
        return []

    assert not _slow(_target(wait))


def test_a_case_that_spends_the_cpu_is_slow(quick_rule: None) -> None:
    def spin(seed: Seed, data: bytes) -> list[str]:
        start = time.process_time()
        while time.process_time() - start < 0.4:
            pass
        return []

    assert _slow(_target(spin))
