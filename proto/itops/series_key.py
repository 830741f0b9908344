"""The canonical series key of the wire contract: ``name{a="1",b="2"}``, labels sorted by name.

Values are escaped as in the Prometheus text exposition format. The agent formats keys with this
module; the collector parses and validates them (``itops.collector.validation``).
"""

from __future__ import annotations

import re

__all__ = ["METRIC_NAME_RE", "LABEL_NAME_RE", "RESERVED_LABEL", "format_series_key", "escape_label_value", "series_problem"]

METRIC_NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
RESERVED_LABEL = "agent"  # the collector adds it from the authenticated identity
MAX_METRIC_NAME_LENGTH = 200
MAX_LABEL_VALUE_LENGTH = 1024
_FORBIDDEN_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n"})


def escape_label_value(value: str) -> str:
    return value.translate(_ESCAPES)


def format_series_key(name: str, labels: dict[str, str]) -> str:
    if not labels:
        return name
    body = ",".join(f'{key}="{escape_label_value(labels[key])}"' for key in sorted(labels))
    return f"{name}{{{body}}}"


def series_problem(name: str, labels: dict[str, str]) -> str | None:
    """Why the collector's default rules would reject this series, or None. The agent checks each new
    series once, so one plugin's bad sample never costs the rest of the batch."""
    if not METRIC_NAME_RE.fullmatch(name) or len(name) > MAX_METRIC_NAME_LENGTH:
        return f"metric name {name[:80]!r} is not a valid Prometheus name"
    for label, value in labels.items():
        if not LABEL_NAME_RE.fullmatch(label) or label.startswith("__") or label == RESERVED_LABEL:
            return f"label name {label[:80]!r} is not allowed"
        if not value or len(value) > MAX_LABEL_VALUE_LENGTH or _FORBIDDEN_CONTROL_RE.search(value):
            return f"label {label!r} has an empty, too long or control-character value"
    return None
