"""Scanned pages kept as images (.png, .jpg, .tif with one page per frame, .bmp): OCR'd
with Tesseract (ingest.formats.ocr) and reflowed as PDF pages are; line N is the N-th
paragraph and `line_pages` its page (the frame of a multi-page TIFF)."""

from __future__ import annotations

import io
from pathlib import Path

from policykb.ingest.errors import IngestError
from policykb.ingest.formats.layout import LayoutPage, reflow
from policykb.ingest.model import OcrInfo, SourceText


def read(path: Path, data: bytes) -> SourceText:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    from policykb.ingest.formats import ocr

    _, version = ocr.engine()
    try:
        image = Image.open(io.BytesIO(data))
        frames = [frame.convert("L") for frame in ImageSequence.Iterator(image)]
    except (UnidentifiedImageError, OSError, ValueError) as err:
        raise IngestError(f"{path}: not a readable image ({err}); it may be damaged") from None
    declared = image.info.get("dpi", (0, 0))[0]
    resolution = round(declared) if declared and declared >= 72 else ocr.dpi()
    pages: list[LayoutPage] = []
    confidences: list[int] = []
    langs = None
    for number, frame in enumerate(frames, start=1):
        buffer = io.BytesIO()
        frame.save(buffer, format="PNG")
        if langs is None:
            langs, lines = ocr.choose_languages(buffer.getvalue(), f"{path} page {number}", resolution)
        else:
            lines = ocr.ocr_image(buffer.getvalue(), f"{path} page {number}", resolution, langs)
        pages.append(LayoutPage(number, lines, ocr=True))
        confidences.extend(c for line in lines for c in (line.confidence or []))
    flowed = reflow(pages)
    if not flowed.lines:
        raise IngestError(f"{path}: OCR found no text in the image; check that it shows text, upright")
    mean = round(sum(confidences) / len(confidences), 1) if confidences else None
    assert langs is not None  # set by the first frame; no frames means no text, raised above
    info = OcrInfo(engine="tesseract", engine_version=version, languages=langs, dpi=resolution,
                   pages=list(range(1, len(frames) + 1)), mean_confidence=mean)
    return SourceText(path=str(path), format=path.suffix.lower().lstrip(".").replace("jpeg", "jpg"),
                      lines=flowed.lines, encoding=None, line_pages=flowed.line_pages, page_count=len(frames),
                      text_source="ocr", ocr=info, char_confidence=flowed.confidence,
                      warnings=[f"{path}: the text was read by OCR ({info.describe()}, mean character "
                                f"confidence {mean if mean is not None else 'n/a'}) and may hold recognition errors"])
