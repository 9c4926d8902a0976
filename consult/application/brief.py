"""Brief the experts: the pack compiled, numbered by content, and emailed once per version."""

from __future__ import annotations

from consult.application.consent import enforce_consent
from consult.application.references import TrainingRef
from consult.application.services import Services
from consult.briefing.gathering import gather
from consult.briefing.sending import send_pack
from consult.briefing.versions import CompiledPack, compile_pack, compiled_files, pack_folder
from consult.errors import ConsultError
from consult.mail.delivery import Delivered


def compile_briefing(
    built: Services, training: TrainingRef, *, send: bool = True
) -> tuple[CompiledPack, list[Delivered]]:
    """Return the training's compiled pack, and its delivery to the experts when `send`."""
    enforce_consent(built)
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


def send_version(built: Services, training: TrainingRef, version: int) -> list[Delivered]:
    """Return the delivery to the experts of a version compiled before: each email once.

    The files are those on disk; the email's top three gaps are gathered now. Raises
    ConsultError naming the versions there are when this one was never compiled or its
    folder holds no English PDF.
    """
    known = sorted(number for number, _, _ in built.store.pack_versions(training.slug))
    files = compiled_files(built.settings.out_dir, training.slug, version)
    if version not in known or "en" not in files:
        raise ConsultError(
            f"{training.slug}: got pack version {version}, expected one compiled with its "
            f"files on disk (versions: {', '.join(map(str, known)) or 'none'}); compile it again"
        )
    now = built.now()
    loaded = CompiledPack(
        training=training.slug,
        version=version,
        new=False,
        folder=pack_folder(built.settings.out_dir, training.slug, version),
        files=files,
        markdown=files["en"]["md"].read_text(encoding="utf-8"),
        analysis=gather(
            built.workspace,
            built.store,
            training.slug,
            now,
            anonymity_k=built.settings.anonymity_k,
        ),
    )
    return send_pack(
        built.store,
        built.transport,
        built.sender(training.slug),
        built.workspace,
        loaded,
        now=now,
        lease=built.settings.claim_lease,
    )
