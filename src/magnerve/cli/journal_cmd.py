"""`magnerve journal ...`: start a plan, log entries, list, edit, delete, export, import.

Logging is one short command (``magnerve journal add pain 6``) because a journal that is
tedious to keep is not kept. Every ``add`` prints the stored entry only after the store has
committed and synced it, so exit status 0 means "it is on disk" (design.md 3.7).

Commands open the journal named by ``--db``, else ``$MAGNERVE_DB``, else the user data
directory. Errors are magnerve errors; ``magnerve.cli.app.run`` turns them into one
sentence on stderr and exit status 1.
"""

from __future__ import annotations

import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from magnerve.cli.common import (
    OutputFormat,
    console,
    print_json,
    read_input_file,
    refuse_journal_output,
    warn_damaged,
    write_private,
)
from magnerve.errors import InputError
from magnerve.journal.summary import describe_entry, format_number, format_stamp, summarize
from magnerve.journal.times import FUTURE_SLACK

if TYPE_CHECKING:
    from magnerve.core.entries import Entry
    from magnerve.core.labels import LabelResult
    from magnerve.journal import ImportReport, Journal

__all__ = ["journal_app"]

journal_app = typer.Typer(
    name="journal",
    help="Your private journal: log doses, pain, GI effects, sleep, notes and medicines.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
add_app = typer.Typer(
    name="add",
    help="Log one entry (dose, pain, gi, sleep, note, med).",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
journal_app.add_typer(add_app, name="add")

#: Most entries ``journal list --limit`` may ask for.
MAX_LIST_LIMIT = 10_000_000
#: Exports grow about 0.5 MB per year of daily logging; 200 MB is decades, yet bounded.
IMPORT_LIMIT_BYTES = 200_000_000

Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Journal file (default: $MAGNERVE_DB, else your user data directory).",
        show_default=False,
    ),
]
At = Annotated[
    str | None,
    typer.Option(
        "--at",
        help='When it happened: "08:30", "yesterday 21:00", or ISO 8601 '
        '("2024-03-10T08:30", offset optional). Default: now.',
        show_default=False,
    ),
]
Format = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="text for people, json for programs.")
]


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"


# --------------------------------------------------------------------------------------------
# Shared helpers


def _open(db: str | None, *, create: bool = False) -> Journal:
    """The journal named by --db/$MAGNERVE_DB/the default. Only the commands that add to
    it (start, add, import) create it; the others refuse a journal that does not exist, so
    a typo in --db is an error, not an empty journal (and no stray directories)."""
    from magnerve.journal import Journal, resolve_db_path

    return Journal.open(resolve_db_path(db), create=create)


def _now() -> datetime:
    from magnerve.journal.times import local_now

    return local_now()


def _when(at: str | None, now: datetime) -> datetime:
    """The --at time (default now); refuses times in the future."""
    from magnerve.journal.times import parse_when

    if at is None:
        return now
    when = parse_when(at, now)
    if when > now + FUTURE_SLACK:
        raise InputError(
            "--at",
            at,
            "a time that is not in the future",
            hint=f'It is now {format_stamp(now)}; for yesterday write "yesterday {when:%H:%M}".',
        )
    return when


def _emit(entry: Entry, output: OutputFormat, verb: str) -> None:
    if output is OutputFormat.json:
        print_json(entry.to_dict())
    else:
        typer.echo(f"{verb} {summarize(entry)}  [id {entry.id[:8]}]")


def _add(
    kind: str, values: dict[str, Any], at: str | None, db: str | None, output: OutputFormat
) -> None:
    when = _when(at, _now())
    with _open(db, create=True) as journal:
        entry = journal.add(kind, values, when)
    _emit(entry, output, "Logged")


def _one(option: str, positional: float | None, named: float | None) -> float | None:
    """A value given either as the positional shortcut or as its option, not both."""
    if positional is not None and named is not None and positional != named:
        raise InputError(
            option,
            f"{positional:g} and {named:g}",
            "one value",
            message=f"Give the value once: {positional:g} or {option} {named:g}.",
        )
    return named if named is not None else positional


