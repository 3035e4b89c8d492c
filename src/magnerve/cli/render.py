"""Readable text renderings (rich) of plans and knowledge, for people at a terminal.

Renderers only format: every decision is already in the Plan. Colours carry the status, but
every status and severity is also written out in words so the text reads the same without
colour (and when piped).
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from magnerve.cli.common import console
from magnerve.core.plan import Plan

__all__ = ["render_plan"]

STATUS_STYLE = {
    "start": ("START", "bold green"),
    "start_with_caution": ("START WITH CAUTION", "bold yellow"),
    "see_clinician_first": ("SEE A CLINICIAN FIRST", "bold magenta"),
    "do_not_start": ("DO NOT START", "bold red"),
}
SEVERITY_STYLE = {
    "info": ("info", "cyan"),
    "caution": ("caution", "yellow"),
    "see_clinician": ("see clinician", "magenta"),
    "stop": ("STOP", "bold red"),
}
GRADE_TEXT = {
    "moderate": "moderate",
    "low": "low",
    "very_low": "very low",
    "none_found": "no trials found",
    "recommended_against": "guideline advises against",
}


def _short(text: str, width: int = 110) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def plan_renderables(plan: Plan, *, explain: bool = False) -> list[object]:
    label, style = STATUS_STYLE[plan.status]
    out: list[object] = []
    if plan.recommended_form:
        form = next(f for f in plan.forms if f.form == plan.recommended_form)
        headline = (f"{form.name}: {plan.daily_target_mg} mg/day elemental magnesium "
                    f"(upper limit {plan.upper_limit_mg} mg/day, {plan.jurisdiction})")
    else:
        limit = f"{plan.upper_limit_mg} mg/day" if plan.upper_limit_mg else "not established"
        headline = f"No supplement plan (upper limit {limit}, {plan.jurisdiction})"
    out.append(Panel(Group(Text(label, style=style), Text(headline)), title="magnerve plan",
                     border_style=style.split()[-1]))

    if plan.reasons:
        why = Table(title="Why", title_justify="left", show_header=False, box=None,
                    pad_edge=False, expand=False)
        why.add_column(no_wrap=True)
        why.add_column()
        for reason in plan.reasons:
            sev, sev_style = SEVERITY_STYLE[reason.severity]
            why.add_row(Text(sev, style=sev_style), reason.message)
        out.append(why)

    if plan.forms and plan.recommended_form:
        forms = Table(title="Forms (best first)", title_justify="left")
        forms.add_column("form")
        forms.add_column("score", justify="right")
        forms.add_column("Mg %", justify="right")
        forms.add_column("why")
        for ranked in plan.forms[:3]:
            share = ranked.elemental_fraction
            fraction = "" if share is None else f"{share:.1%}"
            forms.add_row(ranked.form, str(ranked.score), fraction,
                          _short(" ".join(ranked.reasons[1:] or ranked.reasons[:1]), 120))
        out.append(forms)

    if plan.titration:
        steps = Table(title="Titration", title_justify="left")
        steps.add_column("from day", justify="right")
        steps.add_column("mg/day", justify="right")
        steps.add_column("doses/day", justify="right")
        for step in plan.titration:
            steps.add_row(str(step.day), str(step.elemental_mg_per_day), str(step.doses_per_day))
        out.append(steps)

    if plan.schedule:
        day = Table(title="Maintenance day", title_justify="left")
        day.add_column("time")
        day.add_column("mg", justify="right")
        day.add_column("form")
        day.add_column("note")
        for dose in plan.schedule:
            day.add_row(dose.time, str(dose.elemental_mg), dose.form, dose.note)
        out.append(day)
    elif plan.daily_target_mg > 0:
        out.append(Text("Maintenance day: no safe timetable could be made (see Why).",
                        style="magenta"))

    product = plan.extras.get("product")
    if product and plan.titration:
        unit = product.get("unit") or "unit"
        strength = product.get("elemental_mg_per_unit")
        shown = f"{strength:g} mg per {unit}" if strength else "magnesium per unit unknown"
        units = Table(title=f"Your product ({shown})", title_justify="left")
        units.add_column("from day", justify="right")
        units.add_column("mg/day", justify="right")
        units.add_column(f"{unit}s per dose")
        units.add_column("actual mg", justify="right")
        for step in product["steps"]:
            by_dose = step.get("units_by_dose")
            units.add_row(str(step["day"]), str(step["elemental_mg_per_day"]),
                          " + ".join(str(u) for u in by_dose) if by_dose else "-",
                          "-" if step["elemental_mg_per_day_actual"] is None
                          else str(step["elemental_mg_per_day_actual"]))
        out.append(units)
        for warning in product["warnings"]:
            out.append(Text(f"  label: {warning['message']}", style="yellow"))

    ledger = plan.extras.get("ledger")
    if ledger:
        ref = ledger["reference_mg"]
        line = (f"Food {ledger['food_mg']:g} mg ({ledger['food_source']}) + supplements "
                f"{ledger['supplement_mg']:g} mg = {ledger['total_mg']:g} mg/day")
        if ref:
            line += (f", {ledger['percent_of_reference']}% of the {ledger['reference_kind']} "
                     f"({ref} mg)")
        out.append(Text("Magnesium ledger: ", style="bold") + Text(line))
        for item in ledger["suggestions"]:
            out.append(Text(f"  to close the gap: {item['serving']} {item['food'].lower()} "
                            f"(~{item['mg']:g} mg)"))
        for note in ledger["notes"]:
            out.append(Text(f"  {note}", style="dim"))

    if plan.interactions:
        meds = Table(title="Interactions", title_justify="left")
        meds.add_column("medicine")
        meds.add_column("severity")
        meds.add_column("what to do")
        for finding in plan.interactions:
            meds.add_row(f"{finding.medication} ({finding.drug})", finding.severity,
                         _short(finding.management, 100))
        out.append(meds)

    if plan.evidence:
        evidence = Table(title="Evidence", title_justify="left", show_header=False, box=None)
        evidence.add_column(no_wrap=True)
        evidence.add_column()
        for item in plan.evidence:
            evidence.add_row(f"{item.condition} ({GRADE_TEXT.get(item.grade, item.grade)})",
                             item.summary)
        out.append(evidence)

    if plan.follow_up:
        follow = Table(title="Follow-up", title_justify="left", show_header=False, box=None)
        follow.add_column(justify="right", no_wrap=True)
        follow.add_column()
        for action in plan.follow_up:
            follow.add_row(f"day {action.day}", action.action)
        out.append(follow)

    if plan.assumptions:
        out.append(Text("Assumed: " + " ".join(plan.assumptions), style="dim"))

    sources = Text("Sources: ", style="bold")
    sources.append(", ".join(s.id for s in plan.sources), style="dim")
    sources.append("  (full citations: --format json or magnerve sources)", style="dim italic")
    out.append(sources)
    out.append(Text(plan.disclaimer, style="italic"))

    if explain:
        trace = Table(title="Rules that ran (--explain)", title_justify="left")
        trace.add_column("rule")
        trace.add_column("fired")
        trace.add_column("outcome")
        trace.add_column("inputs")
        for rule in plan.trace:
            inputs = ", ".join(
                f"{k}={v}" for k, v in rule.inputs.items() if v not in (None, [], {}, "")
            )
            trace.add_row(rule.rule, "yes" if rule.fired else "no", rule.outcome,
                          _short(inputs, 80))
        out.append(trace)
    return out


def render_plan(plan: Plan, *, explain: bool = False, out: Console | None = None) -> None:
    """Print a plan for a person at a terminal."""
    target = out or console()
    for item in plan_renderables(plan, explain=explain):
        target.print(item)
