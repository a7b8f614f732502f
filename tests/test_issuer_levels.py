"""The level of government a document comes from, as the 中央与地方 view groups it: read from the issuer as the
documents of the test corpora state it, from the title only when no issuer is stated (and then said to be
inferred), and never guessed."""

from __future__ import annotations

import pytest

from policykb.service.issuer_levels import issuer_level, level_of_issuer


@pytest.mark.parametrize("issuer, level", [
    # the seeds' and the law corpora's issuers, as written
    ("中共中央办公厅", "中央"), ("中共中央", "中央"), ("全国人民代表大会常务委员会", "中央"), ("最高人民法院公告", "中央"),
    ("最高人民法院、最高人民检察院公告", "中央"), ("中共中央、国务院", "中央"), ("中共中央办公厅、国务院办公厅", "中央"),
    ("国务院", "国务院"), ("国务院办公厅", "国务院"), ("國務院辦公廳", "国务院"),
    ("人事部", "部委"), ("中央组织部", "部委"), ("中共中央组织部", "部委"), ("中华人民共和国建设部办公厅", "部委"),
    ("国家档案局", "部委"), ("人力资源和社会保障部", "部委"), ("国家发展和改革委员会", "部委"),
    ("国务院扶贫开发领导小组办公室", "部委"),
    # 直辖市 and 自治区 are provincial: 北京市 is 省级, as 河南省 is
    ("河南省人民代表大会常务委员会", "省"), ("北京市人民代表大会常务委员会", "省"), ("上海市", "省"),
    ("广西壮族自治区人民政府", "省"), ("新疆维吾尔自治区人民代表大会常务委员会", "省"),
    ("郑州市人民政府", "市"), ("深圳市人民代表大会常务委员会", "市"), ("河南省郑州市人民政府", "市"),
    ("延边朝鲜族自治州人民代表大会常务委员会", "市"), ("北京市海淀区人民政府", "县"),
])
def test_the_level_is_read_from_the_issuer_as_written(issuer, level):
    found = issuer_level(issuer, "任意标题")
    assert (found.level, found.source, found.inferred) == (level, "issuer", False)


def test_an_issuer_it_cannot_place_is_not_overruled_by_the_title():
    found = issuer_level("某某股份有限公司工会", "上海市实施《中华人民共和国工会法》办法")
    assert found.level is None and found.label == "级别不详" and found.source == "issuer"


@pytest.mark.parametrize("title, level", [
    ("上海市实施《中华人民共和国妇女权益保障法》办法", "省"), ("河南省郑州市城市管理条例", "市"),
    ("浙江省城市房屋拆迁管理条例", "省"),  # 「城市」 is not a city's name
    ("中华人民共和国档案法实施条例", "全国"),  # national, but which organ issued it the title does not say
])
def test_with_no_issuer_the_title_gives_the_level_and_says_so(title, level):
    found = issuer_level(None, title)
    assert (found.level, found.source, found.text, found.inferred) == (level, "title", title, True)
    assert found.label.endswith("（据标题推断）")


def test_nothing_stated_means_no_level():
    assert issuer_level(None, "关于加强干部教育培训工作的意见").level is None
    assert issuer_level(None, None).to_dict() == {"level": None, "label": "级别不详", "source": None, "text": None,
                                                  "inferred": False}
    assert level_of_issuer("") is None
