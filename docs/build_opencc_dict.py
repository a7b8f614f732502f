"""Build text/data/opencc_tw_phrases_rev.txt: OpenCC's TWPhrasesRev without the
Taiwan phrases that are also common mainland words.

tw2sp rewrites Taiwan phrasing into mainland phrasing (資訊→信息, 網路→网络). Some of its
entries are words mainland texts use in their own sense (檔案→文件 breaks 档案法,
建立→创建, 執行→运行, 資料→数据), so tw2sp also rewrites simplified text and makes a
traditional 檔案 miss a simplified 档案. An entry is dropped when the phrase, in
simplified characters, has a jieba dictionary frequency of at least RATIO times that
of its mainland replacement (jieba's dictionary is a mainland word-frequency list).
See docs/normalization.md for the figures that chose RATIO.

Run from the repository root:  .venv/bin/python docs/build_opencc_dict.py
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import jieba
import opencc

RATIO = 0.2
OUT = Path(__file__).resolve().parents[1] / "ingest" / "data" / "opencc_tw_phrases_rev.txt"


def main() -> None:
    clib = Path(opencc.__file__).parent / "clib"
    with tempfile.TemporaryDirectory() as tmp:
        txt = Path(tmp) / "TWPhrasesRev.txt"
        env = {**os.environ, "LD_LIBRARY_PATH": f"{clib / 'lib64'}:{clib / 'lib'}"}
        subprocess.run([str(clib / "bin" / "opencc_dict"), "-i", str(clib / "share/opencc/TWPhrasesRev.ocd2"),
                        "-o", str(txt), "-f", "ocd2", "-t", "text"], check=True, env=env)
        entries = [line.rstrip("\n").split("\t") for line in txt.read_text(encoding="utf-8").splitlines()]
    freq: dict[str, int] = {}
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as f:
        for line in f:
            word, n, *_ = line.split()
            freq[word] = int(n)
    t2s = opencc.OpenCC("t2s")
    kept, dropped = [], []
    for key, values in entries:
        target = values.split()[0]
        common = freq.get(t2s.convert(key), 0) >= RATIO * max(freq.get(t2s.convert(target), 0), 1)
        (dropped if common else kept).append(f"{key}\t{values}\n")
    OUT.write_text("".join(kept), encoding="utf-8")
    print(f"kept {len(kept)}, dropped {len(dropped)} of {len(entries)} -> {OUT}")
    print("dropped:", " ".join(line.split("\t")[0] for line in dropped))


if __name__ == "__main__":
    main()
