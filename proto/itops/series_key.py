"""The canonical series key of the wire contract: ``name{a="1",b="2"}``, labels sorted by name.

``itops_host_filesystem_free_bytes{device="/dev/sda1",mountpoint="/"}`` — labels sorted by name, each
once, values escaped as in the Prometheus exposition format (``\\\\``, ``\\"``, ``\\n``); a series without
labels is the bare name. The agent formats keys (``format_series_key``) and checks each new series
(``series_problem``); the collector parses them (``parse_series_key``, which accepts only the canonical form,
so one series has one key) and validates them (``itops.collector.ingest.validation``).
"""

from __future__ import annotations

import re

__all__ = ["CONTROL_CHARACTERS_RE", "LABEL_NAME_RE", "METRIC_NAME_RE", "MULTI_LINE_CONTROL_CHARACTERS_RE", "RESERVED_LABEL",
           "control_character_problem", "escape_label_value", "format_series_key", "parse_series_key", "series_problem"]

METRIC_NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
RESERVED_LABEL = "agent"  # the collector adds it from the authenticated identity
MAX_METRIC_NAME_LENGTH = 200
MAX_LABEL_VALUE_LENGTH = 1024
# Control characters (C0, DEL, C1) would reach an admin's terminal through a label or a message. Label values and
# multi-line text (check messages) may hold tab, newline and carriage return; other text none.
CONTROL_CHARACTERS_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MULTI_LINE_CONTROL_CHARACTERS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n"})


def escape_label_value(value: str) -> str:
    return value.translate(_ESCAPES)


def format_series_key(name: str, labels: dict[str, str]) -> str:
    if not labels:
        return name
    body = ",".join(f'{key}="{escape_label_value(labels[key])}"' for key in sorted(labels))
    return f"{name}{{{body}}}"


def control_character_problem(value: str, multi_line: bool) -> str | None:
    """Which control character ``value`` holds and where, or None."""
    control = (MULTI_LINE_CONTROL_CHARACTERS_RE if multi_line else CONTROL_CHARACTERS_RE).search(value)
    if control is None:
        return None
    allowed = "only tab, newline and carriage return are allowed" if multi_line else "none is allowed"
    return f"has control character U+{ord(control.group()):04X} at offset {control.start()}; of the control characters {allowed}"


def series_problem(name: str, labels: dict[str, str]) -> str | None:
    """Why the collector's default rules would reject this series, or None. The agent checks each new
    series once, so one plugin's bad sample never costs the rest of the batch."""
    if not METRIC_NAME_RE.fullmatch(name) or len(name) > MAX_METRIC_NAME_LENGTH:
        return f"metric name {name[:80]!r} is not a valid Prometheus name"
    for label, value in labels.items():
        if not LABEL_NAME_RE.fullmatch(label) or label.startswith("__") or label == RESERVED_LABEL:
            return f"label name {label[:80]!r} is not allowed"
        if not value or len(value) > MAX_LABEL_VALUE_LENGTH or control_character_problem(value, multi_line=True):
            return f"label {label!r} has an empty, too long or control-character value"
    return None


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
