"""`magnerve plan PROFILE`: the plan for a profile, as text or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from magnerve.cli.common import OutputFormat, print_json, read_input_file
from magnerve.errors import InputError

if TYPE_CHECKING:
    from magnerve.core.profile import Profile

__all__ = ["plan_command", "read_profile"]


def read_profile(path: str) -> Profile:
    """Read and validate a profile file (.toml or .json; '-' reads JSON from stdin)."""
    from magnerve.core.profile import parse_profile_text
    from magnerve.knowledge import load_knowledge

    fmt: Literal["toml", "json"] = "json"
    if path != "-":
        suffix = Path(path).suffix.lower()
        if suffix not in (".toml", ".json"):
            raise InputError("PROFILE", path, "a .toml or .json file, or - for JSON on stdin")
        fmt = "toml" if suffix == ".toml" else "json"
    text = read_input_file(path, "PROFILE")
    where = "stdin" if path == "-" else path
    try:
        return parse_profile_text(text, fmt, load_knowledge())
    except InputError as exc:
        raise exc.located(where) from None


def plan_command(
    profile: Annotated[
        str, typer.Argument(help="Profile file (.toml or .json), or - to read JSON from stdin.",
                            show_default=False)
    ],
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="text for people, json for programs.")
    ] = OutputFormat.text,
    explain: Annotated[
        bool, typer.Option("--explain", help="Also show every rule that ran and its inputs.")
    ] = False,
    product: Annotated[
        str | None,
        typer.Option("--product", help="A supplement label (text, a file, or - for stdin): adds "
                     "units per dose and per day for each titration step.", show_default=False),
    ] = None,
) -> None:
    """Make a safe, cited magnesium plan for a profile.

    Example:

        magnerve plan examples/profiles/diabetic_neuropathy.toml

        magnerve plan profile.json --format json --explain

        magnerve plan profile.toml --product label.txt
    """
    from magnerve.knowledge import load_knowledge
    from magnerve.planning import make_plan

    person = read_profile(profile)
    label = None
    if product is not None:
        from magnerve.cli.label_cmd import label_from_source

        label = label_from_source(product)
    result = make_plan(person, load_knowledge(), product=label)
    if output is OutputFormat.json:
        print_json(result.to_dict(explain=explain))
    else:
        from magnerve.cli.render import render_plan

        render_plan(result, explain=explain)
