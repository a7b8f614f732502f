"""PDF reader (pdfplumber): the text of every page as paragraphs, with their pages.

Pages with a text layer give their printed lines with positions; pages without one
(scans) are rendered (pypdfium2, POLICYKB_OCR_DPI, default 300 dpi) and read by
Tesseract (ingest.formats.ocr: chi_sim or chi_tra, whichever reads the first scanned
page more confidently), which records the engine and the confidence of every character.
Then ingest.formats.layout drops running headers, footers and page numbers and joins hard
line-wraps inside a paragraph: line N of the source is the N-th paragraph, and `line_pages` gives the page(s) it is on.

A PDF without a text layer when OCR cannot run (Tesseract or its Chinese data absent,
or POLICYKB_OCR=off) is refused with NeedsOCR saying what to install; some such pages
among pages with text give a warning naming them. Encrypted or damaged PDFs give an
IngestError with the reason.
"""

from __future__ import annotations

import io
import re
import statistics
from pathlib import Path

from policykb.ingest.errors import IngestError, NeedsOCR
from policykb.ingest.formats.layout import LayoutLine, LayoutPage, reflow
from policykb.ingest.model import OcrInfo, SourceText

_CID = re.compile(r"\(cid:\d+\)")


def read(path: Path, data: bytes) -> SourceText:
    """Read the text layer, OCR the pages without one, and reflow into paragraphs."""
    pages, scanned = _text_pages(path, data)
    unmapped = sum(len(m) for p in pages for line in p.lines for m in _CID.findall(line.text))
    total = sum(len(line.text) for p in pages for line in p.lines)
    if total and unmapped > 0.5 * total:
        raise NeedsOCR(f"{path}: its text layer has fonts without a Unicode mapping (text comes "
                       f"out as '(cid:NN)' codes); print it to a new PDF or convert it with the program "
                       f"that made it, then ingest that")
    warnings: list[str] = []
    ocr_info = None
    if scanned:
        ocr_info = _ocr_pages(path, data, pages, scanned, have_text=total > 0, warnings=warnings)
    flowed = reflow(pages)
    if not flowed.lines:
        if ocr_info is not None:
            raise IngestError(f"{path}: no text found, neither in a text layer nor by OCR of its "
                              f"{len(scanned)} page(s); check that the scan shows text")
        raise IngestError(f"{path}: the PDF has no text on any page")
    ocr_pages = set(ocr_info.pages) if ocr_info else set()
    text_pages = {p.number for p in pages if p.lines and p.number not in ocr_pages}
    source = SourceText(path=str(path), format="pdf", lines=flowed.lines, encoding=None,
                        line_pages=flowed.line_pages, page_count=len(pages), warnings=warnings,
                        text_source="mixed" if ocr_pages and text_pages else ("ocr" if ocr_pages else "text"),
                        ocr=ocr_info, char_confidence=flowed.confidence)
    if unmapped:
        source.warnings.append(f"{path}: some characters have no Unicode mapping and appear as "
                               f"'(cid:NN)' codes")
    return source


def _text_pages(path: Path, data: bytes) -> tuple[list[LayoutPage], list[int]]:
    """Every page's printed lines from its text layer, and the pages that have none."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages, scanned = [], []
            for number, page in enumerate(pdf.pages, start=1):
                lines = [_layout_line(line) for line in page.extract_text_lines(return_chars=True) if line["text"].strip()]
                pages.append(LayoutPage(number, lines))
                if not lines and (page.images or page.rects or page.curves or page.lines):
                    scanned.append(number)  # something is drawn there, but no text: a scan
            return pages, scanned
    except PdfminerException as err:
        cause = err.args[0] if err.args else err
        raise _open_error(path, cause) from None
    except (PDFPasswordIncorrect, PDFEncryptionError, PDFSyntaxError) as err:
        raise _open_error(path, err) from None
    except Exception as err:  # pdfminer raises a wide range of errors on damaged files
        raise IngestError(f"{path}: the PDF cannot be read ({type(err).__name__}: {err}); it may be "
                          f"damaged; re-export or re-download it") from None


def _layout_line(line: dict) -> LayoutLine:
    chars = [c for c in line["chars"] if c["text"].strip()]
    widths = [c["x1"] - c["x0"] for c in chars if ord(c["text"][0]) >= 0x2E80] or \
             [c["x1"] - c["x0"] for c in chars] or [line["x1"] - line["x0"]]
    return LayoutLine(text=line["text"].strip(), x0=chars[0]["x0"] if chars else line["x0"], x1=line["x1"],
                      top=line["top"], bottom=line["bottom"], char_width=max(statistics.median(widths), 0.1))


def _ocr_pages(path: Path, data: bytes, pages: list[LayoutPage], scanned: list[int], have_text: bool,
               warnings: list[str]) -> OcrInfo | None:
    """OCR the `scanned` pages into `pages`; None (with a warning) if OCR cannot run."""
    from policykb.ingest.formats import ocr

    try:
        _, version = ocr.engine()
    except NeedsOCR as err:
        if not have_text:
            raise NeedsOCR(f"{path}: has no text layer (a scan?) and cannot be OCR'd: {err}") from None
        warnings.append(f"{path}: {_pages_have(scanned)} no text layer (scanned?) and were not "
                        f"OCR'd ({err}); their text is missing")
        return None
    resolution = ocr.dpi()
    confidences: list[int] = []
    langs = None
    for number, png in _render(path, data, scanned, resolution):
        where = f"{path} page {number}"
        if langs is None:
            langs, lines = ocr.choose_languages(png, where, resolution)
        else:
            lines = ocr.ocr_image(png, where, resolution, langs)
        pages[number - 1] = LayoutPage(number, lines, ocr=True)
        confidences.extend(c for line in lines for c in (line.confidence or []))
    mean = round(sum(confidences) / len(confidences), 1) if confidences else None
    warnings.append(f"{path}: {_pages_have(scanned)} no text layer; the text was read by OCR "
                    f"(Tesseract {version}, {langs}, mean character confidence "
                    f"{mean if mean is not None else 'n/a'}) and may hold recognition errors")
    assert langs is not None  # the caller passes at least one scanned page, and the first sets langs
    return OcrInfo(engine="tesseract", engine_version=version, languages=langs, dpi=resolution,
                   pages=list(scanned), mean_confidence=mean)


def _render(path: Path, data: bytes, numbers: list[int], resolution: int):
    """(page number, PNG bytes) of each page in `numbers`, rendered in greyscale."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        raise IngestError(f"{path}: its pages cannot be rendered for OCR ({err})") from None
    try:
        for number in numbers:
            page = pdf[number - 1]
            image = page.render(scale=resolution / 72, grayscale=True).to_pil()
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            page.close()
            yield number, buffer.getvalue()
    finally:
        pdf.close()


def _open_error(path: Path, cause: object) -> IngestError:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
        return IngestError(f"{path}: the PDF is encrypted (password protected); save an unprotected "
                           f"copy (e.g. `qpdf --decrypt --password=... IN.pdf OUT.pdf`) and ingest that")
    return IngestError(f"{path}: not a readable PDF ({type(cause).__name__}: {cause}); it may be "
                       f"damaged or not a PDF at all; re-export or re-download it")


def _pages_have(numbers: list[int]) -> str:
    """「page 3 has」 / 「pages 1-3, 7 have」."""
    return f"page {numbers[0]} has" if len(numbers) == 1 else f"pages {_ranges(numbers)} have"


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3, 7"."""
    parts: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)
