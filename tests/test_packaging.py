"""policykb installs as one `policykb` package: no top-level `text`, `ingest`, `index`, `search` or `service`.

The full user path (a wheel, a new venv, `policykb serve` in an empty folder) is `.ci/wheel_smoke`,
which CI runs; these tests check the wheel's contents and that no sub-package is left out.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FOLDERS = {"text": "policykb.text", "ingest": "policykb.ingest", "index": "policykb.index",
           "search": "policykb.search", "service": "policykb.service"}


def _config() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_folder_is_installed_under_the_policykb_namespace():
    listed = set(_config()["packages"])
    for folder, package in FOLDERS.items():
        for init in (REPO / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(REPO / folder)
            name = ".".join([package, *relative.parts])
            assert name in listed, f"{init.parent} is not in pyproject.toml's packages: add {name!r}"
    assert all(name.startswith("policykb.") for name in listed)


@pytest.mark.slow
def test_the_wheel_holds_policykb_with_its_data_and_nothing_at_the_top_level(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), str(REPO)], check=True)
    (wheel,) = tmp_path.glob("policykb-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert not tops & {"text", "index", "ingest", "search", "service", "corpus", "tests"}
    for needed in ["policykb/service/cli.py", "policykb/service/static/index.html", "policykb/service/static/embed.js",
                   "policykb/text/data/policy_dict.txt", "policykb/text/data/lay_legal_lexicon.txt",
                   "policykb/corpus/000_3adddd7c9c291dd6.txt",
                   "policykb/index/embedders/adapters/stard-lay-query-v1/adapter_model.safetensors"]:
        assert needed in names, f"{needed} is missing from the wheel"
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "policykb = policykb.service.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
