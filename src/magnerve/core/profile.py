"""The person's profile (design.md 3.1): parsing and validation.

Pydantic checks structure and types; our validators read the values that need domain
knowledge (clock times, serum units, form names). Every failure becomes one
:class:`~magnerve.errors.ProfileError` (or ``UnitError``) naming the field by its path
(``medications[1].times[0]``), the value and what is expected, with the nearest valid key
suggested for a misspelt one. Parsing text (TOML/JSON) is pure: the caller reads the file.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from magnerve.core.text import forbidden_character, normalize, suggest
from magnerve.core.units import CLOCK_TEXT, Serum, parse_clock, parse_serum
from magnerve.errors import InputError, ProfileError, UnitError, _show
from magnerve.knowledge import Knowledge

__all__ = [
    "CurrentSupplement",
    "Diet",
    "Medication",
    "Pain",
    "Preferences",
    "Profile",
    "Routine",
    "parse_profile",
    "parse_profile_text",
]

MAX_PROFILE_BYTES = 1_000_000


class _Problem(ValueError):
    """A value problem raised inside a validator; translated to ProfileError with its path."""

    def __init__(
        self, expected: str, *, unit: bool = False, suggestion: str | None = None,
        message: str | None = None,
    ):
        super().__init__(expected)
        self.expected = expected
        self.unit = unit
        self.suggestion = suggestion
        self.message = message


def _clock(raw: object) -> int:
    try:
        return parse_clock(raw, "time")
    except ProfileError:
        raise _Problem(CLOCK_TEXT) from None


def _serum(raw: object) -> Serum:
    if isinstance(raw, Serum):
        return raw
    try:
        serum = parse_serum(raw)
    except UnitError as exc:
        raise _Problem(exc.expected, unit=True, message=exc.custom) from None
    if not 0.1 <= serum.mmol_l <= 10.0:
        raise _Problem("a plausible serum magnesium, 0.1-10 mmol/L (0.24-24 mg/dL); check the "
                       "unit")
    return serum


def _lower(raw: object) -> object:
    return raw.strip().lower() if isinstance(raw, str) else raw


def _upper(raw: object) -> object:
    return raw.strip().upper() if isinstance(raw, str) else raw


def _text(raw: object) -> object:
    if isinstance(raw, str):
        cleaned = raw.strip()
        bad = forbidden_character(cleaned)
        if bad is not None and unicodedata.category(bad) == "Cs":
            raise _Problem("valid Unicode text (it holds a lone surrogate)")
        if bad is not None:
            raise _Problem("plain text without control characters")
        return cleaned
    return raw


# --------------------------------------------------------------------------------------------
# Form names need the knowledge base, passed in the validation context.


def _form_id(raw: object, info: ValidationInfo) -> object:
    if raw is None or not isinstance(raw, str):
        return raw
    knowledge: Knowledge | None = (info.context or {}).get("knowledge")
    if knowledge is None:
        return raw
    key = normalize(raw)
    found = knowledge.form_names.get(key) or knowledge.form_names.get(
        normalize(f"magnesium {raw}")
    )
    if found is None:
        raise _Problem(
            "a magnesium form id such as 'glycinate', 'citrate' or 'oxide'",
            suggestion=suggest(raw, knowledge.forms),
        )
    return found


#: Minutes after midnight, read from "HH:MM".
Clock = Annotated[int, BeforeValidator(_clock)]
Text = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=200)]
#: A form id, also accepting names ("Magnesium Glycinate") when knowledge is in context.
FormId = Annotated[str, BeforeValidator(_form_id)]


class _Input(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Medication(_Input):
    """A medicine as the person names it, with the clock times they take it."""

    name: Text
    times: list[Clock] = Field(default_factory=list, max_length=12)


class CurrentSupplement(_Input):
    """Magnesium already taken; counts toward the upper limit."""

    form: FormId | None = None
    elemental_mg: float | None = Field(default=None, gt=0, le=5000)
    label: str | None = Field(default=None, min_length=1, max_length=20000)

    @model_validator(mode="after")
    def _something_given(self) -> CurrentSupplement:
        if self.form is None and self.elemental_mg is None and self.label is None:
            raise _Problem("at least one of form, elemental_mg or label")
        return self


class Pain(_Input):
    score: float | None = Field(default=None, ge=0, le=10)
    qualities: list[Text] = Field(default_factory=list, max_length=20)
    pattern: Literal["peripheral", "central", "widespread", "localized"] | None = None

    _lower_pattern = field_validator("pattern", mode="before")(
        classmethod(lambda cls, raw: _lower(raw))
    )


class Preferences(_Input):
    avoid_forms: list[FormId] = Field(default_factory=list, max_length=20)
    budget: Literal["low", "any"] = "any"
    max_pills_per_day: int | None = Field(default=None, ge=1, le=20)

    _lower_budget = field_validator("budget", mode="before")(
        classmethod(lambda cls, raw: _lower(raw))
    )


class Routine(_Input):
    wake: Clock | None = None
    sleep: Clock | None = None
    meals: list[Clock] = Field(default_factory=list, max_length=8)


class Diet(_Input):
    """Food magnesium: a food log (one food per line) or a food-frequency questionnaire."""

    foods: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=list, max_length=500
    )
    questionnaire: dict[str, float | int | str] = Field(default_factory=dict)


class Profile(_Input):
    """A validated profile. Times are minutes after midnight; serum is converted to mmol/L."""

    age: int = Field(ge=0, le=120)
    sex: Literal["female", "male"]
    pregnant: bool = False
    breastfeeding: bool = False
    jurisdiction: Literal["US", "UK", "EU"] = "US"
    weight_kg: float | None = Field(default=None, gt=0, le=400)
    egfr: float | None = Field(default=None, ge=0, le=200)
    creatinine_clearance: float | None = Field(default=None, ge=0, le=250)
    dialysis: bool = False
    serum_magnesium: Annotated[Serum, BeforeValidator(_serum)] | None = None
    conditions: list[Text] = Field(default_factory=list, max_length=50)
    medications: list[Medication] = Field(default_factory=list, max_length=50)
    current_supplements: list[CurrentSupplement] = Field(default_factory=list, max_length=20)
    pain: Pain | None = None
    gi_sensitive: bool = False
    diarrhea_prone: bool = False
    constipation: bool = False
    sleep_problems: bool = False
    anxiety: bool = False
    muscle_cramps: bool = False
    fatigue: bool = False
    preferences: Preferences = Field(default_factory=Preferences)
    routine: Routine = Field(default_factory=Routine)
    clinician_supervised: bool = False
    diet: Diet | None = None

    _lower_sex = field_validator("sex", mode="before")(classmethod(lambda cls, raw: _lower(raw)))
    _upper_juris = field_validator("jurisdiction", mode="before")(
        classmethod(lambda cls, raw: _upper(raw))
    )

    @field_validator("weight_kg", "egfr", "creatinine_clearance", mode="after")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise _Problem("a finite number")
        return value

    def to_dict(self) -> dict[str, Any]:
        """The profile as JSON-ready data in the input contract's own shapes."""
        from magnerve.core.units import format_clock

        data = self.model_dump(exclude_defaults=True)
        data["age"] = self.age
        data["sex"] = self.sex
        if self.serum_magnesium is not None:
            data["serum_magnesium"] = str(self.serum_magnesium)
        for med in data.get("medications", []):
            if "times" in med:
                med["times"] = [format_clock(t) for t in med["times"]]
        routine = data.get("routine")
        if routine:
            for key in ("wake", "sleep"):
                if key in routine:
                    routine[key] = format_clock(routine[key])
            if "meals" in routine:
                routine["meals"] = [format_clock(t) for t in routine["meals"]]
        return data


