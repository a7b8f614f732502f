"""In-text citations in the style of the 法学引注手册: 《干部教育培训工作条例》第十四条, 《…规划》第二部分（三）1.

A document is 《题名》, followed by its 文号 in parentheses when it has one (规范性文件);
a clause adds its pinpoint, read from its section path and label: 「一、…」 is 第一部分,
「（三）…」 stays （三）, 「1．…」 is 1., chapters and articles keep their own names. An article
is cited by its number alone (articles are numbered through a law, so its chapter is left
out); a paragraph inside an article is its 款. Book-title marks inside a title become 〈〉.
Traditional characters (第十九條) are read as their simplified forms and cited as written.
"""

from __future__ import annotations

import re

from policykb.service.citations.record import CitedClause, CitedDocument

CN = "[一二三四五六七八九十百千零〇两兩]+"
NAMED = re.compile(rf"^第(?:{CN}|\d+)[编章节条款项編節條項]")  # 第一章, 第十四条 (第十九條): cited as written
PART = re.compile(rf"^({CN})[、．.]")  # 一、总体要求 -> 第一部分
ITEM = re.compile(rf"^[（(]({CN}|\d+)[)）]")  # （三）… -> （三）
POINT = re.compile(r"^([0-9０-９]+)[.．、]")  # 1．… -> 1.
ARTICLE = re.compile(rf"^第(?:{CN}|\d+)[条條]")
PARAGRAPH = re.compile(r"^第(\d+)段$")
DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
NUMERALS = "零一二三四五六七八九"


def _chinese_number(n: int) -> str:
    """1-99 as Chinese numerals (款 are numbered so: 第二款)."""
    if n < 10:
        return NUMERALS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else NUMERALS[tens]) + "十" + (NUMERALS[ones] if ones else "")


def _step(text: str) -> str:
    """The citable number of one heading or label: 「二、工作目标」 -> 第二部分."""
    text = text.strip()
    if m := NAMED.match(text):
        return m.group(0)
    if m := PART.match(text):
        return f"第{m.group(1)}部分"
    if m := ITEM.match(text):
        return f"（{m.group(1)}）"
    if m := POINT.match(text):
        return m.group(1).translate(DIGITS) + "."
    return text


def pinpoint(clause: CitedClause) -> str:
    """Where in its document a clause is: 「第十四条」, 「第二部分（三）1.」, 「第十四条第二款」."""
    steps = [_step(p) for p in clause.section_path]
    label = clause.label.strip() if clause.label else None
    if label and ARTICLE.match(label):
        return _step(label)
    articles = [i for i, s in enumerate(steps) if ARTICLE.match(s)]
    if articles:  # inside an article: 第十四条第二款, 第十四条（一）
        article = steps[articles[-1]]
        if label and (m := PARAGRAPH.match(label)):
            return f"{article}第{_chinese_number(int(m.group(1)))}款"
        return article + (_step(label) if label else "")
    return "".join(steps + ([_step(label)] if label else []))


def _title(doc: CitedDocument) -> str:
    inner = (doc.title or doc.file).replace("《", "〈").replace("》", "〉")
    return f"《{inner}》"


def document_citation(doc: CitedDocument) -> str:
    """「《国务院关于…的意见》（国发〔2019〕5号）」, or 「《中华人民共和国公务员法》」 without a 文号."""
    return _title(doc) + (f"（{doc.doc_number}）" if doc.doc_number else "")


def clause_citation(clause: CitedClause) -> str:
    """「《中华人民共和国公务员法》第十四条」, 「《…规划》第二部分（三）1.」."""
    return _title(clause.document) + pinpoint(clause)


def footnote(clause: CitedClause) -> str:
    """The clause's citation as a footnote writes it, closed with 「。」: 「《中华人民共和国公务员法》第十四条。」
    (a pinpoint that ends in its own point, 「…（二）1.」, takes no second one)."""
    cited = clause_citation(clause)
    return cited if cited.endswith((".", "。")) else cited + "。"
