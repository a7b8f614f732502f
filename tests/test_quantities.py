"""The figures a clause states, as a trainer reads them: 「不少于12天或者90学时」 is 12 天 and 90 学时, both at
least; 「十二天」 is 12 天; a date is not an amount."""

from __future__ import annotations

import pytest

from policykb.search.quantities import chinese_number, quantities


def described(text: str) -> list[str]:
    return [q.describe() for q in quantities(text)]


def test_two_figures_joined_by_or_are_both_at_least_what_the_clause_says():
    assert described("科级以下干部每年参加培训累计不少于12天或者90学时。") == ["≥12 天", "≥90 学时"]


def test_a_bound_written_after_the_second_figure_holds_for_the_first_too():
    assert described("5年内参加培训累计3个月或者550学时以上的培训") == ["≤5 年", "≥3 个月", "≥550 学时"]


@pytest.mark.parametrize("text, figure", [
    ("十二天", "12 天"), ("时间一般不少于１６学时", "16 学时"), ("一百二十学时", "120 学时"), ("两年", "2 年"),
    ("半年", "0.5 年"), ("百分之九十", "90 %"), ("覆盖面达90％以上", "90 %"), ("培训1500名骨干教师", "1500 人"),
    ("累计3个月", "3 个月"), ("1.5万人", "15000 人"), ("经费20万元", "200000 元"), ("二十四学时", "24 学时"),
])
def test_numbers_are_normalized_whatever_numerals_write_them(text, figure):
    assert [q.figure() for q in quantities(text)] == [figure]


@pytest.mark.parametrize("text", ["二〇〇七年二月九日", "二00七年二月九日", "自2022年5月1日起施行", "2009—2013年全国党员教育培训工作规划",
                                  "中华人民共和国建设部办公厅二○○六年六月十二日", "第一次全体会议", "统一年度计划", "百年大计",
                                  "“十一五”期间", "庆祝新中国成立70周年"])
def test_dates_ordinals_and_words_with_numerals_are_not_amounts(text):
    assert quantities(text) == []


def test_a_count_of_days_after_a_date_is_still_an_amount():
    assert described("自2022年5月1日起施行，30日内报送") == ["≤30 日"]


def test_each_span_is_the_figure_as_written_in_the_clause():
    text = "每年至少进行一次，时间一般不少于１６学时，其中党组织领导班子成员一般不少于２４学时。"
    found = quantities(text)
    assert [text[q.start:q.end] for q in found] == [q.text for q in found] == ["一次", "１６学时", "２４学时"]
    assert [q.value for q in found] == [1, 16, 24]


def test_chinese_numbers_read_as_written():
    assert [chinese_number(t) for t in ("十", "十五", "一百零二", "一万二千", "二〇〇九", "两", "半")] == \
        [10, 15, 102, 12000, 2009, 2, 0.5]
    assert chinese_number("三四") is None and chinese_number("培训") is None


def test_a_clause_in_traditional_characters_gives_the_same_figures():
    assert described("每人每年脫產學習時間累計不少於12天,五年內集中培訓一遍,不少於兩個月或者九十學時") == \
        ["≥12 天", "≤5 年", "≥2 个月", "≥90 学时"]


def test_a_range_gives_both_ends_in_the_unit_written_once():
    assert [q.figure() for q in quantities("大城市25至40人，每2-3年轮训一遍")] == ["25 人", "40 人", "2 年", "3 年"]
    assert quantities("2013-2017年全国组工干部教育培训规划") == []  # a period of years is dates, not a range of amounts


def test_each_figure_carries_the_sentence_that_says_whom_it_is_for():
    text = ("1．省部级、厅局级、县处级党政领导干部5年内参加培训机构累计3个月或者550学时以上的培训。"
            "科级以下干部每年参加培训累计不少于12天或者90学时。")
    context = {q.figure(): q.context for q in quantities(text)}
    assert context["90 学时"] == context["12 天"] == "科级以下干部每年参加培训累计不少于12天或者90学时"
    assert context["550 学时"].startswith("1．省部级、厅局级、县处级党政领导干部")
