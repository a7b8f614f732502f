"""Damaged text inside a file that decodes: mixed encodings, mojibake, replacement characters.

Three kinds of damage are found (ingest.encoding calls these for every text file):

- **Mixed encodings** (`decode_mixed_lines`): a GB18030 or Big5 file with lines pasted in
  UTF-8 (or the reverse). Read in one encoding, the other lines turn into nonsense
  (「锛堜竴锛変涪」 for 「（一）丢」) or the file is refused. Each line is decoded strictly in
  its own encoding instead: a line is UTF-8 when its bytes are valid UTF-8 *and* read as
  plausible Chinese (a GB or Big5 line almost never is both); the rest must decode in one
  legacy encoding. The file gets a warning naming those lines.
- **Mojibake saved into the file** (`damage`): a line that was once UTF-8 read as GBK or Big5
  and saved that way decodes cleanly, but as rare characters; re-encoding it gives back
  plausible UTF-8 Chinese. Reported per file with the line and what it would read.
- **U+FFFD** (`damage`): replacement characters written by some earlier tool; the characters
  they stand for are lost. Reported per file with the lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from policykb.ingest.encoding import LEGACY_CANDIDATES, MIN_PLAUSIBILITY, plausibility

# A line is checked for mojibake only with this many non-ASCII characters, and only when
# fewer than this share of them are common characters (real text is well above it).
MOJIBAKE_MIN_CHARS = 4
MOJIBAKE_MAX_COMMON_SHARE = 0.5
# How much more plausible the repaired line must be than the line as it stands.
MOJIBAKE_MIN_GAIN = 0.3
# Encodings that UTF-8 text is commonly misread as (the codec, and its name in messages).
MISREAD_AS = (("gb18030", "GBK"), ("big5", "Big5"))
LINES_NAMED = 8  # a warning names at most this many lines (or spans of lines)
EXCERPT = 12  # characters quoted from a damaged line
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class MixedText:
    """A file decoded line by line: `utf8_lines` (1-based) are UTF-8, the others `legacy`."""

    text: str
    legacy: str
    utf8_lines: tuple[int, ...]
    legacy_lines: tuple[int, ...]

    @property
    def encoding(self) -> str:
        """The encoding most lines are in (what the document records)."""
        return self.legacy if len(self.legacy_lines) >= len(self.utf8_lines) else "utf-8"

    def describe(self) -> str:
        legacy = self.legacy.upper().replace("BIG5", "Big5")
        if self.encoding == "utf-8":
            odd, odd_name, rest = self.legacy_lines, legacy, "UTF-8"
        else:
            odd, odd_name, rest = self.utf8_lines, "UTF-8", legacy
        return (f"mixes encodings: {line_list(odd)} {'is' if len(odd) == 1 else 'are'} {odd_name} while the "
                f"rest is {rest}; each line was decoded strictly in its own encoding (nothing was replaced, but a "
                f"line that switches encoding midway reads wrong in part). Check those lines, and save the file "
                f"in one encoding (UTF-8)")


def decode_mixed_lines(data: bytes) -> MixedText | None:
    """Decode `data` line by line as UTF-8 or one legacy encoding; None if it is not such a mix.

    Splitting on LF is safe: 0x0A is never part of a GB18030 or Big5 character.
    """
    if b"\x00" in data:
        return None
    raw_lines = data.split(b"\n")
    texts: list[str | None] = []
    utf8, legacy = [], []
    for number, raw in enumerate(raw_lines, 1):
        if raw.isascii():
            texts.append(raw.decode("ascii"))
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and plausibility(text) >= MIN_PLAUSIBILITY:
            texts.append(text)
            utf8.append(number)
        else:
            texts.append(None)
            legacy.append(number)
    if not utf8 or not legacy:
        return None
    part = b"\n".join(raw_lines[n - 1] for n in legacy)
    found = _legacy_decoding(part)
    if found is None:
        return None
    name, decoded = found
    for number, text in zip(legacy, decoded.split("\n")):
        texts[number - 1] = text
    return MixedText("\n".join(t or "" for t in texts), name, tuple(utf8), tuple(legacy))


def _legacy_decoding(part: bytes) -> tuple[str, str] | None:
    """The most plausible strict legacy decoding of `part` (name, text), or None."""
    best: tuple[float, int, str, str] | None = None
    for rank, (name, codecs) in enumerate(LEGACY_CANDIDATES):
        for codec in codecs:
            try:
                text = part.decode(codec)
            except UnicodeDecodeError:
                continue
            score = plausibility(text, name)
            if best is None or (score, -rank) > best[:2]:
                best = (score, -rank, name, text)
            break
    if best is None or best[0] < MIN_PLAUSIBILITY:
        return None
    return best[2], best[3]


def damage(text: str) -> list[str]:
    """Warnings (without the path) about mojibake lines and U+FFFD in decoded `text`."""
    common = common_characters()
    keep_uncommon = _uncommon_filter()
    misread: list[tuple[int, str, str, str]] = []
    replaced: list[int] = []
    for number, line in enumerate(_LINE_BREAK.split(text), 1):
        if REPLACEMENT in line:
            replaced.append(number)
        if len(line.translate(keep_uncommon)) < 3:  # fast: too few uncommon characters to be mojibake
            continue
        chars = [ch for ch in line if ord(ch) > 0x7F and ch != REPLACEMENT and not ch.isspace()]
        if len(chars) < MOJIBAKE_MIN_CHARS:
            continue
        if sum(ch in common for ch in chars) / len(chars) >= MOJIBAKE_MAX_COMMON_SHARE:
            continue
        repaired = _repaired(line)
        if repaired is not None:
            misread.append((number, *repaired, line))
    warnings = []
    if misread:
        number, name, fixed, line = misread[0]
        warnings.append(
            f"{line_list(tuple(m[0] for m in misread))} look{'s' if len(misread) == 1 else ''} like mojibake: "
            f"UTF-8 text that was read as {name} and saved again (line {number}: 「{line.strip()[:EXCERPT]}…」 "
            f"would read 「{fixed.strip()[:EXCERPT]}…」). It was ingested as it stands; get a good copy of the "
            f"original or correct those lines")
    if replaced:
        warnings.append(
            f"{line_list(tuple(replaced))} hold{'s' if len(replaced) == 1 else ''} U+FFFD replacement characters "
            f"(�): the characters they stand for were lost before the file was saved; get a good copy")
    return warnings


def _repaired(line: str) -> tuple[str, str] | None:
    """(misread-as name, the line read back as UTF-8) when `line` is UTF-8 misread as GBK or Big5."""
    before = plausibility(line)
    lost = line.count(REPLACEMENT)
    for codec, name in MISREAD_AS:
        try:  # a replacement character's bytes are lost: the UTF-8 characters around it stay lost
            raw = b"".join(b"" if ch == REPLACEMENT else ch.encode(codec) for ch in line)
        except UnicodeEncodeError:
            continue
        back = raw.decode("utf-8", errors="replace")
        kept = back.replace(REPLACEMENT, "")
        if sum(ord(ch) > 0x7F for ch in kept) < 2 or back.count(REPLACEMENT) > 2 * lost + 1:
            continue
        if plausibility(kept) >= MIN_PLAUSIBILITY and plausibility(kept) >= before + MOJIBAKE_MIN_GAIN:
            return name, back
    return None


@cache
def common_characters() -> frozenset[str]:
    """Common simplified (GB2312 level 1 and symbols) and traditional (Big5 level 1 and symbols) characters."""
    found: set[str] = set()
    for lead in [*range(0xA1, 0xA4), *range(0xB0, 0xD8)]:
        found.update(bytes([lead, trail]).decode("gb2312", errors="ignore") for trail in range(0xA1, 0xFF))
    for lead in range(0xA1, 0xC7):
        for trail in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]:
            if lead == 0xC6 and trail > 0x7E:
                break
            found.add(bytes([lead, trail]).decode("big5", errors="ignore"))
    found.discard("")
    return frozenset(found)


@cache
def _uncommon_filter() -> dict[int, None]:
    """A str.translate table deleting ASCII and common characters (what is left is uncommon)."""
    return dict.fromkeys([*range(0x80), *map(ord, common_characters()), ord(REPLACEMENT)])


def line_list(numbers: tuple[int, ...]) -> str:
    """「line 3」, 「lines 3, 7-9」: runs of consecutive lines as spans, at most LINES_NAMED of them."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    shown = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans[:LINES_NAMED])
    more = f" and {len(spans) - LINES_NAMED} more" if len(spans) > LINES_NAMED else ""
    return f"line{'s' if len(numbers) > 1 else ''} {shown}{more}"
