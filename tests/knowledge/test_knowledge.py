"""The shipped knowledge files: they load, every reference resolves, the chemistry and the
upper limits match domain.md, and medicine names people actually write resolve."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import molmass
import pytest

from magnerve.core.intake import upper_limit
from magnerve.core.medications import resolve_medication
from magnerve.core.text import normalize
from magnerve.knowledge import Knowledge, load_knowledge

DATA = Path(__file__).resolve().parents[2] / "src" / "magnerve" / "knowledge" / "data"
KNOWLEDGE_FILES = (
    "sources.toml", "compounds.toml", "intake.toml", "interactions.toml", "conditions.toml",
    "evidence.toml", "safety.toml", "dosing.toml",
)

#: design.md 3.4, in order.
DESIGN_FORM_IDS = (
    "oxide", "hydroxide", "carbonate", "citrate", "glycinate", "malate", "threonate", "taurate",
    "chloride", "sulfate", "lactate", "gluconate", "aspartate", "orotate", "pidolate",
    "acetyl_taurate", "ascorbate", "glycerophosphate", "amino_acid_chelate", "unknown",
)

#: domain.md 1a, "Mg % w/w" column ([computed]), for every formula listed there.
DOMAIN_COMPUTED_MG_PERCENT: dict[str, float] = {
    "MgO": 60.30,
    "Mg(OH)2": 41.68,
    "MgCO3": 28.83,
    "(MgCO3)4·Mg(OH)2·5H2O": 25.02,
    "Mg3(C6H5O7)2": 16.16,
    "Mg3(C6H5O7)2·9H2O": 11.89,
    "MgC6H6O7": 11.34,
    "Mg(C2H4NO2)2": 14.10,
    "MgC4H4O5": 15.54,
    "MgC4H4O5·3H2O": 11.55,
    "Mg2C4H2O5": 27.21,
    "Mg(C4H7O5)2": 8.25,
    "Mg(C2H6NO3S)2": 8.92,
    "MgCl2": 25.53,
    "MgCl2·6H2O": 11.96,
    "MgSO4": 20.19,
    "MgSO4·7H2O": 9.86,
    "Mg(C3H5O3)2": 12.01,
    "Mg(C3H5O3)2·2H2O": 10.19,
    "Mg(C6H11O7)2": 5.86,
    "Mg(C6H11O7)2·2H2O": 5.39,
    "Mg(C4H6NO4)2": 8.42,
    "Mg(C4H6NO4)2·2H2O": 7.49,
    "Mg(C4H6NO4)2·4H2O": 6.74,
    "Mg(C5H3N2O4)2": 7.27,
    "Mg(C5H3N2O4)2·2H2O": 6.56,
    "Mg(C5H6NO3)2": 8.66,
    "Mg(C4H8NO4S)2": 6.81,
}
#: Formulas in compounds.toml that domain.md does not cover (their notes say UNCONFIRMED).
NOT_IN_DOMAIN = {"Mg(C6H7O6)2", "MgC3H7O6P"}

TOLERANCE_PP = 0.15  # percentage points


def _variants(kb: Knowledge) -> list[tuple[str, Any]]:
    return [(f"{form.id}/{v.id}", v) for form in kb.forms.values() for v in form.variant]


KB = load_knowledge()
PUBLISHED = [
    pytest.param(v, id=name) for name, v in _variants(KB) if v.published_mg_percent is not None
]


# ------------------------------------------------------------------------------------------
# Loading and references


@pytest.mark.parametrize("name", KNOWLEDGE_FILES)
def test_every_knowledge_file_is_valid_toml(name: str) -> None:
    data = tomllib.loads((DATA / name).read_text(encoding="utf-8"))
    assert data, f"{name} is empty"


def test_packaged_knowledge_loads_and_is_cached() -> None:
    first = load_knowledge()
    assert first is load_knowledge()
    assert first.forms
    assert first.interactions
    assert first.conditions
    assert first.codes


def test_knowledge_loads_from_a_directory(tmp_path: Path) -> None:
    """load_knowledge(path) reads the same files a reviewer would edit."""
    for name in KNOWLEDGE_FILES:
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    copy = load_knowledge(tmp_path)
    assert set(copy.forms) == set(KB.forms)
    assert set(copy.sources) == set(KB.sources)
    assert copy.dosing == KB.dosing


def _source_refs(node: Any, path: str = "") -> list[tuple[str, str]]:
    """(where, id) for every value of a key named *sources in a decoded TOML tree."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}" if path else key
            if key.endswith("sources") and isinstance(value, list):
                found.extend((here, ref) for ref in value)
            else:
                found.extend(_source_refs(value, here))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found.extend(_source_refs(item, f"{path}[{i}]"))
    return found


