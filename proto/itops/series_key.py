"""The canonical series key of the wire contract: ``name{a="1",b="2"}``, labels sorted by name.

Values are escaped as in the Prometheus text exposition format. The agent formats keys with this
module; the collector parses and validates them (``itops.collector.validation``).
"""

from __future__ import annotations

__all__ = ["format_series_key", "escape_label_value"]

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n"})


def escape_label_value(value: str) -> str:
    return value.translate(_ESCAPES)


def format_series_key(name: str, labels: dict[str, str]) -> str:
    if not labels:
        return name
    body = ",".join(f'{key}="{escape_label_value(labels[key])}"' for key in sorted(labels))
    return f"{name}{{{body}}}"
