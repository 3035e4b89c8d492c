"""The PDF report: the same HTML, laid out on A4 by WeasyPrint.

One source for both formats keeps them from drifting apart. WeasyPrint needs Pango (a system
library); when it is missing the error says so in one sentence instead of a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from magnerve.errors import ReportError

if TYPE_CHECKING:
    from magnerve.core.review import Review
    from magnerve.knowledge import Knowledge

__all__ = ["html_to_pdf", "render_pdf"]


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango or its libraries are missing
        raise ReportError(f"PDF reports need WeasyPrint and Pango ({exc}); install the "
                          "'report' extra and the system libraries (make system-deps).") from None
    return weasyprint


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """Lay out ``html`` and return (PDF bytes, number of pages)."""
    weasyprint = _weasyprint()
    document = weasyprint.HTML(string=html).render()
    data = document.write_pdf()
    if not isinstance(data, bytes):  # pragma: no cover - WeasyPrint returns bytes
        raise ReportError("WeasyPrint did not return PDF bytes.")
    return data, len(document.pages)


def render_pdf(review: Review, knowledge: Knowledge) -> bytes:
    """The report as PDF bytes (one to two A4 pages for a typical journal)."""
    from magnerve.report.html import render_html

    data, _pages = html_to_pdf(render_html(review, knowledge))
    return data
