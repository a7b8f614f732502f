"""Encoding detection: the right encoding is found and recorded, nothing is lost silently."""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pytest

from policykb.ingest.encoding import decode_bytes
from policykb.ingest.errors import DecodeError, IngestError

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
LAWS = SHARED / "corpora" / "laws-and-policies"
needs_shared = pytest.mark.skipif(not LAWS.is_dir(), reason=f"{LAWS} is absent (shared corpora not checked out)")

TEXT = "第一条　为了加强干部教育培训工作，制定本规定。\n第二条　本规定适用于各级机关。\n"

# Short texts are where generic detectors guess wrong.
SHORT_SIMPLIFIED = ["干部教育培训", "党员教育培训工作规划", "印章管理", "脱产培训", "国务院办公厅关于印发",
                    "第一条　为了规范", "一、指导思想", "（一）", "组工干部学时"]
SHORT_TRADITIONAL = ["幹部教育培訓", "黨員教育培訓工作規劃", "印章管理規定", "國務院辦公廳", "第一條　為了規範",
                     "資訊網路", "（一）"]


def test_utf8_text_is_decoded_as_utf8():
    assert decode_bytes(TEXT.encode("utf-8"), "a.txt") == (TEXT, "utf-8")


def test_utf8_with_bom_is_recorded_as_utf8_sig_and_the_bom_is_not_in_the_text():
    assert decode_bytes(codecs.BOM_UTF8 + TEXT.encode("utf-8"), "a.txt") == (TEXT, "utf-8-sig")


@pytest.mark.parametrize("codec, name", [("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be")])
def test_utf16_with_a_bom_is_decoded_and_the_bom_dropped(codec, name):
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    assert decode_bytes(bom + TEXT.encode(codec), "a.txt") == (TEXT, name)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_recognized_by_its_nul_bytes(codec):
    assert decode_bytes(TEXT.encode(codec), "a.txt") == (TEXT, codec)


@pytest.mark.parametrize("text", SHORT_SIMPLIFIED)
def test_short_gb2312_text_is_decoded_as_gb18030(text):
    assert decode_bytes(text.encode("gb2312"), "short.txt") == (text, "gb18030")


@pytest.mark.parametrize("text", SHORT_TRADITIONAL)
def test_short_big5_text_is_decoded_as_big5_not_as_gb18030_nonsense(text):
    assert decode_bytes(text.encode("big5"), "short.txt") == (text, "big5")


def test_gbk_only_characters_are_decoded_as_gb18030():
    text = "镕基同志、瑢琦两位"  # 镕/瑢 are in GBK but not in GB2312
    assert decode_bytes(text.encode("gbk"), "a.txt") == (text, "gb18030")


def test_gb2312_fixture_file_is_decoded_as_gb18030():
    text, encoding = decode_bytes((FIXTURES / "encoding_gb2312.txt").read_bytes(), "encoding_gb2312.txt")
    assert encoding == "gb18030"
    assert text.startswith("二、工作目标和主要任务\n（一）工作目标\n")


def test_big5_fixture_file_is_decoded_as_big5():
    text, encoding = decode_bytes((FIXTURES / "encoding_big5.txt").read_bytes(), "encoding_big5.txt")
    assert encoding == "big5"
    assert text.startswith("一、國家行政機關和企業事業單位、社會團體的印章為圓形")


@needs_shared
def test_real_big5_file_of_the_corpus_is_decoded_as_big5():
    path = LAWS / "lrb_seal_management_rules_1999_zh-tw.big5.txt"
    text, encoding = decode_bytes(path.read_bytes(), str(path))
    assert encoding == "big5"
    assert "國務院關於國家行政機關和企業事業單位社會團體印章管理的規定" in text


@needs_shared
def test_real_gb18030_file_of_the_corpus_is_decoded_as_gb18030():
    path = LAWS / "govcn_research_autonomy_notice_2018.gb18030.txt"
    text, encoding = decode_bytes(path.read_bytes(), str(path))
    assert encoding == "gb18030"
    assert text.startswith("国务院办公厅关于抓好赋予科研机构和人员更大自主权有关文件贯彻落实工作的通知")


@needs_shared
def test_a_gb18030_file_cut_mid_character_is_refused_as_cut_off():
    text = (LAWS / "govcn_research_autonomy_notice_2018.gb18030.txt").read_bytes().decode("gb18030")
    middle = next(i for i in range(len(text) // 2, len(text)) if "\u4e00" <= text[i] <= "\u9fff")
    # The first half, then the first byte of a two-byte character: a download cut short.
    cut = text[:middle].encode("gb18030") + text[middle].encode("gb18030")[:1]
    with pytest.raises(DecodeError) as err:
        decode_bytes(cut, "notice.gb18030.txt")
    message = str(err.value)
    assert "notice.gb18030.txt" in message
    assert "gb18030" in message and "cut off" in message


def test_a_short_gb_text_cut_mid_character_is_refused_not_shortened():
    with pytest.raises(DecodeError, match="middle of a character"):
        decode_bytes("干部教育培训".encode("gb2312")[:-1], "cut.txt")


def test_invalid_bytes_inside_a_gb_file_are_refused_with_offset_line_and_advice():
    data = ("第一行\n第二行\n".encode("gb18030") + b"\xff\xff" + "第三行\n".encode("gb18030"))
    with pytest.raises(DecodeError) as err:
        decode_bytes(data, "broken.txt")
    message = str(err.value)
    offset = data.index(b"\xff")
    assert "broken.txt" in message
    assert f"byte {offset} (line 3)" in message
    assert "UTF-8" in message  # says what to do


def test_a_png_is_refused_as_a_binary_file_and_named_as_an_image():
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256))
    with pytest.raises(DecodeError, match=r"picture\.txt: looks like a binary file \(a PNG image\)"):
        decode_bytes(data, "picture.txt")


def test_random_bytes_with_nuls_are_refused_as_binary():
    data = random.Random(7).randbytes(4096) + b"\x00\x00\x01"
    with pytest.raises(DecodeError, match="noise.txt: looks like a binary file"):
        decode_bytes(data, "noise.txt")


def test_text_full_of_control_characters_is_refused_as_binary():
    data = ("政策" + "\x01\x02\x03\x04" * 10).encode("utf-8") * 20
    with pytest.raises(DecodeError, match="looks like a binary file"):
        decode_bytes(data, "controls.txt")


def test_an_empty_file_is_refused_as_empty():
    with pytest.raises(IngestError, match="empty.txt: file is empty"):
        decode_bytes(b"", "empty.txt")


def test_text_in_another_legacy_encoding_is_refused_rather_than_misread():
    data = "これは日本語の文書です。行政機関の印章について定める。".encode("shift_jis")
    with pytest.raises(DecodeError) as err:
        decode_bytes(data, "japanese.txt")
    assert "japanese.txt" in str(err.value) and "convert it to UTF-8" in str(err.value)


def test_a_stray_form_feed_or_tab_does_not_make_text_binary():
    text = "第一章\f\n\t第一条　总则。\n" * 3
    assert decode_bytes(text.encode("gb18030"), "a.txt") == (text, "gb18030")
