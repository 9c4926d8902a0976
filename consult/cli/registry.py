"""The commands about the registry and the tables: import-stakeholders, export-stakeholders,
export, edit-stakeholder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from consult.cli.app import app, out
from consult.cli.options import (
    USER,
    ByOption,
    MappingOption,
    TrainingArgument,
    WorkspaceOption,
    YesOption,
    settings_for,
)
from consult.coordination.export_options import FORMATS, TABLES
from consult.errors import ConsultError


@app.command(name="import-stakeholders")
def import_stakeholders(
    file: Annotated[Path, typer.Argument(help="A spreadsheet of contacts: .xlsx or .csv.")],
    yes: YesOption = False,
    mapping: MappingOption = None,
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Import a spreadsheet of contacts into stakeholders.yaml: preview, then merge."""
    from consult.application import registry
    from consult.store import open_store
    from consult.workspace.sheets import read_sheets

    settings = settings_for(workspace)
    root = settings.workspace
    sheets = read_sheets(file)
    columns = registry.import_columns(root, sheets, mapping)
    if columns.source == "saved":
        out.print(f"columns as in {columns.saved}", soft_wrap=True)
    elif columns.source == "guessed":
        table = Table("header", "field", title="Columns", title_justify="left")
        for header in dict.fromkeys(h for sheet in sheets for h in sheet.header if h.strip()):
            table.add_row(header, columns.columns.get(header, "(ignored)"))
        out.print(table)
        if not yes and not typer.confirm("Read the columns so?"):
            raise ConsultError(
                f"nothing imported; write the mapping in {columns.saved} and run again"
            )
        out.print(f"mapping saved in {registry.save_columns(columns)}", soft_wrap=True)
    preview = registry.preview_import(root, sheets, columns.columns)
    out.print(preview.summary(), soft_wrap=True, markup=False)
    for line in preview.details()[:200]:
        out.print(f"  {line}", soft_wrap=True, markup=False)
    if preview.empty:
        out.print("nothing to change", soft_wrap=True)
        return
    if not yes and not typer.confirm(f"Write these changes into {root / registry.STAKEHOLDERS}?"):
        raise ConsultError("nothing imported")
    with open_store(settings.store_url, by) as store:
        written = registry.apply_import(root, store, preview, by)
    out.print(f"{written}: written", soft_wrap=True)


@app.command(name="export-stakeholders")
def export_stakeholders(
    target: Annotated[Path, typer.Argument(help="The file to write: .xlsx or .csv.")],
    format: Annotated[
        str | None, typer.Option("--format", help="xlsx or csv (default: by the file's suffix).")
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Write the registry as a spreadsheet, in the columns import-stakeholders reads."""
    from consult.application.registry import export_stakeholders

    settings = settings_for(workspace)
    count = export_stakeholders(settings.workspace, target, format)
    out.print(f"{target}: {count} contacts", soft_wrap=True)


@app.command(name="export")
def export_table(
    training: TrainingArgument,
    what: Annotated[str, typer.Option("--what", help=f"The table to write: {', '.join(TABLES)}.")],
    format: Annotated[str, typer.Option("--format", help="csv or xlsx.")] = "xlsx",
    target: Annotated[
        Path | None,
        typer.Option(
            "--out", help="The file to write (default: out/exports/<training>-<what>.<format>)."
        ),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Write a training's registry, ledger, answers or observations as .csv or .xlsx.

    Restricted observations are never written; the count left out is printed.
    """
    from consult.bootstrap import services
    from consult.coordination.exports import build_table, file_name, write_table

    for option, value, choices in (("--what", what, TABLES), ("--format", format, FORMATS)):
        if value not in choices:
            expected = f"expected one of {', '.join(choices)}"
            raise typer.BadParameter(f"got {value!r}, {expected}", param_hint=option)
    settings = settings_for(workspace)
    with services(settings) as built:
        table = build_table(what, built.workspace, built.store, training)
    if target is None:
        target = settings.out_dir / "exports" / file_name(training, what, format)
        target.parent.mkdir(parents=True, exist_ok=True)
    write_table(table, target, format)
    left_out = f" ({table.withheld} restricted left out)" if what == "observations" else ""
    out.print(f"{target}: {len(table.rows)} rows{left_out}", soft_wrap=True, markup=False)


@app.command(name="edit-stakeholder")
def edit_stakeholder(
    organisation: Annotated[str, typer.Argument(help="The organisation's id.")],
    changes: Annotated[
        list[str], typer.Argument(help="field=value, e.g. country=AM role='Head of unit'.")
    ],
    contact: Annotated[
        str | None, typer.Option("--contact", help="The contact's email: edit the contact.")
    ] = None,
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Edit an organisation's or a contact's fields in stakeholders.yaml, checked and audited."""
    from consult.application.registry import Entry, edit_stakeholder
    from consult.store import open_store

    settings = settings_for(workspace)
    pairs = {key: value for key, _, value in (change.partition("=") for change in changes)}
    with open_store(settings.store_url, by) as store:
        entry = edit_stakeholder(
            settings.workspace, store, Entry(organisation, contact), pairs, by=by
        )
    if not entry.changed:
        out.print("nothing to change", soft_wrap=True)
        return
    out.print(f"{entry.subject}: {', '.join(entry.detail['fields'])} changed", soft_wrap=True)
