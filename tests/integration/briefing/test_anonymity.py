"""Anonymity that holds in every output of the pack (HTML, Markdown, PDF text, sources.csv),
in en, ka and ru, on the demo's pack and on the golden one (one ministry, one prosecution
office, one NGO and one participants' group heard: one organisation of a kind).

The k rule: wherever an internal observation is counted, grouped or placed, the place
names at least k = 3 consulted organisations. So no kind or group that fewer than k
consulted organisations share is named by an attribution, a gap's "raised by" line, a
heatmap column or cell, or a divergence; the consultation log counts no internal
observation against its meeting; a gap is marked as the participants' own only when a
public observation of theirs, or k participants' groups, says so; and nothing printed
with an internal observation names its meeting, its organisation or a person of it.
The expectations are worked out here from the store and the registry, not from the
pack's code.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest

from consult.briefing.labels import Labels, load_labels, theme_label
from consult.briefing.pdf import pdf_bytes
from consult.briefing.render import render_pack
from consult.briefing.versions import compile_pack
from consult.errors import BriefingError
from consult.settings import Settings
from consult.store import Store, open_store
from consult.workspace.loading import Workspace, load_workspace
from schemas.stakeholders import KIND_GROUPS
from schemas.state import Observation
from schemas.training import Training
from tests.briefing_fixture import NOW, SLUG, fill_store, golden_workspace
from tests.integration.briefing.conftest import DEMO_TRAINING, LANGUAGES, DemoPack

pytestmark = pytest.mark.slow

K = 3
HEARD = {"confirmed", "held", "notes_missing"}
"""The statuses of a meeting whose notes count: not only proposed, not cancelled."""
ISSUES = {"gap", "need", "challenge"}


@dataclass(frozen=True)
class Facts:
    """What the store and the registry say about a training's observations."""

    shown: dict[int, Observation]
    """Every observation the pack rests on (restricted ones and unheard meetings' excluded)."""
    kind_of: dict[str, str]
    by_kind: dict[str, set[str]]
    """The consulted organisations (those with an observation shown) of each kind."""
    by_group: dict[str, set[str]]
    names: dict[str, set[str]]
    """Everything that names an organisation: its names, its contacts, who came for it."""

    def internal(self) -> list[Observation]:
        return [o for o in self.shown.values() if o.confidentiality == "internal"]

    def expected(self, observation: Observation, labels: Labels) -> str:
        kind = self.kind_of[observation.organisation]
        group = KIND_GROUPS[kind]  # type: ignore[index]
        if kind != "other" and len(self.by_kind[kind]) >= K:
            return labels(f"anonymous.{kind}")
        if group is not None and len(self.by_group[group]) >= K:
            return labels(f"anonymous_groups.{group}")
        return labels("anonymous_stakeholder")

    def too_few(self, labels: Labels) -> list[str]:
        """Return the attributions that would point to fewer than K organisations."""
        kinds = [labels(f"anonymous.{k}") for k in self.by_kind if len(self.by_kind[k]) < K]
        groups = [
            labels(f"anonymous_groups.{g}") for g in self.by_group if len(self.by_group[g]) < K
        ]
        return kinds + groups

    def narrow_columns(self, labels: Labels) -> list[str]:
        """Return the names of the kinds and groups that fewer than K organisations share."""
        kinds = [labels(f"kinds.{k}") for k in self.by_kind if 0 < len(self.by_kind[k]) < K]
        groups = [
            label(labels, f"groups.{g}") for g in self.by_group if 0 < len(self.by_group[g]) < K
        ]
        return kinds + [name for name in groups if name]

    def identifying(self, observation: Observation) -> list[str]:
        """Return what must not be printed with an internal observation."""
        meeting = observation.meeting_id
        owner = [observation.owner] if observation.owner else []
        return [meeting, meeting.rsplit("/", 1)[-1], *self.names[observation.organisation], *owner]

    def public_count(self, meeting_ref: str) -> int:
        """Return how many public observations the pack shows of a meeting (by its last id)."""
        return sum(
            o.meeting_id.rsplit("/", 1)[-1] == meeting_ref and o.confidentiality == "public"
            for o in self.shown.values()
        )

    def participants_may_be_named(self, theme: str) -> bool:
        """Return whether the pack may say the participants raised `theme` themselves."""
        if len(self.by_kind["participant_group"]) >= K:
            return True
        return any(
            o.theme == theme
            and o.kind in ISSUES
            and o.confidentiality == "public"
            and self.kind_of[o.organisation] == "participant_group"
            for o in self.shown.values()
        )


