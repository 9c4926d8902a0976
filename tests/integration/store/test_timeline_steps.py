"""Timeline steps in the store, on SQLite and PostgreSQL: each claimed once, even at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from consult.store import open_store


def test_a_step_is_claimed_once_and_logged(empty_store_url: str) -> None:
    with open_store(empty_store_url) as store:
        assert store.claim_step("winter-2027", "plan/round-1", "run-due-steps")
        assert not store.claim_step("winter-2027", "plan/round-1", "run-due-steps")
        assert store.started_steps("winter-2027") == {"plan/round-1"}
        assert store.started_steps("winter") == set()
        [event] = store.audit_log("timeline/winter-2027/plan/round-1")
    assert (event.actor, event.action) == ("run-due-steps", "step.started")


def test_a_released_step_may_be_claimed_again(empty_store_url: str) -> None:
    with open_store(empty_store_url) as store:
        store.claim_step("winter-2027", "brief", "run-due-steps")
        store.release_step("winter-2027", "brief", "run-due-steps", "no deployment")
        assert store.started_steps("winter-2027") == set()
        assert store.claim_step("winter-2027", "brief", "run-due-steps")
        actions = [event.action for event in store.audit_log("timeline/winter-2027/brief")]
    assert actions == ["step.started", "step.released", "step.started"]


def test_runs_claiming_the_same_step_at_once_get_it_once(empty_store_url: str) -> None:
    stores = [open_store(empty_store_url) for _ in range(6)]
    try:
        with ThreadPoolExecutor(len(stores)) as pool:
            claimed = list(
                pool.map(lambda s: s.claim_step("winter-2027", "invite/round-1", "run"), stores)
            )
    finally:
        for store in stores:
            store.close()
    assert claimed.count(True) == 1
