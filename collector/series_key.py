"""Series keys: the canonical Prometheus text form of a metric name and its labels.

``itops_host_filesystem_free_bytes{device="/dev/sda1",mountpoint="/"}`` — labels sorted by name, each
once, values escaped as in the Prometheus exposition format (``\\\\``, ``\\"``, ``\\n``); a series without
labels is the bare name. The parser accepts only this canonical form, so one series has one key.
"""

from __future__ import annotations

import re

from itops.series_key import LABEL_NAME_RE, METRIC_NAME_RE, format_series_key

__all__ = ["METRIC_NAME_RE", "LABEL_NAME_RE", "parse_series_key", "format_series_key"]

# One label pair; the value is matched up to its closing quote, escapes are checked by _unescape.
_LABEL_PAIR_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="([^"\\]*(?:\\.[^"\\]*)*)"', re.DOTALL)
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)
_UNESCAPED = {"\\": "\\", '"': '"', "n": "\n"}


def parse_series_key(key: str) -> tuple[str, dict[str, str]]:
    """``(name, labels)`` of a canonical key; ValueError naming the position of the first problem."""
    name_match = METRIC_NAME_RE.match(key)
    if not name_match:
        raise ValueError("position 0: a metric name must start with a letter, '_' or ':'")
    name = name_match.group()
    position = name_match.end()
    if position == len(key):
        return name, {}
    if key[position] != "{":
        raise ValueError(f"position {position}: expected '{{' or the end of the key, found {key[position]!r}")
    return name, _parse_labels(key, position + 1)


def _parse_labels(key: str, position: int) -> dict[str, str]:
    labels: dict[str, str] = {}
    previous = ""
    while True:
        pair = _LABEL_PAIR_RE.match(key, position)
        if not pair:
            raise ValueError(f'position {position}: expected a label written as name="value"')
        label, escaped = pair.groups()
        if label <= previous:
            raise ValueError(
                f"position {position}: label {label!r} follows {previous!r}; labels must be sorted by name and unique"
            )
        labels[label] = _unescape(escaped, pair.start(2))
        previous = label
        position = pair.end()
        if key.startswith(",", position):
            position += 1
        elif key.startswith("}", position) and position + 1 == len(key):
            return labels
        else:
            raise ValueError(f"position {position}: expected ',' or a closing '}}' at the end of the key")


def _unescape(escaped: str, offset: int) -> str:
    if "\\" not in escaped:
        return escaped
    for escape in _ESCAPE_RE.finditer(escaped):
        if escape.group(1) not in _UNESCAPED:
            raise ValueError(
                f"position {offset + escape.start()}: unknown escape {escape.group()!r}; only \\\\, \\\" and \\n are allowed"
            )
    return _ESCAPE_RE.sub(lambda escape: _UNESCAPED[escape.group(1)], escaped)
