"""Golden plans: `magnerve plan EXAMPLE --format json` for every example profile, byte for byte.

After an intended change, regenerate with ``pytest tests/golden --update-golden`` and review
the diff of tests/golden/plans/*.plan.json like any other clinical change.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from magnerve.cli.app import run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "profiles"
GOLDEN = Path(__file__).resolve().parent / "plans"
PROFILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".toml", ".json"))


def golden_path(profile: Path) -> Path:
    return GOLDEN / f"{profile.stem}.plan.json"


def test_examples_cover_every_status() -> None:
    statuses = set()
    for path in PROFILES:
        statuses.add(json.loads(golden_path(path).read_text())["status"])
    assert statuses == {"start", "start_with_caution", "see_clinician_first", "do_not_start"}
    assert len(PROFILES) >= 6


def test_every_golden_file_has_its_example() -> None:
    stale = {p.name for p in GOLDEN.glob("*.plan.json")} - {golden_path(p).name for p in PROFILES}
    assert stale == set()


@pytest.mark.parametrize("profile", PROFILES, ids=[p.stem for p in PROFILES])
def test_golden_plan(
    profile: Path, update_golden: bool, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)  # the path as a person types it, relative to the project
    code = run(["plan", str(profile.relative_to(ROOT)), "--format", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    target = golden_path(profile)
    if update_golden:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(out, encoding="utf-8")
        return
    assert target.exists(), f"no golden file; run pytest {__file__} --update-golden"
    expected = target.read_text(encoding="utf-8")
    assert json.loads(out) == json.loads(expected)
    assert out == expected
    assert "trace" not in json.loads(out)
