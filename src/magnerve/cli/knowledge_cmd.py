"""`magnerve forms` and `magnerve interactions DRUG...`: browse the knowledge base."""

from __future__ import annotations

from typing import Annotated

import typer

from magnerve.cli.common import OutputFormat, console, print_json
from magnerve.errors import InputError

__all__ = ["forms_command", "interactions_command", "sources_command"]

FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="text for people, json for programs.")
]


def forms_command(output: FormatOption = OutputFormat.text) -> None:
    """List magnesium forms: elemental magnesium by weight, absorption, gut effect, uses.

    Example:

        magnerve forms --format json
    """
    from magnerve.core.catalog import forms_catalog
    from magnerve.knowledge import load_knowledge

    data = forms_catalog(load_knowledge())
    if output is OutputFormat.json:
        print_json(data)
        return
    from rich.table import Table

    table = Table(title="Magnesium forms (elemental Mg computed from the formula)")
    for column in ("form", "Mg %", "absorption", "gut effect", "price", "typical use"):
        table.add_column(column)
    for form in data:
        fraction = form["elemental_fraction"]
        shown = "-" if fraction is None else f"{fraction:.1%}"
        if not form["oral"]:
            shown += " (not oral)"
        table.add_row(form["form"], shown, form["absorption"], form["gi_effect"],
                      form["cost_tier"], form["use"])
    console().print(table)


def interactions_command(
    drugs: Annotated[list[str], typer.Argument(help="Medicine names: generic, brand or salt.",
                                               show_default=False)],
    output: FormatOption = OutputFormat.text,
) -> None:
    """Show how medicines interact with magnesium and how far apart to take them.

    Unknown names exit with status 1 and a suggestion: an unknown medicine is never "safe".

    Example:

        magnerve interactions Cipro Synthroid "doxycycline hyclate"
    """
    from magnerve.core.catalog import interaction_lookup
    from magnerve.knowledge import load_knowledge

    data = interaction_lookup(drugs, load_knowledge())
    unknown = [d for d in data if not d["recognised"]]
    if output is OutputFormat.json:
        print_json(data)
    else:
        from rich.table import Table

        table = Table(title="Interactions with oral magnesium")
        for column in ("medicine", "drug", "severity", "effect", "separation", "what to do"):
            table.add_column(column)
        for item in data:
            if not item["recognised"]:
                continue
            if not item["separable"]:
                gap = "not separable"
            elif item["drug_then_mg_h"] is None and item["mg_then_drug_h"] is None:
                gap = "-"
            else:
                gap = (f"Mg ≥{item['drug_then_mg_h']:g} h after, "
                       f"≥{item['mg_then_drug_h']:g} h before")
            table.add_row(item["query"], item["name"], item["severity"], item["effect"], gap,
                          item["management"])
        if any(d["recognised"] for d in data):
            console().print(table)
    if unknown:
        first = unknown[0]
        hint = f" Did you mean '{first['suggestion']}'?" if first["suggestion"] else ""
        from magnerve.errors import _show

        raise InputError("DRUG", first["given"], "a medicine in the knowledge base",
                         message=f"{_show(first['given'])} is not in magnerve's knowledge base, "
                         f"so its interactions with magnesium are unknown.{hint}")


def sources_command(
    ids: Annotated[
        list[str] | None,
        typer.Argument(help="Source ids to show (default: all).", show_default=False),
    ] = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Show full citations for source ids used in plans and the knowledge files.

    Example:

        magnerve sources pickering2011 park2020
    """
    from magnerve.core.text import suggest
    from magnerve.knowledge import load_knowledge

    knowledge = load_knowledge()
    wanted = ids or list(knowledge.sources)
    for source_id in wanted:
        if source_id not in knowledge.sources:
            raise InputError("ID", source_id, "a source id", suggestion=suggest(
                source_id, knowledge.sources))
    data = [knowledge.sources[i].model_dump(exclude_none=True) for i in wanted]
    if output is OutputFormat.json:
        print_json(data)
        return
    out = console()
    for item in data:
        out.print(f"[bold]{item['id']}[/bold] ({item['kind']}) {item['citation']}")
        if "url" in item:
            out.print(f"    {item['url']}", style="dim")
        if "note" in item:
            out.print(f"    Note: {item['note']}", style="dim italic")