@pytest.mark.parametrize("name", [n for n in KNOWLEDGE_FILES if n != "sources.toml"])
def test_every_source_id_in_the_raw_files_resolves(name: str) -> None:
    """Walks the raw TOML (not the loader) so an unchecked field cannot hide a bad id."""
    known = set(tomllib.loads((DATA / "sources.toml").read_text("utf-8"))["sources"])
    refs = _source_refs(tomllib.loads((DATA / name).read_text("utf-8")))
    assert refs, f"{name} cites no sources"
    unknown = [(where, ref) for where, ref in refs if ref not in known]
    assert unknown == []


def test_every_source_has_a_citation(kb: Knowledge) -> None:
    for source in kb.sources.values():
        assert source.citation.strip(), source.id


def test_every_reason_code_of_interactions_and_conditions_exists(kb: Knowledge) -> None:
    for rule in kb.interactions.values():
        assert rule.reason in kb.codes, rule.id
    for condition in kb.conditions.values():
        assert condition.reason is None or condition.reason in kb.codes, condition.id
        assert condition.evidence is None or condition.evidence in kb.evidence, condition.id


# design.md 3.3: code -> allowed severities.
DESIGN_CODES = {
    "kidney_failure": {"stop"},
    "kidney_impairment": {"see_clinician"},
    "kidney_function_unknown": {"info", "caution"},
    "hypermagnesemia": {"stop"},
    "hypomagnesemia": {"see_clinician"},
    "cardiac_conduction": {"stop"},
    "myasthenia_gravis": {"see_clinician"},
    "pregnancy": {"see_clinician"},
    "minor": {"see_clinician"},
    "interaction_chelation": {"caution"},
    "interaction_not_separable": {"see_clinician"},
    "mg_depleting_drug": {"caution"},
    "mg_retaining_drug": {"caution"},
    "digoxin": {"caution"},
    "unrecognized_medication": {"caution"},
    "malabsorption": {"caution"},
    "already_taking_magnesium": {"caution"},
    "dose_capped_at_upper_limit": {"info"},
    "schedule_infeasible": {"see_clinician"},
}


@pytest.mark.parametrize(("code", "allowed"), DESIGN_CODES.items(), ids=list(DESIGN_CODES))
def test_design_reason_codes_exist_with_their_severity(
    kb: Knowledge, code: str, allowed: set[str]
) -> None:
    assert code in kb.codes
    assert kb.codes[code].severity in allowed
    assert kb.codes[code].message.strip()


# ------------------------------------------------------------------------------------------
# Forms and chemistry


def test_form_ids_are_exactly_design_3_4(kb: Knowledge) -> None:
    assert tuple(kb.forms) == DESIGN_FORM_IDS


@pytest.mark.parametrize("form_id", DESIGN_FORM_IDS)
def test_every_design_form_exists(kb: Knowledge, form_id: str) -> None:
    assert kb.form(form_id).id == form_id


def test_forms_without_stoichiometry_have_no_fraction(kb: Knowledge) -> None:
    assert kb.forms["amino_acid_chelate"].elemental_fraction is None
    assert kb.forms["unknown"].elemental_fraction is None
    assert not kb.forms["unknown"].oral
    assert not kb.forms["sulfate"].oral


