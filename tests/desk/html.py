"""Reads the desk's HTML back as a person sees it: tables of cell texts, elements by id, text."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@dataclass
class Table:
    """A table of a page: the id of the section it is in, its header and its rows of cell texts."""

    section: str
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    def column(self, name: str) -> list[str]:
        """Return the cells of the column with this header, top to bottom."""
        index = self.header.index(name)
        return [row[index] for row in self.rows]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[Table] = []
        self.ids: dict[str, dict[str, str]] = {}
        self.texts: dict[str, list[str]] = {}
        self.stack: list[tuple[str, str]] = []
        self.selected: dict[str, str] = {}
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def _section(self) -> str:
        return next((id for tag, id in reversed(self.stack) if tag == "section"), "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        id = values.get("id", "")
        if id:
            self.ids[id] = {"tag": tag, **values}
            self.texts.setdefault(id, [])
        if tag == "option" and "selected" in values:
            select = next((i for t, i in reversed(self.stack) if t == "select"), "")
            self.selected[select] = values.get("value", "")
        if tag == "table":
            self.tables.append(Table(self._section()))
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")
        if tag not in VOID:
            self.stack.append((tag, id))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            inside_head = any(t == "thead" for t, _ in self.stack)
            if inside_head:
                self.tables[-1].header = self._row
            else:
                self.tables[-1].rows.append(self._row)
            self._row = None
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        for _, id in self.stack:
            if id:
                self.texts[id].append(data)


@dataclass
class Page:
    """A page read back: its tables, the attributes of each element with an id, its text."""

    tables: list[Table]
    ids: dict[str, dict[str, str]]
    texts: dict[str, str]
    selected: dict[str, str]
    """The value selected in each drop-down, by its id."""
    html: str

    def table(self, section: str, index: int = 0) -> Table:
        """Return the `index`-th table of the section with this id."""
        return [t for t in self.tables if t.section == section][index]

    def text(self, id: str) -> str:
        """Return the text inside the element with this id, spaces collapsed."""
        return " ".join(self.texts.get(id, "").split())

    def value(self, id: str) -> str:
        """Return what a field shows: an input's value, a text area's text, a drop-down's choice."""
        element = self.ids[id]
        if element["tag"] == "select":
            return self.selected.get(id, "")
        if element["tag"] == "textarea":
            return self.texts[id]
        return element.get("value", "")


def read_page(html: str) -> Page:
    """Return the page read from its HTML."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    texts = {k: "".join(v) for k, v in reader.texts.items()}
    return Page(reader.tables, reader.ids, texts, reader.selected, html)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self._open: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._open = {"method": values.get("method", "get").lower()}
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and values.get("type") == "hidden":
            self._open[f"hidden:{values.get('name', '')}"] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def forms(html: str) -> list[dict[str, str]]:
    """Return each form of a page: its `method` and each hidden field as `hidden:<name>`."""
    reader = _Forms()
    reader.feed(html)
    reader.close()
    return reader.forms