# --------------------------------------------------------------------------------------------
# Error translation

_EXPECTED: dict[str, str] = {
    "age": "a whole number of years from 0 to 120",
    "sex": '"female" or "male"',
    "jurisdiction": '"US", "UK" or "EU"',
    "weight_kg": "a number of kilograms above 0 and at most 400",
    "egfr": "a number in mL/min/1.73 m² from 0 to 200",
    "creatinine_clearance": "a number in mL/min from 0 to 250",
    "serum_magnesium": 'a value with a unit, like "0.82 mmol/L", "2.0 mg/dL" or "1.6 mEq/L"',
    "conditions": "a list of condition names or codes",
    "conditions[]": 'a condition name or code such as "type 2 diabetes" or "ICD10:E11.42"',
    "medications": "a list of medicines, each {name, times}",
    "medications[]": "a medicine: {name, times}",
    "medications[].name": "a medicine name (1-200 characters)",
    "medications[].times": 'a list of "HH:MM" times',
    "medications[].times[]": CLOCK_TEXT,
    "current_supplements": "a list of {form, elemental_mg, label}",
    "current_supplements[]": "a supplement: {form, elemental_mg, label}",
    "current_supplements[].elemental_mg": "a number of mg above 0 and at most 5000",
    "current_supplements[].label": "label text (1-20000 characters)",
    "current_supplements[].form": "a magnesium form id such as 'glycinate'",
    "pain": "a table {score, qualities, pattern}",
    "pain.score": "a number from 0 to 10",
    "pain.qualities": 'a list of words such as "burning", "shooting" or "tingling"',
    "pain.qualities[]": 'a word such as "burning", "shooting" or "tingling"',
    "pain.pattern": '"peripheral", "central", "widespread" or "localized"',
    "preferences": "a table {avoid_forms, budget, max_pills_per_day}",
    "preferences.avoid_forms": "a list of form ids",
    "preferences.avoid_forms[]": "a magnesium form id such as 'oxide'",
    "preferences.budget": '"low" or "any"',
    "preferences.max_pills_per_day": "a whole number from 1 to 20",
    "routine": "a table {wake, sleep, meals}",
    "routine.wake": CLOCK_TEXT,
    "routine.sleep": CLOCK_TEXT,
    "routine.meals": 'a list of "HH:MM" times',
    "routine.meals[]": CLOCK_TEXT,
    "diet": "a table {foods, questionnaire}",
    "diet.foods": 'a list of food lines such as "1 oz pumpkin seeds"',
    "diet.foods[]": 'a food line such as "1 oz pumpkin seeds"',
    "diet.questionnaire": "a table of food: servings",
}
_BOOLEANS = (
    "pregnant", "breastfeeding", "dialysis", "gi_sensitive", "diarrhea_prone", "constipation",
    "sleep_problems", "anxiety", "muscle_cramps", "fatigue", "clinician_supervised",
)
_EXPECTED.update(dict.fromkeys(_BOOLEANS, "true or false"))

