"""The report as one self-contained HTML page (Jinja2), the source of the PDF too.

Self-contained means a clinician can open the file from an e-mail or a USB stick with no
network: figures are PNG data URIs, the CSS is inline, there are no scripts and no external
fonts. The print CSS lays it out on one or two A4 pages. ``report_context`` turns a
``Review`` into plain display values; the template only formats them (no decisions).
"""

from __future__ import annotations

import base64
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING, Any

from magnerve.errors import ReportError

if TYPE_CHECKING:
    from magnerve.core.review import Review
    from magnerve.knowledge import Knowledge

__all__ = ["RESPONSE_TEXT", "STATUS_TEXT", "render_html", "report_context"]

STATUS_TEXT = {
    "start": "Start",
    "start_with_caution": "Start with caution",
    "see_clinician_first": "See a clinician first",
    "do_not_start": "Do not start / stop",
}
RESPONSE_TEXT = {
    "substantial": "Substantial benefit: at least 50% less pain than at baseline",
    "moderate": "Moderately important benefit: 30-49% less pain than at baseline",
    "minimal": "Minimal benefit: 10-29% less pain than at baseline",
    "no_response": "No meaningful benefit: less than 10% less pain than at baseline",
    "insufficient_data": "Not enough data to judge yet",
}
SEVERITY_TEXT = {"info": "info", "caution": "caution", "see_clinician": "see clinician",
                 "stop": "STOP"}
#: Most rows a report table shows; older rows are summarised ("and N earlier").
MAX_ROWS = 8


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _num(value: float | None, digits: int = 1, suffix: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:.{digits}f}"
    return text + suffix


def _signed(value: float | None, digits: int = 0, suffix: str = "%") -> str:
    if value is None:
        return "-"
    return f"{value:+.{digits}f}{suffix}".replace("-", "\u2212")


def _when(value: datetime) -> str:
    offset = value.strftime("%z")
    return f"{value:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


def _tail(rows: list[Any], limit: int = MAX_ROWS) -> tuple[list[Any], int]:
    """The latest ``limit`` rows and how many earlier ones were left out."""
    if len(rows) <= limit:
        return rows, 0
    return rows[-limit:], len(rows) - limit


def _labs(profile: dict[str, Any]) -> list[tuple[str, str]]:
    labs: list[tuple[str, str]] = []
    if profile.get("egfr") is not None:
        labs.append(("eGFR", f"{profile['egfr']:g} mL/min/1.73 m²"))
    if profile.get("creatinine_clearance") is not None:
        labs.append(("Creatinine clearance", f"{profile['creatinine_clearance']:g} mL/min"))
    serum = profile.get("serum_magnesium")
    if serum is not None:
        text = serum if isinstance(serum, str) else (
            f"{serum.get('value')} {serum.get('unit')}" if isinstance(serum, dict) else str(serum)
        )
        labs.append(("Serum magnesium", text))
    if profile.get("dialysis"):
        labs.append(("Dialysis", "yes"))
    return labs


def _sources(review: Review, knowledge: Knowledge) -> list[dict[str, str]]:
    """The sources behind what the report shows: the plan's reasons and interactions, the
    chosen form, the review's advice and the response thresholds (not every source the
    planner consulted, which the plan itself lists)."""
    plan = review.plan
    wanted: list[str] = []
    for key in ("reasons", "interactions"):
        for item in plan.get(key, []):
            if isinstance(item, dict):
                wanted.extend(str(s) for s in item.get("sources", []))
    form = review.form or plan.get("recommended_form")
    for ranked in plan.get("forms", []):
        if isinstance(ranked, dict) and ranked.get("form") == form:
            wanted.extend(str(s) for s in ranked.get("sources", []))
    wanted.extend(review.source_ids())
    listed = {s["id"]: s for s in plan.get("sources", [])
              if isinstance(s, dict) and isinstance(s.get("id"), str)}
    out: dict[str, dict[str, str]] = {}
    for source_id in wanted:
        if source_id in out:
            continue
        if source_id in knowledge.sources:
            known = knowledge.sources[source_id]
            out[source_id] = {"id": source_id, "citation": known.citation,
                              "url": known.url or ""}
        elif source_id in listed:
            out[source_id] = {"id": source_id,
                              "citation": str(listed[source_id].get("citation", "")),
                              "url": str(listed[source_id].get("url") or "")}
    return sorted(out.values(), key=lambda s: s["id"])