def _label_dose(product: str, units: float, form: str | None) -> tuple[float, str, str | None]:
    """Elemental mg for ``units`` of a product, from its label text (or a file of it)."""
    from magnerve.cli.label_cmd import is_label_file
    from magnerve.core.labels import parse_label
    from magnerve.knowledge import load_knowledge

    if not 0 < units <= 100:
        raise InputError(
            "--units", units, "a number of capsules/tablets/scoops above 0 and at most 100"
        )
    is_file = product == "-" or is_label_file(product)
    text = read_input_file(product, "--product") if is_file else product
    result = parse_label(text, load_knowledge())
    per_unit = result.elemental_mg_per_unit
    if per_unit is None or per_unit <= 0:
        raise InputError(
            "--product",
            product,
            "label text that states the magnesium per capsule, tablet or serving",
            hint="Give the dose with --mg instead.",
        )
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    name = " ".join(first.split())[:200]
    if units != 1:
        name += f" x{units:g}"
    if form is None:
        form = _label_form(result)
    return round(per_unit * units, 3), name, form


def _label_form(result: LabelResult) -> str | None:
    """The label's form when it names exactly one (a mixed product stays unspecified)."""
    forms = [form for form in result.forms if form != "unknown"]
    return forms[0] if len(forms) == 1 else None


def _dose_values(
    mg: float | None, form: str | None, product: str | None, units: float
) -> dict[str, Any]:
    if product is None and units != 1:
        raise InputError(
            "--units",
            units,
            "used with --product",
            message="--units counts capsules/tablets of --product; give "
            "--product too, or give the dose with --mg.",
        )
    if product is not None:
        if mg is not None:
            raise InputError(
                "--mg",
                mg,
                "either --mg or --product",
                message="Give either --mg or --product with --units, not both.",
            )
        mg, name, form = _label_dose(product, units, form)
        return {"mg": mg, "form": form, "product": name}
    if mg is None:
        raise InputError(
            "--mg",
            None,
            "the elemental magnesium in mg",
            message="Give the dose: --mg N (elemental mg), or --product LABEL --units N.",
        )
    return {"mg": mg, "form": form}


# --------------------------------------------------------------------------------------------
# journal start


@journal_app.command("start")
def start_command(
    profile: Annotated[
        str,
        typer.Argument(
            help="Profile file (.toml or .json), or - for JSON on stdin.", show_default=False
        ),
    ],
    db: Db = None,
    output: Format = OutputFormat.text,
) -> None:
    """Make the plan for a profile and keep it (a new version only if the profile changed).

    Example:

        magnerve journal start examples/profiles/diabetic_neuropathy.toml
    """
    from magnerve.cli.plan_cmd import read_profile
    from magnerve.journal.store import DamagedPlanError
    from magnerve.knowledge import load_knowledge
    from magnerve.planning import make_plan

    person = read_profile(profile)
    result = make_plan(person, load_knowledge()).to_dict()
    with _open(db, create=True) as journal:
        try:
            before = journal.current_plan()
        except DamagedPlanError:  # this new version replaces it
            before = None
        stored = journal.save_plan(person.to_dict(), result, _now())
    new = before is None or before.version != stored.version
    status = stored.plan.get("status")
    if output is OutputFormat.json:
        print_json(
            {
                "version": stored.version,
                "created_at": stored.created_at.isoformat(),
                "new_version": new,
                "status": status,
                "daily_target_mg": stored.plan.get("daily_target_mg"),
                "plan": stored.plan,
            }
        )
        return
    target = stored.plan.get("daily_target_mg")
    if new:
        typer.echo(
            f"Saved plan version {stored.version}: status {status}, target "
            f"{format_number(target)} mg/day elemental magnesium."
        )
    else:
        typer.echo(
            f"The profile has not changed: plan version {stored.version} (made "
            f"{format_stamp(stored.created_at)}) is still current; status {status}."
        )
    steps = stored.plan.get("titration") or []
    if status != "do_not_start" and steps:
        first = steps[0]
        typer.echo(
            f"Start: {format_number(first['elemental_mg_per_day'])} mg/day in "
            f"{first['doses_per_day']} dose(s). Log each dose with "
            "'magnerve journal add dose --mg N'."
        )