_MODELS: dict[str, type[BaseModel]] = {
    "": Profile,
    "medications[]": Medication,
    "current_supplements[]": CurrentSupplement,
    "pain": Pain,
    "preferences": Preferences,
    "routine": Routine,
    "diet": Diet,
}


_JURISDICTION_ALIASES = {
    "GB": "UK", "GBR": "UK", "UNITED KINGDOM": "UK", "ENGLAND": "UK", "SCOTLAND": "UK",
    "WALES": "UK", "USA": "US", "UNITED STATES": "US", "EUROPE": "EU",
}


def _path(loc: tuple[int | str, ...]) -> tuple[str, str]:
    """('medications', 0, 'times', 1) -> ('medications[0].times[1]', 'medications[].times[]')."""
    path, pattern = "", ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            pattern += "[]"
        else:
            path += f".{part}" if path else str(part)
            pattern += f".{part}" if pattern else str(part)
    return path, pattern


def _translate(exc: ValidationError, data: object) -> InputError:
    errors = exc.errors()
    # An unknown key explains a "missing" one ("a\u200bge" for "age"): report it first.
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(part for part in error["loc"] if part not in ("function-before", "function-after"))
    # pydantic adds the union member or validator kind to some locations; keep field parts only.
    loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p == "Serum")))
    path, pattern = _path(loc)
    kind = error["type"]
    value = error.get("input")
    problem = (error.get("ctx") or {}).get("error")

    if kind == "extra_forbidden":
        parent_path, parent_pattern = _path(loc[:-1])
        model = _MODELS.get(parent_pattern, Profile)
        key = str(loc[-1])
        near = suggest(key, model.model_fields, cutoff=60)
        where = f"in '{parent_path}'" if parent_path else "in the profile"
        keys = ", ".join(sorted(model.model_fields))
        shown = _show(key)  # quoted, with invisible characters escaped
        message = f"Unknown key {shown} {where}; expected one of: {keys}."
        if near:
            message = f"Unknown key {shown} {where}. Did you mean '{near}'?"
        return ProfileError(path, key, "a known key", suggestion=near, message=message)
    if kind == "missing":
        expected = _EXPECTED.get(pattern, "present")
        return ProfileError(path, None, expected, message=f"'{path}' is required: it must be "
                            f"{expected}.")
    if isinstance(problem, _Problem):
        cls = UnitError if problem.unit else ProfileError
        return cls(path or "profile", value, problem.expected, suggestion=problem.suggestion,
                   message=problem.message)
    msg = str(error["msg"])
    expected = _EXPECTED.get(pattern) or msg[0].lower() + msg[1:]
    if pattern in ("sex", "jurisdiction") and isinstance(value, str):
        choices = ("female", "male") if pattern == "sex" else ("US", "UK", "EU")
        near = _JURISDICTION_ALIASES.get(value.strip().upper()) or suggest(
            value, choices, cutoff=60
        )
        return ProfileError(path, value, expected, suggestion=near)
    return ProfileError(path or "profile", value, expected)


