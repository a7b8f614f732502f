"""OCR of page images with Tesseract (Debian's tesseract-ocr and its chi_sim/chi_tra data).

`ocr_image(png)` runs the `tesseract` program on one page image and returns its printed
lines (ingest.formats.layout.LayoutLine) in pixels, with Tesseract's confidence for
each character (its hOCR output with `hocr_char_boxes`). The spaces Tesseract puts
between Chinese characters are dropped; a space stays only between Latin letters or
digits. Digits, letters and punctuation Tesseract reads as ASCII are made full-width
where they are set a whole character apart (「2 0 0 9」 → 「２００９」, 「(」 → 「（」), as
Chinese text sets them.

Settings (environment, so that ingest worker processes see them too):
POLICYKB_OCR=off turns OCR off (scanned pages are then reported, not read);
POLICYKB_OCR_LANGS picks Tesseract's languages: "auto" (the default) reads a document's
first scanned page with chi_sim and with chi_tra (Debian's tesseract-ocr-chi-sim and
-chi-tra) and keeps, for the whole document, the one that reads it with the higher mean
character confidence: each model misreads the other script badly (a simplified page
read with chi_tra, or the reverse, loses a third of its characters; chi_sim+chi_tra
together is worse than the right one alone: docs/formats.md); any Tesseract language
string ("chi_sim", "chi_tra+eng") fixes the choice;
POLICYKB_OCR_DPI the resolution pages are rendered at (default 300).
Tesseract runs single-threaded (OMP_THREAD_LIMIT=1): ingest already parses files in
parallel, and Tesseract's own threads only slow it down on a small machine.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import shutil
import subprocess
from typing import cast

from policykb.ingest.errors import IngestError, NeedsOCR
from policykb.ingest.formats.layout import LayoutLine

DEFAULT_LANGS = "auto"
AUTO_CANDIDATES = ("chi_sim", "chi_tra")
DEFAULT_DPI = 300
TIMEOUT_SECONDS = 300  # one page
INSTALL_HINT = ("install Tesseract with its Chinese data (Debian/Ubuntu: apt-get install tesseract-ocr "
                "tesseract-ocr-chi-sim tesseract-ocr-chi-tra) and ingest it again")

_BBOX = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")
_X_BBOXES = re.compile(r"x_bboxes (\d+) (\d+) (\d+) (\d+)")
_X_CONF = re.compile(r"x_conf ([0-9.]+)")
_VERSION = re.compile(r"tesseract\s+v?([0-9][0-9.]*\S*)", re.I)
_HALF_TO_FULL = {"(": "（", ")": "）", ",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3134F
            or 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF)


def enabled() -> bool:
    return os.environ.get("POLICYKB_OCR", "on").strip().lower() not in ("off", "0", "no", "false")


def languages() -> str:
    return os.environ.get("POLICYKB_OCR_LANGS", DEFAULT_LANGS).strip() or DEFAULT_LANGS


def dpi() -> int:
    try:
        return max(72, min(600, int(os.environ.get("POLICYKB_OCR_DPI", DEFAULT_DPI))))
    except ValueError:
        return DEFAULT_DPI


@functools.lru_cache(maxsize=1)
def _tesseract() -> tuple[str, str, frozenset[str]] | None:
    """(program, version, installed languages) of Tesseract, or None when it is absent."""
    program = shutil.which("tesseract")
    if program is None:
        return None
    try:
        version = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=30)
        langs = subprocess.run([program, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    found = _VERSION.search(version.stdout + version.stderr)
    installed = frozenset(line.strip() for line in langs.stdout.splitlines()[1:] if line.strip())
    return program, found.group(1) if found else "unknown", installed


def engine() -> tuple[str, str]:
    """(program, version) of a usable Tesseract with the configured languages.

    Raises NeedsOCR, saying what to install, when OCR is off, Tesseract is absent or
    a configured language's data is missing.
    """
    if not enabled():
        raise NeedsOCR("OCR is turned off (POLICYKB_OCR=off); unset it to read scanned pages")
    found = _tesseract()
    if found is None:
        raise NeedsOCR(f"Tesseract (the OCR program) is not installed; {INSTALL_HINT}")
    program, version, installed = found
    wanted = languages()
    if wanted == "auto":
        if not any(lang in installed for lang in AUTO_CANDIDATES):
            raise NeedsOCR(f"Tesseract has neither chi_sim nor chi_tra language data; {INSTALL_HINT}")
        return program, version
    missing = [lang for lang in wanted.split("+") if lang not in installed]
    if missing:
        raise NeedsOCR(f"Tesseract has no {'/'.join(missing)} language data; {INSTALL_HINT}"
                       f" (or set POLICYKB_OCR_LANGS to installed ones: {'+'.join(sorted(installed))})")
    return program, version


def choose_languages(png: bytes, where: str, resolution: int) -> tuple[str, list[LayoutLine]]:
    """The languages to read a document with, and its first page read with them.

    Fixed by POLICYKB_OCR_LANGS, or with "auto" the installed one of chi_sim and chi_tra
    that reads this page with the higher mean character confidence."""
    wanted = languages()
    if wanted != "auto":
        return wanted, ocr_image(png, where, resolution, wanted)
    found = _tesseract()
    assert found is not None  # engine(), called before any page is read, raises NeedsOCR without Tesseract
    _, _, installed = found
    best: tuple[float, str, list[LayoutLine]] | None = None
    for lang in (lang_name for lang_name in AUTO_CANDIDATES if lang_name in installed):
        lines = ocr_image(png, where, resolution, lang)
        confidence = [c for line in lines for c in (line.confidence or [])]
        mean = sum(confidence) / len(confidence) if confidence else 0.0
        if best is None or mean > best[0]:
            best = (mean, lang, lines)
    assert best is not None  # engine(), called before any page is read, requires chi_sim or chi_tra
    return best[1], best[2]


def ocr_image(png: bytes, where: str, resolution: int, langs: str | None = None) -> list[LayoutLine]:
    """The printed lines Tesseract reads on one page image (PNG bytes), top to bottom."""
    program, _ = engine()
    langs = langs or languages()
    if langs == "auto":
        langs = AUTO_CANDIDATES[0]
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    command = [program, "stdin", "stdout", "-l", langs, "--dpi", str(resolution), "--psm", "4",
               "-c", "hocr_char_boxes=1", "-c", "preserve_interword_spaces=0", "hocr"]
    try:
        done = subprocess.run(command, input=png, capture_output=True, timeout=TIMEOUT_SECONDS, env=env)
    except subprocess.TimeoutExpired:
        raise IngestError(f"{where}: OCR took longer than {TIMEOUT_SECONDS} s for one page and was stopped; "
                          f"try a lower POLICYKB_OCR_DPI") from None
    except OSError as err:
        raise IngestError(f"{where}: Tesseract could not be started ({err}); {INSTALL_HINT}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise IngestError(f"{where}: Tesseract failed ({message[-1] if message else 'exit ' + str(done.returncode)})")
    return parse_hocr(done.stdout)


def parse_hocr(data: bytes) -> list[LayoutLine]:
    """Lines with per-character confidences from Tesseract's hOCR (with hocr_char_boxes)."""
    import lxml.html

    if not data.strip():
        return []
    root = lxml.html.fromstring(data)
    lines: list[LayoutLine] = []
    for line in root.xpath("//*[contains(concat(' ', @class, ' '), ' ocr_line ') or "
                           "contains(concat(' ', @class, ' '), ' ocr_textfloat ') or "
                           "contains(concat(' ', @class, ' '), ' ocr_header ') or "
                           "contains(concat(' ', @class, ' '), ' ocr_caption ')]"):
        box = _BBOX.search(line.get("title", ""))
        if box is None:
            continue
        words: list[list[tuple[str, int, float | None, float]]] = []  # (char, confidence, centre x, width)
        for word in line.xpath(".//*[contains(concat(' ', @class, ' '), ' ocrx_word ')]"):
            word_chars: list[tuple[str, int, float | None, float]] = []
            for cinfo in word.xpath(".//*[contains(concat(' ', @class, ' '), ' ocrx_cinfo ')]"):
                text = cinfo.text_content()
                title = cinfo.get("title", "")
                conf = _X_CONF.search(title)
                cbox = _X_BBOXES.search(title)
                centre = (int(cbox.group(1)) + int(cbox.group(3))) / 2 if cbox else None
                width = int(cbox.group(3)) - int(cbox.group(1)) if cbox else 0
                word_chars.extend((c, round(float(conf.group(1))) if conf else 0, centre, width)
                                  for c in text if not c.isspace())
            if not word_chars:  # no character boxes: the word's own text and confidence
                text = word.text_content().strip()
                conf = re.search(r"x_wconf (\d+)", word.get("title", ""))
                word_chars = [(c, int(conf.group(1)) if conf else 0, None, 0) for c in text if not c.isspace()]
            if word_chars:
                words.append(word_chars)
        x0, top, x1, bottom = (int(v) for v in box.groups())
        char_width = _char_width(words, bottom - top)
        _full_width_digits(words, char_width)
        chars: list[tuple[str, int]] = []
        for word_chars in words:
            if chars and chars[-1][0].isascii() and chars[-1][0].isalnum() and word_chars[0][0].isascii() \
                    and word_chars[0][0].isalnum():
                chars.append((" ", 100))
            chars.extend((c, conf) for c, conf, _, _ in word_chars)
        if not chars:
            continue
        text = _full_width_punctuation("".join(c for c, _ in chars))
        lines.append(LayoutLine(text=text, x0=x0, x1=x1, top=top, bottom=bottom,
                                char_width=max(char_width, 1), confidence=[conf for _, conf in chars]))
    lines.sort(key=lambda line: (line.top, line.x0))
    return _drop_shadow_lines(lines)