# --------------------------------------------------------------------------------------------
# journal add ...


@add_app.command("dose")
def add_dose(
    mg_arg: Annotated[
        float | None,
        typer.Argument(metavar="MG", help="Elemental mg (same as --mg).", show_default=False),
    ] = None,
    mg: Annotated[
        float | None,
        typer.Option("--mg", help="Elemental magnesium taken, mg.", show_default=False),
    ] = None,
    form: Annotated[
        str | None, typer.Option("--form", help="Form id, e.g. glycinate.", show_default=False)
    ] = None,
    product: Annotated[
        str | None,
        typer.Option(
            "--product",
            help="Label text or a file holding it; the dose is worked out from "
            "the label and --units.",
            show_default=False,
        ),
    ] = None,
    units: Annotated[
        float, typer.Option("--units", help="Capsules/tablets/scoops taken of --product.")
    ] = 1.0,
    at: At = None,
    db: Db = None,
    output: Format = OutputFormat.text,
) -> None:
    """Log a magnesium dose (elemental mg).

    Example:

        magnerve journal add dose --mg 200 --form glycinate

        magnerve journal add dose --product "Magnesium glycinate 120 mg per capsule" --units 2
    """
    values = _dose_values(_one("--mg", mg_arg, mg), form, product, units)
    _add("dose", values, at, db, output)


@add_app.command("pain")
def add_pain(
    score_arg: Annotated[
        float | None,
        typer.Argument(
            metavar="SCORE", help="Pain now, 0-10 (same as --score).", show_default=False
        ),
    ] = None,
    score: Annotated[
        float | None,
        typer.Option("--score", help="Pain now (or typical today), 0-10.", show_default=False),
    ] = None,
    worst: Annotated[
        float | None, typer.Option("--worst", help="Worst pain today, 0-10.", show_default=False)
    ] = None,
    qualities: Annotated[
        str | None,
        typer.Option(
            "--qualities",
            help="Comma-separated words: burning,shooting,tingling...",
            show_default=False,
        ),
    ] = None,
    location: Annotated[
        str | None, typer.Option("--location", help="Where, e.g. 'both feet'.", show_default=False)
    ] = None,
    at: At = None,
    db: Db = None,
    output: Format = OutputFormat.text,
) -> None:
    """Log pain on a 0-10 scale.

    Example:

        magnerve journal add pain --score 6 --qualities burning,shooting --location feet
    """
    value = _one("--score", score_arg, score)
    if value is None:
        raise InputError(
            "--score",
            None,
            "a pain score from 0 to 10",
            message="Give the pain score: --score N (0-10).",
        )
    values: dict[str, Any] = {"score": value, "worst": worst, "location": location}
    if qualities is not None:
        values["qualities"] = qualities
    _add("pain", values, at, db, output)


@add_app.command("gi")
def add_gi(
    bristol: Annotated[
        int | None, typer.Option("--bristol", help="Bristol stool type, 1-7.", show_default=False)
    ] = None,
    diarrhea: Annotated[bool, typer.Option("--diarrhea", help="Loose or watery stools.")] = False,
    nausea: Annotated[bool, typer.Option("--nausea", help="Felt sick.")] = False,
    cramps: Annotated[bool, typer.Option("--cramps", help="Stomach cramps.")] = False,
    at: At = None,
    db: Db = None,
    output: Format = OutputFormat.text,
) -> None:
    """Log a gut effect: a Bristol stool type and/or diarrhea, nausea, cramps.

    Example:

        magnerve journal add gi --bristol 6 --cramps
    """
    _add(
        "gi",
        {"bristol": bristol, "diarrhea": diarrhea, "nausea": nausea, "cramps": cramps},
        at,
        db,
        output,
    )


