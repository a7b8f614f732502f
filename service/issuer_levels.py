"""The level of government a document comes from, read from its issuer: 中央, 国务院, 部委, 省, 市, 县.

`issuer_level(issuer, title)` reads the issuer as stated (「河南省人民代表大会常务委员会」 → 省,
「国家档案局」 → 部委, 「中共中央办公厅、国务院办公厅」 → 中央: a joint issue takes its highest issuer).
Provincial-level names (直辖市 and 自治区 included: 北京市 is 省级) are a fixed list; below them a place
ending in 市/州/盟/地区 is 市, in 县/区/旗 is 县. With no issuer stated, a title that opens with a place
name (「上海市实施《…》办法」) gives the level, said to be inferred from the title; a title that opens
with 中华人民共和国 says only that the document is national (全国), not which organ issued it. Nothing
else is guessed: the level is then None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policykb.ingest.metadata import simplified

# from the top down: a group of documents is shown in this order
LEVELS = ("中央", "国务院", "部委", "全国", "省", "市", "县")
LOCAL_LEVELS = frozenset({"省", "市", "县"})
LEVEL_LABELS = {"中央": "中央", "国务院": "国务院", "部委": "部委", "全国": "全国（发布机关不详）",
                "省": "省级（含直辖市、自治区）", "市": "市级", "县": "县级"}

_PROVINCES = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
              "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西",
              "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门")
_PROVINCE = re.compile(
    "^(?:" + "|".join(_PROVINCES) + r")(?:壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)?")
# a place below the province, then the organ: 「郑州市人民政府」, 「延边朝鲜族自治州人大常委会」, 「海淀区教委」
_ORGAN = (r"(?=人民|人大|中共|党委|委员会|政府|常委|教育|人力|财政|档案|公安|卫生|司法|民政|审计|发展"
          r"|[^市州县区旗]{0,6}(?:局|委|厅|办|院|署|所|部))")
_CITY = re.compile(r"^[\u4e00-\u9fff]{1,12}?(?:市|自治州|州|盟|地区)" + _ORGAN)
_COUNTY = re.compile(r"^[\u4e00-\u9fff]{1,12}?(?:自治县|县|区|旗)" + _ORGAN)
_CENTRAL = re.compile(r"^(?:中共中央(?!.{0,12}部$)|中国共产党中央|中央委员会|中共中央办公厅|中央办公厅|全国人民代表大会|全国人大|"
                      r"中央军事委员会|中央军委|最高人民法院|最高人民检察院|中华人民共和国主席)")
_STATE_COUNCIL = re.compile(r"^(?:中华人民共和国)?国务院(?:办公厅)?$")
# a central body: a national name with an organ's ending (国家档案局, 中国人民银行), or a 部/总署/总局 (人事部)
_MINISTRY = re.compile(r"^(?:国家|中国|中华|中央|国务院|全国)[\u4e00-\u9fff]*(?:部|委员会|委|局|署|办公厅|办公室|办|行|院|会|中心|小组)$"
                       r"|^[\u4e00-\u9fff]{1,12}(?:部|总署|总局)(?:办公厅)?$")
_SPLIT = re.compile(r"[、，,；;\s]+")  # joint issuers: 「中共中央办公厅、国务院办公厅」
_TITLE_CITY = re.compile(r"^[\u4e00-\u9fff]{2,4}?(?:市|自治州|盟)")
_NATIONAL_TITLE = re.compile(r"^(?:中华人民共和国|全国|国家)")


@dataclass(frozen=True)
class IssuerLevel:
    """`level` (one of LEVELS, or None when nothing says), read from `source` ("issuer" or "title") whose text
    is `text`; `inferred` True when it was read from the title because no issuer is stated."""

    level: str | None
    source: str | None = None
    text: str | None = None
    inferred: bool = False

    @property
    def label(self) -> str:
        if self.level is None:
            return "级别不详"
        name = LEVEL_LABELS[self.level]
        return f"{name}（据标题推断）" if self.inferred else name

    @property
    def local(self) -> bool:
        return self.level in LOCAL_LEVELS

    def to_dict(self) -> dict:
        return {"level": self.level, "label": self.label, "source": self.source, "text": self.text,
                "inferred": self.inferred}


def _one(name: str) -> str | None:
    """The level of one issuing body, or None."""
    name = re.sub(r"[（(][^）)]*[）)]", "", name).strip()
    if name.startswith("中华人民共和国") and not _STATE_COUNCIL.match(name):
        name = name[len("中华人民共和国"):]  # 「中华人民共和国建设部办公厅」 is 建设部's
    if not name:
        return None
    m = _PROVINCE.match(name)
    if m:
        rest = name[m.end():]
        if _CITY.match(rest):
            return "市"
        if _COUNTY.match(rest):
            return "县"
        return "省"
    if _STATE_COUNCIL.match(name):
        return "国务院"
    if _CENTRAL.match(name):
        return "中央"
    if _CITY.match(name):
        return "市"
    if _COUNTY.match(name):
        return "县"
    if _MINISTRY.match(name):
        return "部委"
    return None


def level_of_issuer(issuer: str | None) -> str | None:
    """The highest level among the bodies of `issuer` (「中共中央办公厅、国务院办公厅」 → 中央), or None."""
    if not issuer:
        return None
    found = {level for part in _SPLIT.split(simplified(issuer)) if (level := _one(part))}
    return next((level for level in LEVELS if level in found), None)


def issuer_level(issuer: str | None, title: str | None = None) -> IssuerLevel:
    """The level a document comes from: from its issuer as stated, else inferred from its title's opening."""
    level = level_of_issuer(issuer)
    if level is not None:
        return IssuerLevel(level, "issuer", issuer, False)
    if issuer:  # an issuer we cannot place: say so rather than read the title over it
        return IssuerLevel(None, "issuer", issuer, False)
    if title:
        head = simplified(title).lstrip("《“\"")
        m = _PROVINCE.match(head)
        if m:
            rest = head[m.end():]  # 「郑州市城市管理条例」 after 「河南省」 is a city's; 「城市…」 is not a place
            level = "市" if _TITLE_CITY.match(rest) and not rest.startswith(("城市", "城乡", "都市")) else "省"
            return IssuerLevel(level, "title", title, True)
        if _NATIONAL_TITLE.match(head):
            return IssuerLevel("全国", "title", title, True)
    return IssuerLevel(None)