def _drop_shadow_lines(lines: list[LayoutLine]) -> list[LayoutLine]:
    """Tesseract sometimes reads part of a line a second time as a line of its own, its
    box inside the first's (「已马」 inside 「一、指导思想」): such a shorter line is dropped."""
    def inside(a: LayoutLine, b: LayoutLine) -> float:
        width = min(a.x1, b.x1) - max(a.x0, b.x0)
        height = min(a.bottom, b.bottom) - max(a.top, b.top)
        area = (a.x1 - a.x0) * (a.bottom - a.top)
        return width * height / area if width > 0 and height > 0 and area > 0 else 0.0

    return [a for a in lines if not any(b is not a and len(b.text) > len(a.text) and inside(a, b) >= 0.7
                                        for b in lines)]


def _char_width(words: list[list[tuple[str, int, float | None, float]]], height: int) -> float:
    """The pitch of Chinese characters on a line: the median distance between the centres
    of neighbouring CJK characters (their boxes are rough; their spacing is not)."""
    flat = [(c, x) for word in words for c, _, x, _ in word]
    steps = [b[1] - a[1] for a, b in itertools.pairwise(flat)
             if a[1] is not None and b[1] is not None and _is_cjk(a[0]) and _is_cjk(b[0]) and b[1] > a[1]]
    if not steps:
        return float(height)
    steps.sort()
    return steps[len(steps) // 2]


_FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def _full_width_digits(words: list[list[tuple[str, int, float | None, float]]], pitch: float) -> None:
    """Tesseract reads full-width digits, letters and punctuation (「２００９」, 「１．」,
    「，」, 「（」) as ASCII. On a Chinese line, a run of them set a whole character apart
    is full-width (punctuation is judged one mark at a time): the median
    step between the run's characters (or, for one character, half the distance between
    its neighbours) is at least 0.8 of the line's character pitch. Character boxes from
    Tesseract's LSTM are rough, hence the median."""
    flat = [(w, i) for w, word in enumerate(words) for i in range(len(word))]
    chars = [words[w][i] for w, i in flat]
    if sum(1 for c, _, _, _ in chars if _is_cjk(c)) < len(chars) / 2:
        return  # a Latin line: ASCII is what it is
    k = 0
    while k < len(chars):
        if not _widenable(chars[k][0]):
            k += 1
            continue
        end = k
        if chars[k][0] not in _HALF_TO_FULL:  # punctuation is judged one by one
            while end + 1 < len(chars) and _widenable(chars[end + 1][0]) and chars[end + 1][0] not in _HALF_TO_FULL:
                end += 1
        xs = [chars[j][2] for j in range(k, end + 1)]
        if end > k and None not in xs:
            steps = sorted(abs(b - a) for a, b in itertools.pairwise(cast(list[float], xs)))  # None not in xs
            step = steps[len(steps) // 2]
        else:
            near = cast(list[float], [chars[j][2] for j in (k - 1, end + 1) if 0 <= j < len(chars) and chars[j][2] is not None])
            x = xs[0]
            if x is None or not near:
                step = 0.0
            elif len(near) == 2 and (chars[k][0] not in _HALF_TO_FULL or min(
                    chars[k - 1][3], chars[end + 1][3]) >= 0.35 * pitch):
                step = abs(near[1] - near[0]) / 2
            elif chars[k][0] in _HALF_TO_FULL:
                # a mark opening or closing the line (its ink sits off the middle of its cell, so
                # one neighbour tells nothing), or between characters whose boxes Tesseract
                # squeezed: next to a Chinese character it is taken as full-width
                neighbours = [chars[j][0] for j in (k - 1, end + 1) if 0 <= j < len(chars)]
                step = pitch if any(_is_cjk(c) for c in neighbours) else 0.0
            else:
                step = abs(near[0] - x)
        if step >= 0.8 * pitch:
            for j in range(k, end + 1):
                w, i = flat[j]
                c, conf, x, width = words[w][i]
                words[w][i] = (_FULL_WIDTH[c], conf, x, width)
        k = end + 1


def _widenable(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "." or char in _HALF_TO_FULL)


_DASH_BETWEEN_DIGITS = re.compile(r"(?<=[0-9０-９])一(?=[0-9０-９])")
_DASH_BULLET = re.compile(r"^一一(?=[\u4e00-\u9fff])")


def _full_width_punctuation(text: str) -> str:
    """「"」 next to a Chinese character becomes 「“」 and 「”」 in turn (Tesseract reads both
    as 「"」); the dash Tesseract reads as 「一」 between digits (「2009一2013」) and as 「一一」
    opening a line (the 「——」 bullet) is a dash again. Whether 「,」 「(」 … are full-width is
    told by their spacing (_full_width_digits), not guessed from their neighbours: some
    documents set half-width commas in Chinese text."""
    text = _DASH_BULLET.sub("——", _DASH_BETWEEN_DIGITS.sub("—", text))
    out = list(text)
    quote_open = False
    for i, char in enumerate(text):
        if char in "\"`":
            near_cjk = (i > 0 and _is_cjk(text[i - 1])) or (i + 1 < len(text) and _is_cjk(text[i + 1]))
            if near_cjk:
                out[i] = "”" if quote_open and char == "\"" else "“"
                quote_open = out[i] == "“"
    return "".join(out)
