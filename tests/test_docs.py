"""The docs refer only to files a clone of the repository has."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
EXTENSIONS = "py|md|jsonl|json|txt|ipynb|js|css|html|toml|png|sh|cfg|ini|yml|yaml"
LINK = re.compile(r"\]\(([^)\s]+)\)")
# a path: ../x/y, a/b/c(.ext), or a bare file name with one of the extensions above
PLACEHOLDERS = {"QUERIES.jsonl"}  # names that stand for the user's own file in a command synopsis
PATH = re.compile(rf"(?<![\w./@:-])((?:\.\./)+[\w.-]+(?:/[\w.-]+)*|[\w.-]+(?:/[\w.-]+)+/?|[\w-]+\.(?:{EXTENSIONS}))(?![\w/-])")


def repository_files() -> set[str]:
    """Paths the repository holds (tracked files and their folders); the checkout's files without git."""
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
        files = set(listed.splitlines())
    except (OSError, subprocess.CalledProcessError):
        files = {str(p.relative_to(REPO)) for p in REPO.rglob("*") if p.is_file() and ".venv" not in p.parts}
    folders = {str(Path(f).parents[i]) for f in files for i in range(len(Path(f).parts) - 1)}
    return files | folders


def references(doc: Path) -> list[tuple[int, str]]:
    out = []
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        for target in LINK.findall(line):
            if not re.match(r"[a-z]+:|#|/", target):
                out.append((number, "link:" + target.split("#")[0]))
        out.extend((number, m.group(1).rstrip(".")) for m in PATH.finditer(LINK.sub("", line)))
    return out


def problems(doc: Path, have: set[str]) -> list[str]:
    names = {Path(f).name for f in have}
    top = {Path(f).parts[0] for f in have}
    found = []
    for number, ref in references(doc):
        where = f"{doc.relative_to(REPO)}:{number}: {ref.removeprefix('link:')}"
        if ref.startswith("link:"):
            target = (doc.parent / ref[5:]).resolve()
            if not target.is_relative_to(REPO) or str(target.relative_to(REPO)) not in have:
                found.append(where + " (link target missing)")
        elif ref.startswith("../"):
            # outside the repository (../shared): fine, unless the repository ships that file itself
            if Path(ref).name in names and "." in Path(ref).name:
                found.append(where + " (the repository has its own copy: point at it)")
        elif "/" in ref.rstrip("/"):
            if ref.split("/")[0] in top and ref.rstrip("/") not in have:
                found.append(where + " (no such file in the repository)")
        elif ref not in names and ref not in PLACEHOLDERS:
            found.append(where + " (no file of that name in the repository)")
    return found


def test_every_file_the_readme_and_docs_name_is_in_the_repository():
    have = repository_files()
    found = [p for doc in DOCS for p in problems(doc, have)]
    assert not found, "docs refer to files a clone does not have:\n" + "\n".join(found)


def test_the_path_check_catches_a_missing_file_a_bad_link_and_a_copy_kept_elsewhere(tmp_path):
    doc = REPO / "docs" / "_probe.md"
    lines = ["see `service/nothing_here.py` and [guide](missing.md) and DESIGN.md,",
             "run `policykb eval ../shared/eval/seed_queries.jsonl`; fine: `search/highlight.py`,",
             "[api](api.md), ../shared/corpora/laws-and-policies, /api/search, http://x/docs/a.md"]
    doc.write_text("\n".join(lines), encoding="utf-8")
    try:
        found = problems(doc, repository_files())
    finally:
        doc.unlink()
    assert sorted(f.split(": ", 1)[1].split(" (")[0] for f in found) == sorted([
        "service/nothing_here.py", "missing.md", "DESIGN.md", "../shared/eval/seed_queries.jsonl"])
