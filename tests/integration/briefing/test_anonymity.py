"""Anonymity that holds, on the demo's pack (en, ka, ru; HTML, Markdown and sources.csv).

Every internal observation is attributed at a level that at least k = 3 consulted
organisations share, and nothing printed with it (its item, row or gap's sources line)
names its meeting, its organisation or a person of it. The expectations are worked out
here from the store and the registry, not from the pack's code.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest

from consult.briefing.labels import Labels, load_labels
from consult.settings import Settings
from consult.store import open_store
from schemas.stakeholders import KIND_GROUPS
from schemas.state import Observation
from tests.integration.briefing.conftest import DEMO_TRAINING, LANGUAGES, DemoPack

pytestmark = pytest.mark.slow

K = 3


@dataclass(frozen=True)
class Facts:
    """What the store and the registry say about the demo's observations."""

    shown: dict[int, Observation]
    """Every observation the pack rests on (restricted ones excluded), by number."""
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

    def identifying(self, observation: Observation) -> list[str]:
        """Return what must not be printed with an internal observation."""
        meeting = observation.meeting_id
        owner = [observation.owner] if observation.owner else []
        return [meeting, meeting.rsplit("/", 1)[-1], *self.names[observation.organisation], *owner]


@pytest.fixture(scope="module")
def facts(demo_pack: DemoPack) -> Facts:
    with open_store(Settings(workspace=demo_pack.root).store_url) as store:
        observations = store.observations(training=DEMO_TRAINING)
        attendance = [e for e in store.audit_log() if e.action == "notes.attendance"]
    shown = {o.id: o for o in observations if o.confidentiality != "restricted"}
    registry = {o.id: o for o in demo_pack.workspace.stakeholders.organisations}
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
    assert len(by_kind["prosecution"]) == 1  # the case of the issue: one prosecution office
    return Facts(shown, kind_of, by_kind, by_group, names)


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
    assert checked >= 10, where
    return wrong


def check_sources(facts: Facts, labels: Labels, lines: list[str], where: str) -> list[str]:
    """Return the sources lines that name a meeting no public observation of theirs is from."""
    wrong = []
    meetings = {o.meeting_id.rsplit("/", 1)[-1] for o in facts.shown.values()}
    for line in lines:
        numbers = [int(n) for n in re.findall(r"#(\d+)", line)]
        cited = [facts.shown[n] for n in numbers]
        public = {o.meeting_id.rsplit("/", 1)[-1] for o in cited if o.confidentiality == "public"}
        named = {meeting for meeting in meetings if meeting in line}
        if named != public:
            wrong.append(f"{where}: {line!r} names {sorted(named - public)}")
        internal = sum(o.confidentiality == "internal" for o in cited)
        if internal and labels("gaps.sources_internal", count=internal) not in line:
            wrong.append(f"{where}: {line!r} does not count its {internal} internal observations")
    assert lines, where
    return wrong


@pytest.mark.parametrize("language", LANGUAGES)
def test_internal_observations_are_attributed_by_the_k_rule_in_html_and_markdown(
    demo_pack: DemoPack, facts: Facts, language: str
) -> None:
    labels = load_labels(language, None)
    html = html_items(demo_pack.files[language]["html"].read_text(encoding="utf-8"))
    md_items, md_sources = markdown_items(demo_pack.files[language]["md"].read_text("utf-8"))
    wrong = check_items(facts, labels, html.items, f"{language}.html")
    wrong += check_items(facts, labels, md_items, f"{language}.md")
    wrong += check_sources(facts, labels, html.sources, f"{language}.html")
    wrong += check_sources(facts, labels, md_sources, f"{language}.md")
    assert wrong == []


def test_sources_csv_attributes_internal_observations_by_the_k_rule(
    demo_pack: DemoPack, facts: Facts
) -> None:
    labels = load_labels("en", None)
    rows = list(csv.DictReader(io.StringIO(demo_pack.sources.read_text(encoding="utf-8-sig"))))
    items: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        items[int(row["number"])].append(" | ".join(row.values()))
    assert check_items(facts, labels, items, "sources.csv") == []
    by_number = {int(row["number"]): row for row in rows}
    for observation in facts.internal():
        assert by_number[observation.id]["source"] == facts.expected(observation, labels)
