"""`magnerve review` (what to do today, is it helping) and `magnerve report` (HTML/PDF/FHIR).

Both read the journal (``--db``, else ``$MAGNERVE_DB``, else the user data directory) and
its current plan, take "now" from the machine's clock in its local zone, and call the pure
``magnerve.core.review.review``. This module only loads, prints and writes: every decision
is in the review. Errors are magnerve errors; ``magnerve.cli.app.run`` prints them as one
sentence with exit status 1.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from magnerve.cli.common import (
    OutputFormat,
    console,
    print_json,
    refuse_journal_output,
    warn_damaged,
    write_private,
)
from magnerve.errors import JournalError

if TYPE_CHECKING:
    from magnerve.core.entries import Entry
    from magnerve.core.review import Review
    from magnerve.knowledge import Knowledge

__all__ = ["ReportFormat", "load_review", "report_command", "review_command"]

Db = Annotated[
    str | None,
    typer.Option("--db", help="Journal file (default: $MAGNERVE_DB, else your user data "
                 "directory).", show_default=False),
]


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    fhir = "fhir"


def load_review(db: str | None, now: datetime | None = None) -> tuple[Review, list[Entry],
                                                                        Knowledge]:
    """Read the journal and its current plan and review them as of ``now`` (default: the
    local clock).

    Raises:
        JournalError: there is no journal at the path, or it has no plan yet.
    """
    from magnerve.core.review import review
    from magnerve.journal import Journal, resolve_db_path
    from magnerve.journal.paths import shown_path
    from magnerve.knowledge import load_knowledge

    path = resolve_db_path(db)
    with Journal.open(path, create=False) as journal:
        stored = journal.current_plan()
        if stored is None:
            raise JournalError(f"The journal at {shown_path(path)} has no plan yet; save one "
                               "with 'magnerve journal start PROFILE'.")
        entries = journal.entries()
        earlier = journal.plans()
        warn_damaged(journal.damaged)
    knowledge = load_knowledge()
    moment = now if now is not None else datetime.now().astimezone()
    result = review(entries, stored, knowledge, now=moment, earlier_plans=earlier)
    return result, entries, knowledge


# --------------------------------------------------------------------------------------------
# magnerve review

_STATUS = {
    "start": ("START", "bold green"),
    "start_with_caution": ("START WITH CAUTION", "bold yellow"),
    "see_clinician_first": ("SEE A CLINICIAN FIRST", "bold magenta"),
    "do_not_start": ("STOP: DO NOT TAKE MAGNESIUM", "bold red"),
}
_SEVERITY = {"info": ("info", "cyan"), "caution": ("caution", "yellow"),
             "see_clinician": ("see clinician", "magenta"), "stop": ("STOP", "bold red")}


def render_review(result: Review) -> None:
    """The review for a person at a terminal: today's dose first, then the evidence."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from magnerve.journal.summary import printable
    from magnerve.report.html import RESPONSE_TEXT

    out = console()
    label, style = _STATUS[result.status]
    step = result.step
    lines = [Text(label, style=style)]
    if result.status == "do_not_start":
        lines.append(Text("Today: no magnesium."))
    elif step.elemental_mg_per_day > 0:
        doses = f" in {step.doses_per_day} dose{'s' if step.doses_per_day != 1 else ''}"
        since = f" (since {step.since.isoformat()})" if step.since else ""
        verb = "Today" if result.started else "Day 1"
        lines.append(Text(f"{verb}: {step.elemental_mg_per_day} mg/day elemental "
                          f"magnesium{doses}{since}."))
    if result.next_step is not None:
        lines.append(Text(f"Next step: {result.next_step.elemental_mg_per_day} mg/day on "
                          f"{result.next_step.on.isoformat()}."))
    day = f"day {result.plan_day} since {result.start_date}" if result.started else "not started"
    out.print(Panel(Text("\n").join(lines), title=f"magnerve review ({day})",
                    border_style=style.split()[-1]))

    facts = Table(show_header=False, box=None, pad_edge=False)
    facts.add_column(style="bold")
    facts.add_column()
    if result.adherence is not None and result.adherence.pct is not None:
        a = result.adherence
        facts.add_row("Adherence", f"{a.taken}/{a.planned} planned doses logged in the last 7 "
                      f"days ({a.pct:.0f}%)")
    facts.add_row("Baseline pain", "-" if result.baseline_pain is None else
                  f"{result.baseline_pain:.1f} ({result.baseline.days_scored} scored days)")
    facts.add_row("Latest week", "-" if result.current_pain is None else
                  f"{result.current_pain:.1f}")
    if result.change_pct is not None:
        change = f"{result.change_pct:+.0f}% ({result.change_points:+.1f} points)"
        if result.interval is not None:
            change += (f"; {result.interval.level:.0%} interval {result.interval.low_pct:+.0f}% "
                       f"to {result.interval.high_pct:+.0f}%")
        facts.add_row("Change", change)
    facts.add_row("Response", RESPONSE_TEXT[result.response])
    out.print(facts)
    for note in result.response_notes:
        out.print(Text(f"  {printable(note)}", style="dim"))
    if result.advice:
        table = Table(title="What to do", title_justify="left", show_header=False, box=None,
                      pad_edge=False)
        table.add_column(no_wrap=True)
        table.add_column()
        for item in result.advice:
            word, colour = _SEVERITY[item.severity]
            table.add_row(Text(word, style=colour), Text(printable(item.message)))
        out.print(table)


