"""Typed, immutable records for the knowledge files.

Pydantic validates each entry once, at load; afterwards the records are frozen and the core
only reads them. Field names follow the files' documented grammar (see data/README.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["info", "caution", "see_clinician", "stop"]
Sex = Literal["female", "male"]


class Record(BaseModel):
    """Base for every knowledge record: frozen, and unknown keys are errors.

    Validators are built on first use (``defer_build``): a process that loads the knowledge
    base from its cache never validates, so it never pays for building them.
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, defer_build=True
    )


class Source(Record):
    id: str
    citation: str
    url: str | None = None
    kind: Literal[
        "primary", "review", "guideline", "regulatory", "label", "secondary", "dataset", "policy"
    ]
    note: str | None = None


class Rating(Record):
    rating: str
    summary: str
    sources: tuple[str, ...] = Field(min_length=1)


class Absorption(Rating):
    rating: Literal["good", "moderate", "poor", "unknown"]


class GIEffect(Rating):
    rating: Literal["high", "moderate", "low", "unknown"]
    osmotic: bool


class Use(Record):
    summary: str
    sources: tuple[str, ...] = Field(min_length=1)


class Variant(Record):
    """One chemical species of a form (a salt or hydrate) with its computed fraction."""

    id: str
    name: str
    formula: str
    default: bool = False
    published_mg_percent: float | None = Field(default=None, gt=0, lt=100)
    published_sources: tuple[str, ...] = ()
    note: str | None = None
    # Filled by the loader from `formula` with molmass; never read from the file.
    molar_mass: float = 0.0
    elemental_fraction: float = 0.0


