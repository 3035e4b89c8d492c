#!/usr/bin/env python3
"""Build magnerve's shipped food table from the USDA files in ``../shared/data``.

Why a script: the USDA files are large and in awkward formats; the package ships one small CSV
(``src/magnerve/knowledge/data/foods.csv``) that anyone can rebuild and diff. The build is
deterministic (sorted rows, no timestamps) and refuses to run on inputs whose SHA-256 does not
match the dataset's ``SHA256SUMS``, so a changed input can never silently change the table.

Sources (ids in ``knowledge/data/sources.toml``):

- ``usda_sr28``: SR28 ASCII files. ``^``-separated, text in ``~``, Latin-1, CRLF; ABBREV.txt has a
  blank line after each record. Magnesium is ABBREV field index 12 (mg per 100 g); an EMPTY
  field means "not analysed" and stays empty here, never 0. Names from FOOD_DES Long_Desc,
  groups from FD_GROUP, household portions from WEIGHT (``Amount Msre_Desc`` -> ``Gm_Wgt``).
- ``usda_fndds2018``: FNDDS 2017-2018 "At A Glance" CSVs. UTF-8 with BOM, a quoted two-line
  title row, then the header (cells may hold newlines). Magnesium is Nutrient Values column 39
  (mg per 100 g); portions from Portions and Weights, joined on "Food code".

Output columns: ``id, name, group, mg_per_100g, aliases, portions``. ``portions`` packs the
household measures as ``description=grams`` joined by ``|``; ``aliases`` holds the source's
common names (SR28 ComName, FNDDS "Additional food description"). Lines starting with ``#``
name the sources and the input checksums.

Usage::

    python scripts/build_foods.py [--data DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "src" / "magnerve" / "knowledge" / "data"

SR28_DIR = "usda_sr28"
FNDDS_DIR = "usda_fndds_2017_2018"
FNDDS_PREFIX = "2017-2018 FNDDS At A Glance - "
FNDDS_NUTRIENTS = FNDDS_PREFIX + "FNDDS Nutrient Values.csv"
FNDDS_FOODS = FNDDS_PREFIX + "Foods and Beverages.csv"
FNDDS_PORTIONS = FNDDS_PREFIX + "Portions and Weights.csv"

ABBREV_FIELDS = 53
ABBREV_MG = 12  # Magnesium_(mg), SR28 doc "Abbreviated file", 0-based
FNDDS_MG = 39  # "Magnesium (mg)" in FNDDS Nutrient Values
COLUMNS = ("id", "name", "group", "mg_per_100g", "aliases", "portions")

#: FNDDS portion rows that are not household measures a person could write down: the survey's
#: default for an unstated amount, and amounts of an ingredient added to something else.
FNDDS_SKIP_PORTION = re.compile(r"^(Quantity not specified|Guideline amount\b)", re.IGNORECASE)


class BuildError(Exception):
    """The inputs are missing, changed, or not in the expected format."""


@dataclass(frozen=True, slots=True)
class FoodRow:
    """One row of the output table, already formatted as text."""

    id: str
    name: str
    group: str
    mg_per_100g: str
    aliases: str
    portions: tuple[tuple[str, str], ...]

    def cells(self) -> list[str]:
        packed = "|".join(f"{desc}={grams}" for desc, grams in self.portions)
        return [self.id, self.name, self.group, self.mg_per_100g, self.aliases, packed]


# -- checksums -------------------------------------------------------------------------------


def verify_checksums(folder: Path, needed: Iterable[str]) -> list[tuple[str, str]]:
    """Check every file listed in ``folder/SHA256SUMS``; return (file, digest) pairs, sorted.

    Every file the build reads must be listed, so an unlisted input cannot slip in.
    """
    sums_file = folder / "SHA256SUMS"
    if not sums_file.is_file():
        raise BuildError(f"{sums_file} is missing: cannot verify the inputs.")
    listed: dict[str, str] = {}
    for number, line in enumerate(sums_file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        match = re.fullmatch(r"([0-9a-fA-F]{64}) [ *](.+)", line.strip())
        if match is None:
            raise BuildError(f"{sums_file}, line {number}: expected '<sha256>  <file>'.")
        listed[match.group(2)] = match.group(1).lower()
    for name in needed:
        if name not in listed:
            raise BuildError(f"{folder / name} is not listed in {sums_file}.")
    for name, expected in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            raise BuildError(f"{path} is listed in {sums_file} but missing.")
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != expected:
            raise BuildError(f"{path}: SHA-256 is {actual}, {sums_file} says {expected}.")
    return sorted(listed.items())


# -- number formatting -----------------------------------------------------------------------


def clean_number(text: str, where: str) -> str:
    """Validate a non-negative decimal from the source and return it in a canonical form."""
    try:
        value = float(text)
    except ValueError:
        raise BuildError(f"{where}: {text!r} is not a number.") from None
    if value < 0 or value != value:
        raise BuildError(f"{where}: {text!r} is not a non-negative number.")
    return f"{value:.6g}"


def clean_text(text: str) -> str:
    """One line, single spaces, no separator characters the packed columns rely on."""
    text = " ".join(text.split())
    return text.replace("|", "/").replace("=", "-")


# -- SR28 ------------------------------------------------------------------------------------


def sr28_records(path: Path, width: int) -> Iterator[list[str]]:
    """Records of an SR28 ASCII file: ``^``-separated, ``~``-quoted, Latin-1, blank lines skipped.

    ``width`` is the field count the SR28 documentation gives for the file; any other count
    means the file is not what the build expects, so it stops rather than misread a column.
    """
    text = path.read_text(encoding="latin-1")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = []
        for raw in line.split("^"):
            if len(raw) >= 2 and raw.startswith("~") and raw.endswith("~"):
                raw = raw[1:-1]
            fields.append(raw)
        if len(fields) != width:
            raise BuildError(f"{path.name}, line {number}: {len(fields)} fields, expected {width}.")
        yield fields


def read_sr28(folder: Path) -> list[FoodRow]:
    """Every ABBREV.txt food (ABBREV is the complete list; FOOD_DES lacks one record)."""
    groups = {f[0]: f[1] for f in sr28_records(folder / "FD_GROUP.txt", 2)}
    described: dict[str, tuple[str, str, str]] = {}
    for f in sr28_records(folder / "FOOD_DES.txt", 14):
        described[f[0]] = (f[2], groups.get(f[1], ""), f[4])
    portions: dict[str, list[tuple[int, str, str]]] = {}
    for f in sr28_records(folder / "WEIGHT.txt", 7):
        where = f"WEIGHT.txt, NDB {f[0]} seq {f[1]}"
        amount = clean_number(f[2], where)
        grams = clean_number(f[4], where)
        if float(grams) <= 0 or float(amount) <= 0:
            continue
        portions.setdefault(f[0], []).append(
            (int(f[1]), clean_text(f"{amount} {f[3]}"), grams)
        )
    rows = []
    for f in sr28_records(folder / "ABBREV.txt", ABBREV_FIELDS):
        ndb = f[0]
        mg = f[ABBREV_MG].strip()
        mg = clean_number(mg, f"ABBREV.txt, NDB {ndb}, magnesium") if mg else ""
        # The one food missing from FOOD_DES keeps ABBREV's abbreviated description.
        name, group, common = described.get(ndb, (f[1], "", ""))
        rows.append(
            FoodRow(
                id=f"sr28:{ndb}",
                name=clean_text(name),
                group=clean_text(group),
                mg_per_100g=mg,
                aliases=clean_text(common),
                portions=tuple((d, g) for _, d, g in sorted(portions.get(ndb, []))),
            )
        )
    return rows


# -- FNDDS -----------------------------------------------------------------------------------


def fndds_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header (whitespace collapsed) and data rows of an FNDDS "At A Glance" CSV."""
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if len(rows) < 2:
        raise BuildError(f"{path.name}: expected a title row and a header row.")
    header = [" ".join(cell.split()) for cell in rows[1]]
    data = [row for row in rows[2:] if any(cell.strip() for cell in row)]
    for number, row in enumerate(data, 3):
        if len(row) != len(header):
            raise BuildError(f"{path.name}, row {number}: {len(row)} cells, expected "
                             f"{len(header)}.")
    return header, data


