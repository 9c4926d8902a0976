"""`consult send --yes`: the first send is confirmed without rendering a preview (issue 29)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import consult.mail.preview
from consult.cli.app import main
from consult.mail.preview import CONFIRMED
from consult.store import open_store
from tests.integration.mail.test_full_outbox import SLUG, confirmed


def test_send_yes_records_the_confirmation_without_rendering_a_preview(
    write_workspace: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_workspace()
    settings = confirmed(root)
    rendered = [0]
    original = consult.mail.preview._built

    def counted(*args: Any) -> Any:
        rendered[0] += 1
        return original(*args)

    monkeypatch.setattr(consult.mail.preview, "_built", counted)
    monkeypatch.setattr(sys, "argv", ["consult", "send", SLUG, "--yes", "--workspace", str(root)])
    with pytest.raises(SystemExit) as exited:
        main()

    assert int(exited.value.code or 0) == 0
    assert rendered[0] == 0  # no example message built for a preview nobody reads
    with open_store(settings.store_url) as store:
        sent = [m for m in store.messages() if m.status == "sent"]
        [entry] = [e for e in store.audit_log(f"{SLUG}/round-1") if e.action == CONFIRMED]
    assert sent
    assert entry.detail["messages"] == len(sent)
    assert "invitation" in entry.detail["summary"]