class Form(Record):
    """A magnesium form (design.md 3.4) and what is known about it."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    oral: bool
    cost_tier: Literal["low", "moderate", "high", "unknown"]
    sources: tuple[str, ...] = Field(min_length=1)
    note: str | None = None
    absorption: Absorption
    gi: GIEffect
    use: Use
    variant: tuple[Variant, ...] = ()

    @property
    def default_variant(self) -> Variant | None:
        """The variant a bare form name means (see the file's default rule)."""
        for variant in self.variant:
            if variant.default:
                return variant
        return None

    @property
    def elemental_fraction(self) -> float | None:
        """Elemental fraction of the default variant; None when stoichiometry is unknown."""
        variant = self.default_variant
        return None if variant is None else variant.elemental_fraction


class AgeBand(Record):
    age_min: int = Field(ge=0, le=120)
    age_max: int = Field(ge=0, le=120)
    sources: tuple[str, ...] = Field(min_length=1)
    note: str | None = None

    def covers(self, age: int) -> bool:
        return self.age_min <= age <= self.age_max


class UpperLimit(AgeBand):
    mg: int | None = Field(default=None, gt=0)


class ReferenceIntake(AgeBand):
    sex: Literal["female", "male", "any"]
    state: Literal["none", "pregnant", "breastfeeding"]
    mg: int = Field(gt=0)


class Jurisdiction(Record):
    code: str
    name: str
    reference_kind: str
    upper_limit_applies: str
    upper_limit: tuple[UpperLimit, ...]
    reference: tuple[ReferenceIntake, ...]


class Drug(Record):
    id: str
    name: str
    aliases: tuple[str, ...] = ()


Effect = Literal["chelation", "depletion", "retention", "toxicity_risk", "additive", "none"]


class Interaction(Record):
    """A rule shared by every drug listed in it."""

    id: str
    drug_class: str = Field(alias="class")
    effect: Effect
    severity: Literal["major", "moderate", "minor", "none"]
    reason: str
    drug_then_mg_h: float | None = Field(default=None, ge=0, le=24)
    mg_then_drug_h: float | None = Field(default=None, ge=0, le=24)
    separable: bool
    management: str
    sources: tuple[str, ...] = Field(min_length=1)
    note: str | None = None
    drugs: tuple[Drug, ...] = Field(min_length=1)

    @property
    def needs_separation(self) -> bool:
        """True when the timetable must keep magnesium apart from this drug."""
        return bool(self.drug_then_mg_h or self.mg_then_drug_h) or not self.separable


class Combination(Record):
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    components: tuple[str, ...] = Field(min_length=1)


class Condition(Record):
    id: str
    name: str
    terms: tuple[str, ...] = ()
    icd10: tuple[str, ...] = ()
    snomed: tuple[str, ...] = ()
    reason: str | None = None
    evidence: str | None = None
    pattern: Literal["peripheral", "central", "widespread", "localized"] | None = None
    implies: tuple[str, ...] = ()
    when_together: tuple[str, ...] = ()
    staged: bool = False
    sources: tuple[str, ...] = Field(min_length=1)


class Evidence(Record):
    id: str
    condition: str
    grade: Literal["moderate", "low", "very_low", "none_found", "recommended_against"]
    route: Literal["oral", "intravenous", "mixed", "none", "unknown"]
    summary: str
    sources: tuple[str, ...] = Field(min_length=1)


class ReasonCode(Record):
    id: str
    severity: Severity
    title: str
    message: str
    sources: tuple[str, ...] = Field(min_length=1)


class Threshold(Record):
    id: str
    value: float
    unit: str
    sources: tuple[str, ...] = Field(min_length=1)
    note: str | None = None
    same_in: dict[str, float] = Field(default_factory=dict)

    def in_unit(self, unit: str) -> float | None:
        """The published value of this threshold in ``unit``, when there is one."""
        return self.value if unit == self.unit else self.same_in.get(unit)


class TargetPolicy(Record):
    usual_mg: int = Field(gt=0)
    supervised_mg: int = Field(gt=0)
    round_mg: int = Field(gt=0)
    sources: tuple[str, ...] = Field(min_length=1)


class TitrationPolicy(Record):
    start_max_mg: int = Field(gt=0)
    start_fraction: float = Field(gt=0, le=1)
    step_mg: int = Field(gt=0)
    step_days: int = Field(ge=3)
    sensitive_start_max_mg: int = Field(gt=0)
    sensitive_step_mg: int = Field(gt=0)
    sensitive_step_days: int = Field(ge=3)
    sources: tuple[str, ...] = Field(min_length=1)


class SplitPolicy(Record):
    single_dose_max_mg: int = Field(gt=0, le=200)
    with_food: bool
    sources: tuple[str, ...] = Field(min_length=1)


class RoutinePolicy(Record):
    wake: str
    sleep: str
    meal_offsets_hours: tuple[float, ...]
    grid_minutes: int = Field(gt=0, le=120)
    min_gap_hours: float = Field(ge=0, le=12)
    sources: tuple[str, ...] = Field(min_length=1)


class FollowUpPolicy(Record):
    review_weeks: tuple[int, ...]
    stop_rule_weeks: int = Field(gt=0)
    meaningful_reduction_pct: float
    substantial_reduction_pct: float
    minimal_reduction_pct: float
    baseline_days: int = Field(ge=7)
    renal_lab_interval_months: int = Field(gt=0)
    sources: tuple[str, ...] = Field(min_length=1)


class Indication(Record):
    when: Literal["constipation", "sleep_problems", "anxiety", "widespread_fatigue", "central"]
    form: str
    points: int
    reason: str
    sources: tuple[str, ...] = Field(min_length=1)


class RankingPolicy(Record):
    absorption: dict[Literal["good", "moderate", "unknown", "poor"], int]
    gi_high: int
    gi_sensitive_osmotic: int
    gi_sensitive_high: int
    budget_low: dict[Literal["high", "moderate", "low", "unknown"], int]
    low_fraction: float = Field(gt=0, lt=1)
    low_fraction_points: int
    sources: tuple[str, ...] = Field(min_length=1)
    indication: tuple[Indication, ...] = ()


class ReviewPolicy(Record):
    """The review's policy numbers (dosing.toml [review]); see that file for each meaning."""

    baseline_window_days: int = Field(ge=7, le=90)
    min_current_days: int = Field(ge=1, le=7)
    hold_days: int = Field(ge=1, le=28)
    episode_gap_days: int = Field(ge=0, le=14)
    retry_factor: int = Field(ge=1, le=8)
    max_retry_factor: int = Field(ge=1, le=16)
    failures_before_ceiling: int = Field(ge=1, le=10)
    switch_form_after: int = Field(ge=1, le=10)
    repeat_window_days: int = Field(ge=7, le=365)
    step_up_min_fraction: float = Field(ge=0, le=1)
    adherence_days: int = Field(ge=1, le=28)
    low_adherence_pct: float = Field(ge=0, le=100)
    recent_days: int = Field(ge=1, le=90)
    persistent_gi_days: int = Field(ge=1, le=7)
    bootstrap_resamples: int = Field(ge=100, le=100_000)
    bootstrap_level: float = Field(gt=0, lt=1)
    bootstrap_seed: int
    sources: tuple[str, ...] = Field(min_length=1)


class Dosing(Record):
    ranking: RankingPolicy
    review: ReviewPolicy
    target: TargetPolicy
    titration: TitrationPolicy
    split: SplitPolicy
    routine: RoutinePolicy
    follow_up: FollowUpPolicy
