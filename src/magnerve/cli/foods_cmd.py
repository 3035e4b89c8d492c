"""`magnerve foods search QUERY` and `magnerve diet FILE`: magnesium in food.

Both are thin: the food table, search and log reading live in :mod:`magnerve.core.foods` and
:mod:`magnerve.core.diet`; this module only reads files and renders the results.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from magnerve.cli.common import OutputFormat, console, print_json, read_input_file
from magnerve.errors import InputError

if TYPE_CHECKING:
    from magnerve.core.diet import DietEstimate

__all__ = ["diet_command", "foods_app", "search_command"]

FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="text for people, json for programs.")
]

foods_app = typer.Typer(
    name="foods",
    help="Magnesium in foods (USDA SR28 and FNDDS 2017-2018).",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@foods_app.command("search")
def search_command(
    query: Annotated[list[str], typer.Argument(help="What you ate, e.g. pumpkin seeds.",
                                               metavar="QUERY", show_default=False)],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100,
                                       help="How many foods to show.")] = 10,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Find foods and their magnesium per 100 g and per household portion.

    Example:

        magnerve foods search pumpkin seeds

        magnerve foods search "dark chocolate" --limit 3 --format json
    """
    from magnerve.core.foods import search, tokenize

    text = " ".join(query).strip()
    if not tokenize(text):
        raise InputError("QUERY", text, "a food name, e.g. 'pumpkin seeds'")
    matches = search(text, limit=limit)
    if output is OutputFormat.json:
        print_json([match.food.to_dict() for match in matches])
        return
    out = console()
    if not matches:
        out.print(f"No food matches '{text}'.")
        return
    from rich.table import Table

    table = Table(title=f"Foods matching '{text}' (magnesium, USDA)")
    for column in ("id", "food", "mg/100 g", "a usual portion"):
        table.add_column(column)
    for match in matches:
        food = match.food
        mg = "unknown" if food.mg_per_100g is None else f"{food.mg_per_100g:g}"
        table.add_row(food.id, food.name, mg, _first_portion(food.to_dict()))
    out.print(table)


def _first_portion(food: dict[str, Any]) -> str:
    if not food["portions"]:
        return "-"
    portion = food["portions"][0]
    mg = "" if portion["mg"] is None else f" = {portion['mg']:g} mg"
    return f"{portion['description']} ({portion['grams']:g} g){mg}"


def diet_command(
    file: Annotated[str, typer.Argument(
        help="A food log (one food per line, e.g. '1 oz pumpkin seeds'), or a .toml/.json "
             "file with 'foods' (lines) and 'questionnaire' (servings per food); - is stdin.",
        metavar="FILE", show_default=False)],
    output: FormatOption = OutputFormat.text,
) -> None:
    """Add up the magnesium in a food log, line by line.

    Lines that cannot be resolved (unknown food, unit or portion) are listed with the reason
    and left out of the total; nothing is guessed. Blank lines and # comments are skipped.

    Example:

        magnerve diet meals.txt

        printf '1 oz pumpkin seeds\\na banana\\n' | magnerve diet - --format json
    """
    result = read_diet(file)
    if output is OutputFormat.json:
        print_json(result.to_dict())
    else:
        render_diet(result)


def read_diet(path: str) -> DietEstimate:
    """Read a food log (text) or a diet file (.toml/.json) and estimate its magnesium."""
    from magnerve.core.diet import DietEstimate, estimate_diet, read_food_log

    text = read_input_file(path, "FILE")
    where = "stdin" if path == "-" else path
    suffix = "" if path == "-" else Path(path).suffix.lower()
    try:
        if suffix in (".toml", ".json"):
            return estimate_diet(_parse_structured(text, suffix, where))
        return DietEstimate(log=read_food_log(text))
    except InputError as exc:
        raise exc.located(where) from None


def _parse_structured(text: str, suffix: str, where: str) -> Any:
    import json
    import tomllib

    try:
        return tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        kind = suffix[1:].upper()
        raise InputError("FILE", where, f"valid {kind}",
                         message=f"{where} is not valid {kind}: {exc}") from None
    except (RecursionError, ValueError) as exc:  # nested too deeply; a 5,000-digit number
        kind = suffix[1:].upper()
        reason = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise InputError("FILE", where, f"valid {kind}",
                         message=f"{where} cannot be read as {kind}: {reason}.") from None


def render_diet(result: DietEstimate) -> None:
    """The estimate as rich tables: resolved lines, unresolved lines, questionnaire."""
    from rich.table import Table

    out = console()
    log = result.log
    if log is not None:
        table = Table(title="Magnesium in your food log (USDA)")
        for column in ("line", "food", "grams", "mg", "portion used"):
            table.add_column(column)
        for item in log.items:
            table.add_row(item.line, item.food.name, f"{item.grams:.0f}", f"{item.mg:.0f}",
                          item.portion or "weight")
        if log.items:
            out.print(table)
        for miss in log.unresolved:
            out.print(f"[yellow]Not counted[/yellow] (line {miss.line_number}) "
                      f"'{miss.line}': {miss.reason}.", markup=True)
        out.print(f"Total from the log: [bold]{log.total_mg:.0f} mg[/bold] magnesium"
                  + (f" ({len(log.unresolved)} line(s) not counted)" if log.unresolved else ""))
    estimate = result.questionnaire
    if estimate is not None:
        table = Table(title="Questionnaire: usual magnesium from food per day")
        for column in ("food", "serving", "servings/day", "mg/day"):
            table.add_column(column)
        for line in estimate.lines:
            table.add_row(line.item.label, f"{line.item.serving} ({line.item.grams:g} g)",
                          f"{line.servings_per_day:.2f}", f"{line.mg_per_day:.0f}")
        out.print(table)
        out.print(f"Estimated from the questionnaire: [bold]{estimate.mg_per_day:.0f} mg[/bold]"
                  " magnesium a day")