def test_every_form_with_variants_has_exactly_one_default(kb: Knowledge) -> None:
    for form in kb.forms.values():
        if form.variant:
            assert sum(v.default for v in form.variant) == 1, form.id


def test_hydrates_are_variants_of_their_form(kb: Knowledge) -> None:
    chloride = {v.formula: v for v in kb.forms["chloride"].variant}
    assert "MgCl2·6H2O" in chloride
    assert "MgCl2" in chloride
    assert chloride["MgCl2·6H2O"].default
    assert chloride["MgCl2·6H2O"].elemental_fraction < chloride["MgCl2"].elemental_fraction


@pytest.mark.parametrize("variant", PUBLISHED)
def test_computed_fraction_matches_published_value(variant: Any) -> None:
    """molmass fraction vs the published Mg% recorded in compounds.toml (0.15 pp)."""
    computed = variant.elemental_fraction * 100
    assert abs(computed - variant.published_mg_percent) <= TOLERANCE_PP, (
        f"{variant.formula}: computed {computed:.2f}% vs published "
        f"{variant.published_mg_percent}%"
    )


def test_published_values_cover_the_domain_table(kb: Knowledge) -> None:
    """domain.md 1a gives a published Mg% for 14 species; all are recorded."""
    published = {v.formula for _, v in _variants(kb) if v.published_mg_percent is not None}
    assert published >= {
        "MgO", "Mg(OH)2", "MgCO3", "MgC6H6O7", "Mg(C2H4NO2)2", "MgC4H4O5", "Mg(C4H7O5)2",
        "Mg(C2H6NO3S)2", "MgCl2", "MgSO4", "Mg(C3H5O3)2", "Mg(C4H6NO4)2", "Mg(C5H3N2O4)2",
    }


@pytest.mark.parametrize(
    ("formula", "percent"), DOMAIN_COMPUTED_MG_PERCENT.items(), ids=list(DOMAIN_COMPUTED_MG_PERCENT)
)
def test_knowledge_fraction_matches_domain_computed_column(
    kb: Knowledge, formula: str, percent: float
) -> None:
    variants = [v for _, v in _variants(kb) if v.formula == formula]
    assert len(variants) == 1, f"{formula} should be exactly one variant in compounds.toml"
    assert abs(variants[0].elemental_fraction * 100 - percent) <= TOLERANCE_PP


@pytest.mark.parametrize(
    ("formula", "percent"), DOMAIN_COMPUTED_MG_PERCENT.items(), ids=list(DOMAIN_COMPUTED_MG_PERCENT)
)
def test_molmass_reproduces_domain_computed_column(formula: str, percent: float) -> None:
    """The table itself is right: recompute it from the formula with molmass."""
    fraction = molmass.Formula(formula.replace("·", ".")).composition()["Mg"].fraction
    assert abs(fraction * 100 - percent) <= TOLERANCE_PP


def test_every_variant_formula_is_checked_against_the_domain_table(kb: Knowledge) -> None:
    formulas = {v.formula for _, v in _variants(kb)}
    assert formulas - set(DOMAIN_COMPUTED_MG_PERCENT) == NOT_IN_DOMAIN


def test_molar_masses_are_filled_from_formulas(kb: Knowledge) -> None:
    oxide = kb.forms["oxide"].default_variant
    assert oxide is not None
    assert oxide.molar_mass == pytest.approx(40.30, abs=0.01)
    threonate = kb.forms["threonate"].default_variant
    assert threonate is not None
    assert threonate.molar_mass == pytest.approx(294.50, abs=0.05)


# ------------------------------------------------------------------------------------------
# Upper limits (domain.md 2b-2d)


