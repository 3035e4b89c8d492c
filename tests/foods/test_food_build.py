"""scripts/build_foods.py on a tiny excerpt of the real USDA files (tests/foods/fixtures/usda).

The fixture keeps the real formats byte for byte: SR28 ``^``/``~`` records in Latin-1 with CRLF
and a blank line after each ABBREV record, FNDDS CSVs with a BOM, a two-line quoted title and
a header whose cells hold newlines. It holds a food with an empty magnesium field (01188), the
ABBREV food missing from FOOD_DES (33879), and FNDDS portion rows the build must skip
(subcodes, "Quantity not specified", "Guideline amount ...").
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from magnerve.core.foods import FoodTable, parse_food_table

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "usda"
SHARED = ROOT.parent / "shared" / "data"
SHIPPED = ROOT / "src" / "magnerve" / "knowledge" / "data" / "foods.csv"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_foods", ROOT / "scripts" /
                                                  "build_foods.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_foods"] = module
    spec.loader.exec_module(module)
    return module


build_foods = _load_script()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, FoodTable]:
    out = tmp_path_factory.mktemp("foods")
    target = build_foods.build(FIXTURE, out)
    text = target.read_text(encoding="utf-8")
    return text, parse_food_table(text)


def test_every_food_of_both_datasets_is_built(built: tuple[str, FoodTable]) -> None:
    _, table = built
    ids = [food.id for food in table.foods]
    assert ids == sorted(ids)
    assert sum(i.startswith("sr28:") for i in ids) == 8
    assert sum(i.startswith("fndds:") for i in ids) == 5


def test_sr28_values_names_groups_and_portions(built: tuple[str, FoodTable]) -> None:
    _, table = built
    seeds = table.get("sr28:12016")
    assert seeds.name == "Seeds, pumpkin and squash seed kernels, roasted, without salt"
    assert seeds.group == "Nut and Seed Products"
    assert seeds.mg_per_100g == 550
    assert seeds.aliases == "pepitas"
    assert [(p.description, p.grams) for p in seeds.portions] == [("1 cup", 118), ("1 oz", 28.35)]
    assert table.get("sr28:01001").mg_per_100g == 2


def test_empty_sr28_magnesium_stays_unknown(built: tuple[str, FoodTable]) -> None:
    """An empty ABBREV field means 'not analysed': unknown, never 0."""
    text, table = built
    assert table.get("sr28:01188").mg_per_100g is None
    row = next(line for line in text.splitlines() if line.startswith("sr28:01188,"))
    assert next(csv.reader([row]))[3] == ""


def test_food_missing_from_food_des_keeps_its_abbrev_name(built: tuple[str, FoodTable]) -> None:
    food = built[1].get("sr28:33879")
    assert food.name.startswith("BABYFOOD,FINGER SNACKS")
    assert food.group == ""
    assert food.mg_per_100g == 85


def test_fndds_values_groups_and_kept_portions(built: tuple[str, FoodTable]) -> None:
    _, table = built
    chia = table.get("fndds:43108010")
    assert (chia.name, chia.group, chia.mg_per_100g) == ("Chia seeds", "Nuts and seeds", 392)
    assert [p.description for p in chia.portions] == ["1 cup"]
    milk = table.get("fndds:11100000")
    assert [p.description for p in milk.portions] == [
        "1 cup", "1 fl oz", "1 individual school container"]


def test_fndds_subcode_rows_are_not_the_food(built: tuple[str, FoodTable]) -> None:
    """Brand subcodes (Tastykake, Drake's) and 'Quantity not specified' are skipped."""
    cake = built[1].get("fndds:53108200")
    assert [(p.description, p.grams) for p in cake.portions] == [("1 snack cake", 40)]


def test_output_names_its_sources_and_input_checksums(built: tuple[str, FoodTable]) -> None:
    text, _ = built
    head = [line for line in text.splitlines() if line.startswith("#")]
    joined = "\n".join(head)
    assert "usda_sr28" in joined
    assert "usda_fndds2018" in joined
    digest = hashlib.sha256((FIXTURE / "usda_sr28" / "ABBREV.txt").read_bytes()).hexdigest()
    assert digest in joined


def test_build_is_byte_for_byte_reproducible(tmp_path: Path) -> None:
    first = build_foods.build(FIXTURE, tmp_path / "a").read_bytes()
    second = build_foods.build(FIXTURE, tmp_path / "b").read_bytes()
    assert first == second


def _copy_fixture(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data)
    return data


def test_a_changed_input_stops_the_build(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    data = _copy_fixture(tmp_path)
    abbrev = data / "usda_sr28" / "ABBREV.txt"
    abbrev.write_bytes(abbrev.read_bytes().replace(b"^550^", b"^551^"))
    code = build_foods.main(["--data", str(data), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert "ABBREV.txt: SHA-256 is" in err
    assert not (tmp_path / "out" / "foods.csv").exists()


def test_an_input_missing_from_the_checksums_stops_the_build(tmp_path: Path) -> None:
    data = _copy_fixture(tmp_path)
    sums = data / "usda_sr28" / "SHA256SUMS"
    sums.write_text("".join(line for line in sums.read_text().splitlines(keepends=True)
                            if "WEIGHT.txt" not in line))
    with pytest.raises(build_foods.BuildError, match=r"WEIGHT\.txt is not listed"):
        build_foods.build(data, tmp_path / "out")


def test_a_moved_magnesium_column_stops_the_build(tmp_path: Path) -> None:
    data = _copy_fixture(tmp_path)
    folder = data / "usda_fndds_2017_2018"
    name = build_foods.FNDDS_NUTRIENTS
    csv_file = folder / name
    csv_file.write_bytes(csv_file.read_bytes().replace(b"Magnesium (mg)", b"Iron (mg)", 1))
    sums = folder / "SHA256SUMS"
    digest = hashlib.sha256(csv_file.read_bytes()).hexdigest()
    sums.write_text("".join(
        f"{digest}  {name}\n" if line.endswith(f"  {name}\n") else line
        for line in sums.read_text().splitlines(keepends=True)))
    with pytest.raises(build_foods.BuildError, match="expected 'Magnesium \\(mg\\)'"):
        build_foods.build(data, tmp_path / "out")


def test_main_reports_what_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = build_foods.main(["--data", str(FIXTURE), "--out", str(tmp_path)])
    assert code == 0
    assert "foods.csv" in capsys.readouterr().out


@pytest.mark.skipif(not (SHARED / "usda_sr28" / "SHA256SUMS").exists(),
                    reason="../shared/data is not beside the project")
def test_the_shipped_table_is_what_the_script_builds(tmp_path: Path) -> None:
    """foods.csv in the package is exactly a fresh build of ../shared/data (not hand-edited)."""
    target = build_foods.build(SHARED, tmp_path)
    assert target.read_bytes() == SHIPPED.read_bytes()
