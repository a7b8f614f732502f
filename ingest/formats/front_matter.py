"""YAML front matter at the top of a .txt or .md file (`---` on the first line, closed by `---` or `...`).

It is parsed with a safe loader into the SourceText's `front_matter`; its lines stay in `lines` (so
numbering matches the file), `front_matter_lines` gives its span and `body_start` the first line after
it. A malformed front matter is a warning, not a failure; so is a date that YAML reads as a timestamp
but no calendar has (`2024-13-45`): it stays the text it is, and metadata reports the date as unknown.
A front matter that uses YAML aliases (`*name`) is ignored with a warning: an alias repeats a value, so
a few lines of nested aliases (a "billion laughs" block) expand to millions of characters, and
metadata needs none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from policykb.ingest.model import SourceText


class AliasRefused(yaml.YAMLError):
    """Front matter that uses a YAML alias (see the module docstring)."""

    def __init__(self, anchor: str, line: int) -> None:
        super().__init__(f"*{anchor}")
        self.anchor, self.line = anchor, line


class _FrontMatterLoader(yaml.SafeLoader):
    """yaml.SafeLoader, except that a timestamp that is no real date stays a string and an
    alias is refused (AliasRefused) before anything is built from it."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise AliasRefused(event.anchor, event.start_mark.line + 1)
        return super().compose_node(parent, index)

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:  # 2024-13-45, 2024-02-30: month or day out of range
            return self.construct_scalar(node)


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _FrontMatterLoader.construct_yaml_timestamp)


def read_front_matter(source: SourceText, path: Path) -> None:
    """Fill `source`'s front matter fields from a YAML block at its top, if there is one."""
    lines = source.lines
    span = _front_matter_span(lines)
    if span is not None:
        start, end = span
        source.front_matter_lines = span
        source.body_start = end + 1
        meta, warning = _parse_front_matter("\n".join(lines[start:end - 1]), path, span)
        source.front_matter = meta
        if warning:
            source.warnings.append(warning)


def _front_matter_span(lines: list[str]) -> tuple[int, int] | None:
    """1-based (first, last) line of a front matter block at the top, or None."""
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return 1, index + 1
    return None


def _parse_front_matter(block: str, path: Path, span: tuple[int, int]) -> tuple[dict[str, Any], str | None]:
    where = f"{path}: front matter (lines {span[0]}-{span[1]})"
    try:
        meta = yaml.load(block, Loader=_FrontMatterLoader) if block.strip() else {}
    except AliasRefused as err:
        return {}, (f"{where} uses the YAML alias *{err.anchor} (line {span[0] + err.line} of the file); "
                    f"aliases repeat values and a few of them can expand to millions of characters, so the "
                    f"front matter was ignored; write each value out in full to use it")
    except (yaml.YAMLError, ValueError, TypeError) as err:  # ValueError: e.g. `!!int x`
        reason = str(err).replace("\n", " ")
        return {}, f"{where} is not valid YAML and was ignored: {reason}"
    if meta is None:
        return {}, None
    if not isinstance(meta, dict):
        return {}, f"{where} is not a key: value mapping and was ignored"
    # YAML turns dates into date objects; keys become strings so the metadata is plain data.
    return {str(key): value for key, value in meta.items()}, None
