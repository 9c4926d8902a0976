"""Brief the experts: the pack compiled, numbered by content, and emailed once per version."""

from __future__ import annotations

from consult.application.references import TrainingRef
from consult.application.services import Services
from consult.briefing.sending import send_pack
from consult.briefing.versions import CompiledPack, compile_pack
from consult.mail.delivery import Delivered


def compile_briefing(
    built: Services, training: TrainingRef, *, send: bool = True
) -> tuple[CompiledPack, list[Delivered]]:
    """Return the training's compiled pack, and its delivery to the experts when `send`."""
    now = built.now()
    compiled = compile_pack(
        built.workspace,
        built.store,
        training.slug,
        built.settings.out_dir,
        now,
        anonymity_k=built.settings.anonymity_k,
    )
    if not send:
        return compiled, []
    report = send_pack(
        built.store,
        built.transport,
        built.sender(training.slug),
        built.workspace,
        compiled,
        now=now,
        lease=built.settings.claim_lease,
    )
    return compiled, report
