"""magnerve: safe, cited magnesium plans for nerve pain.

The public library API. Everything here is stable; modules not listed are internal.

>>> import magnerve
>>> knowledge = magnerve.load_knowledge()
>>> profile = magnerve.parse_profile({"age": 40, "sex": "female", "egfr": 95}, knowledge)
>>> magnerve.plan(profile, knowledge).status  # loads the food table itself when needed
'start'
"""

from magnerve.core.plan import Plan
from magnerve.core.planner import DISCLAIMER
from magnerve.core.profile import Profile, parse_profile, parse_profile_text
from magnerve.errors import (
    DataFileError,
    FoodLogError,
    InputError,
    JournalError,
    KnowledgeError,
    LabelError,
    MagnerveError,
    ProfileError,
    ReportError,
    UnitError,
    UnknownNameError,
)
from magnerve.knowledge import Knowledge, load_knowledge
from magnerve.planning import make_plan as plan

__version__ = "0.1.0"

__all__ = [
    "DISCLAIMER",
    "DataFileError",
    "FoodLogError",
    "InputError",
    "JournalError",
    "Knowledge",
    "KnowledgeError",
    "LabelError",
    "MagnerveError",
    "Plan",
    "Profile",
    "ProfileError",
    "ReportError",
    "UnitError",
    "UnknownNameError",
    "__version__",
    "load_knowledge",
    "parse_profile",
    "parse_profile_text",
    "plan",
]
