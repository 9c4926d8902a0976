"""The pack's PDF: its HTML typeset by WeasyPrint.

WeasyPrint is imported only when a PDF is made: it takes a few tenths of a second
to import, which a flow that compiles no pack should not pay (tests/unit/test_imports.py).
"""

from __future__ import annotations

from typing import Final

from consult.briefing.labels import TEMPLATES_DIR
from consult.errors import BriefingError

FONT: Final = "DejaVu Sans"
"""The PDF's font: on Debian's fonts-dejavu-core, with the Georgian and Cyrillic glyphs."""


def pdf_bytes(html: str) -> bytes:
    """Return the HTML typeset as PDF by WeasyPrint (imported here: it is slow to import)."""
    try:
        import weasyprint
    except OSError as error:  # its C libraries are missing: Pango, HarfBuzz...
        raise BriefingError(
            f"the PDF needs Pango, which WeasyPrint cannot load ({error}): install "
            "libpango-1.0-0 and libpangoft2-1.0-0 (make system does, as root)"
        ) from None

    pdf = weasyprint.HTML(string=html, base_url=str(TEMPLATES_DIR)).write_pdf()
    if not isinstance(pdf, bytes):  # write_pdf returns the bytes when given no target
        raise BriefingError("WeasyPrint returned no PDF")
    return pdf
