"""magnerve's clinical knowledge: reviewable data files plus a validating loader."""

from magnerve.knowledge.loader import FORM_IDS, JURISDICTIONS, DrugEntry, Knowledge, load_knowledge

__all__ = ["FORM_IDS", "JURISDICTIONS", "DrugEntry", "Knowledge", "load_knowledge"]