@add_app.command("sleep")
def add_sleep(
    quality_arg: Annotated[
        float | None,
        typer.Argument(metavar="QUALITY", help="0-10 (same as --quality).", show_default=False),
    ] = None,
    quality: Annotated[
        float | None,
        typer.Option(
            "--quality", help="Sleep quality last night, 0 (none) to 10 (best).", show_default=False
        ),
    ] = None,
    at: At = None,
    db: Db = None,
    output: Format = OutputFormat.text,
) -> None:
    """Log last night's sleep quality, 0-10.

    Example:

        magnerve journal add sleep --quality 7
    """
    value = _one("--quality", quality_arg, quality)
    if value is None:
        raise InputError(
            "--quality",
            None,
            "a sleep quality from 0 to 10",
            message="Give the sleep quality: --quality N (0-10).",
        )
    _add("sleep", {"quality": value}, at, db, output)


@add_app.command("note")
def add_note(
    text: Annotated[
        list[str], typer.Argument(help="The note (quotes optional).", show_default=False)
    ],
    at: At = None,
    db: Db = None,
    output: Format = OutputFormat.text,
) -> None:
    """Log a free-text note.

    Example:

        magnerve journal add note slept badly, feet burning after the long walk
    """
    _add("note", {"text": " ".join(text)}, at, db, output)


@add_app.command("med")
def add_med(
    name: Annotated[
        list[str],
        typer.Argument(
            help="Medicine name as on the box, e.g. 'levothyroxine 50 mcg'.", show_default=False
        ),
    ],
    at: At = None,
    db: Db = None,
    output: Format = OutputFormat.text,
) -> None:
    """Log taking a medicine (so the review can check spacing from magnesium).

    Example:

        magnerve journal add med levothyroxine --at 07:00
    """
    _add("med", {"name": " ".join(name)}, at, db, output)


# --------------------------------------------------------------------------------------------
# journal list / edit / delete


def _kinds(kind: list[str] | None) -> list[str] | None:
    from magnerve.journal import check_kind

    if not kind:
        return None
    return [check_kind(k, "--kind") for item in kind for k in item.split(",") if k.strip()]


@journal_app.command("list")
def list_command(
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            "-k",
            help="Only these kinds (repeat or comma-separate): dose, pain, gi, sleep, note, med.",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help='From this date or time: "2024-03-01", "7d", "yesterday"...',
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help="Up to and including this date (or before this time).",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", help="Only the most recent N entries.", show_default=False),
    ] = None,
    db: Db = None,
    output: Format = OutputFormat.text,
) -> None:
    """List entries, oldest first.

    Example:

        magnerve journal list --kind pain --since 7d

        magnerve journal list --format json
    """
    from magnerve.journal.times import parse_bound

    if limit is not None and not 1 <= limit <= MAX_LIST_LIMIT:
        raise InputError("--limit", limit, f"a whole number of entries from 1 to {MAX_LIST_LIMIT}")
    now = _now()
    start = None if since is None else parse_bound(since, now, "--since")
    end = None if until is None else parse_bound(until, now, "--until", end=True)
    if start is not None and end is not None and start > end:
        raise InputError(
            "--since",
            since,
            "a time before --until",
            message=f"--since {since!r} is later than --until {until!r}; nothing can match, "
            "so give the earlier time to --since.",
        )
    kinds = _kinds(kind)
    with _open(db) as journal:
        found = journal.entries(
            kinds=kinds, since=start, until=end, limit=limit, newest_first=limit is not None
        )
        warn_damaged(journal.damaged)
    if limit is not None:
        found.reverse()
    if output is OutputFormat.json:
        print_json([entry.to_dict() for entry in found])
        return
    if not found:
        typer.echo("No entries. Log one with, for example: magnerve journal add pain 4")
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("id", "when", "kind", "details"):
        table.add_column(column, overflow="fold")
    for entry in found:
        table.add_row(entry.id[:8], format_stamp(entry.at), entry.kind, describe_entry(entry))
    out = console()
    out.print(table, markup=False)
    out.print(f"{len(found)} entr{'y' if len(found) == 1 else 'ies'}", markup=False)


