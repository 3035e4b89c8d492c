"""Reports built from a review: self-contained HTML, PDF (WeasyPrint) and a FHIR R4 Bundle.

Every report is a view of one pure ``Review`` (magnerve.core.review); nothing here decides
anything clinical. Heavy dependencies (matplotlib, Jinja2, WeasyPrint) are imported inside
the functions that need them, so importing this package stays cheap and the core install
(without the ``report`` extra) still works.
"""
