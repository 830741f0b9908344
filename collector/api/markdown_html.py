"""HTML from the small part of Markdown the runbooks are written in: headings (``#`` to ``######``),
paragraphs, bullet lists (``-`` or ``*``), numbered lists (``1.``), ``**bold**`` and ```inline code```.

Every character of the text is escaped; nothing in the source can become markup of its own (raw HTML,
links, images and attributes are not part of the subset and come out as the text they are). A line that
follows a list item without a blank line continues that item, as in Markdown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

__all__ = ["render_markdown"]

_HEADING_RE = re.compile(r"(#{1,6}) +(.*?)[ #]*")
_BULLET_RE = re.compile(r"[-*] +(.*)")
_NUMBERED_RE = re.compile(r"\d{1,9}[.)] +(.*)")
_INLINE_RE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*")


def render_markdown(text: str) -> str:
    return "\n".join(_block_html(kind, lines) for kind, lines in _blocks(text.splitlines()))


def _blocks(lines: list[str]) -> Iterator[tuple[str, list[str]]]:
    """(kind, its lines): ``h1``…``h6`` with one line, ``p`` with its lines, ``ul``/``ol`` with one line per item."""
    kind, content = "", []
    for line in (raw.strip() for raw in lines):
        heading = _HEADING_RE.fullmatch(line)
        item_kind, item = _list_item(line)
        if not line or heading or (item_kind and item_kind != kind):
            if content:
                yield kind, content
            kind, content = "", []
        if heading:
            yield f"h{len(heading.group(1))}", [heading.group(2)]
        elif item_kind:
            kind = item_kind
            content.append(item)
        elif line and kind in ("ul", "ol"):
            content[-1] += "\n" + line
        elif line:
            kind = "p"
            content.append(line)
    if content:
        yield kind, content


def _list_item(line: str) -> tuple[str, str]:
    for kind, pattern in (("ul", _BULLET_RE), ("ol", _NUMBERED_RE)):
        found = pattern.fullmatch(line)
        if found:
            return kind, found.group(1)
    return "", ""


def _block_html(kind: str, lines: list[str]) -> str:
    if kind in ("ul", "ol"):
        items = "".join(f"<li>{_inline_html(item)}</li>" for item in lines)
        return f"<{kind}>{items}</{kind}>"
    text = "\n".join(lines)
    return f"<{kind}>{_inline_html(text)}</{kind}>"


def _inline_html(text: str) -> str:
    parts, position = [], 0
    for found in _INLINE_RE.finditer(text):
        parts.append(html.escape(text[position:found.start()]))
        code, bold = found.groups()
        parts.append(f"<code>{html.escape(code)}</code>" if code is not None else f"<strong>{_inline_html(bold)}</strong>")
        position = found.end()
    parts.append(html.escape(text[position:]))
    return "".join(parts)