#: Which edit option sets which field of which kind.
_EDIT_FIELDS: dict[str, tuple[str, str]] = {
    "--mg": ("dose", "mg"),
    "--form": ("dose", "form"),
    "--product": ("dose", "product"),
    "--score": ("pain", "score"),
    "--worst": ("pain", "worst"),
    "--qualities": ("pain", "qualities"),
    "--location": ("pain", "location"),
    "--bristol": ("gi", "bristol"),
    "--diarrhea": ("gi", "diarrhea"),
    "--nausea": ("gi", "nausea"),
    "--cramps": ("gi", "cramps"),
    "--quality": ("sleep", "quality"),
    "--text": ("note", "text"),
    "--name": ("med", "name"),
}


@journal_app.command("edit")
def edit_command(
    entry_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="Entry id (the first few characters are enough).", show_default=False
        ),
    ],
    at: Annotated[
        str | None, typer.Option("--at", help="New time (as for add).", show_default=False)
    ] = None,
    mg: Annotated[float | None, typer.Option("--mg", show_default=False)] = None,
    form: Annotated[str | None, typer.Option("--form", show_default=False)] = None,
    product: Annotated[
        str | None,
        typer.Option(
            "--product", help="Label text or file; sets mg from --units.", show_default=False
        ),
    ] = None,
    units: Annotated[float, typer.Option("--units")] = 1.0,
    score: Annotated[float | None, typer.Option("--score", show_default=False)] = None,
    worst: Annotated[float | None, typer.Option("--worst", show_default=False)] = None,
    qualities: Annotated[str | None, typer.Option("--qualities", show_default=False)] = None,
    location: Annotated[str | None, typer.Option("--location", show_default=False)] = None,
    bristol: Annotated[int | None, typer.Option("--bristol", show_default=False)] = None,
    diarrhea: Annotated[
        bool | None, typer.Option("--diarrhea/--no-diarrhea", show_default=False)
    ] = None,
    nausea: Annotated[bool | None, typer.Option("--nausea/--no-nausea", show_default=False)] = None,
    cramps: Annotated[bool | None, typer.Option("--cramps/--no-cramps", show_default=False)] = None,
    quality: Annotated[float | None, typer.Option("--quality", show_default=False)] = None,
    text: Annotated[
        str | None, typer.Option("--text", help="New note text.", show_default=False)
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="New medicine name.", show_default=False)
    ] = None,
    db: Db = None,
    output: Format = OutputFormat.text,
) -> None:
    """Correct an entry's time or values (only the options given change).

    Example:

        magnerve journal edit 3f2a9c1b --mg 150

        magnerve journal edit 3f2a9c1b --at "yesterday 21:30"
    """
    given: dict[str, Any] = {
        option: value
        for option, value in (
            ("--mg", mg),
            ("--form", form),
            ("--score", score),
            ("--worst", worst),
            ("--qualities", qualities),
            ("--location", location),
            ("--bristol", bristol),
            ("--diarrhea", diarrhea),
            ("--nausea", nausea),
            ("--cramps", cramps),
            ("--quality", quality),
            ("--text", text),
            ("--name", name),
            ("--product", product),
        )
        if value is not None
    }
    if product is None and units != 1:
        _dose_values(mg, form, product, units)  # raises: --units needs --product
    if at is None and not given:
        raise InputError(
            "ID",
            entry_id,
            "a change",
            message="Nothing to change: give --at or a new value such as --mg, "
            "--score, --bristol, --quality, --text or --name.",
        )
    now = _now()
    with _open(db) as journal:
        full_id = journal.resolve_id(entry_id)
        kind = journal.get(full_id).kind
        values: dict[str, Any] = {}
        for option, value in given.items():
            option_kind, field = _EDIT_FIELDS[option]
            if option_kind != kind:
                usable = [o for o, (k, _) in _EDIT_FIELDS.items() if k == kind]
                raise InputError(
                    option,
                    value,
                    f"an option for a {kind} entry",
                    message=f"{option} does not apply to a {kind} entry; use "
                    f"--at or {', '.join(usable)}.",
                )
            values[field] = value
        if "product" in values:
            values.update(_dose_values(mg, form, product, units))
        entry = journal.edit(
            full_id, at=None if at is None else _when(at, now), values=values or None
        )
    _emit(entry, output, "Updated")


