"""The search form of a text: what matching sees, never what a person is shown.

The text as written stays on every record for display and citation; `search_form`
derives the copy that lexical and dense search match on, so that a traditional
query finds simplified text, `１６学时` finds `16学时`, and `〔2018〕` finds `（2018）`.

Rules, in order (see docs/normalization.md for the measurements behind them):

1. full-width digits and Latin letters become half-width (`１６` → `16`, `ＡＢ` → `AB`);
2. whitespace (ASCII, U+3000, NBSP, tabs, newlines) and zero-width marks are removed,
   except that one space is kept between two Latin letters/digits (`ISO 9001`);
3. a half-width `, ; : ? !` between two Chinese characters becomes full-width
   (machine-converted texts such as seed 004 write `培訓,提高`);
4. OpenCC traditional → simplified with `OPENCC_CONFIG` (tw2sp, less the Taiwan phrases
   that mainland texts also use: 資訊/網路/最佳化 become 信息/网络/优化, 檔案 stays 档案);
5. brackets 【】〔〕［］〖〗 [] () become （）, so the many ways of writing a 文号 year or
   an enumerator `(一)` match each other.

`search_form` is deterministic and idempotent: applying it twice changes nothing.
"""

from __future__ import annotations

import json
import re
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

# Bump when any rule below changes: an index built with another version must be rebuilt.
NORMALIZATION_VERSION = "1"
# Chosen by measurement (docs/normalization.md): OpenCC's tw2sp (which also undoes
# Taiwan phrasing such as 資訊→信息) minus the Taiwan phrases mainland texts use too
# (檔案, 建立, 執行, 資料 …), so simplified 档案 and traditional 檔案 still meet.
OPENCC_CONFIG = "tw2sp-mainland"
_PHRASES_FILE = "opencc_tw_phrases_rev.txt"
# Display toggles: characters only, never other wording. s2t changes no word of the
# corpora (s2twp swapped 程序→程式, 权限→許可權, 数据→資料); measured against s2hk, s2tw
# and s2twp by docs/measure_opencc_display.py (docs/normalization.md).
TO_TRADITIONAL_CONFIG = "s2t"
TO_SIMPLIFIED_CONFIG = "t2s"

_FULLWIDTH_ALNUM = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},  # ０-９
    **{0xFF21 + i: 0x41 + i for i in range(26)},  # Ａ-Ｚ
    **{0xFF41 + i: 0x61 + i for i in range(26)},  # ａ-ｚ
}
_BRACKETS = str.maketrans({
    "【": "（", "】": "）", "〔": "（", "〕": "）", "［": "（", "］": "）",
    "〖": "（", "〗": "）", "﹝": "（", "﹞": "）",
    "[": "（", "]": "）", "(": "（", ")": "）",
})
_HALF_TO_FULL_PUNCT = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}

# Han ideographs (BMP blocks and extension planes), CJK punctuation, full-width forms
# and curly quotes: the neighbours that make a half-width mark "Chinese punctuation".
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2018-\u201d\U00020000-\U0003134f"
_SPACE_RUN = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
_CJK_PUNCT = re.compile(rf"(?<=[{_CJK}])([,;:?!])(?=[{_CJK}])")


def _opencc_share() -> Path:
    import opencc

    return Path(opencc.__file__).parent / "clib" / "share" / "opencc"


def _mainland_config(share: Path, phrases: Path) -> dict:
    """tw2sp with our filtered Taiwan-phrase dictionary (built by docs/build_opencc_dict.py)."""
    def ocd2(name: str, **extra: object) -> dict:
        return {"type": "ocd2", "file": str(share / name), **extra}

    return {
        "name": OPENCC_CONFIG,
        "normalization": [{"dict": ocd2("CJK_Compatibility_Ideographs.ocd2")}],
        "segmentation": {"type": "mmseg", "dict": ocd2("TSPhrases.ocd2")},
        "conversion_chain": [
            {"dict": {"type": "group", "match_policy": "short_circuit", "dicts": [
                {"type": "text", "file": str(phrases)},
                ocd2("TWVariantsRevPhrases.ocd2"),
                ocd2("TWVariantsRev.ocd2"),
            ]}},
            {"dict": {"type": "group", "match_policy": "short_circuit", "dicts": [
                ocd2("TSPhrases.ocd2"),
                ocd2("TSCharactersExt.ocd2", may_output_tofu=True),
                ocd2("TSCharacters.ocd2"),
            ]}},
        ],
    }


@lru_cache(maxsize=8)
def _converter(config: str):
    """An OpenCC converter for a stock config name or for OPENCC_CONFIG (ours)."""
    import opencc  # small C extension; cached because loading a config parses its dictionaries

    if config != OPENCC_CONFIG:
        return opencc.OpenCC(config)
    share = _opencc_share()
    # OpenCC reads dictionaries only from files, and resolves them next to the config
    # or in its own folder: so the config goes to a temporary file with absolute paths.
    with resources.as_file(resources.files("policykb.text") / "data" / _PHRASES_FILE) as phrases, \
            tempfile.TemporaryDirectory(prefix="policykb-opencc-") as tmp:
        path = Path(tmp) / f"{OPENCC_CONFIG}.json"
        path.write_text(json.dumps(_mainland_config(share, phrases), ensure_ascii=False), encoding="utf-8")
        return opencc.OpenCC(str(path))  # dictionaries are loaded now; the files may go


def _drop_spaces(text: str) -> str:
    """Remove whitespace runs, keeping one space only between two ASCII letters/digits."""
    out: list[str] = []
    pos = 0
    for m in _SPACE_RUN.finditer(text):
        out.append(text[pos:m.start()])
        before = text[m.start() - 1] if m.start() > 0 else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if before and after and _ASCII_WORD.match(before) and _ASCII_WORD.match(after):
            out.append(" ")
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def search_form(text: str) -> str:
    """The normalized copy of `text` used for matching (see the module docstring)."""
    s = text.translate(_FULLWIDTH_ALNUM)
    s = _drop_spaces(s)
    s = _CJK_PUNCT.sub(lambda m: _HALF_TO_FULL_PUNCT[m.group(1)], s)
    s = _converter(OPENCC_CONFIG).convert(s)
    return s.translate(_BRACKETS)


def to_simplified(text: str) -> str:
    """Text as written, in simplified characters, for a display toggle (OpenCC t2s)."""
    return _converter(TO_SIMPLIFIED_CONFIG).convert(text)


def to_traditional(text: str) -> str:
    """Text as written, in traditional characters, same words (OpenCC s2t: per character, no phrasing)."""
    return _converter(TO_TRADITIONAL_CONFIG).convert(text)
