"""Relations between documents, scored against a key made by hand, and what a reader sees of them.

The key (tests/data/relations_key.jsonl) was made by reading the texts of
../shared/corpora/versions-and-regions/, the bundled seeds (corpus/),
../shared/corpora/laws-and-policies/ and ../shared/corpora/stard-laws/ (88 laws, one version each:
five 实施条例/实施办法; every 「同时废止」 there names a document outside the corpus or itself): every
pair of versions, the replacement, each 实施办法's law with the version it implements (by the
dates in the histories), and the successive plans. A found relation counts as right when the key has it: the same kind and
documents, in the key's order when the tool says it knows the order (a tool that says it
cannot tell the order is not wrong), and for a measure the same law and version. Anything
else found counts against precision. `python -m tests.test_relations` prints the figures.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from policykb.ingest.model import Document
from policykb.ingest.pipeline import ingest_paths
from policykb.ingest.relations import DocumentRelation, find_relations, history, title_key

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpora"
KEY = REPO / "tests" / "data" / "relations_key.jsonl"
FIXTURES = [*sorted((REPO / "tests" / "fixtures" / "relations").glob("*.md")),
            *sorted((REPO / "tests" / "fixtures" / "compare").glob("*.md"))]
CORPORA = {"versions-and-regions": SHARED / "versions-and-regions", "seeds": REPO / "corpus",
           "laws-and-policies": SHARED / "laws-and-policies", "stard-laws": SHARED / "stard-laws"}
needs_shared = pytest.mark.skipif(not SHARED.is_dir(),
                                  reason=f"{SHARED} is absent (it ships beside the repo, not in it)")


@dataclass(frozen=True)
class Score:
    corpus: str
    found: int
    right: int
    keyed: int
    unordered: int  # found right, but the tool said it could not tell which came first
    wrong: list[str]
    missed: list[str]

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.keyed if self.keyed else 1.0

    @property
    def matched(self) -> int:
        return self.keyed - len(self.missed)


def _name(doc: Document) -> str:
    name = Path(doc.file).name
    return name if doc.index_in_file == 0 and not name.startswith("001_") else f"{name}#{doc.index_in_file}"


def _key(corpus: str) -> list[dict]:
    rows = [json.loads(line) for line in KEY.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["corpus"] == corpus]


def _matches(rel: DocumentRelation, row: dict, names: dict[str, str], titles: dict[str, str]) -> bool:
    if rel.kind != row["kind"] or names[rel.source_id] != row["source"]:
        if not (rel.kind == row["kind"] == "series" or rel.kind == row["kind"] == "version") or rel.ordered:
            return False
        # an unordered pair may be given either way round
        if {names[rel.source_id], names.get(rel.target_id)} != {row["source"], row["target"]}:
            return False
        return True
    if rel.kind == "implements":
        if rel.target_id is None or title_key(titles[rel.target_id]) != title_key(row["law"]):
            return False
        if rel.implemented_version != row["implemented_version"]:
            return False
        return (names[rel.target_id] == row["target"]) if row["target"] else rel.implemented_version_held is False
    return names.get(rel.target_id) == row["target"]


def score(corpus: str, documents: list[Document]) -> Score:
    names = {d.id: _name(d) for d in documents}
    titles = {d.id: d.title or "" for d in documents}
    key = _key(corpus)
    found = find_relations(documents)
    matched_rows: set[int] = set()
    wrong, unordered = [], 0
    for rel in found:
        hit = next((i for i, row in enumerate(key) if _matches(rel, row, names, titles)), None)
        if hit is None:
            wrong.append(f"{rel.kind} {names[rel.source_id]} -> {names.get(rel.target_id, rel.target_title)} "
                         f"({rel.implemented_version}): {rel.evidence}")
        else:
            matched_rows.add(hit)
            unordered += not rel.ordered
    missed = [f"{r['kind']} {r['source']} -> {r.get('target') or r.get('law')}" for i, r in enumerate(key)
              if i not in matched_rows]
    return Score(corpus, len(found), len(found) - len(wrong), len(key), unordered, wrong, missed)


def _ingest(folder: Path) -> list[Document]:
    return ingest_paths([folder]).documents


@needs_shared
@pytest.mark.shared
@pytest.mark.parametrize("corpus", list(CORPORA))
def test_relations_on_the_test_corpora_match_the_hand_made_key(corpus):
    s = score(corpus, _ingest(CORPORA[corpus]))
    assert s.wrong == [] and s.missed == [], (s.precision, s.recall, s.wrong, s.missed)


@needs_shared
@pytest.mark.shared
def test_a_history_line_that_holds_two_amendments_gives_both_with_their_dates():
    from policykb.ingest.pipeline import ingest_file

    (law,) = ingest_file(SHARED / "stard-laws" / "产品质量法(2018-12-29).md").documents
    # 「2000年7月8日 …第一次修正根据2009年8月27日…第二次修正」 is one line of its header
    assert [(e.date, e.action) for e in history(law)] == [
        ("1993-02-22", "通过"), ("2000-07-08", "修正"), ("2009-08-27", "修正"), ("2018-12-29", "修正")]


@needs_shared
@pytest.mark.shared
def test_an_amendment_wrapped_over_two_lines_is_read_and_dates_the_version_a_regulation_implements():
    from policykb.ingest.pipeline import ingest_file

    # 「2019年8月26日 …《关于修改〈中华人民共和国土地管理法〉」 / 「〈…城市房地产管理法〉的决定》第三次修正」
    (law,) = ingest_file(SHARED / "stard-laws" / "土地管理法(2019-08-26).md").documents
    assert [(e.date, e.action) for e in history(law)][-1] == ("2019-08-26", "修正")
    (regulation,) = ingest_file(SHARED / "stard-laws" / "土地管理法实施条例(2021-07-02).md").documents
    (rel,) = [r for r in find_relations([law, regulation]) if r.kind == "implements"]
    assert (rel.target_id, rel.implemented_version, rel.implemented_version_held) == (law.id, "2019-08-26", True)


@pytest.fixture(scope="module")
def fixture_documents(tmp_path_factory) -> dict[str, Document]:
    folder = tmp_path_factory.mktemp("relations-corpus")
    for path in FIXTURES:
        shutil.copy(path, folder / path.name)
    return {d.file: d for d in _ingest(folder)}


def test_a_law_amended_by_revision_is_the_newer_version_of_its_first_text(fixture_documents):
    old, new = fixture_documents["职业教育法(1996-05-15).md"], fixture_documents["职业教育法(2022-04-20).md"]
    (rel,) = [r for r in find_relations(list(fixture_documents.values())) if r.kind == "version"]
    assert (rel.source_id, rel.target_id, rel.ordered, rel.inferred) == (old.id, new.id, True, False)
    assert "1996年5月15日" in rel.evidence and "2022年4月20日" in rel.evidence
    assert [(e.date, e.action) for e in history(new)] == [("1996-05-15", "通过"), ("2022-04-20", "修订")]


def test_a_regulation_that_abolishes_another_by_name_replaces_it_with_its_words_as_evidence(fixture_documents):
    old, new = fixture_documents["档案法实施办法(2017-03-01).md"], fixture_documents["档案法实施条例(2024-01-12).md"]
    replaced = [r for r in find_relations(list(fixture_documents.values())) if r.kind == "replaced_by"]
    assert [(r.source_id, r.target_id, r.inferred) for r in replaced] == [(old.id, new.id, False)]
    assert "《中华人民共和国档案法实施办法》同时废止" in replaced[0].evidence


def test_without_the_abolishing_sentence_the_new_title_for_the_same_subject_is_an_inferred_replacement(
        fixture_documents):
    import copy
    from dataclasses import replace

    old = fixture_documents["档案法实施办法(2017-03-01).md"]
    new = copy.deepcopy(fixture_documents["档案法实施条例(2024-01-12).md"])
    new.clauses = [replace(c, text=c.text.replace("《中华人民共和国档案法实施办法》同时废止。", "")) for c in new.clauses]
    (rel,) = [r for r in find_relations([old, new]) if r.kind == "replaced_by"]
    assert (rel.source_id, rel.target_id, rel.inferred) == (old.id, new.id, True)
    assert rel.confidence < 0.9 and rel.evidence.startswith("推断")
    assert "「实施办法」改为「实施条例」" in rel.evidence and "施行日期2024-03-01" in rel.evidence


def test_a_local_measure_implements_the_version_of_the_law_in_force_when_it_was_made(fixture_documents):
    henan = fixture_documents["河南省实施《职业教育法》办法(2010-07-30).md"]
    law_1996 = fixture_documents["职业教育法(1996-05-15).md"]
    (rel,) = [r for r in find_relations(list(fixture_documents.values()))
              if r.kind == "implements" and r.source_id == henan.id]
    assert (rel.target_id, rel.implemented_version, rel.implemented_version_held) == (law_1996.id, "1996-05-15", True)


def test_without_the_law_it_implements_a_measure_names_the_law_and_links_nothing(fixture_documents):
    henan = fixture_documents["河南省实施《职业教育法》办法(2010-07-30).md"]
    (rel,) = [r for r in find_relations([henan]) if r.kind == "implements"]
    assert (rel.target_id, rel.target_title, rel.implemented_version) == (None, "中华人民共和国职业教育法", None)


def test_a_measure_with_no_date_at_all_says_it_cannot_tell_the_version(fixture_documents):
    import copy

    henan = copy.deepcopy(fixture_documents["河南省实施《职业教育法》办法(2010-07-30).md"])
    henan.meta.date = None
    henan.clauses = [c for c in henan.clauses if c.kind != "preamble" and "施行" not in c.text]
    laws = [fixture_documents["职业教育法(1996-05-15).md"], fixture_documents["职业教育法(2022-04-20).md"]]
    (rel,) = [r for r in find_relations([henan, *laws]) if r.kind == "implements"]
    assert rel.implemented_version is None and "无法判定" in rel.evidence


def test_documents_that_only_share_a_type_word_are_not_related(fixture_documents):
    a, b = fixture_documents["档案法实施办法(2017-03-01).md"], fixture_documents["河南省实施《职业教育法》办法(2010-07-30).md"]
    found = find_relations([a, b])
    assert [r.target_id for r in found] == [None, None]  # each names the law it implements, outside the index
    assert sorted(r.target_title for r in found) == ["中华人民共和国档案法", "中华人民共和国职业教育法"]


if __name__ == "__main__":
    for name, folder in CORPORA.items():
        if not folder.is_dir():
            print(f"{name}: {folder} is absent")
            continue
        s = score(name, _ingest(folder))
        print(f"{name}: {s.found} relations found, {s.right} in the key; key {s.keyed}, {s.matched} found: "
              f"precision {s.precision:.3f}, recall {s.recall:.3f} ({s.unordered} found without their order)")
        for line in s.wrong:
            print("  not in the key:", line)
        for line in s.missed:
            print("  missed:", line)


def test_successive_plans_are_a_series_in_the_order_of_their_periods_whether_named_by_years_or_五年(tmp_path):
    seed = (REPO / "corpus" / "001_cb65ab459c5c236d.txt").read_text(encoding="utf-8").splitlines()
    plan = "\n".join(seed[8:35])  # the 人事部 “十一五” plan, from its title line to the next document
    assert plan.startswith("“十一五”全国人事干部教育培训规划")
    for name, title in (("a.txt", "“十三五”全国人事干部教育培训规划"), ("b.txt", "2011—2015年全国人事干部教育培训规划"),
                        ("c.txt", "“十一五”全国人事干部教育培训规划")):
        (tmp_path / name).write_text(plan.replace("“十一五”全国人事干部教育培训规划", title, 1) + "\n"
                                     + f"本规划由{name}印发。\n", encoding="utf-8")
    documents = {d.file: d for d in _ingest(tmp_path)}
    series = [(documents_by_id(documents)[r.source_id], documents_by_id(documents)[r.target_id], r.ordered)
              for r in find_relations(list(documents.values())) if r.kind == "series"]
    assert series == [("c.txt", "b.txt", True), ("b.txt", "a.txt", True)]


def documents_by_id(documents: dict[str, Document]) -> dict[str, str]:
    return {d.id: f for f, d in documents.items()}