def expect_column(header: list[str], index: int, name: str, file: str) -> None:
    if len(header) <= index or header[index] != name:
        found = header[index] if len(header) > index else "nothing"
        raise BuildError(f"{file}: column {index} is {found!r}, expected {name!r}.")


def read_fndds(folder: Path) -> list[FoodRow]:
    """Every FNDDS 2017-2018 survey food with its portions (main food code only)."""
    header, nutrients = fndds_table(folder / FNDDS_NUTRIENTS)
    for index, name in enumerate(("Food code", "Main food description", "WWEIA Category number",
                                  "WWEIA Category description")):
        expect_column(header, index, name, FNDDS_NUTRIENTS)
    expect_column(header, FNDDS_MG, "Magnesium (mg)", FNDDS_NUTRIENTS)

    header, foods = fndds_table(folder / FNDDS_FOODS)
    expect_column(header, 2, "Additional food description", FNDDS_FOODS)
    aliases = {row[0]: row[2] for row in foods}

    header, portion_rows = fndds_table(folder / FNDDS_PORTIONS)
    expect_column(header, 2, "Subcode", FNDDS_PORTIONS)
    expect_column(header, 6, "Seq num", FNDDS_PORTIONS)
    expect_column(header, 7, "Portion description", FNDDS_PORTIONS)
    expect_column(header, 8, "Portion weight (g)", FNDDS_PORTIONS)
    portions: dict[str, list[tuple[int, str, str]]] = {}
    for row in portion_rows:
        # Subcode rows describe one brand's variant of the food, not the food itself.
        if row[2].strip() or FNDDS_SKIP_PORTION.match(row[7].strip()):
            continue
        grams = clean_number(row[8], f"{FNDDS_PORTIONS}, food {row[0]} seq {row[6]}")
        if float(grams) <= 0:
            continue
        portions.setdefault(row[0], []).append((int(row[6]), clean_text(row[7]), grams))

    out = []
    for row in nutrients:
        code = row[0].strip()
        mg = row[FNDDS_MG].strip()
        mg = clean_number(mg, f"{FNDDS_NUTRIENTS}, food {code}, magnesium") if mg else ""
        out.append(
            FoodRow(
                id=f"fndds:{code}",
                name=clean_text(row[1]),
                group=clean_text(row[3]),
                mg_per_100g=mg,
                aliases=clean_text(aliases.get(code, "")),
                portions=tuple((d, g) for _, d, g in sorted(portions.get(code, []))),
            )
        )
    return out


