"""The timeline counts what was done by hand: invitations sent with `consult send`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from consult.application.references import round_ref
from consult.application.send import send_round
from consult.bootstrap import assemble
from consult.coordination.timeline import progress, timeline
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.conftest import PLANNED_AT


def test_invitations_sent_by_hand_make_the_invite_step_done(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace()
    settings, workspace = Settings(workspace=root), load_workspace(root)
    [invite] = [
        s for s in timeline("winter-2027", workspace.training("winter-2027")) if s.kind == "invite"
    ]
    with open_store(settings.store_url) as store:
        save_plan(
            store, plan_round(workspace, "winter-2027", "round-1", {}, [], now=PLANNED_AT), "t"
        )
        store.decide_round("winter-2027", "round-1", approve=True, actor="t")
        approved = progress(store, "winter-2027")
        send_round(assemble(settings, workspace, store), round_ref(workspace, "winter-2027"))
        sent = progress(store, "winter-2027")
    assert approved.waiting(invite) is False
    assert approved.done(invite) is False  # approved, nothing sent yet: the step is due
    assert sent.done(invite) is True  # sent with `consult send`: not due again
    assert sent.packed is False


def test_planning_an_approved_round_again_by_hand_leaves_it_approved(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace()
    settings, workspace = Settings(workspace=root), load_workspace(root)
    with open_store(settings.store_url) as store:
        save_plan(
            store, plan_round(workspace, "winter-2027", "round-1", {}, [], now=PLANNED_AT), "t"
        )
        store.decide_round("winter-2027", "round-1", approve=True, actor="t")
        again = plan_round(
            workspace, "winter-2027", "round-1", {}, store.meetings("winter-2027"), now=PLANNED_AT
        )
        kept = save_plan(store, again, "t")
        assert [m.status for m in kept] == ["confirmed"]
        assert progress(store, "winter-2027").schedules["round-1"] == "approved"
        actions = [e.action for e in store.audit_log("winter-2027/round-1")]
    assert actions.count("round.proposed") == 1


def test_a_pack_compiled_without_sending_leaves_the_brief_step_due_until_it_is_sent(
    write_workspace: Callable[..., Path],
) -> None:
    # The desk (and `consult brief --no-send`) compile a pack to look at it first: the
    # experts have nothing yet, so the daily run must still compile and send it.
    from consult.application.brief import compile_briefing, send_version
    from consult.application.references import training_ref

    root = write_workspace()
    settings, workspace = Settings(workspace=root), load_workspace(root)
    [brief] = [
        s for s in timeline("winter-2027", workspace.training("winter-2027")) if s.kind == "brief"
    ]
    with open_store(settings.store_url) as store:
        built = assemble(settings, workspace, store)
        training = training_ref(workspace, "winter-2027")
        compiled, _ = compile_briefing(built, training, send=False)
        looked = progress(store, "winter-2027")
        send_version(built, training, compiled.version)
        sent = progress(store, "winter-2027")
    assert looked.done(brief) is False
    assert sent.done(brief) is True
