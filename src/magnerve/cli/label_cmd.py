"""`magnerve label TEXT` / `magnerve label --file F`: elemental magnesium from label text.

The command only reads the input and prints; every decision is in
:func:`magnerve.core.labels.parse_label`. :func:`read_label` is shared with
``magnerve plan --product``, which takes either label text or a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from magnerve.cli.common import OutputFormat, console, print_json, read_input_file
from magnerve.errors import InputError

if TYPE_CHECKING:
    from magnerve.core.labels import LabelResult

__all__ = ["is_label_file", "label_command", "label_from_source", "read_label"]

FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="text for people, json for programs.")
]


def read_label(text: str | None, file: str | None) -> LabelResult:
    """Parse label text given directly or in a file ('-' is stdin), naming the input in
    any error so the message says where the problem is."""
    from magnerve.core.labels import MAX_LABEL_BYTES, parse_label
    from magnerve.knowledge import load_knowledge

    if text is not None and file is not None:
        raise InputError(
            "TEXT",
            text,
            "label text or --file, not both",
            message="Give the label either as TEXT or with --file, not both.",
        )
    if text is None and file is None:
        raise InputError(
            "TEXT",
            None,
            "label text or --file",
            message="Give the label text as an argument, or --file F ('-' reads standard input).",
        )
    if file is not None:
        body = read_input_file(file, "--file", limit=MAX_LABEL_BYTES)
        where = "stdin" if file == "-" else file
    else:
        assert text is not None
        body, where = text, "label text"
    try:
        return parse_label(body, load_knowledge())
    except InputError as exc:
        raise exc.located(where) from None


def label_from_source(source: str) -> LabelResult:
    """Label text or a file holding it, as ``plan --product`` receives: '-' is stdin, an
    existing file is read, anything else is the label text itself."""
    if source == "-" or is_label_file(source):
        return read_label(None, source)
    return read_label(source, None)


def is_label_file(source: str) -> bool:
    """Whether ``source`` names an existing file (long or multi-line text never does)."""
    if "\n" in source or len(source) > 4096:
        return False
    try:
        return Path(source).is_file()
    except (OSError, ValueError):  # a name too long, or with a NUL: it is text, not a path
        return False


def _num(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "unknown"
    return f"{value:,.1f}".rstrip("0").rstrip(".") + unit


def label_command(
    text: Annotated[
        str | None,
        typer.Argument(
            help="Label text as copied (quote it). Omit it to use --file.", show_default=False
        ),
    ] = None,
    file: Annotated[
        str | None,
        typer.Option(
            "--file",
            help="Read the label from a text file; '-' reads standard input.",
            show_default=False,
        ),
    ] = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Read a supplement label and show its elemental magnesium per serving and per unit.

    Reads US Supplement and Drug Facts panels, UK/EU nutrition panels (%NRV), front-of-pack
    lines and pharmacy leaflets (mmol, mEq, "equivalent to").

    Example:

        magnerve label "Serving Size 2 Capsules. Magnesium (as glycinate) 200 mg 48%"

        magnerve label --file label.txt --format json
    """
    result = read_label(text, file)
    if output is OutputFormat.json:
        print_json(result.to_dict())
        return
    from rich.table import Table

    data = result.to_dict()
    table = Table(title="Magnesium on this label", title_justify="left")
    for column in ("line", "forms", "read as", "elemental mg", "compound mg", "%DV"):
        table.add_column(column)
    for item, raw in zip(data["items"], result.items, strict=True):
        basis = item["basis"] if raw.counted else f"{item['basis']} (counted once)"
        table.add_row(
            item["text"],
            ", ".join(item["forms"]),
            basis,
            _num(item["elemental_mg"]),
            "-" if item["compound_mg"] is None else _num(item["compound_mg"]),
            _num(item["percent_dv"], "%") if item["percent_dv"] is not None else "-",
        )
    out = console()
    out.print(table)
    serving = data["serving"]
    per_serving = _num(data["elemental_mg_per_serving"], " mg")
    line = f"Elemental magnesium: {per_serving} per serving"
    if serving["description"]:
        line += f" ({serving['description']})"
    if data["elemental_mg_per_unit"] is not None and serving["unit"]:
        line += f", {_num(data['elemental_mg_per_unit'], ' mg')} per {serving['unit']}"
    out.print(line, markup=False)
    for warning in data["warnings"]:
        out.print(f"- {warning['code']}: {warning['message']}", markup=False)