def parse_profile(data: object, knowledge: Knowledge | None = None) -> Profile:
    """Validate profile data (already decoded from TOML or JSON).

    Args:
        data: the decoded profile (a mapping).
        knowledge: when given, form names are resolved to form ids (with suggestions).

    Raises:
        ProfileError, UnitError: one clear sentence naming the field, value and expectation.
    """
    if not isinstance(data, dict):
        raise ProfileError("profile", data, "a table (TOML) or an object (JSON) of profile keys")
    try:
        return Profile.model_validate(data, context={"knowledge": knowledge})
    except ValidationError as exc:
        raise _translate(exc, data) from None


_LINE_COL = re.compile(r"\(at line (\d+), column (\d+)\)")


def parse_profile_text(
    text: str, fmt: Literal["toml", "json"], knowledge: Knowledge | None = None
) -> Profile:
    """Parse a profile from TOML or JSON text (malformed text names its line and column)."""
    if len(text) > MAX_PROFILE_BYTES:
        raise ProfileError("profile", f"{len(text)} characters", "at most 1 MB of text",
                           message=f"The profile is {len(text):,} characters; at most "
                           f"{MAX_PROFILE_BYTES:,} are accepted.")
    if fmt == "toml":
        try:
            data: object = tomllib.loads(text)
        except RecursionError:
            raise ProfileError("profile", None, "valid TOML",
                               message="Not valid TOML: nested too deeply.") from None
        except tomllib.TOMLDecodeError as exc:
            found = _LINE_COL.search(str(exc))
            where = f" at line {found[1]}, column {found[2]}" if found else ""
            reason = _LINE_COL.sub("", str(exc)).strip()
            raise ProfileError("profile", None, "valid TOML",
                               message=f"Not valid TOML{where}: {reason}.") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProfileError("profile", None, "valid JSON",
                               message=f"Not valid JSON at line {exc.lineno}, column "
                               f"{exc.colno}: {exc.msg}.") from None
        except RecursionError:
            raise ProfileError("profile", None, "valid JSON",
                               message="Not valid JSON: nested too deeply.") from None
        except ValueError as exc:  # e.g. an integer of thousands of digits
            reason = "a number is far too long" if "digits" in str(exc) else str(exc)
            raise ProfileError("profile", None, "valid JSON",
                               message=f"Not valid JSON: {reason}.") from None
    return parse_profile(data, knowledge)
