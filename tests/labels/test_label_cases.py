"""Real-world label texts, as people copy them, and what magnerve must read from each.

Each case states the elemental magnesium per serving and per unit, every magnesium item's
forms, basis and amounts, and the exact set of warning codes, so a change in any rule shows
up as a named failing case. Numbers converted from compound weights come from the
knowledge base's formulas (domain.md 1a): oxide 60.3 %, hydroxide 41.7 %, citrate (anhydrous
trimagnesium dicitrate) 16.2 %, glycinate 14.1 %, chloride hexahydrate 12.0 %.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from magnerve.core.labels import LabelResult, parse_label
from magnerve.knowledge import Knowledge


@dataclass(frozen=True)
class Item:
    forms: tuple[str, ...]
    basis: str
    elemental: float | None
    compound: float | None = None
    percent: float | None = None
    counted: bool = True


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    per_serving: float | None
    items: tuple[Item, ...]
    codes: frozenset[str] = frozenset()
    per_unit: float | None = None
    serving: str | None = None
    item_codes: tuple[frozenset[str], ...] | None = field(default=None)


def C(
    id: str,
    text: str,
    per_serving: float | None,
    *items: Item,
    codes: set[str] | None = None,
    per_unit: float | None = None,
    serving: str | None = None,
) -> Case:
    return Case(id, text, per_serving, items, frozenset(codes or ()), per_unit, serving)


E, K, U = "elemental", "compound", "unknown"

US_SUPPLEMENT_FACTS = [
    C(
        "us_glycinate_with_oxide",
        "Supplement Facts\nServing Size 2 Capsules\nServings Per Container 60\n"
        "Amount Per Serving %Daily Value\n"
        "Magnesium (as magnesium bisglycinate chelate, magnesium oxide) 200 mg 48%\n"
        "Other ingredients: hypromellose, magnesium stearate.",
        200,
        Item(("glycinate", "oxide"), E, 200, percent=48),
        codes={"buffered_with_oxide"},
        per_unit=100,
        serving="2 capsules",
    ),
    C(
        "us_citrate_vegetarian_capsules",
        "Supplement Facts\nServing Size: 2 Vegetarian Capsules\nServings Per Container: 60\n"
        "Amount Per Serving   % DV\nMagnesium (as magnesium citrate)   300 mg   71%",
        300,
        Item(("citrate",), E, 300, percent=71),
        per_unit=150,
        serving="2 capsules",
    ),
    C(
        "us_older_daily_value_400",
        "Supplement Facts\nServing Size 1 Tablet\nMagnesium (as magnesium oxide) 400 mg 100%",
        400,
        Item(("oxide",), E, 400, percent=100),
        per_unit=400,
        serving="1 tablet",
    ),
    C(
        "us_dv_mismatch",
        "Supplement Facts\nServing Size 1 Tablet\nMagnesium (as magnesium citrate) 200 mg 20%",
        200,
        Item(("citrate",), E, 200, percent=20),
        codes={"dv_mismatch"},
        per_unit=200,
    ),
    C(
        "us_dv_fits_compound_weight",
        "Supplement Facts\nServing Size 1 Tablet\nMagnesium (as magnesium citrate) 1,000 mg 38%",
        1000,
        Item(("citrate",), E, 1000, percent=38),
        codes={"dv_mismatch"},
        per_unit=1000,
    ),
    C(
        "us_multivitamin_other_minerals",
        "Supplement Facts\nServing Size 1 Tablet\nAmount Per Serving % Daily Value\n"
        "Vitamin A (as beta carotene) 900 mcg 100%\nVitamin C (as ascorbic acid) 90 mg 100%\n"
        "Calcium (as calcium carbonate) 200 mg 15%\nIron (as ferrous fumarate) 8 mg 44%\n"
        "Magnesium (as magnesium oxide) 100 mg 24%\nZinc (as zinc citrate) 11 mg 100%\n"
        "Manganese (as manganese gluconate) 2.3 mg 100%\n"
        "Chloride (as potassium chloride) 72 mg 3%\n"
        "Other ingredients: microcrystalline cellulose, magnesium stearate, silicon dioxide.",
        100,
        Item(("oxide",), E, 100, percent=24),
        per_unit=100,
        serving="1 tablet",
    ),
    C(
        "us_threonate_brand",
        "Supplement Facts\nServing Size 3 Capsules\n"
        "Magnesium (as Magtein® magnesium L-threonate) 144 mg 34%",
        144,
        Item(("threonate",), E, 144, percent=34),
        per_unit=48,
        serving="3 capsules",
    ),
    C(
        "us_threonate_with_compound_weight",
        "Serving Size 3 Capsules\n"
        "Magnesium (as magnesium L-threonate) 144 mg 34%  Magtein® 2,000 mg",
        144,
        Item(("threonate",), E, 144, 2000, percent=34),
        per_unit=48,
    ),
    C(
        "us_three_forms_one_line",
        "Serving Size 2 Capsules\n"
        "Magnesium (as magnesium glycinate, magnesium malate, magnesium taurate) 300 mg 71%",
        300,
        Item(("glycinate", "malate", "taurate"), E, 300, percent=71),
        per_unit=150,
    ),
    C(
        "us_two_magnesium_lines_summed",
        "Serving Size 2 Tablets\nMagnesium (as magnesium glycinate) 100 mg 24%\n"
        "Magnesium (as magnesium malate) 50 mg 12%",
        150,
        Item(("glycinate",), E, 100, percent=24),
        Item(("malate",), E, 50, percent=12),
        per_unit=75,
    ),
    C(
        "us_breakdown_lines_counted_once",
        "Serving Size 2 Capsules\n"
        "Magnesium (as magnesium glycinate, magnesium malate) 200 mg 48%\n"
        "Magnesium glycinate 1,000 mg\nMagnesium malate 400 mg",
        200,
        Item(("glycinate", "malate"), E, 200, percent=48),
        Item(("glycinate",), K, 140.96, 1000, counted=False),
        Item(("malate",), K, 62.17, 400, counted=False),
        codes={"restated_amount"},
        per_unit=100,
    ),
    C(
        "us_blend_inline",
        "Supplement Facts\nServing Size 2 Capsules\n"
        "Proprietary Blend 500 mg: Magnesium glycinate, L-theanine, GABA",
        None,
        Item(("glycinate",), U, None),
        codes={"proprietary_blend", "elemental_unknown"},
        serving="2 capsules",
    ),
    C(
        "us_blend_block",
        "Supplement Facts\nServing Size 3 Capsules\nCalm Blend 450 mg **\nMagnesium Glycinate\n"
        "L-Theanine\nGABA\n** Daily Value not established",
        None,
        Item(("glycinate",), U, None),
        codes={"proprietary_blend", "elemental_unknown"},
    ),
    C(
        "us_blend_restates_declared_magnesium",
        "Supplement Facts\nServing Size 2 Capsules\n"
        "Magnesium (as magnesium glycinate) 120 mg 29%\nRelaxation Blend 600 mg\n"
        "Magnesium glycinate, L-theanine, chamomile",
        120,
        Item(("glycinate",), E, 120, percent=29),
        Item(("glycinate",), U, None, counted=False),
        codes={"proprietary_blend", "restated_amount"},
        per_unit=60,
    ),
    C(
        "us_amino_acid_chelate_weight",
        "Magnesium amino acid chelate 500 mg",
        None,
        Item(("amino_acid_chelate",), K, None, 500),
        codes={"amino_acid_chelate", "elemental_unknown"},
    ),
    C(
        "us_amino_acid_chelate_elemental",
        "Serving Size 1 Tablet\nMagnesium (as magnesium amino acid chelate) 100 mg 24%",
        100,
        Item(("amino_acid_chelate",), E, 100, percent=24),
        per_unit=100,
    ),
    C(
        "us_traacs_brand_with_glycinate",
        "Serving Size 2 Tablets\nMagnesium (as TRAACS® magnesium bisglycinate chelate) 200 mg",
        200,
        Item(("glycinate",), E, 200),
        per_unit=100,
    ),
    C(
        "us_albion_chelate_brand",
        "Serving Size 1 Tablet\nMagnesium (as Albion® chelate) 100 mg",
        100,
        Item(("amino_acid_chelate",), E, 100),
        per_unit=100,
    ),
    C(
        "us_buffered_word",
        "Serving Size 2 Capsules\n"
        "Magnesium (as buffered magnesium bisglycinate chelate) 200 mg 48%",
        200,
        Item(("glycinate",), E, 200, percent=48),
        codes={"buffered_with_oxide"},
        per_unit=100,
    ),
    C(
        "us_children_daily_value",
        "Supplement Facts for children 1-3 years\nServing Size 1 Gummy\n"
        "Magnesium (as magnesium citrate) 20 mg 25%",
        20,
        Item(("citrate",), E, 20, percent=25),
        per_unit=20,
        serving="1 gummy",
    ),
    C(
        "us_picolinate_unknown_form",
        "Magnesium picolinate 500 mg",
        None,
        Item(("unknown",), K, None, 500),
        codes={"unknown_form", "elemental_unknown"},
    ),
    C(
        "us_directions_ignored_when_panel_exists",
        "Serving Size 2 Capsules\nMagnesium (as magnesium citrate) 200 mg 48%\n"
        "Directions: Take 2 capsules daily, providing 400 mg magnesium.\n"
        "Do not exceed 350 mg of supplemental magnesium daily.",
        200,
        Item(("citrate",), E, 200, percent=48),
        per_unit=100,
    ),
]

DRUG_FACTS = [
    C(
        "drug_facts_milk_of_magnesia",
        "Drug Facts\nActive ingredient (in each 15 mL) Purpose\n"
        "Magnesium hydroxide 1200 mg ......... Saline laxative",
        500.11,
        Item(("hydroxide",), K, 500.11, 1200),
        per_unit=33.34,
        serving="15 mL",
    ),
    C(
        "drug_facts_antacid_tablet",
        "Drug Facts\nActive ingredient (in each tablet)     Purpose\n"
        "Magnesium hydroxide 311 mg ...... Antacid",
        129.61,
        Item(("hydroxide",), K, 129.61, 311),
        per_unit=129.61,
        serving="1 tablet",
    ),
]

UK_EU_PANELS = [
    C(
        "eu_nrv",
        "Nutrition Information   Per tablet   %NRV*\nMagnesium 187.5 mg 50% NRV\n"
        "*NRV = Nutrient Reference Value",
        187.5,
        Item(("unknown",), E, 187.5, percent=50),
        per_unit=187.5,
        serving="1 tablet",
    ),
    C(
        "eu_decimal_comma",
        "Typical values   Per 2 capsules   %NRV\nMagnesium   187,5 mg   50%",
        187.5,
        Item(("unknown",), E, 187.5, percent=50),
        per_unit=93.75,
        serving="2 capsules",
    ),
    C(
        "eu_per_100g_column",
        "Nutrition Information\nTypical values  Per 100g  Per capsule  %NRV\n"
        "Magnesium  25000 mg  200 mg  53%",
        200,
        Item(("unknown",), E, 200, percent=53),
        per_unit=200,
        serving="1 capsule",
    ),
    C(
        "uk_two_serving_columns",
        "Per tablet  %NRV  Per 2 tablets  %NRV\nMagnesium  150mg  40%  300mg  80%",
        150,
        Item(("unknown",), E, 150, percent=40),
        per_unit=150,
        serving="1 tablet",
    ),
    C(
        "uk_form_from_ingredients",
        "Nutritional information   Per tablet   %NRV\nMagnesium   375mg   100%\n"
        "Ingredients: Magnesium Citrate, Bulking Agent (Microcrystalline Cellulose), "
        "Anti-caking Agent (Magnesium Stearate)",
        375,
        Item(("citrate",), E, 375, percent=100),
        codes={"form_from_ingredients"},
        per_unit=375,
    ),
    C(
        "uk_nrv_mismatch",
        "Per tablet %NRV\nMagnesium 375mg 50%",
        375,
        Item(("unknown",), E, 375, percent=50),
        codes={"dv_mismatch"},
        per_unit=375,
    ),
    C(
        "uk_one_tablet_provides",
        "One tablet provides: Magnesium 375 mg (100% NRV) from magnesium citrate",
        375,
        Item(("citrate",), E, 375, percent=100),
        per_unit=375,
        serving="1 tablet",
    ),
    C(
        "eu_reference_intake",
        "Per daily dose (2 capsules)   % RI\nMagnesium   300 mg   80 %",
        300,
        Item(("unknown",), E, 300, percent=80),
        per_unit=150,
        serving="2 capsules",
    ),
]

FRONT_OF_PACK = [
    C(
        "fop_compound_named_is_ambiguous",
        "Magnesium Glycinate 500 mg",
        70.48,
        Item(("glycinate",), K, 70.48, 500),
        codes={"ambiguous_basis", "serving_unknown"},
    ),
    C(
        "fop_dv_settles_elemental",
        "Magnesium Glycinate 400mg 95% DV",
        400,
        Item(("glycinate",), E, 400, percent=95),
        codes={"serving_unknown"},
    ),
    C(
        "fop_dv_settles_compound",
        "Magnesium Citrate 500mg 19% DV",
        80.82,
        Item(("citrate",), K, 80.82, 500, percent=19),
        codes={"serving_unknown"},
    ),
    C(
        "fop_high_strength_per_tablet",
        "High Strength Magnesium Citrate 200mg per tablet",
        32.33,
        Item(("citrate",), K, 32.33, 200),
        codes={"ambiguous_basis"},
        per_unit=32.33,
        serving="1 tablet",
    ),
    C(
        "fop_per_two_capsules",
        "Magnesium 400 mg per 2 capsules",
        400,
        Item(("unknown",), E, 400),
        per_unit=200,
        serving="2 capsules",
    ),
    C(
        "fop_brand_mag_ox",
        "Mag-Ox 400: Magnesium oxide 400 mg",
        241.21,
        Item(("oxide",), K, 241.21, 400),
        codes={"ambiguous_basis", "serving_unknown"},
    ),
    C(
        "fop_amount_before_form",
        "Magnesium 200mg (as citrate)",
        200,
        Item(("citrate",), E, 200),
        codes={"serving_unknown"},
    ),
    C(
        "fop_from_form",
        "Serving size: 1 tablet\nMagnesium (from magnesium citrate) 150 mg",
        150,
        Item(("citrate",), E, 150),
        per_unit=150,
        serving="1 tablet",
    ),
    C(
        "fop_mixed_compound_weight",
        "Magnesium Malate & Citrate 500 mg",
        80.82,
        Item(("malate", "citrate"), K, 80.82, 500),
        codes={"ambiguous_basis", "mixed_forms", "serving_unknown"},
    ),
    C(
        "fop_directions_only",
        "Directions: take 2 capsules daily providing 400 mg magnesium",
        400,
        Item(("unknown",), E, 400),
        codes={"from_directions", "serving_unknown"},
    ),
]

LEAFLETS = [
    C(
        "leaflet_chloride_equivalent",
        "Each tablet contains 535 mg magnesium chloride hexahydrate equivalent to 64 mg "
        "elemental magnesium.",
        64,
        Item(("chloride",), E, 64, 535),
        per_unit=64,
        serving="1 tablet",
    ),
    C(
        "leaflet_lactate_meq",
        "Each caplet contains magnesium L-lactate dihydrate providing 84 mg (7 mEq) of magnesium.",
        84,
        Item(("lactate",), E, 84),
        per_unit=84,
        serving="1 caplet",
    ),
    C(
        "leaflet_mmol_glycerophosphate",
        "Each chewable tablet contains 4 mmol magnesium (as magnesium glycerophosphate).",
        97.22,
        Item(("glycerophosphate",), E, 97.22),
        per_unit=97.22,
        serving="1 tablet",
    ),
    C(
        "leaflet_aspartate_sachet",
        "Each sachet contains 6.5 g of powder containing 3,245 mg magnesium aspartate "
        "dihydrate, equivalent to 243 mg (10.0 mmol) of magnesium.",
        243,
        Item(("aspartate",), E, 243, 3245),
        per_unit=243,
        serving="1 sachet",
    ),
    C(
        "leaflet_sulfate_injection_strength",
        "Magnesium sulfate 50% w/v: each 1 mL contains 500 mg magnesium sulfate heptahydrate "
        "(2 mmol magnesium).",
        48.61,
        Item(("sulfate",), E, 48.61, 500),
        per_unit=48.61,
        serving="1 mL",
    ),
    C(
        "leaflet_chloride_default_hexahydrate",
        "Magnesium chloride 1,000 mg",
        119.55,
        Item(("chloride",), K, 119.55, 1000),
        codes={"ambiguous_basis", "serving_unknown"},
    ),
    C(
        "leaflet_citrate_nonahydrate_variant",
        "Magnesium citrate nonahydrate 500 mg",
        59.45,
        Item(("citrate",), K, 59.45, 500),
        codes={"ambiguous_basis", "serving_unknown"},
    ),
    C(
        "leaflet_mg_with_mmol",
        "Magnesium 243 mg (10 mmol)",
        243,
        Item(("unknown",), E, 243),
        codes={"serving_unknown"},
    ),
    C(
        "leaflet_meq_only",
        "Magnesium 7 mEq",
        85.07,
        Item(("unknown",), E, 85.07),
        codes={"serving_unknown"},
    ),
    C(
        "leaflet_oxide_equivalent_in_parentheses",
        "Each capsule contains magnesium oxide 400 mg\n(equivalent to 241 mg magnesium)",
        241,
        Item(("oxide",), E, 241, 400),
        per_unit=241,
        serving="1 capsule",
    ),
    C(
        "leaflet_per_5_ml",
        "Each 5 mL contains: Magnesium 100 mg (as magnesium citrate)",
        100,
        Item(("citrate",), E, 100),
        per_unit=20,
        serving="5 mL",
    ),
]

FORMATTING = [
    C(
        "dot_leaders",
        "Magnesium.......100 mg",
        100,
        Item(("unknown",), E, 100),
        codes={"serving_unknown"},
    ),
    C(
        "table_bars",
        "| Magnesium | 100 mg | 24% |",
        100,
        Item(("unknown",), E, 100, percent=24),
        codes={"serving_unknown"},
    ),
    C(
        "braces_export",
        "{Magnesium Citrate} 100 mg",
        16.16,
        Item(("citrate",), K, 16.16, 100),
        codes={"ambiguous_basis", "serving_unknown"},
    ),
    C(
        "missing_parentheses",
        "Magnesium as citrate 100 mg",
        100,
        Item(("citrate",), E, 100),
        codes={"serving_unknown"},
    ),
    C(
        "misspelled_magnesium",
        "magnesuim glycinate 400 mg",
        56.38,
        Item(("glycinate",), K, 56.38, 400),
        codes={"fuzzy_name", "ambiguous_basis", "serving_unknown"},
    ),
    C(
        "misspelled_form_in_as",
        "Magnesium (as magnesium bisglycinte) 100 mg",
        100,
        Item(("glycinate",), E, 100),
        codes={"fuzzy_name", "serving_unknown"},
    ),
    C(
        "misspelled_citrate",
        "Serving Size 1 Tablet\nMagnesium (as magnesium citate) 150 mg",
        150,
        Item(("citrate",), E, 150),
        codes={"fuzzy_name"},
        per_unit=150,
    ),
    C(
        "thousands_separator",
        "Serving Size 4 Tablets\nMagnesium 1,000 mg",
        1000,
        Item(("unknown",), E, 1000),
        per_unit=250,
    ),
    C(
        "grams",
        "Magnesium (as magnesium citrate) 0.2 g",
        200,
        Item(("citrate",), E, 200),
        codes={"serving_unknown"},
    ),
    C(
        "micrograms",
        "Magnesium 50,000 mcg",
        50,
        Item(("unknown",), E, 50),
        codes={"serving_unknown"},
    ),
    C(
        "upper_case",
        "SERVING SIZE 2 TABLETS\nMAGNESIUM (AS MAGNESIUM CITRATE) 200 MG 48%",
        200,
        Item(("citrate",), E, 200, percent=48),
        per_unit=100,
    ),
    C(
        "tab_separated",
        "Serving Size 2 Capsules\nMagnesium (as citrate)\t200 mg\t48%",
        200,
        Item(("citrate",), E, 200, percent=48),
        per_unit=100,
    ),
    C(
        "columns_pasted_one_per_line",
        "Supplement Facts\nServing Size 2 Capsules\nMagnesium (as magnesium citrate)\n200 mg\n48%",
        200,
        Item(("citrate",), E, 200, percent=48),
        per_unit=100,
    ),
    C(
        "parenthesis_broken_across_lines",
        "Magnesium\n(as magnesium bisglycinate chelate,\nmagnesium oxide) 200 mg 48%",
        200,
        Item(("glycinate", "oxide"), E, 200, percent=48),
        codes={"buffered_with_oxide", "serving_unknown"},
    ),
    C(
        "several_nutrients_one_line",
        "Calcium 500 mg, Magnesium 250 mg, Zinc 10 mg",
        250,
        Item(("unknown",), E, 250),
        codes={"serving_unknown"},
    ),
    C(
        "bar_export_rows",
        "| Calcium | 300 mg |\n| Magnesium (as oxide) | 150 mg |\n| Zinc | 15 mg |",
        150,
        Item(("oxide",), E, 150),
        codes={"serving_unknown"},
    ),
    C(
        "element_symbol",
        "Mg (citrate) 100 mg",
        100,
        Item(("citrate",), E, 100),
        codes={"serving_unknown"},
    ),
    C(
        "providing_on_next_line",
        "Magnesium glycinate 1000 mg\nproviding 140 mg elemental magnesium",
        140,
        Item(("glycinate",), E, 140, 1000),
        codes={"serving_unknown"},
    ),
    C(
        "providing_same_line",
        "Magnesium glycinate 1,000 mg providing Magnesium 140 mg",
        140,
        Item(("glycinate",), E, 140, 1000),
        codes={"serving_unknown"},
    ),
    C(
        "providing_too_much_for_glycinate",
        "Magnesium Glycinate 1,000 mg (providing 200 mg elemental magnesium)",
        200,
        Item(("glycinate",), E, 200, 1000),
        codes={"buffered_with_oxide", "serving_unknown"},
    ),
    C(
        "elemental_line_takes_compound_lines_form",
        "Magnesium Citrate 1,000 mg\nMagnesium (elemental) 160 mg 38%",
        160,
        Item(("citrate",), K, 161.63, 1000, counted=False),
        Item(("citrate",), E, 160, percent=38),
        codes={"restated_amount", "serving_unknown"},
    ),
    C(
        "percent_chelated_is_not_dv",
        "Magnesium bisglycinate (100% chelated) 500 mg",
        70.48,
        Item(("glycinate",), K, 70.48, 500),
        codes={"ambiguous_basis", "serving_unknown"},
    ),
    C(
        "several_unexplained_amounts",
        "Magnesium 150mg 300mg",
        300,  # unsure which is per serving: the larger, so magnesium is never understated
        Item(("unknown",), E, 300),
        codes={"several_amounts", "serving_unknown"},
    ),
]

MORE_REAL_WORLD = [
    C("us_from_compound_weight_in_parentheses",
      "Serving Size 1 Tablet\n"
      "Magnesium (from 1,000 mg of Magnesium Bisglycinate Chelate) 100 mg 24%",
      100, Item(("glycinate",), E, 100, 1000, percent=24), codes={"amount_mismatch"},
      per_unit=100),
    C("us_powder_teaspoons",
      "Serving Size 2 tsp. (4.5 g)\nMagnesium (as magnesium carbonate) 325 mg 77%",
      325, Item(("carbonate",), E, 325, percent=77), per_unit=162.5, serving="2 teaspoons"),
    C("us_softgel_with_vitamin_d_iu",
      "Supplement Facts\nServing Size 1 Softgel\nVitamin D3 50 mcg (2,000 IU) 250%\n"
      "Magnesium 50 mg 12%\nOmega-3 Fatty Acids 500 mg",
      50, Item(("unknown",), E, 50, percent=12), per_unit=50, serving="1 softgel"),
    C("leaflet_equiv_abbreviation",
      "Magnesium oxide-heavy 552.8 mg (equiv. magnesium 333.3 mg)",
      333.3, Item(("oxide",), E, 333.3, 552.8), codes={"serving_unknown"}),
    C("leaflet_chelate_with_equiv",
      "Each tablet contains: Magnesium amino acid chelate 500 mg (equiv. magnesium 100 mg)",
      100, Item(("amino_acid_chelate",), E, 100, 500), per_unit=100),
    C("leaflet_percent_of_magnesium_in_parentheses",
      "Magnesium citrate (Mg 16%) 625 mg = 100 mg Mg",
      100, Item(("citrate",), E, 100, 625), codes={"serving_unknown"}),
    C("uk_capsule_provides_from",
      "Each capsule provides: Magnesium 100mg (27% NRV) from Magnesium Citrate",
      100, Item(("citrate",), E, 100, percent=27), per_unit=100, serving="1 capsule"),
]  # fmt: skip

CASES = (
    US_SUPPLEMENT_FACTS
    + DRUG_FACTS
    + UK_EU_PANELS
    + FRONT_OF_PACK
    + LEAFLETS
    + FORMATTING
    + MORE_REAL_WORLD
)


def _approx(value: float | None) -> object:
    return None if value is None else pytest.approx(value, rel=2e-3, abs=0.01)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_label(case: Case, knowledge: Knowledge) -> None:
    """The label gives the stated elemental magnesium, items and warnings."""
    result = parse_label(case.text, knowledge)
    assert result.elemental_mg_per_serving == _approx(case.per_serving)
    assert result.elemental_mg_per_unit == _approx(case.per_unit)
    got = [
        Item(
            item.forms,
            item.basis,
            item.elemental_mg,
            item.compound_mg,
            item.percent_dv,
            item.counted,
        )
        for item in result.items
    ]
    assert len(got) == len(case.items), got
    for actual, expected in zip(got, case.items, strict=True):
        assert actual.forms == expected.forms
        assert actual.basis == expected.basis
        assert actual.elemental == _approx(expected.elemental)
        assert actual.compound == _approx(expected.compound)
        assert actual.percent == _approx(expected.percent)
        assert actual.counted == expected.counted
    assert {w.code for w in result.warnings} == case.codes
    if case.serving is not None:
        assert result.serving.description == case.serving


@pytest.mark.parametrize("case", CASES[:12], ids=[case.id for case in CASES[:12]])
def test_json_shape(case: Case, knowledge: Knowledge) -> None:
    """to_dict() is exactly the contract (design.md 3.8) and valid strict JSON."""
    data = parse_label(case.text, knowledge).to_dict()
    json.dumps(data, allow_nan=False)
    assert set(data) == {
        "items",
        "serving",
        "elemental_mg_per_serving",
        "elemental_mg_per_unit",
        "warnings",
    }
    assert set(data["serving"]) == {"description", "units_per_serving", "unit"}
    for item in data["items"]:
        assert set(item) == {
            "text",
            "forms",
            "basis",
            "elemental_mg",
            "compound_mg",
            "percent_dv",
            "warnings",
        }
        assert item["basis"] in ("elemental", "compound", "unknown")
        assert all(set(w) == {"code", "message"} for w in item["warnings"])
    assert all(set(w) == {"code", "message"} for w in data["warnings"])


def test_item_warnings_also_appear_at_top_level(knowledge: Knowledge) -> None:
    """A program reading only the top-level warnings misses nothing."""
    result: LabelResult = parse_label(
        "Magnesium (as magnesium citrate) 200 mg 20%\nMagnesium glycinate 500 mg", knowledge
    )
    top = {(w.code, w.message) for w in result.warnings}
    for item in result.items:
        assert {(w.code, w.message) for w in item.warnings} <= top


def test_item_text_is_the_magnesium_clause(knowledge: Knowledge) -> None:
    """An item's text is its own clause, not the other nutrients on the line."""
    result = parse_label("Calcium 500 mg, Magnesium 250 mg 60%, Zinc 10 mg", knowledge)
    assert [item.text for item in result.items] == ["Magnesium 250 mg 60%"]


def test_hydrate_named_on_label_selects_variant(knowledge: Knowledge) -> None:
    """The hydrate the label names is the one converted (domain.md 2e)."""
    anhydrous = parse_label("Magnesium chloride anhydrous 1,000 mg", knowledge).items[0]
    hexahydrate = parse_label("Magnesium chloride hexahydrate 1,000 mg", knowledge).items[0]
    assert anhydrous.variant == "chloride_anhydrous"
    assert hexahydrate.variant == "chloride_hexahydrate"
    assert anhydrous.elemental_mg == pytest.approx(255.3, abs=0.1)
    assert hexahydrate.elemental_mg == pytest.approx(119.6, abs=0.1)
    epsom = parse_label("Magnesium sulfate heptahydrate 500 mg", knowledge).items[0]
    assert epsom.variant == "sulfate_heptahydrate"