# -- output ----------------------------------------------------------------------------------


def render(rows: list[FoodRow], checksums: dict[str, list[tuple[str, str]]]) -> str:
    """The whole CSV text: comment lines, header, rows sorted by id. Same input, same bytes."""
    buffer = io.StringIO(newline="")
    buffer.write("# magnerve food table: magnesium (mg per 100 g edible portion) and household\n")
    buffer.write("# portions. Generated by scripts/build_foods.py; do not edit by hand.\n")
    buffer.write("# Sources: usda_sr28 (USDA ARS, SR28, 2016) and usda_fndds2018 (USDA ARS FSRG,\n")
    buffer.write("# FNDDS 2017-2018); public domain. Empty mg_per_100g = not analysed (not 0).\n")
    buffer.write("# portions: description=grams joined by '|'. Input SHA-256:\n")
    for folder, pairs in sorted(checksums.items()):
        for name, digest in pairs:
            buffer.write(f"#   {digest}  {folder}/{name}\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    ids = set()
    for row in sorted(rows, key=lambda r: r.id):
        if row.id in ids:
            raise BuildError(f"duplicate food id {row.id}")
        ids.add(row.id)
        writer.writerow(row.cells())
    return buffer.getvalue()


def build(data: Path, out: Path) -> Path:
    """Verify the inputs, build the table, write ``out/foods.csv``; return its path."""
    sr28 = data / SR28_DIR
    fndds = data / FNDDS_DIR
    checksums = {
        SR28_DIR: verify_checksums(
            sr28, ["ABBREV.txt", "FOOD_DES.txt", "WEIGHT.txt", "FD_GROUP.txt"]
        ),
        FNDDS_DIR: verify_checksums(fndds, [FNDDS_NUTRIENTS, FNDDS_FOODS, FNDDS_PORTIONS]),
    }
    text = render(read_sr28(sr28) + read_fndds(fndds), checksums)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "foods.csv"
    target.write_bytes(text.encode("utf-8"))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder holding usda_sr28/ and usda_fndds_2017_2018/")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder to write foods.csv into")
    args = parser.parse_args(argv)
    try:
        target = build(args.data, args.out)
    except (BuildError, OSError, UnicodeDecodeError) as exc:
        print(f"build_foods: error: {exc}", file=sys.stderr)
        return 1
    size = target.stat().st_size
    print(f"wrote {target} ({size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
