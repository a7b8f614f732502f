"""The search form: what matching sees, while the text as written stays for display."""

from pathlib import Path

import pytest

from policykb.text.normalize import (
    NORMALIZATION_VERSION,
    OPENCC_CONFIG,
    search_form,
    to_simplified,
    to_traditional,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared (seeds and corpora) is not present")


def _decoded_lines(path: Path) -> list[str]:
    raw = path.read_bytes()
    for enc in ("utf-8", "gb18030", "big5"):
        try:
            return raw.decode(enc).splitlines()
        except UnicodeDecodeError:
            continue
    raise AssertionError(f"{path} decodes as none of utf-8, gb18030, big5")


def test_taiwan_wording_becomes_mainland_simplified():
    assert search_form("資訊網路社群物件最佳化") == "信息网络社区对象优化"
    assert search_form("聯絡實際") == "联系实际"
    assert search_form("幹部教育培訓") == "干部教育培训"


def test_traditional_archives_wording_still_meets_simplified_archives():
    # stock tw2sp would turn 檔案 into 文件 and 建立 into 创建, so 档案法 could not be found
    assert search_form("檔案法") == search_form("档案法") == "档案法"
    assert search_form("建立健全") == "建立健全"
    assert search_form("執行") == "执行"


def test_simplified_text_is_left_as_it_is():
    text = "乡镇党政领导干部每年参加各类学习培训的时间累计一般不少于100学时"
    assert search_form(text) == text


def test_full_width_digits_and_letters_become_half_width():
    assert search_form("每年参加培训不少于１６学时") == "每年参加培训不少于16学时"
    assert search_form("ＡＢＣｘｙｚ") == "ABCxyz"


def test_ideographic_spaces_nbsp_tabs_and_line_breaks_are_removed_between_chinese():
    assert search_form("\u3000\u3000党员教育培训\u00a0工作\t是\n党的建设") == "党员教育培训工作是党的建设"


def test_one_space_is_kept_between_latin_words_and_numbers():
    assert search_form("ISO   9001 认证") == "ISO 9001认证"
    assert search_form("ＩＳＯ\u30009001") == "ISO 9001"


def test_document_number_brackets_are_unified():
    assert search_form("国人部发[2024]20号") == "国人部发（2024）20号"
    assert search_form("建办档【2024】45号") == "建办档（2024）45号"
    assert search_form("国办函〔2018〕71号") == "国办函（2018）71号"
    assert search_form("(一)指导思想") == search_form("（一）指导思想") == "（一）指导思想"


def test_half_width_commas_between_chinese_become_full_width():
    assert search_form("不斷更新培訓內容,創新培訓形式;加強管理") == "不断更新培训内容，创新培训形式；加强管理"
    assert search_form("共1,000人") == "共1,000人"


def test_search_form_is_idempotent_on_tricky_input():
    tricky = ["（二)总体要求", "資訊 , 網路", "a , b", "１．坚持", "〔2018〕 71 号", " \u3000 ", ""]
    for text in tricky:
        once = search_form(text)
        assert search_form(once) == once


@needs_shared
def test_search_form_is_idempotent_on_every_seed_and_corpus_line():
    files = sorted((SHARED / "seeds").iterdir()) + sorted((SHARED / "corpora" / "laws-and-policies").iterdir())
    for path in files:
        for line in _decoded_lines(path):
            once = search_form(line)
            assert search_form(once) == once, (path.name, line[:40])


@needs_shared
def test_seed_002_full_width_hours_are_found_in_half_width():
    text = (SHARED / "seeds" / "002_e058e02591a1b2b6.txt").read_text(encoding="utf-8")
    assert "１６学时" in text
    assert "16学时" in search_form(text)


def test_display_toggles_convert_characters_both_ways_and_never_the_wording():
    # s2twp showed 程式, 許可權, 資料, 物件, 社群, 檔案 here: Taiwan words, not these texts' words
    assert to_traditional("程序、权限、数据、对象、社区、文件、信息网络软件") == "程序、權限、數據、對象、社區、文件、信息網絡軟件"
    assert to_traditional("依照法定的权限、条件、标准和程序进行") == "依照法定的權限、條件、標準和程序進行"  # 公务员法第五条
    assert to_simplified("資訊網路") == "资讯网路"  # plain t2s: characters only, no rewording


def _display_measure():
    """docs/measure_opencc_display.py, whose metric the figures in docs/normalization.md come from."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "docs" / "measure_opencc_display.py"
    spec = importlib.util.spec_from_file_location("measure_opencc_display", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_wording_metric_counts_phrase_swaps_but_not_character_choices():
    m = _display_measure()
    assert m.wording_changes("了解头发为里", "瞭解頭髮為裡") == 0  # one-to-one, whichever form
    assert m.wording_changes("程序", "程式") == 1
    assert m.wording_changes("依照权限进行", "依照許可權進行") == 2  # 权限 → 許可權: one kept, two new
    assert m.wording_changes("数据", "資料") == 2


@pytest.mark.parametrize("corpus", ["corpus/", "laws-and-policies"])
def test_every_line_of_the_corpora_keeps_its_words_in_the_traditional_view(corpus):
    m = _display_measure()
    files = m.corpus_files()[corpus]
    if not files:
        pytest.skip(f"{corpus} is absent (../shared ships beside the repo, not in it)")
    changed = [(path.name, line[:30]) for path in files for line in m.lines_of(path)
               if m.wording_changes(line, to_traditional(line))]
    assert changed == []


def test_configuration_is_named_for_the_index_manifest():
    assert OPENCC_CONFIG == "tw2sp-mainland"
    assert NORMALIZATION_VERSION