@journal_app.command("delete")
def delete_command(
    entry_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="Entry id (the first few characters are enough).", show_default=False
        ),
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    db: Db = None,
    output: Format = OutputFormat.text,
) -> None:
    """Delete an entry for good (it cannot be recovered).

    Example:

        magnerve journal delete 3f2a9c1b --yes
    """
    from magnerve.journal.store import DamagedEntryError

    with _open(db) as journal:
        full_id = journal.resolve_id(entry_id)
        entry: Entry | None
        try:
            entry = journal.get(full_id)
            what = summarize(entry)
        except DamagedEntryError as exc:  # a damaged row can still be deleted
            entry, what = None, f"the damaged entry {exc.entry_id} ({exc.reason})"
        if not yes:
            typer.confirm(f"Delete {what}?", abort=True)
        journal.delete(full_id)
    if output is OutputFormat.json:
        print_json({"deleted": entry.to_dict() if entry is not None else {"id": full_id}})
    else:
        typer.echo(f"Deleted {what}")


# --------------------------------------------------------------------------------------------
# journal export / import


@journal_app.command("export")
def export_command(
    file_format: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="json (the full document) or csv.")
    ] = ExportFormat.json,
    output_file: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file (private, 0600) instead of stdout.",
            show_default=False,
        ),
    ] = None,
    db: Db = None,
) -> None:
    """Export the whole journal (entries and plan versions), losslessly.

    Example:

        magnerve journal export -o journal-backup.json

        magnerve journal export --format csv -o journal.csv
    """
    import json

    from magnerve.journal import resolve_db_path
    from magnerve.journal.io import render_csv

    if output_file is not None and output_file != "-":
        refuse_journal_output(output_file, resolve_db_path(db))
    with _open(db) as journal:
        document = journal.export_json()
        text = (
            json.dumps(document, indent=2, ensure_ascii=False) + "\n"
            if file_format is ExportFormat.json
            else render_csv(document)
        )
        warn_damaged(journal.damaged)
    if output_file is None or output_file == "-":
        sys.stdout.write(text)
        return
    write_private(Path(output_file), text.encode("utf-8"))
    entries, plans = len(document["entries"]), len(document["plans"])
    typer.echo(
        f"Exported {entries} entr{'y' if entries == 1 else 'ies'} and {plans} plan "
        f"version{'' if plans == 1 else 's'} to {output_file}.",
        err=True,
    )


def _import_summary(report: ImportReport) -> str:
    entries = report.added - report.plans_added
    text = (
        f"Imported {entries} entr{'y' if entries == 1 else 'ies'} and "
        f"{report.plans_added} plan version{'' if report.plans_added == 1 else 's'}; "
        f"{report.duplicates} already in the journal"
    )
    if report.conflicts:
        text += f"; {len(report.conflicts)} kept as stored (id already used)"
    if report.errors:
        text += f"; {len(report.errors)} bad row{'' if len(report.errors) == 1 else 's'} skipped"
    return text + "."


@journal_app.command("import")
def import_command(
    file: Annotated[
        str,
        typer.Argument(
            help="A .json or .csv export (or a JSON list of entries).", show_default=False
        ),
    ],
    db: Db = None,
    output: Format = OutputFormat.text,
) -> None:
    """Merge an export into the journal; entries already there are skipped.

    Bad rows are reported by line and skipped; the good rows are still imported, and the
    exit status is 1 so scripts notice.

    Example:

        magnerve journal import journal-backup.json
    """
    suffix = Path(file).suffix.lower()
    if suffix not in (".json", ".csv"):
        raise InputError("FILE", file, "a .json or .csv file")
    text = read_input_file(file, "FILE", limit=IMPORT_LIMIT_BYTES)
    try:
        with _open(db, create=True) as journal:
            report = journal.import_json(text) if suffix == ".json" else journal.import_csv(text)
    except InputError as exc:
        raise exc.located(file) from None
    if output is OutputFormat.json:
        print_json(report.to_dict())
    else:
        typer.echo(_import_summary(report))
    for line, message in report.conflicts:
        typer.echo(f"{file}: line {line}: {message}", err=True)
    for line, message in report.errors:
        typer.echo(f"{file}: line {line}: {message}", err=True)
    if report.errors:
        raise typer.Exit(1)