def label(labels: Labels, key: str) -> str:
    """Return the label at `key`, or nothing when the language has none such."""
    try:
        return labels(key)
    except BriefingError:
        return ""


@dataclass(frozen=True)
class Case:
    """A pack to walk: its files per language and format, its sources.csv, and the facts."""

    name: str
    training: Training
    files: dict[str, dict[str, Path]]
    sources: Path
    facts: Facts


def read_facts(workspace: Workspace, store: Store, slug: str) -> Facts:
    heard = {m.id for m in store.meetings(slug) if m.status in HEARD}
    observations = store.observations(training=slug)
    attendance = [e for e in store.audit_log() if e.action == "notes.attendance"]
    shown = {
        o.id: o for o in observations if o.confidentiality != "restricted" and o.meeting_id in heard
    }
    registry = {o.id: o for o in workspace.stakeholders.organisations}
    kind_of = {org_id: str(org.kind) for org_id, org in registry.items()}
    by_kind: dict[str, set[str]] = defaultdict(set)
    by_group: dict[str, set[str]] = defaultdict(set)
    for observation in shown.values():
        kind = kind_of[observation.organisation]
        by_kind[kind].add(observation.organisation)
        group = KIND_GROUPS[kind]  # type: ignore[index]
        if group is not None:
            by_group[group].add(observation.organisation)
    names: dict[str, set[str]] = defaultdict(set)
    for org_id, org in registry.items():
        names[org_id] |= {n for n in (org.name.en, org.name.ka, org.name.ru) if n}
        names[org_id] |= {contact.name for contact in org.contacts}
    for event in attendance:
        for person in event.detail.get("attendance", []):
            if person.get("organisation") and person.get("name"):
                names[person["organisation"]].add(person["name"])
    return Facts(shown, kind_of, by_kind, by_group, names)


@pytest.fixture(scope="module")
def golden_case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    """The golden pack in en and ka as compiled, and in ru rendered beside it."""
    root = golden_workspace(tmp_path_factory.mktemp("golden-anonymity"))
    workspace = load_workspace(root)
    with open_store(Settings(workspace=root).store_url) as store:
        fill_store(store)
        compiled = compile_pack(workspace, store, SLUG, root / "out", NOW)
        facts = read_facts(workspace, store, SLUG)
    files = {lang: dict(paths) for lang, paths in compiled.files.items()}
    russian = render_pack(
        compiled.analysis, workspace.training(SLUG), "ru", version=1, compiled=NOW.date()
    )
    files["ru"] = {ext: root / f"ru.{ext}" for ext in ("html", "md", "pdf")}
    files["ru"]["html"].write_text(russian.html, encoding="utf-8")
    files["ru"]["md"].write_text(russian.markdown, encoding="utf-8")
    files["ru"]["pdf"].write_bytes(pdf_bytes(russian.html))
    assert {len(facts.by_kind[k]) for k in ("ministry", "prosecution", "ngo")} == {1}
    return Case("golden", workspace.training(SLUG), files, compiled.folder / "sources.csv", facts)


@pytest.fixture(scope="module")
def demo_case(demo_pack: DemoPack) -> Case:
    with open_store(Settings(workspace=demo_pack.root).store_url) as store:
        facts = read_facts(demo_pack.workspace, store, DEMO_TRAINING)
    assert len(facts.by_kind["prosecution"]) == 1  # the case of the issue: one prosecution office
    return Case("demo", demo_pack.training, demo_pack.files, demo_pack.sources, facts)


@pytest.fixture(params=["demo", "golden"])
def case(request: pytest.FixtureRequest) -> Case:
    return request.getfixturevalue(f"{request.param}_case")  # type: ignore[no-any-return]


