"""Making a plan from the outside: load what the pure planner needs, then call it.

The core planner does no I/O, so something must load the knowledge base and, for a profile
with a ``diet``, the USDA food table. Every surface (library, CLI, web) calls
:func:`make_plan` so they all get the same plan for the same input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from magnerve.core.plan import Plan
from magnerve.core.planner import plan as _plan
from magnerve.core.profile import Profile
from magnerve.knowledge import Knowledge, load_knowledge

if TYPE_CHECKING:
    from magnerve.core.labels import LabelResult

__all__ = ["make_plan"]


def make_plan(
    profile: Profile,
    knowledge: Knowledge | None = None,
    *,
    product: str | LabelResult | None = None,
) -> Plan:
    """The plan for ``profile``, with a food ledger when it has a ``diet`` and a product
    section when ``product`` (label text or a parsed label) is given."""
    knowledge = knowledge if knowledge is not None else load_knowledge()
    foods = None
    if profile.diet is not None:
        from magnerve.core.foods import load_foods

        foods = load_foods()
    label: LabelResult | None
    if isinstance(product, str):
        from magnerve.core.labels import parse_label

        label = parse_label(product, knowledge)
    else:
        label = product
    return _plan(profile, knowledge, foods=foods, product=label)
