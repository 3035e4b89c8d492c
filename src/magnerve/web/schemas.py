"""JSON Schemas for the OpenAPI document: the profile, the plan and the problem envelope.

These *describe* the contracts of design.md (3.1, 3.2) for ``/docs`` and for clients that
generate code from ``/openapi.json``; they do not validate. The one validator of a profile is
:func:`magnerve.core.profile.parse_profile`, so a request that the schema would allow but the
profile rules refuse (an unknown medicine time format, say) still gets a precise 422 naming
the field. The profile schema is written by hand because pydantic's generated one shows the
parsed types (clock times as minutes after midnight), not the text people send; it stays
loose where the parser is more forgiving (form names, jurisdiction aliases).
"""

from __future__ import annotations

from typing import Any

__all__ = ["PLAN", "PROBLEM", "PROFILE"]

_CLOCK = {"type": "string", "pattern": "^[0-9]{1,2}:[0-9]{2}$", "examples": ["07:30"]}
_FLAG = {"type": "boolean", "default": False}
_SERUM = {
    "oneOf": [
        {"type": "string", "examples": ["0.82 mmol/L", "2.0 mg/dL", "1.6 mEq/L"]},
        {"type": "object", "additionalProperties": False, "required": ["value", "unit"],
         "properties": {"value": {"type": "number"},
                        "unit": {"type": "string", "enum": ["mmol/L", "mg/dL", "mEq/L"]}}},
    ],
}

PROFILE: dict[str, Any] = {
    "title": "Profile",
    "description": "A person's profile (design.md 3.1). Unknown keys are refused with the "
    "nearest valid key suggested.",
    "type": "object",
    "additionalProperties": False,
    "required": ["age", "sex"],
    "properties": {
        "age": {"type": "integer", "minimum": 0, "maximum": 120},
        "sex": {"type": "string", "enum": ["female", "male"]},
        "pregnant": _FLAG,
        "breastfeeding": _FLAG,
        "jurisdiction": {"type": "string", "enum": ["US", "UK", "EU"], "default": "US"},
        "weight_kg": {"type": "number", "exclusiveMinimum": 0, "maximum": 400},
        "egfr": {"type": "number", "minimum": 0, "maximum": 200,
                 "description": "mL/min/1.73 m²"},
        "creatinine_clearance": {"type": "number", "minimum": 0, "maximum": 250,
                                 "description": "mL/min; used when egfr is absent"},
        "dialysis": _FLAG,
        "serum_magnesium": _SERUM,
        "conditions": {"type": "array", "maxItems": 50,
                       "items": {"type": "string", "minLength": 1, "maxLength": 200},
                       "examples": [["type 2 diabetes", "ICD10:E11.42"]]},
        "medications": {
            "type": "array", "maxItems": 50,
            "items": {"type": "object", "additionalProperties": False, "required": ["name"],
                      "properties": {
                          "name": {"type": "string", "minLength": 1, "maxLength": 200},
                          "times": {"type": "array", "maxItems": 12, "items": _CLOCK}}},
        },
        "current_supplements": {
            "type": "array", "maxItems": 20,
            "items": {"type": "object", "additionalProperties": False, "properties": {
                "form": {"type": "string"},
                "elemental_mg": {"type": "number", "exclusiveMinimum": 0, "maximum": 5000},
                "label": {"type": "string", "minLength": 1, "maxLength": 20000}}},
        },
        "pain": {"type": "object", "additionalProperties": False, "properties": {
            "score": {"type": "number", "minimum": 0, "maximum": 10},
            "qualities": {"type": "array", "maxItems": 20, "items": {"type": "string"}},
            "pattern": {"type": "string",
                        "enum": ["peripheral", "central", "widespread", "localized"]}}},
        "gi_sensitive": _FLAG,
        "diarrhea_prone": _FLAG,
        "constipation": _FLAG,
        "sleep_problems": _FLAG,
        "anxiety": _FLAG,
        "muscle_cramps": _FLAG,
        "fatigue": _FLAG,
        "preferences": {"type": "object", "additionalProperties": False, "properties": {
            "avoid_forms": {"type": "array", "maxItems": 20, "items": {"type": "string"}},
            "budget": {"type": "string", "enum": ["low", "any"]},
            "max_pills_per_day": {"type": "integer", "minimum": 1, "maximum": 20}}},
        "routine": {"type": "object", "additionalProperties": False, "properties": {
            "wake": _CLOCK, "sleep": _CLOCK,
            "meals": {"type": "array", "maxItems": 8, "items": _CLOCK}}},
        "clinician_supervised": _FLAG,
        "diet": {"type": "object", "additionalProperties": False, "properties": {
            "foods": {"type": "array", "maxItems": 500,
                      "items": {"type": "string", "minLength": 1, "maxLength": 300}},
            "questionnaire": {"type": "object"}}},
    },
    "examples": [{
        "age": 58, "sex": "female", "egfr": 78, "serum_magnesium": "0.78 mmol/L",
        "conditions": ["type 2 diabetes"],
        "medications": [{"name": "Synthroid", "times": ["06:30"]}],
        "routine": {"wake": "06:30", "sleep": "23:00", "meals": ["07:30", "12:30", "18:30"]},
    }],
}

_SOURCED = {"sources": {"type": "array", "items": {"type": "string"}}}

PLAN: dict[str, Any] = {
    "title": "Plan",
    "description": "The plan (design.md 3.2). Field names are stable; fields may be added.",
    "type": "object",
    "required": ["schema_version", "status", "reasons", "daily_target_mg", "upper_limit_mg",
                 "forms", "titration", "schedule", "interactions", "evidence", "follow_up",
                 "sources", "disclaimer"],
    "properties": {
        "schema_version": {"type": "string", "const": "1"},
        "status": {"type": "string", "enum": ["start", "start_with_caution",
                                              "see_clinician_first", "do_not_start"]},
        "reasons": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"},
            "severity": {"type": "string", "enum": ["info", "caution", "see_clinician",
                                                    "stop"]},
            "message": {"type": "string"}, **_SOURCED}}},
        "daily_target_mg": {"type": "integer", "minimum": 0},
        "upper_limit_mg": {"type": ["integer", "null"]},
        "recommended_form": {"type": "string"},
        "forms": {"type": "array", "items": {"type": "object"}},
        "titration": {"type": "array", "items": {"type": "object", "properties": {
            "day": {"type": "integer", "minimum": 1},
            "elemental_mg_per_day": {"type": "number"},
            "doses_per_day": {"type": "integer"}}}},
        "schedule": {"type": "array", "items": {"type": "object", "properties": {
            "time": {"type": "string"}, "elemental_mg": {"type": "number"},
            "form": {"type": "string"}, "with_food": {"type": "boolean"},
            "note": {"type": "string"}}}},
        "interactions": {"type": "array", "items": {"type": "object"}},
        "evidence": {"type": "array", "items": {"type": "object"}},
        "follow_up": {"type": "array", "items": {"type": "object"}},
        "sources": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "citation": {"type": "string"},
            "url": {"type": "string"}}}},
        "disclaimer": {"type": "string"},
    },
}

PROBLEM: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. `field`, `value`, `expected` and `suggestion` "
    "are present when the problem is about one input.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": "string"},
        "value": {},
        "expected": {"type": ["string", "null"]},
        "suggestion": {"type": ["string", "null"]},
    },
}
