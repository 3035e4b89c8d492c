"""Load, validate and index the knowledge files.

``load_knowledge()`` reads the package's own data with importlib.resources (cached: the files
never change while a process runs); ``load_knowledge(path)`` reads a directory, so a reviewer
can try an edited knowledge base without reinstalling. Every problem raises
:class:`~magnerve.errors.DataFileError` naming the file, the entry and the field.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from magnerve.core.text import normalize
from magnerve.errors import DataFileError, UnknownNameError
from magnerve.knowledge.models import (
    Combination,
    Condition,
    Dosing,
    Drug,
    Evidence,
    Form,
    Interaction,
    Jurisdiction,
    ReasonCode,
    Source,
    Threshold,
    Variant,
)

__all__ = ["FORM_IDS", "JURISDICTIONS", "Knowledge", "load_knowledge"]

#: Form ids fixed by design.md 3.4, in the order listed there.
FORM_IDS: tuple[str, ...] = (
    "oxide", "hydroxide", "carbonate", "citrate", "glycinate", "malate", "threonate", "taurate",
    "chloride", "sulfate", "lactate", "gluconate", "aspartate", "orotate", "pidolate",
    "acetyl_taurate", "ascorbate", "glycerophosphate", "amino_acid_chelate", "unknown",
)
JURISDICTIONS: tuple[str, ...] = ("US", "UK", "EU")

#: Reason codes the planner raises itself (not only through data); each must exist in safety.
ENGINE_CODES: tuple[str, ...] = (
    "kidney_failure", "kidney_impairment", "kidney_disease", "kidney_function_unknown",
    "kidney_function_not_given", "hypermagnesemia", "hypomagnesemia", "serum_low_normal",
    "cardiac_conduction", "myasthenia_gravis", "pregnancy", "breastfeeding", "minor", "infant",
    "unrecognized_medication", "medication_time_unknown", "unrecognized_condition",
    "malabsorption", "diarrhea_prone", "already_taking_magnesium",
    "current_supplement_amount_unknown", "at_upper_limit_already", "dose_capped_at_upper_limit",
    "above_upper_limit_supervised", "pill_limit_conflict", "schedule_infeasible",
    "all_forms_avoided", "digoxin_with_depleting_drug", "magnesium_medicine_older_adult",
)
THRESHOLDS: tuple[str, ...] = (
    "kidney_failure_below", "kidney_impairment_below", "serum_high_mmol_l", "serum_low_mmol_l",
    "serum_optimal_low_mmol_l", "serum_plausible_max_mmol_l", "older_adult_age", "adult_age",
)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class DrugEntry:
    """A drug with the interaction rule that covers it."""

    drug: Drug
    interaction: Interaction


@dataclass(frozen=True)
class Knowledge:
    """The validated knowledge base with the indexes lookups need.

    Instances are immutable and safe to share between threads and requests.
    """

    sources: Mapping[str, Source]
    forms: Mapping[str, Form]
    jurisdictions: Mapping[str, Jurisdiction]
    interactions: Mapping[str, Interaction]
    combinations: Mapping[str, Combination]
    conditions: Mapping[str, Condition]
    evidence: Mapping[str, Evidence]
    codes: Mapping[str, ReasonCode]
    thresholds: Mapping[str, Threshold]
    dosing: Dosing
    drugs: Mapping[str, DrugEntry] = field(default_factory=dict)
    #: normalised drug name -> drug ids (a combination product maps to several)
    drug_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: normalised condition term -> condition id
    condition_terms: Mapping[str, str] = field(default_factory=dict)
    #: normalised form alias -> form id
    form_names: Mapping[str, str] = field(default_factory=dict)

    def form(self, form_id: str) -> Form:
        """The form with this id, or UnknownNameError with a suggestion."""
        try:
            return self.forms[form_id]
        except KeyError:
            from magnerve.core.text import suggest

            raise UnknownNameError("form id", form_id, suggest(form_id, self.forms)) from None

    def threshold(self, name: str) -> float:
        return self.thresholds[name].value

    def code(self, code: str) -> ReasonCode:
        return self.codes[code]


# --------------------------------------------------------------------------------------------
# Loading


def _data_root() -> Traversable:
    return resources.files("magnerve.knowledge").joinpath("data")


def _read_toml(root: Traversable | Path, name: str) -> dict[str, Any]:
    path = root.joinpath(name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(name, None, None, "file is missing") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(name, None, None, f"not valid TOML: {exc}") from None


def _validate(file: str, model: type[M], raw: Any, entry: str | None) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(part) for part in first["loc"]) or None
        problem = first["msg"]
        if "input" in first and first["type"] != "missing":
            problem += f" (got {first['input']!r})"
        raise DataFileError(file, entry, loc, problem) from None


def _table_entries(file: str, raw: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The ``[key.<id>]`` tables of a file, each with its id filled in."""
    tables = raw.get(key)
    if not isinstance(tables, dict) or not tables:
        raise DataFileError(file, None, key, f"expected one or more [{key}.<id>] tables")
    entries = []
    for entry_id, body in tables.items():
        if not isinstance(body, dict):
            raise DataFileError(file, entry_id, None, "expected a table")
        entries.append({"id": entry_id, **body})
    return entries


