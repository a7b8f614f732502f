"""PDF reader (pdfplumber): the text layer, line by line in reading order.

Line numbers count the text lines of the whole text layer, page after page (page 1's
lines first); blank lines are not produced. A PDF whose pages have no text at all is
refused with NeedsOCR (a scan); pages without text among pages with text give a
warning naming them. Encrypted or damaged PDFs give an IngestError with the reason.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from ingest.errors import IngestError, NeedsOCR
from ingest.model import SourceText

_CID = re.compile(r"\(cid:\d+\)")
OCR_HINT = "run OCR on it first (e.g. `ocrmypdf -l chi_sim IN.pdf OUT.pdf`) and ingest the result"


def read(path: Path, data: bytes) -> SourceText:
    """Extract the text lines of every page; raise NeedsOCR if there is no text layer."""
    pages = _page_texts(path, data)
    lines: list[str] = []
    empty_pages: list[int] = []
    for number, text in enumerate(pages, start=1):
        page_lines = [line.rstrip() for line in text.split("\n") if line.strip()]
        if not page_lines:
            empty_pages.append(number)
        lines.extend(page_lines)
    if not lines:
        raise NeedsOCR(f"{path}: has no text layer (scanned?); {OCR_HINT}")
    unmapped = sum(len(m) for line in lines for m in _CID.findall(line))
    if unmapped > 0.5 * sum(len(line) for line in lines):
        raise NeedsOCR(f"{path}: its text layer has fonts without a Unicode mapping (text comes "
                       f"out as '(cid:NN)' codes); {OCR_HINT}")
    source = SourceText(path=str(path), format="pdf", lines=lines, encoding=None)
    if empty_pages:
        source.warnings.append(f"{path}: pages {_ranges(empty_pages)} have no text layer (scanned?); "
                               f"their text is missing; {OCR_HINT}")
    if unmapped:
        source.warnings.append(f"{path}: some characters have no Unicode mapping and appear as "
                               f"'(cid:NN)' codes")
    return source


def _page_texts(path: Path, data: bytes) -> list[str]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return [page.extract_text() or "" for page in pdf.pages]
    except PdfminerException as err:
        cause = err.args[0] if err.args else err
        raise _open_error(path, cause) from None
    except (PDFPasswordIncorrect, PDFEncryptionError, PDFSyntaxError) as err:
        raise _open_error(path, err) from None
    except Exception as err:  # pdfminer raises a wide range of errors on damaged files
        raise IngestError(f"{path}: the PDF cannot be read ({type(err).__name__}: {err}); it may be "
                          f"damaged; re-export or re-download it") from None


def _open_error(path: Path, cause: object) -> IngestError:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
        return IngestError(f"{path}: the PDF is encrypted (password protected); save an unprotected "
                           f"copy (e.g. `qpdf --decrypt --password=... IN.pdf OUT.pdf`) and ingest that")
    return IngestError(f"{path}: not a readable PDF ({type(cause).__name__}: {cause}); it may be "
                       f"damaged or not a PDF at all; re-export or re-download it")


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3, 7"."""
    parts: list[str] = []
    start = prev = numbers[0]
    for n in numbers[1:] + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)
