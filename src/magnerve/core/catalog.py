"""Browsing the knowledge base: forms and medicine interactions as JSON-ready data.

The CLI (`magnerve forms`, `magnerve interactions`) and the REST API (`/forms`,
`/interactions`) both return exactly these shapes, so they cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from magnerve.core.medications import resolve_medication
from magnerve.knowledge import Knowledge

__all__ = ["forms_catalog", "interaction_lookup"]


def forms_catalog(knowledge: Knowledge) -> list[dict[str, Any]]:
    """Every form with its chemistry and what is known about it (JSON shape)."""
    out = []
    for form in knowledge.forms.values():
        out.append(
            {
                "form": form.id,
                "name": form.name,
                "oral": form.oral,
                "elemental_fraction": (
                    None if form.elemental_fraction is None else round(form.elemental_fraction, 4)
                ),
                "variants": [
                    {
                        "id": v.id,
                        "name": v.name,
                        "formula": v.formula,
                        "molar_mass": round(v.molar_mass, 2),
                        "elemental_fraction": round(v.elemental_fraction, 4),
                        "default": v.default,
                        "published_mg_percent": v.published_mg_percent,
                    }
                    for v in form.variant
                ],
                "absorption": form.absorption.rating,
                "gi_effect": form.gi.rating,
                "cost_tier": form.cost_tier,
                "use": form.use.summary,
                "note": form.note,
                "sources": sorted({*form.sources, *form.absorption.sources, *form.gi.sources,
                                   *form.use.sources}),
            }
        )
    return out


def interaction_lookup(names: list[str], knowledge: Knowledge) -> list[dict[str, Any]]:
    """What magnerve knows about each named medicine (JSON shape)."""
    out: list[dict[str, Any]] = []
    for name in names:
        for resolved in resolve_medication(name, (), knowledge):
            if not resolved.recognised:
                out.append({"query": name, "recognised": False, "given": resolved.given,
                            "suggestion": resolved.suggestion})
                continue
            for entry in resolved.entries:
                rule = entry.interaction
                out.append(
                    {
                        "query": name,
                        "recognised": True,
                        "drug": entry.drug.id,
                        "name": entry.drug.name,
                        "class": rule.drug_class,
                        "effect": rule.effect,
                        "severity": rule.severity,
                        "reason": rule.reason,
                        "separable": rule.separable,
                        "drug_then_mg_h": rule.drug_then_mg_h,
                        "mg_then_drug_h": rule.mg_then_drug_h,
                        "management": rule.management,
                        "note": rule.note,
                        "sources": list(rule.sources),
                    }
                )
    return out
