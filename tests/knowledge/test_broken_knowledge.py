"""A broken knowledge directory fails at load with DataFileError naming file, entry, field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from magnerve.errors import DataFileError, KnowledgeError
from magnerve.knowledge import load_knowledge

DATA = Path(__file__).resolve().parents[2] / "src" / "magnerve" / "knowledge" / "data"


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped knowledge files."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def replace_once(path: Path, old: str, new: str, *, after: str = "") -> None:
    """Replace the first ``old`` that follows the unique text ``after`` (default: the start);
    without ``after``, ``old`` itself must be unique."""
    text = path.read_text(encoding="utf-8")
    if after:
        assert text.count(after) == 1, f"test set-up: {after!r} not unique in {path.name}"
        start = text.index(after)
    else:
        assert text.count(old) == 1, f"test set-up: {old!r} not unique in {path.name}"
        start = 0
    at = text.index(old, start)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")


def test_unmodified_copy_loads(data_copy: Path) -> None:
    """Control: the copy itself is fine, so each failure below is caused by its corruption."""
    assert "oxide" in load_knowledge(data_copy).forms


CORRUPTIONS = [
    pytest.param(
        "compounds.toml",
        '[[form]]\nid = "oxide"',
        'cost_tier = "low"',
        'cost_tier = "cheap"',
        ("compounds.toml", "oxide", "cost_tier"),
        id="bad-enum-value",
    ),
    pytest.param(
        "compounds.toml",
        "",
        'formula = "MgO"',
        'formula = "MgQx"',
        ("compounds.toml", "oxide/oxide", "formula"),
        id="unparseable-formula",
    ),
    pytest.param(
        "compounds.toml",
        "",
        'formula = "MgO"',
        'formula = "CaO"',
        ("compounds.toml", "oxide/oxide", "formula"),
        id="formula-without-magnesium",
    ),
    pytest.param(
        "interactions.toml",
        "",
        'sources = ["cellcept_label"]',
        'sources = ["cellcept_labl"]',
        ("interactions.toml", "mycophenolate", "sources"),
        id="unknown-source-id",
    ),
    pytest.param(
        "conditions.toml",
        "",
        'sources = ["rossier2000"]',
        'sources = ["rossier2001"]',
        ("conditions.toml", "multiple_sclerosis", "sources"),
        id="unknown-source-id-condition",
    ),
    pytest.param(
        "interactions.toml",
        "",
        'reason = "interaction_not_separable"',
        'reason = "interaction_not_separabel"',
        ("interactions.toml", "raltegravir", "reason"),
        id="unknown-reason-code",
    ),
    pytest.param(
        "interactions.toml",
        "",
        'drug_then_mg_h = 4\nmg_then_drug_h = 8',
        'drug_then_mg_h = 30\nmg_then_drug_h = 8',
        ("interactions.toml", "moxifloxacin", "drug_then_mg_h"),
        id="separation-hours-out-of-range",
    ),
    pytest.param(
        "interactions.toml",
        'name = "Levofloxacin"\naliases = [',
        "aliases = [",
        'aliases = ["cipro", ',
        ("interactions.toml", "levofloxacin", "aliases"),
        id="brand-name-claimed-twice",
    ),
    pytest.param(
        "safety.toml",
        "",
        '[codes.myasthenia_gravis]\nseverity = "see_clinician"',
        '[codes.myasthenia_gravis]\nseverity = "see_doctor"',
        ("safety.toml", "myasthenia_gravis", "severity"),
        id="bad-severity",
    ),
    pytest.param(
        "intake.toml",
        "",
        "age_min = 4\nage_max = 8\nmg = 110",
        "age_min = 4\nage_max = 8\nmg = -110",
        ("intake.toml", "US", "upper_limit.2.mg"),
        id="negative-upper-limit",
    ),
    pytest.param(
        "dosing.toml",
        "",
        "step_days = 3",
        "step_days = 1",
        ("dosing.toml", None, "titration.step_days"),
        id="titration-steps-too-close",
    ),
    pytest.param(
        "conditions.toml",
        "",
        'implies = ["ckd", "diabetes"]',
        'implies = ["ckd", "diabetis"]',
        ("conditions.toml", "diabetic_nephropathy", "implies"),
        id="unknown-implied-condition",
    ),
]


@pytest.mark.parametrize(("file", "after", "old", "new", "expected"), CORRUPTIONS)
def test_corrupted_field_names_file_entry_and_field(
    data_copy: Path, file: str, after: str, old: str, new: str,
    expected: tuple[str, str | None, str],
) -> None:
    replace_once(data_copy / file, old, new, after=after)
    with pytest.raises(DataFileError) as caught:
        load_knowledge(data_copy)
    error = caught.value
    assert (error.file, error.entry, error.field) == expected
    message = str(error)
    assert file in message
    if expected[1] is not None:
        assert f"entry '{expected[1]}'" in message
    assert f"field '{expected[2]}'" in message


def test_unknown_source_id_suggests_the_nearest(data_copy: Path) -> None:
    replace_once(data_copy / "interactions.toml", 'sources = ["cellcept_label"]',
                 'sources = ["cellcept_labl"]')
    with pytest.raises(DataFileError, match=r"cellcept_labl.*did you mean 'cellcept_label'"):
        load_knowledge(data_copy)


@pytest.mark.parametrize(
    "name",
    ["compounds.toml", "interactions.toml", "dosing.toml", "sources.toml", "safety.toml"],
)
def test_missing_file_is_named(data_copy: Path, name: str) -> None:
    (data_copy / name).unlink()
    with pytest.raises(DataFileError) as caught:
        load_knowledge(data_copy)
    assert caught.value.file == name
    assert "missing" in str(caught.value)


def test_malformed_toml_is_named(data_copy: Path) -> None:
    path = data_copy / "conditions.toml"
    path.write_text(path.read_text("utf-8") + "\n[[condition]\nid = 'x'\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_knowledge(data_copy)
    assert caught.value.file == "conditions.toml"
    assert "not valid TOML" in str(caught.value)


def test_a_missing_design_form_is_refused(data_copy: Path) -> None:
    replace_once(data_copy / "compounds.toml", '[[form]]\nid = "pidolate"',
                 '[[form]]\nid = "pyroglutamate"')
    with pytest.raises(DataFileError, match=r"missing \['pidolate'\]") as caught:
        load_knowledge(data_copy)
    assert (caught.value.file, caught.value.field) == ("compounds.toml", "id")


def test_two_default_variants_are_refused(data_copy: Path) -> None:
    replace_once(
        data_copy / "compounds.toml",
        'formula = "MgCl2"\npublished_mg_percent',
        'formula = "MgCl2"\ndefault = true\npublished_mg_percent',
    )
    with pytest.raises(DataFileError) as caught:
        load_knowledge(data_copy)
    assert (caught.value.file, caught.value.entry, caught.value.field) == (
        "compounds.toml", "chloride", "variant"
    )


def test_unknown_key_in_an_entry_is_refused(data_copy: Path) -> None:
    replace_once(data_copy / "interactions.toml", 'id = "raltegravir"\nclass',
                 'id = "raltegravir"\nsevere = true\nclass')
    with pytest.raises(DataFileError) as caught:
        load_knowledge(data_copy)
    assert (caught.value.file, caught.value.entry, caught.value.field) == (
        "interactions.toml", "raltegravir", "severe"
    )


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="not a directory"):
        load_knowledge(tmp_path / "nowhere")


def test_data_file_error_is_a_knowledge_error() -> None:
    error = DataFileError("a.toml", "x", "y", "broken")
    assert isinstance(error, KnowledgeError)
    assert str(error) == "a.toml, entry 'x', field 'y': broken"