def _array_entries(file: str, raw: dict[str, Any], key: str) -> list[dict[str, Any]]:
    entries = raw.get(key)
    if not isinstance(entries, list) or not entries:
        raise DataFileError(file, None, key, f"expected one or more [[{key}]] tables")
    return entries


def _index(file: str, records: Iterable[M], what: str) -> dict[str, M]:
    out: dict[str, M] = {}
    for record in records:
        record_id = getattr(record, "id")  # noqa: B009 - every record model has an id
        if record_id in out:
            raise DataFileError(file, record_id, "id", f"duplicate {what} id")
        out[record_id] = record
    return out


def _elemental(file: str, form_id: str, variant: Variant) -> Variant:
    """Fill a variant's molar mass and elemental fraction from its formula."""
    import molmass  # only when building (a cached knowledge base never needs it)

    try:
        formula = molmass.Formula(variant.formula.replace("·", "."))
        mass = float(formula.mass)
        composition = formula.composition()
        fraction = float(composition["Mg"].fraction) if "Mg" in composition else 0.0
    except Exception as exc:  # molmass raises its own FormulaError and sometimes others
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataFileError(
            file, f"{form_id}/{variant.id}", "formula",
            f"cannot parse {variant.formula!r}: {reason}",
        ) from None
    if not 0 < fraction < 1:
        raise DataFileError(
            file, f"{form_id}/{variant.id}", "formula", "formula contains no magnesium"
        )
    return variant.model_copy(update={"molar_mass": mass, "elemental_fraction": fraction})


def _load_forms(root: Traversable | Path) -> dict[str, Form]:
    file = "compounds.toml"
    raw = _read_toml(root, file)
    forms: list[Form] = []
    for entry in _array_entries(file, raw, "form"):
        entry_id = str(entry.get("id", "?"))
        form = _validate(file, Form, entry, entry_id)
        variants = tuple(_elemental(file, form.id, v) for v in form.variant)
        defaults = [v for v in variants if v.default]
        if variants and len(defaults) != 1:
            raise DataFileError(file, form.id, "variant", "exactly one variant must be default")
        forms.append(form.model_copy(update={"variant": variants}))
    indexed = _index(file, forms, "form")
    missing = [f for f in FORM_IDS if f not in indexed]
    extra = [f for f in indexed if f not in FORM_IDS]
    if missing or extra:
        raise DataFileError(
            file, None, "id", f"form ids must be exactly design.md 3.4 (missing {missing}, "
            f"unexpected {extra})"
        )
    return {form_id: indexed[form_id] for form_id in FORM_IDS}


def _load_jurisdictions(root: Traversable | Path) -> dict[str, Jurisdiction]:
    file = "intake.toml"
    raw = _read_toml(root, file)
    tables = raw.get("jurisdiction", {})
    out = {}
    for code in JURISDICTIONS:
        if code not in tables:
            raise DataFileError(file, code, None, "jurisdiction is missing")
        juris = _validate(file, Jurisdiction, {"code": code, **tables[code]}, code)
        for band in (*juris.upper_limit, *juris.reference):
            if band.age_min > band.age_max:
                raise DataFileError(file, code, "age_min", "age_min is above age_max")
        out[code] = juris
    return out


def _load_interactions(
    root: Traversable | Path,
) -> tuple[dict[str, Interaction], dict[str, Combination]]:
    file = "interactions.toml"
    raw = _read_toml(root, file)
    rules = [
        _validate(file, Interaction, entry, str(entry.get("id", "?")))
        for entry in _array_entries(file, raw, "interaction")
    ]
    for rule in rules:
        has_hours = rule.drug_then_mg_h is not None or rule.mg_then_drug_h is not None
        if rule.effect == "chelation" and rule.separable and not has_hours:
            raise DataFileError(file, rule.id, "drug_then_mg_h", "a separable chelation rule "
                                "needs its separation hours")
        if not rule.separable and has_hours:
            raise DataFileError(file, rule.id, "separable", "a rule that separation does not "
                                "fix must not give separation hours")
    combos = [
        _validate(file, Combination, entry, str(entry.get("id", "?")))
        for entry in raw.get("combination", [])
    ]
    return _index(file, rules, "interaction"), _index(file, combos, "combination")


