"""Markdown reader. Line N is line N of the file, as for .txt.

A YAML front matter block (`---` on the first line, closed by `---` or `...`) is parsed
with yaml.safe_load into `front_matter`; its lines stay in `lines` (so numbering matches
the file), `front_matter_lines` gives its span and `body_start` the first line after it.
ATX headings (`#` .. `######`, outside fenced code) are recorded in `heading_levels`;
the line text keeps its `#`s. A malformed front matter is a warning, not a failure; so is
a date that YAML reads as a timestamp but no calendar has (`2024-13-45`): it stays the
text it is, and metadata reports the date as unknown. A front matter that uses YAML
aliases (`*name`) is ignored with a warning: an alias repeats a value, so a few lines of
nested aliases (a "billion laughs" block) expand to millions of characters, and
metadata needs none.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from policykb.ingest.encoding import decode_text
from policykb.ingest.formats.txt import split_lines
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

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def read(path: Path, data: bytes) -> SourceText:
    decoded = decode_text(data, str(path))
    text, encoding = decoded.text, decoded.encoding
    lines = split_lines(text)
    source = SourceText(path=str(path), format="md", lines=lines, encoding=encoding,
                        warnings=list(decoded.warnings))
    read_front_matter(source, path)
    source.heading_levels = _headings(lines, source.body_start)
    return source


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


def _headings(lines: list[str], body_start: int) -> dict[int, int]:
    levels: dict[int, int] = {}
    fence: str | None = None
    for number in range(body_start, len(lines) + 1):
        line = lines[number - 1]
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker[0] * 3
            elif marker.startswith(fence):
                fence = None
            continue
        if fence is None:
            heading = _HEADING.match(line)
            if heading:
                levels[number] = len(heading.group(1))
    return levels
