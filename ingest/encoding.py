"""Detect the encoding of a text file and decode it without losing a character.

`decode_text(data, path)` returns a `DecodedText`: the text, its encoding, one of
"utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "gb18030" (also GBK/GB2312 files,
which GB18030 contains) or "big5" (Big5 and its Windows form cp950), and warnings
about damage the text carries (see ingest.mojibake): lines in another encoding than
the rest (each decoded in its own, strictly), mojibake saved into the file, U+FFFD.
`decode_bytes(data, path)` is the same without the warnings.

Decoding is always strict: a file that does not decode cleanly is refused with a
DecodeError that says which encodings were tried, where they failed, and what to do.
A file with no text (empty, a byte-order mark only, whitespace only) is refused too.

Why not a generic detector: short GB texts are misjudged by them, and Big5 bytes
usually decode as GB18030 *without an error* (as nonsense). So the legacy Chinese
encodings are decided by looking at the decoded text: the right decoding is the one
whose characters are consistently common simplified (GB2312 level 1) or common
traditional (Big5 level 1) characters.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass

from policykb.ingest.errors import DecodeError, IngestError

# Legacy encodings tried (in this order of preference on a tie) when UTF-8 fails.
# Each is (recorded name, codecs tried in turn): cp950 is Windows' Big5 with a few extras.
LEGACY_CANDIDATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("gb18030", ("gb18030",)),
    ("big5", ("big5", "cp950")),
)
LEGACY_NAMES = frozenset(name for name, _ in LEGACY_CANDIDATES)
BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Below this share of common characters a legacy decoding is taken for nonsense.
MIN_PLAUSIBILITY = 0.6
# Characters judged for plausibility: enough to decide, cheap on a 10 MB file.
PLAUSIBILITY_SAMPLE = 50_000
# Above this share of control characters the data is taken for binary.
MAX_CONTROL_SHARE = 0.005
# Tab, LF, VT, FF, CR and the DOS end-of-file mark occur in real text files.
ALLOWED_CONTROLS = frozenset("\t\n\x0b\x0c\r\x1a")

# Signatures of file types that are often misnamed as .txt: (magic, what it is, what to do).
MAGIC_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "a PDF file", "rename it to .pdf"),
    (b"PK\x03\x04", "a ZIP archive (a .docx is one)", "rename it to .docx if it is a Word file"),
    (b"\xd0\xcf\x11\xe0", "an old Word/Office (.doc) file", "save it as .docx in Word or LibreOffice"),
    (b"\x89PNG", "a PNG image", "extract its text with OCR first"),
    (b"\xff\xd8\xff", "a JPEG image", "extract its text with OCR first"),
    (b"GIF8", "a GIF image", "extract its text with OCR first"),
    (b"\x1f\x8b", "a gzip archive", "unpack it first"),
)
CONVERT_HINT = "convert it to UTF-8 (e.g. `iconv -f ENCODING -t UTF-8 FILE`) and ingest it again"


@dataclass(frozen=True)
class Attempt:
    """One encoding that was tried and what came of it, for the error message."""

    encoding: str
    failed_at: int | None = None  # byte offset where strict decoding stopped
    reason: str = ""

    def describe(self, data: bytes) -> str:
        if self.failed_at is None:
            return f"{self.encoding}: {self.reason}"
        line = data.count(b"\n", 0, self.failed_at) + 1
        where = f"byte {self.failed_at} (line {line})"
        if self.failed_at >= len(data) - 3 and self.reason == "incomplete":
            return f"{self.encoding}: the file ends in the middle of a character at {where} (cut off?)"
        return f"{self.encoding}: invalid bytes at {where}"


@dataclass(frozen=True)
class DecodedText:
    """A decoded file: its text, the encoding name, and warnings (each starting with the path)."""

    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


def decode_text(data: bytes, path: str) -> DecodedText:
    """Decode `data` (the content of `path`) strictly, with warnings about damaged text.

    Raises IngestError for a file with no text and DecodeError for binary data or bytes
    that no supported encoding (nor a line-by-line mix of UTF-8 and one legacy encoding)
    decodes into plausible text.
    """
    from policykb.ingest import mojibake

    if not data:
        raise IngestError(f"{path}: file is empty; nothing to ingest")
    try:
        text, encoding = _decode_whole(data, path)
        refused = None
    except DecodeError as err:
        text, encoding, refused = "", "", err
    mixed = None
    if refused is not None or encoding in LEGACY_NAMES:  # UTF-8 lines in a legacy file decode as nonsense
        mixed = mojibake.decode_mixed_lines(data)
        if mixed is None and refused is not None:
            raise refused
    if mixed is not None:
        text, encoding = _checked_text(mixed.text, data, path), mixed.encoding
    if not text.replace("\ufeff", "").strip():
        bom_only = data.startswith(BOMS) and not text.replace("\ufeff", "")
        what = "only a byte-order mark" if bom_only else "only whitespace"
        raise IngestError(f"{path}: has no text (it holds {what}); nothing to ingest")
    warnings = [f"{path}: {mixed.describe()}"] if mixed is not None else []
    warnings += [f"{path}: {w}" for w in mojibake.damage(text)]
    return DecodedText(text, encoding, tuple(warnings))


def decode_bytes(data: bytes, path: str) -> tuple[str, str]:
    """`decode_text` as (text, encoding name), without its warnings."""
    decoded = decode_text(data, path)
    return decoded.text, decoded.encoding


def _decode_whole(data: bytes, path: str) -> tuple[str, str]:
    """Decode all of `data` in one encoding, or raise DecodeError."""
    by_bom = _decode_by_bom(data, path)
    if by_bom is not None:
        return _checked_text(by_bom[0], data, path), by_bom[1]
    utf16 = _decode_bomless_utf16(data)
    if utf16 is not None:
        return utf16
    if b"\x00" in data:
        raise _binary_error(data, path, "it contains NUL bytes")
    attempts: list[Attempt] = []
    try:
        return _checked_text(data.decode("utf-8"), data, path), "utf-8"
    except UnicodeDecodeError as err:
        attempts.append(_failed("utf-8", err))
    return _decode_legacy(data, path, attempts)


def _decode_by_bom(data: bytes, path: str) -> tuple[str, str] | None:
    """Decode a file that starts with a byte-order mark, or return None if it has none."""
    if data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        raise DecodeError(f"{path}: looks like UTF-32 text, which is not supported; {CONVERT_HINT}")
    boms = (
        (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
    )
    for bom, codec, name in boms:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec), name
            except UnicodeDecodeError as err:
                offset = err.start + len(bom)
                line = data.count(b"\n", 0, offset) + 1
                raise DecodeError(
                    f"{path}: starts with a {name} byte-order mark but is not valid {codec}: "
                    f"invalid bytes at byte {offset} (line {line}); the file may be damaged "
                    f"or mixed; {CONVERT_HINT}"
                ) from None
    return None


def _decode_bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """Recognize UTF-16 without a BOM; None if the data is not that.

    Only data with NUL bytes is considered (ASCII characters such as newlines have a zero
    byte in UTF-16). Both byte orders are tried; the wrong order and binary data turn into
    control, unassigned or scattered characters and fail the text checks.
    """
    if len(data) % 2 or b"\x00" not in data:
        return None
    found: list[tuple[float, str, str]] = []
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _control_share(text) > MAX_CONTROL_SHARE or _unassigned_share(text) > 0.01:
            continue
        score = plausibility(text)
        if score >= MIN_PLAUSIBILITY:
            found.append((score, codec, text))
    if not found:
        return None
    _, codec, text = max(found)
    return text, codec


def _decode_legacy(data: bytes, path: str, attempts: list[Attempt]) -> tuple[str, str]:
    """Pick between GB18030 and Big5 by how plausible the decoded text is."""
    decoded: list[tuple[float, int, str, str]] = []
    for rank, (name, codec_names) in enumerate(LEGACY_CANDIDATES):
        text, attempt = _try_codecs(data, name, codec_names)
        if text is None:
            attempts.append(attempt)
            continue
        decoded.append((plausibility(text, name), -rank, text, name))
    if not decoded:
        raise DecodeError(_undecodable_message(data, path, attempts))
    score, _, text, name = max(decoded)
    if score < MIN_PLAUSIBILITY:
        tried = "; ".join(a.describe(data) for a in attempts)
        others = ", ".join(f"{n} (scoring only {s:.0%} as plausible Chinese text)" for s, _, _, n in decoded)
        raise DecodeError(
            f"{path}: cannot tell its encoding: it decodes as {others}, which looks like "
            f"nonsense rather than Chinese text; tried {tried}. If it is text, {CONVERT_HINT}"
        )
    return _checked_text(text, data, path), name


def _try_codecs(data: bytes, name: str, codec_names: tuple[str, ...]) -> tuple[str | None, Attempt]:
    furthest = Attempt(name, 0, "invalid")
    for codec in codec_names:
        try:
            return data.decode(codec), Attempt(name)
        except UnicodeDecodeError as err:
            attempt = _failed(name, err)
            if (attempt.failed_at or 0) >= (furthest.failed_at or 0):  # _failed always sets failed_at
                furthest = attempt
    return None, furthest


def _failed(name: str, err: UnicodeDecodeError) -> Attempt:
    # Codecs word it differently: "incomplete multibyte sequence", "unexpected end of data".
    incomplete = err.end >= len(err.object) and ("incomplete" in err.reason or "end of data" in err.reason)
    return Attempt(name, err.start, "incomplete" if incomplete else "invalid")


def _undecodable_message(data: bytes, path: str, attempts: list[Attempt]) -> str:
    tried = "; ".join(a.describe(data) for a in attempts)
    cut = [(score, -order, a.encoding, a.failed_at) for order, a in enumerate(attempts)
           if (score := _cut_off_plausibility(data, a)) >= MIN_PLAUSIBILITY and a.failed_at is not None]
    if cut:
        _, _, encoding, offset = max(cut)
        return (f"{path}: cannot be decoded cleanly: it looks like {encoding} text but ends in "
                f"the middle of a character (the last {len(data) - offset} byte(s), from byte "
                f"offset {offset} of {len(data)}, are an incomplete character), so the file was "
                f"probably cut off; get a complete copy. Tried {tried}")
    return (f"{path}: cannot be decoded cleanly as UTF-8, GB18030 or Big5 (no characters "
            f"were dropped or replaced; the file was refused). Tried {tried}. "
            f"If the file is damaged get a good copy; otherwise {CONVERT_HINT}")


def _cut_off_plausibility(data: bytes, attempt: Attempt) -> float:
    """How plausible the text before a character cut off at the very end is (0 if not cut off)."""
    if attempt.reason != "incomplete" or attempt.failed_at is None or attempt.failed_at < len(data) - 3:
        return 0.0
    codec = dict(LEGACY_CANDIDATES).get(attempt.encoding, (attempt.encoding,))[0]
    try:
        head = data[:attempt.failed_at].decode(codec)
    except UnicodeDecodeError:  # cp950 got further than big5: not worth a diagnosis
        return 0.0
    return plausibility(head) if any(ord(ch) > 0x7F for ch in head) else 0.0


def _checked_text(text: str, data: bytes, path: str) -> str:
    """Refuse decoded text that is mostly control characters (binary data)."""
    share = _control_share(text)
    if share > MAX_CONTROL_SHARE:
        raise _binary_error(data, path, f"{share:.1%} of its characters are control characters")
    return text


def _binary_error(data: bytes, path: str, why: str) -> DecodeError:
    for magic, what, todo in MAGIC_SIGNATURES:
        if data.startswith(magic):
            return DecodeError(f"{path}: looks like a binary file ({what}), not text; {todo}")
    return DecodeError(f"{path}: looks like a binary file ({why}), not text in UTF-8, UTF-16, "
                       f"GB18030 or Big5; check that it is the file you meant to ingest")


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for ch in text if ch < " " and ch not in ALLOWED_CONTROLS)
    return controls / len(text)


def _unassigned_share(text: str) -> float:
    odd = sum(1 for ch in text if unicodedata.category(ch) in ("Cn", "Co", "Cs"))
    return odd / len(text) if text else 0.0


def plausibility(text: str, encoding: str | None = None) -> float:
    """How much `text` looks like real Chinese text (0..1), judged on its non-ASCII characters.

    The share of common characters is counted against common simplified (GB2312 level 1
    and symbol rows) and common traditional (Big5 level 1 and symbol rows); a real text
    is consistently one or the other while a wrong decoding scatters over rare
    characters, kana and private-use codes. With `encoding` ("gb18030" or "big5") the
    score is the mean of the better share and the share in that encoding's own script,
    so that a short text whose wrong decoding happens to be common characters too is
    still told apart (Big5 資訊網路 read as GB18030 is 戈癟呼隔: common, but not simplified).
    """
    chars = [ch for ch in text[:PLAUSIBILITY_SAMPLE] if ord(ch) > 0x7F and not ch.isspace()]
    if not chars:
        return 1.0
    simplified = sum(1 for ch in chars if _is_common_simplified(ch)) / len(chars)
    traditional = sum(1 for ch in chars if _is_common_traditional(ch)) / len(chars)
    best = max(simplified, traditional)
    if encoding == "gb18030":
        return (best + simplified) / 2
    if encoding == "big5":
        return (best + traditional) / 2
    return best


def _is_common_simplified(ch: str) -> bool:
    try:
        code = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    # Rows A1-A3: punctuation, numbers, full-width forms; B0-D7: level-1 hanzi.
    return len(code) == 2 and (0xA1 <= code[0] <= 0xA3 or 0xB0 <= code[0] <= 0xD7)


def _is_common_traditional(ch: str) -> bool:
    try:
        code = ch.encode("big5")
    except UnicodeEncodeError:
        return False
    # A140-A3BF: symbols and punctuation; A440-C67E: the 5,401 frequent hanzi.
    return len(code) == 2 and (0xA1 <= code[0] <= 0xC5 or (code[0] == 0xC6 and code[1] <= 0x7E))