def _load_conditions(root: Traversable | Path) -> dict[str, Condition]:
    file = "conditions.toml"
    raw = _read_toml(root, file)
    return _index(
        file,
        (
            _validate(file, Condition, entry, str(entry.get("id", "?")))
            for entry in _array_entries(file, raw, "condition")
        ),
        "condition",
    )


def _load_keyed(
    root: Traversable | Path, file: str, key: str, model: type[M]
) -> dict[str, M]:
    raw = _read_toml(root, file)
    return _index(
        file,
        (_validate(file, model, entry, entry["id"]) for entry in _table_entries(file, raw, key)),
        key,
    )


def _check_refs(
    file: str, entry: str, field_name: str, ids: Iterable[str], known: Mapping[str, Any],
    what: str,
) -> None:
    for ref in ids:
        if ref not in known:
            from magnerve.core.text import suggest

            hint = suggest(ref, known)
            more = f"; did you mean '{hint}'?" if hint else ""
            raise DataFileError(file, entry, field_name, f"unknown {what} '{ref}'{more}")


def _build(root: Traversable | Path) -> Knowledge:
    sources = _load_keyed(root, "sources.toml", "sources", Source)
    forms = _load_forms(root)
    jurisdictions = _load_jurisdictions(root)
    interactions, combinations = _load_interactions(root)
    conditions = _load_conditions(root)
    evidence = _load_keyed(root, "evidence.toml", "evidence", Evidence)
    safety = _read_toml(root, "safety.toml")
    codes = _index(
        "safety.toml",
        (_validate("safety.toml", ReasonCode, e, e["id"])
         for e in _table_entries("safety.toml", safety, "codes")),
        "code",
    )
    thresholds = _index(
        "safety.toml",
        (_validate("safety.toml", Threshold, e, e["id"])
         for e in _table_entries("safety.toml", safety, "thresholds")),
        "threshold",
    )
    dosing = _validate("dosing.toml", Dosing, _read_toml(root, "dosing.toml"), None)

    # Every source id resolves.
    def src(file: str, entry: str, ids: Iterable[str], field_name: str = "sources") -> None:
        _check_refs(file, entry, field_name, ids, sources, "source id")

    for form in forms.values():
        src("compounds.toml", form.id, form.sources)
        src("compounds.toml", form.id, form.absorption.sources, "absorption.sources")
        src("compounds.toml", form.id, form.gi.sources, "gi.sources")
        src("compounds.toml", form.id, form.use.sources, "use.sources")
        for variant in form.variant:
            src("compounds.toml", f"{form.id}/{variant.id}", variant.published_sources,
                "published_sources")
    for juris in jurisdictions.values():
        for band in (*juris.upper_limit, *juris.reference):
            src("intake.toml", juris.code, band.sources)
    for rule in interactions.values():
        src("interactions.toml", rule.id, rule.sources)
        _check_refs("interactions.toml", rule.id, "reason", [rule.reason], codes, "reason code")
    for cond in conditions.values():
        src("conditions.toml", cond.id, cond.sources)
        _check_refs("conditions.toml", cond.id, "implies", cond.implies, conditions, "condition")
        _check_refs("conditions.toml", cond.id, "when_together", cond.when_together, conditions,
                    "condition")
        if cond.reason:
            _check_refs("conditions.toml", cond.id, "reason", [cond.reason], codes, "reason code")
        if cond.evidence:
            _check_refs("conditions.toml", cond.id, "evidence", [cond.evidence], evidence,
                        "evidence id")
    for ev in evidence.values():
        src("evidence.toml", ev.id, ev.sources)
    for code in codes.values():
        src("safety.toml", code.id, code.sources)
    for threshold in thresholds.values():
        src("safety.toml", threshold.id, threshold.sources)
    _check_refs("safety.toml", "codes", "id", ENGINE_CODES, codes, "reason code")
    _check_refs("safety.toml", "thresholds", "id", THRESHOLDS, thresholds, "threshold")
    for section in ("ranking", "review", "target", "titration", "split", "routine", "follow_up"):
        src("dosing.toml", section, getattr(dosing, section).sources)
    for ind in dosing.ranking.indication:
        src("dosing.toml", f"ranking.indication/{ind.when}/{ind.form}", ind.sources)
        _check_refs("dosing.toml", f"ranking.indication/{ind.when}", "form", [ind.form], forms,
                    "form id")

    drugs, drug_names = _drug_index(interactions, combinations)
    return Knowledge(
        sources=sources,
        forms=forms,
        jurisdictions=jurisdictions,
        interactions=interactions,
        combinations=combinations,
        conditions=conditions,
        evidence=evidence,
        codes=codes,
        thresholds=thresholds,
        dosing=dosing,
        drugs=drugs,
        drug_names=drug_names,
        condition_terms=_term_index(conditions),
        form_names=_form_index(forms),
    )


