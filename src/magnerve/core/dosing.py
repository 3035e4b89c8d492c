"""Daily target and titration (dosing.toml policy inside the cited upper limits).

Invariants the tests check on every profile:
- the target never exceeds the upper limit minus magnesium already taken, unless a clinician
  supervises (and even then only up to the supervised target);
- rounding is always down, to whole steps of ``round_mg``;
- titration starts at most at min(start_max_mg, half the target), never steps up sooner than
  every ``step_days`` (3) days, never decreases, and ends at the target;
- doses are split so no single dose exceeds ``single_dose_max_mg`` (at least two a day above
  200 mg).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from magnerve.core.plan import TitrationStep
from magnerve.knowledge.models import Dosing

__all__ = ["Target", "doses_per_day", "round_down", "target_dose", "titrate"]


def round_down(mg: float, step: int) -> int:
    """Round down to a whole number of steps (never up: rounding must not raise a dose)."""
    return max(0, math.floor(mg / step + 1e-9) * step)


@dataclass(frozen=True, slots=True)
class Target:
    mg: int
    wanted: int
    capped: bool
    above_limit: bool


def target_dose(
    dosing: Dosing,
    *,
    upper_limit_mg: int | None,
    current_mg: float,
    supervised: bool,
    intake_cap_mg: int | None = None,
) -> Target:
    """The elemental target from supplements at the end of titration.

    Args:
        upper_limit_mg: the supplemental upper limit for this person (None: not established).
        current_mg: elemental magnesium already taken from supplements or medicines.
        supervised: a clinician supervises; the target may exceed the upper limit.
        intake_cap_mg: an extra cap (the reference intake for children).
    """
    wanted = dosing.target.supervised_mg if supervised else dosing.target.usual_mg
    if intake_cap_mg is not None:
        wanted = min(wanted, intake_cap_mg)
    if upper_limit_mg is None:
        return Target(0, wanted, capped=False, above_limit=False)
    ceiling = wanted if supervised else min(wanted, upper_limit_mg)
    mg = round_down(max(0.0, ceiling - current_mg), dosing.target.round_mg)
    return Target(
        mg=mg,
        wanted=wanted,
        capped=not supervised and wanted > upper_limit_mg,
        above_limit=mg + current_mg > upper_limit_mg,
    )


def doses_per_day(mg: int, dosing: Dosing) -> int:
    """How many doses a daily amount is split into (no dose above single_dose_max_mg)."""
    if mg <= 0:
        return 0
    return max(1, math.ceil(mg / dosing.split.single_dose_max_mg))


def titrate(target_mg: int, dosing: Dosing, *, sensitive: bool) -> list[TitrationStep]:
    """Step up from a low start to the target; slower for a sensitive gut."""
    if target_mg <= 0:
        return []
    policy = dosing.titration
    unit = dosing.target.round_mg
    start_max = policy.sensitive_start_max_mg if sensitive else policy.start_max_mg
    step = policy.sensitive_step_mg if sensitive else policy.step_mg
    every = policy.sensitive_step_days if sensitive else policy.step_days
    start = min(start_max, round_down(target_mg * policy.start_fraction, unit))
    if start <= 0:
        start = target_mg  # a target of one rounding step cannot be started lower
    steps = [TitrationStep(1, start, doses_per_day(start, dosing))]
    day, mg = 1, start
    while mg < target_mg:
        mg = min(target_mg, mg + step)
        day += every
        steps.append(TitrationStep(day, mg, doses_per_day(mg, dosing)))
    return steps