class _Items(HTMLParser):
    """The text of each element marked data-observation, and of each gap's sources line."""

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[int, list[str]] = defaultdict(list)
        self.sources: list[str] = []
        self._open: list[tuple[str, int | None, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "data-observation" in found:
            self._open.append((tag, int(found["data-observation"] or 0), []))
        elif tag == "p" and found.get("class") == "sources":
            self._open.append((tag, None, []))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            _, number, parts = self._open.pop()
            text = " ".join("".join(parts).split())
            if number is None:
                self.sources.append(text)
            else:
                self.items[number].append(text)

    def handle_data(self, data: str) -> None:
        for _, _, parts in self._open:
            parts.append(data)


def html_items(html: str) -> _Items:
    parser = _Items()
    parser.feed(html)
    return parser


def markdown_items(markdown: str) -> tuple[dict[int, list[str]], list[str]]:
    items: dict[int, list[str]] = defaultdict(list)
    for line in markdown.splitlines():
        for number in re.findall(r"\(#(\d+)\)", line):
            items[int(number)].append(line.replace("\\", ""))
    sources = [line.replace("\\", "") for line in markdown.splitlines() if "<small>" in line]
    return items, sources


def check_items(facts: Facts, labels: Labels, items: dict[int, list[str]], where: str) -> list[str]:
    """Return what is wrong with the internal observations' items: nothing, when all hold."""
    wrong = []
    checked = 0
    for observation in facts.internal():
        for text in items.get(observation.id, []):
            checked += 1
            if facts.expected(observation, labels) not in text:
                wrong.append(
                    f"{where} #{observation.id}: not {facts.expected(observation, labels)!r}"
                )
            wrong += [
                f"{where} #{observation.id}: names {named!r}"
                for named in facts.too_few(labels) + facts.identifying(observation)
                if named in text
            ]
    assert checked >= 5, where
    return wrong


def check_sources(facts: Facts, labels: Labels, lines: list[str], where: str) -> list[str]:
    """Return the sources lines that name a meeting no public observation of theirs is from."""
    wrong = []
    meetings = {o.meeting_id.rsplit("/", 1)[-1] for o in facts.shown.values()}
    for line in lines:
        numbers = [int(n) for n in re.findall(r"#(\d+)", line)]
        cited = [facts.shown[n] for n in numbers]
        public = {o.meeting_id.rsplit("/", 1)[-1] for o in cited if o.confidentiality == "public"}
        named = {meeting for meeting in meetings if re.search(rf"\b{re.escape(meeting)}\b", line)}
        if named != public:
            wrong.append(f"{where}: {line!r} names {sorted(named - public)}")
        internal = sum(o.confidentiality == "internal" for o in cited)
        if internal and labels("gaps.sources_internal", count=internal) not in line:
            wrong.append(f"{where}: {line!r} does not count its {internal} internal observations")
    assert lines, where
    return wrong


def label_pattern(template: str, **groups: str) -> re.Pattern[str]:
    """Return a pattern of a label whose {placeholders} match what `groups` say."""
    pattern = re.escape(template)
    for name, expression in groups.items():
        pattern = pattern.replace(re.escape("{" + name + "}"), expression)
    return re.compile(pattern)


def check_groupings(facts: Facts, labels: Labels, text: str, where: str) -> list[str]:
    """Return the gap lines, divergences and heatmap cells that name a too narrow kind or group.

    `text` is any output read as text, its whitespace collapsed.
    """
    wrong = []
    narrow = facts.narrow_columns(labels)
    template = labels("gaps.raised_by", organisations="{o}", kinds="{k}", names="{names}")
    raised = label_pattern(template, o=r"\d+", k=r"\d+", names=r"([^.]+?)")
    lines = raised.findall(text)
    assert lines, f"{where}: no gap line found"
    for names in lines:
        wrong += [f"{where}: raised by {names!r}" for n in names.split(", ") if n.strip() in narrow]
    for name in narrow:
        # A divergence ("ministry 1.0") or a heatmap cell's title ("ministry: 1 · 3.0").
        if re.search(rf"(?<!\w){re.escape(name)}(?: \d[.,]\d\b|: \d+ · )", text):
            wrong.append(f"{where}: {name!r} rated or counted")
    wrong += [
        f"{where}: names {named!r}"
        for named in facts.too_few(labels)
        # An attribution stands before its observation's number: "a participant (#12)".
        if re.search(rf"(?<!\w){re.escape(named)},?\s*\(?#\d+", text)
    ]
    return wrong


def check_log(facts: Facts, rows: list[tuple[str, int]], where: str) -> list[str]:
    """Return the log rows that count more than their meeting's public observations."""
    assert rows, f"{where}: no log row found"
    return [
        f"{where}: meeting {ref} counts {count} observations, {facts.public_count(ref)} public"
        for ref, count in rows
        if count != facts.public_count(ref)
    ]


def html_log(html: str) -> list[tuple[str, int]]:
    section = html.split('<section id="log">', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", section, flags=re.S)
    found = []
    for row in rows:
        ref = re.search(r'<span class="ref">([^<]+)</span>', row)
        cells = re.findall(r'<td class="n">(\d+)</td>', row)
        if ref and cells:
            found.append((ref.group(1), int(cells[-1])))
    return found


def markdown_log(markdown: str, labels: Labels) -> list[tuple[str, int]]:
    section = markdown.split(f"## 3. {labels('sections.log')}", 1)[1].split("\n## ", 1)[0]
    found = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[-1].isdigit():
            continue
        # "Name (of the organisation) (ref); Invited: ...": the ref is the last brackets.
        name = cells[1].split(f"; {labels('log.invitees')}: ", 1)[0]
        refs = re.findall(r"\(([^()]+)\)", name)
        if refs:
            found.append((refs[-1].replace("\\", ""), int(cells[-1])))
    return found


def check_participants(
    facts: Facts, markdown: str, themes: dict[str, str], where: str
) -> list[str]:
    """Return the gaps marked as the participants' own that may not be.

    `themes` maps each theme's label in the pack's language to its id.
    """
    section = markdown.split("\n## 4. ", 1)[1].split("\n## 5. ", 1)[0]
    wrong = []
    for line in section.splitlines():
        cells = [cell.strip().replace("\\", "") for cell in line.strip().strip("|").split("|")]
        marked = len(cells) == 7 and cells[0].isdigit() and cells[-1] in ("1.5", "1,5")
        if marked and not facts.participants_may_be_named(themes[cells[1]]):
            wrong.append(f"{where}: gap {cells[0]} ({cells[1]}) marked as the participants'")
    return wrong


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(path).pages)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_output_keeps_the_k_rule_for_every_internal_observation(
    case: Case, language: str, request: pytest.FixtureRequest
) -> None:
    labels = load_labels(language, None)
    facts = case.facts
    files = case.files[language]
    html = files["html"].read_text(encoding="utf-8")
    markdown = files["md"].read_text(encoding="utf-8")
    where = f"{case.name} {language}"
    items = html_items(html)
    md_items, md_sources = markdown_items(markdown)
    wrong = check_items(facts, labels, items.items, f"{where}.html")
    wrong += check_items(facts, labels, md_items, f"{where}.md")
    wrong += check_sources(facts, labels, items.sources, f"{where}.html")
    wrong += check_sources(facts, labels, md_sources, f"{where}.md")
    plain_html = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    wrong += check_groupings(facts, labels, plain_html, f"{where}.html")
    wrong += check_groupings(facts, labels, " ".join(markdown.split()), f"{where}.md")
    wrong += check_groupings(facts, labels, pdf_text(files["pdf"]), f"{where}.pdf")
    for svg_title in re.findall(r"<title>([^<]*)</title>", html):
        wrong += [
            f"{where}.html heatmap cell {svg_title!r}"
            for name in facts.narrow_columns(labels)
            if f" · {name}: " in svg_title
        ]
    wrong += check_log(facts, html_log(html), f"{where}.html log")
    wrong += check_log(facts, markdown_log(markdown, labels), f"{where}.md log")
    themes = {theme_label(case.training, t.id, language): t.id for t in case.training.themes}
    wrong += check_participants(facts, markdown, themes, f"{where}.md")
    assert wrong == []


def test_sources_csv_keeps_the_k_rule_for_every_internal_observation(case: Case) -> None:
    labels = load_labels("en", None)
    facts = case.facts
    text = case.sources.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    items: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        items[int(row["number"])].append(" | ".join(row.values()))
    assert check_items(facts, labels, items, f"{case.name} sources.csv") == []
    by_number = {int(row["number"]): row for row in rows}
    for observation in facts.internal():
        row = by_number[observation.id]
        assert row["source"] == facts.expected(observation, labels)
        assert (row["meeting"], row["file"], row["line"]) == ("", "", "")
    narrow = set(facts.narrow_columns(labels)) | set(facts.too_few(labels))
    assert not {row["source"] for row in rows if row["source"] in narrow}