def _claim(
    file: str, index: dict[str, Any], name: str, value: Any, owner: str
) -> None:
    key = normalize(name)
    if not key:
        raise DataFileError(file, owner, "aliases", f"empty name {name!r}")
    if key in index and index[key] != value:
        raise DataFileError(file, owner, "aliases", f"name {name!r} is already used by "
                            f"{index[key]!r}")
    index[key] = value


def _drug_index(
    interactions: Mapping[str, Interaction], combinations: Mapping[str, Combination]
) -> tuple[dict[str, DrugEntry], dict[str, tuple[str, ...]]]:
    file = "interactions.toml"
    drugs: dict[str, DrugEntry] = {}
    names: dict[str, tuple[str, ...]] = {}
    for rule in interactions.values():
        for drug in rule.drugs:
            if drug.id in drugs:
                raise DataFileError(file, rule.id, "drugs", f"drug '{drug.id}' is listed twice")
            drugs[drug.id] = DrugEntry(drug, rule)
            for name in (drug.id, drug.name, *drug.aliases):
                _claim(file, names, name, (drug.id,), drug.id)
    for combo in combinations.values():
        _check_refs(file, combo.id, "components", combo.components, drugs, "drug")
        for name in (combo.id, combo.name, *combo.aliases):
            _claim(file, names, name, tuple(combo.components), combo.id)
    return drugs, names


def _term_index(conditions: Mapping[str, Condition]) -> dict[str, str]:
    index: dict[str, str] = {}
    for cond in conditions.values():
        for term in (*cond.terms,):
            _claim("conditions.toml", index, term, cond.id, cond.id)
    return index


def _form_index(forms: Mapping[str, Form]) -> dict[str, str]:
    index: dict[str, str] = {}
    for form in forms.values():
        for name in (form.id, form.id.replace("_", " "), form.name, *form.aliases):
            _claim("compounds.toml", index, name, form.id, form.id)
        for variant in form.variant:
            _claim("compounds.toml", index, variant.name, form.id, f"{form.id}/{variant.id}")
    return index


_log = logging.getLogger(__name__)
#: Set to "0" to always build from the files (for example while editing them).
CACHE_ENV = "MAGNERVE_KNOWLEDGE_CACHE"
_DATA_FILES = (
    "sources.toml", "compounds.toml", "intake.toml", "interactions.toml", "conditions.toml",
    "evidence.toml", "safety.toml", "dosing.toml",
)


def _cache_path(root: Traversable) -> Path | None:
    """Where the built knowledge base is cached: named by a hash of every input that can
    change it (the data files, magnerve, Python and pydantic versions), so a stale cache is
    never read: any edit gives a new name."""
    if os.environ.get(CACHE_ENV, "1") == "0":
        return None
    import pydantic
    from platformdirs import user_cache_dir

    from magnerve import __version__

    digest = hashlib.sha256()
    for part in (__version__, sys.version, pydantic.VERSION):
        digest.update(part.encode())
    for name in _DATA_FILES:
        digest.update(name.encode())
        digest.update(root.joinpath(name).read_bytes())
    return Path(user_cache_dir("magnerve")) / f"knowledge-{digest.hexdigest()[:32]}.pickle"


def _read_cache(path: Path) -> Knowledge | None:
    try:
        with path.open("rb") as handle:
            cached = pickle.load(handle)  # our own file, in the user's own cache directory
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged or foreign cache is rebuilt, never trusted
        _log.debug("ignoring knowledge cache %s: %s", path, exc)
        return None
    return cached if isinstance(cached, Knowledge) else None


def _write_cache(path: Path, knowledge: Knowledge) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(prefix=".knowledge-", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(knowledge, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, path)
    except OSError as exc:  # a read-only or full cache directory only costs speed
        _log.debug("cannot write knowledge cache %s: %s", path, exc)


@functools.cache
def _packaged() -> Knowledge:
    return _load_packaged()


def _load_packaged() -> Knowledge:
    """The packaged knowledge base: from the cache when it is there, else built and cached."""
    root = _data_root()
    try:
        cache = _cache_path(root)
    except OSError:
        cache = None
    if cache is not None:
        cached = _read_cache(cache)
        if cached is not None:
            return cached
    knowledge = _build(root)
    if cache is not None:
        _write_cache(cache, knowledge)
    return knowledge


def load_knowledge(path: str | Path | None = None) -> Knowledge:
    """Load and validate the knowledge base.

    Args:
        path: a directory holding the knowledge files; None (the default) loads the files
            shipped in the package, cached for the life of the process.

    Raises:
        DataFileError: a file is missing or malformed (file, entry and field named).
    """
    if path is None:
        return _packaged()
    directory = Path(path)
    if not directory.is_dir():
        raise DataFileError(str(directory), None, None, "not a directory")
    return _build(directory)