def review_command(
    db: Db = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="text for people, json for programs.")
    ] = OutputFormat.text,
    days: Annotated[
        bool, typer.Option("--days", help="JSON: also include the per-day series (pain, "
                           "planned and logged mg).")
    ] = False,
) -> None:
    """Say what to do today: the dose step, step-backs after loose stools, spacing from
    medicines, adherence, safety stops, and whether magnesium is helping.

    Example:

        magnerve review

        magnerve review --format json --db journal.sqlite3
    """
    result, _entries, _knowledge = load_review(db)
    if output is OutputFormat.json:
        print_json(result.to_dict(days=days))
    else:
        render_review(result)


# --------------------------------------------------------------------------------------------
# magnerve report


def report_command(
    output_file: Annotated[
        str, typer.Option("--output", "-o", help="File to write (- for stdout).",
                          show_default=False)
    ],
    file_format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="html (self-contained page), pdf "
                                   "(A4, one to two pages) or fhir (R4 Bundle JSON).")
    ] = ReportFormat.html,
    db: Db = None,
) -> None:
    """Write a report of the plan and the journal for a clinician: HTML, PDF or FHIR R4.

    Example:

        magnerve report --format pdf -o magnesium-report.pdf

        magnerve report --format fhir -o bundle.json
    """
    if output_file != "-":
        from magnerve.journal import resolve_db_path

        refuse_journal_output(output_file, resolve_db_path(db))
    result, entries, knowledge = load_review(db)
    pages = None
    if file_format is ReportFormat.fhir:
        from magnerve.report.fhir import build_bundle

        bundle = build_bundle(result, entries, knowledge)
        data = (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    else:
        from magnerve.report.html import render_html

        html = render_html(result, knowledge)
        if file_format is ReportFormat.pdf:
            from magnerve.report.pdf import html_to_pdf

            data, pages = html_to_pdf(html)
        else:
            data = html.encode("utf-8")
    if output_file == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_private(Path(output_file), data)
    what = {"html": "HTML report", "pdf": "PDF report", "fhir": "FHIR R4 Bundle"}[file_format]
    extra = f" ({pages} page{'s' if pages != 1 else ''})" if pages is not None else ""
    typer.echo(f"Wrote the {what}{extra} to {output_file}.", err=True)