def report_context(review: Review, knowledge: Knowledge) -> dict[str, Any]:
    """Display values for the report template (strings, lists and data URIs only)."""
    from magnerve.core.planner import DISCLAIMER
    from magnerve.report.plots import dose_response_png, pain_trend_png

    plan = review.plan
    form_id = review.form or plan.get("recommended_form")
    form_name = (knowledge.forms[form_id].name if isinstance(form_id, str)
                 and form_id in knowledge.forms else str(form_id or "-"))
    follow = knowledge.dosing.follow_up

    segments, earlier_segments = _tail(list(review.segments))
    weeks = list(review.adherence.weekly) if review.adherence else []
    weeks, earlier_weeks = _tail(weeks)
    gi_rows = [g for g in review.gi_events if g.intolerance or g.nausea or g.cramps]
    gi_rows, earlier_gi = _tail(gi_rows)

    violations_by_drug: dict[str, dict[str, Any]] = {}
    for violation in review.violations:
        row = violations_by_drug.setdefault(violation.drug, {"count": 0})
        row["count"] += 1
        row["latest"] = (f"{_when(violation.dose_at)}: {violation.hours_apart:.1f} h "
                         + ("after" if violation.order == "drug_then_mg" else "before")
                         + f" {violation.drug_name}")
    interactions = []
    for item in plan.get("interactions", []):
        if not isinstance(item, dict):
            continue
        drug = str(item.get("drug", ""))
        rule = []
        if item.get("drug_then_mg_h"):
            rule.append(f"magnesium ≥ {item['drug_then_mg_h']:g} h after")
        if item.get("mg_then_drug_h"):
            rule.append(f"≥ {item['mg_then_drug_h']:g} h before its next dose")
        logged = violations_by_drug.pop(drug, None)
        interactions.append({
            "medication": item.get("medication", drug), "severity": item.get("severity", ""),
            "effect": item.get("effect", ""), "management": item.get("management", ""),
            "rule": "; ".join(rule) or "-",
            "handled": (f"{logged['count']} logged dose(s) too close; latest {logged['latest']}"
                        if logged else "no logged dose too close"),
        })
    for drug, logged in violations_by_drug.items():  # logged medicines not in the profile
        name = knowledge.drugs[drug].drug.name if drug in knowledge.drugs else drug
        interactions.append({
            "medication": name, "severity": "", "effect": "logged medicine", "management": "",
            "rule": "-", "handled": f"{logged['count']} logged dose(s) too close; latest "
            f"{logged['latest']}",
        })

    interval = review.interval
    verdict = {
        "response": review.response,
        "text": RESPONSE_TEXT[review.response],
        "baseline": _num(review.baseline_pain, 1),
        "baseline_days": review.baseline.days_scored,
        "baseline_window": f"{review.baseline.start} to {review.baseline.end}",
        "current": _num(review.current_pain, 1),
        "current_days": review.current.days_scored if review.current else 0,
        "current_window": (f"{review.current.start} to {review.current.end}"
                           if review.current else "-"),
        "change_pct": _signed(review.change_pct),
        "change_points": _signed(review.change_points, 1, ""),
        "interval": (f"{_signed(interval.low_pct)} to {_signed(interval.high_pct)} "
                     f"({interval.level:.0%} bootstrap interval, {interval.resamples} "
                     "resamples)") if interval else "-",
        "weeks_at_target": f"{review.weeks_at_target:.1f}",
        "notes": list(review.response_notes),
        "stop_weeks": follow.stop_rule_weeks,
        "meaningful": f"{follow.meaningful_reduction_pct:g}",
        "substantial": f"{follow.substantial_reduction_pct:g}",
    }
    adherence = review.adherence
    return {
        "generated": _when(review.as_of),
        "today": review.today.isoformat(),
        "status": review.status,
        "plan_status": plan.get("status"),
        "status_text": STATUS_TEXT.get(review.status, review.status),
        "started": review.started,
        "start_date": review.start_date.isoformat() if review.start_date else None,
        "plan_day": review.plan_day,
        "plan_version": review.plan_version,
        "form_name": form_name,
        "target_mg": review.target_mg,
        "tolerated_target_mg": review.tolerated_target_mg,
        "upper_limit_mg": plan.get("upper_limit_mg"),
        "jurisdiction": plan.get("jurisdiction", ""),
        "step": review.step,
        "next_step": review.next_step,
        "advice": [{"severity": SEVERITY_TEXT[a.severity], "level": a.severity,
                    "code": a.code, "message": a.message} for a in review.advice],
        "reasons": [r for r in plan.get("reasons", []) if isinstance(r, dict)],
        "schedule": [d for d in plan.get("schedule", []) if isinstance(d, dict)],
        "segments": segments,
        "earlier_segments": earlier_segments,
        "adherence_pct": _num(review.adherence_pct, 0, "%"),
        "adherence": adherence,
        "weeks": weeks,
        "earlier_weeks": earlier_weeks,
        "trend_png": _data_uri(pain_trend_png(
            review, meaningful_pct=follow.meaningful_reduction_pct,
            substantial_pct=follow.substantial_reduction_pct)),
        "dose_response_png": _data_uri(dose_response_png(review)) if review.started else None,
        "lags": review.dose_response,
        "verdict": verdict,
        "gi_rows": [{"at": _when(g.at), "bristol": g.bristol or "-", "diarrhea": g.diarrhea,
                     "nausea": g.nausea, "cramps": g.cramps,
                     "step": "-" if g.mg_per_day is None else f"{g.mg_per_day} mg/day"}
                    for g in gi_rows],
        "earlier_gi": earlier_gi,
        "episodes": review.gi_episodes,
        "interactions": interactions,
        "labs": _labs(review.profile),
        "sources": _sources(review, knowledge),
        "disclaimer": str(plan.get("disclaimer") or DISCLAIMER),
    }


def render_html(review: Review, knowledge: Knowledge) -> str:
    """The whole report as one HTML document (UTF-8 text).

    Raises:
        ReportError: the report extra (Jinja2, matplotlib) is not installed.
    """
    try:
        import jinja2
    except ImportError:  # pragma: no cover - the report extra is part of the dev install
        raise ReportError("HTML reports need the 'report' extra: pip install "
                          "'magnerve[report]'.") from None
    template_text = (
        resources.files("magnerve.report").joinpath("templates").joinpath("report.html.j2")
        .read_text(encoding="utf-8")
    )
    environment = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True,
                                     undefined=jinja2.StrictUndefined)
    template = environment.from_string(template_text)
    try:
        context = report_context(review, knowledge)
    except ImportError as exc:  # pragma: no cover - matplotlib is part of the report extra
        raise ReportError(f"Reports need the 'report' extra ({exc}): pip install "
                          "'magnerve[report]'.") from None
    return template.render(**context)
