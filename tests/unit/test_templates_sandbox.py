"""Templates render in Jinja's sandbox: a workspace's override cannot run code or change data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from consult.briefing.versions import compile_pack
from consult.errors import BriefingError, TemplateError
from consult.mail.render import MessageContext, render_message
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.briefing_fixture import NOW, SLUG, fill_store, golden_workspace
from tests.unit.mail.test_render import context_in

# Each escape would create the marker file if it reached the interpreter's globals.
ESCAPES = [
    "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ self.__init__.__globals__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ joiner.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ lipsum.__globals__['os'].popen('touch MARKER').read() }}",
    "{{ namespace.__init__.__globals__ }}",
    "{% set names = [] %}{% set add = names.append %}{{ add('x') }}",
    "{{ {}.update(a=1) }}",
    "{{ '{0.__class__}'.format(recipient_name) }}",
]


def _hostile(template: str, marker: Path) -> str:
    """Return `template` on line 3 of an override, its command touching `marker`."""
    return "Line one\nLine two\n" + template.replace("MARKER", str(marker)) + "\n"


@pytest.fixture
def english() -> MessageContext:
    """A full English context."""
    return context_in("en")


@pytest.mark.parametrize("escape", ESCAPES)
def test_an_email_override_cannot_escape_the_sandbox(
    escape: str, english: MessageContext, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    template = tmp_path / "templates" / "email" / "en" / "nudge.txt.j2"
    template.parent.mkdir(parents=True)
    template.write_text(_hostile(escape, marker), encoding="utf-8")

    with pytest.raises(TemplateError) as caught:
        render_message("nudge", "en", english, overrides=tmp_path / "templates")

    message = str(caught.value)
    assert message.startswith("en/nudge.txt.j2: ")
    assert "not allowed in a template (sandbox)" in message
    assert message.endswith(f"({template}, line 3)")
    assert not marker.exists()


def test_the_sandbox_error_names_the_attribute_the_file_and_the_line(
    english: MessageContext, tmp_path: Path
) -> None:
    template = tmp_path / "templates" / "email" / "en" / "nudge.txt.j2"
    template.parent.mkdir(parents=True)
    template.write_text(_hostile("{{ cycler.__init__ }}", tmp_path), encoding="utf-8")

    with pytest.raises(TemplateError) as caught:
        render_message("nudge", "en", english, overrides=tmp_path / "templates")

    assert str(caught.value) == (
        "en/nudge.txt.j2: access to attribute '__init__' of 'type' object is not allowed "
        f"in a template (sandbox) ({template}, line 3)"
    )


def test_a_subject_override_cannot_escape_the_sandbox(
    english: MessageContext, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    template = tmp_path / "templates" / "email" / "en" / "invitation.subject.j2"
    template.parent.mkdir(parents=True)
    template.write_text(_hostile(ESCAPES[0], marker), encoding="utf-8")

    with pytest.raises(TemplateError, match=re.escape(f"({template}, line 3)")):
        render_message("invitation", "en", english, overrides=tmp_path / "templates")
    assert not marker.exists()


def test_a_template_may_still_read_attributes_and_call_string_methods(
    english: MessageContext, tmp_path: Path
) -> None:
    template = tmp_path / "templates" / "email" / "en" / "nudge.subject.j2"
    template.parent.mkdir(parents=True)
    template.write_text(
        "{{ recipient_name.upper() }} / {{ '{}: {}'.format(organisation_name, start.year) }}\n",
        encoding="utf-8",
    )

    rendered = render_message("nudge", "en", english, overrides=tmp_path / "templates")

    assert rendered.subject == "NINO BERIDZE / Ministry of Internal Affairs: 2026"


@pytest.mark.parametrize("escape", [ESCAPES[0], ESCAPES[2], ESCAPES[6]])
def test_a_briefing_override_cannot_escape_the_sandbox(escape: str, tmp_path: Path) -> None:
    root = golden_workspace(tmp_path)
    marker = tmp_path / "ran"
    template = root / "templates" / "briefing" / "pack.md.j2"
    template.parent.mkdir(parents=True)
    template.write_text(_hostile(escape, marker), encoding="utf-8")
    store = open_store(Settings(workspace=root).store_url)
    try:
        fill_store(store)
        with pytest.raises(BriefingError) as caught:
            compile_pack(load_workspace(root), store, SLUG, root / "out", NOW)
        assert store.pack_versions(SLUG) == []
    finally:
        store.close()

    message = str(caught.value)
    assert message.startswith("pack.md.j2: ")
    assert "not allowed in a template (sandbox)" in message
    assert message.endswith(f"({template}, line 3)")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("template", "fault"),
    [
        ("{{ 'x' * 10**10 }}", "a result of 10,000,000,000 characters or items is not allowed"),
        ("{{ [1, 2] * 900000 }}", "a result of 1,800,000 characters or items is not allowed"),
        ("{{ 2 ** 100000 }}", "a power of 100000 is not allowed"),
        ("{{ 1 / 0 }}", "ZeroDivisionError: division by zero"),
        ("{{ [1][5] }}", "list object has no element 5"),
    ],
)
def test_an_override_cannot_exhaust_memory_or_end_in_a_traceback(
    template: str, fault: str, english: MessageContext, tmp_path: Path
) -> None:
    path = tmp_path / "templates" / "email" / "en" / "nudge.txt.j2"
    path.parent.mkdir(parents=True)
    path.write_text(_hostile(template, tmp_path), encoding="utf-8")

    with pytest.raises(TemplateError) as caught:
        render_message("nudge", "en", english, overrides=tmp_path / "templates")

    assert str(caught.value).startswith("en/nudge.txt.j2: ")
    assert str(caught.value).endswith(f"({path}, line 3)")
    assert fault in str(caught.value)