@pytest.mark.parametrize(
    ("jurisdiction", "age", "mg"),
    [
        pytest.param("US", 19, 350, id="US-adult-19"),
        pytest.param("US", 45, 350, id="US-adult-45"),
        pytest.param("US", 120, 350, id="US-adult-120"),
        pytest.param("UK", 18, 400, id="UK-adult-18"),
        pytest.param("UK", 70, 400, id="UK-adult-70"),
        pytest.param("EU", 18, 250, id="EU-adult-18"),
        pytest.param("EU", 80, 250, id="EU-adult-80"),
        pytest.param("US", 1, 65, id="US-1y"),
        pytest.param("US", 3, 65, id="US-3y"),
        pytest.param("US", 4, 110, id="US-4y"),
        pytest.param("US", 8, 110, id="US-8y"),
        pytest.param("US", 9, 350, id="US-9y"),
        pytest.param("US", 13, 350, id="US-13y"),
        pytest.param("US", 18, 350, id="US-18y"),
        # A child's limit is never the adult one of another jurisdiction.
        pytest.param("EU", 5, 110, id="EU-5y-uses-lower-US"),
        pytest.param("EU", 2, 65, id="EU-2y-none-set-uses-US"),
        pytest.param("EU", 12, 250, id="EU-12y"),
        pytest.param("UK", 10, 350, id="UK-10y-uses-US"),
        pytest.param("UK", 2, 65, id="UK-2y-uses-US"),
    ],
)
def test_upper_limits(kb: Knowledge, jurisdiction: str, age: int, mg: int) -> None:
    assert upper_limit(kb, jurisdiction, age).mg == mg


@pytest.mark.parametrize("jurisdiction", ["US", "UK", "EU"])
def test_no_upper_limit_for_infants(kb: Knowledge, jurisdiction: str) -> None:
    assert upper_limit(kb, jurisdiction, 0).mg is None


@pytest.mark.parametrize("jurisdiction", ["US", "UK", "EU"])
def test_upper_limit_covers_every_age(kb: Knowledge, jurisdiction: str) -> None:
    for age in range(1, 121):
        limit = upper_limit(kb, jurisdiction, age)
        assert limit.mg is not None, age
        assert limit.mg > 0, age
        assert limit.sources, age


def test_upper_limit_sources_name_the_regulator(kb: Knowledge) -> None:
    assert "iom1997" in upper_limit(kb, "US", 40).sources
    assert "evm2003" in upper_limit(kb, "UK", 40).sources
    assert "scf2001" in upper_limit(kb, "EU", 40).sources


# ------------------------------------------------------------------------------------------
# Medicine names as people write them


@pytest.mark.parametrize(
    ("name", "generics"),
    [
        ("Cipro", ["ciprofloxacin"]),
        ("Synthroid", ["levothyroxine"]),
        ("Neurontin", ["gabapentin"]),
        ("Tivicay", ["dolutegravir"]),
        ("Triumeq", ["dolutegravir"]),
        ("Isentress", ["raltegravir"]),
        ("Nexium", ["esomeprazole"]),
        ("Lasix", ["furosemide"]),
        ("Aldactone", ["spironolactone"]),
        ("Fosamax", ["alendronate"]),
        ("Lanoxin", ["digoxin"]),
        ("doxycycline hyclate", ["doxycycline"]),
        ("Doxycycline Hyclate 100 mg tablets", ["doxycycline"]),
        ("CIPRO", ["ciprofloxacin"]),
        ("levothyroxine sodium 50 mcg", ["levothyroxine"]),
        ("Co-amilofruse", ["amiloride", "furosemide"]),
    ],
)
def test_brand_and_salt_names_resolve(kb: Knowledge, name: str, generics: list[str]) -> None:
    resolved = resolve_medication(name, (), kb)
    assert [e.drug.id for r in resolved for e in r.entries] == generics
    assert all(r.recognised for r in resolved)


def test_drug_name_index_uses_normalised_keys(kb: Knowledge) -> None:
    for key in kb.drug_names:
        assert key == normalize(key)
    assert kb.drug_names["cipro"] == ("ciprofloxacin",)
    assert kb.drugs["raltegravir"].interaction.separable is False
