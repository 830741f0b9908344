"""Annotation templates: ``{{ value }}``, ``{{ value | percent }}``, ``{{ labels.host }}``, ``{{ message }}``.

A deliberately tiny language — a name, an optional ``.label``, then at most one filter — so a rule file can never run
code or loop; templates are compiled when the rule is loaded, so a typo is a ``rules check`` error and not
a blank message at 3 a.m.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

__all__ = ["FILTERS", "Template", "TemplateError", "compile_template", "format_number"]

_PLACEHOLDER_RE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_EXPRESSION_RE = re.compile(r"^\s*(value|message|labels\.[a-zA-Z_][a-zA-Z0-9_]*)\s*(?:\|\s*([a-z_]+)\s*)?$")
_BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
_DURATION_UNITS_S = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


class TemplateError(ValueError):
    """A template that cannot be compiled: unclosed braces, an unknown variable or filter."""


def format_number(value: float) -> str:
    """At most four decimals and no trailing zeros: 0.95 → ``0.95``, 3.0 → ``3``."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _percent(value: float) -> str:
    return f"{format_number(round(value * 100, 1))}%"


def _bytes(value: float) -> str:
    size, unit = float(value), 0
    while abs(size) >= 1024 and unit < len(_BINARY_UNITS) - 1:
        size, unit = size / 1024, unit + 1
    return f"{format_number(round(size, 1))} {_BINARY_UNITS[unit]}"


def _duration(value: float) -> str:
    """The two largest units: 3725 s → ``1h 2m``; under a second → ``0s``."""
    remaining = int(round(value))
    parts = []
    for unit, seconds in _DURATION_UNITS_S:
        if remaining >= seconds:
            parts.append(f"{remaining // seconds}{unit}")
            remaining %= seconds
    return " ".join(parts[:2]) or "0s"


FILTERS: dict[str, Callable[[float], str]] = {"percent": _percent, "bytes": _bytes, "duration": _duration}


@dataclass(frozen=True, slots=True)
class _Placeholder:
    variable: str  # "value", "message" or a label name after "labels."
    filter: Callable[[float], str] = format_number

    def render(self, value: float | None, labels: dict[str, str], message: str) -> str:
        if self.variable == "message":
            return message
        if self.variable.startswith("labels."):
            return labels.get(self.variable[len("labels."):], "")
        if value is None:
            return "n/a"
        return self.filter(value)


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    parts: tuple[str | _Placeholder, ...]

    def render(self, value: float | None = None, labels: dict[str, str] | None = None, message: str = "") -> str:
        labels = labels or {}
        return "".join(part if isinstance(part, str) else part.render(value, labels, message) for part in self.parts)


def compile_template(source: str) -> Template:
    parts: list[str | _Placeholder] = []
    position = 0
    for match in _PLACEHOLDER_RE.finditer(source):
        parts.append(source[position:match.start()])
        parts.append(_compile_placeholder(match.group(1)))
        position = match.end()
    rest = source[position:]
    if "{{" in rest or "}}" in rest:
        raise TemplateError("unbalanced '{{' or '}}'")
    parts.append(rest)
    return Template(source, tuple(part for part in parts if part != ""))


def _compile_placeholder(expression: str) -> _Placeholder:
    match = _EXPRESSION_RE.match(expression)
    if not match:
        raise TemplateError(f"cannot read '{{{{{expression}}}}}'; expected value, message or labels.NAME, then at most one | filter")
    variable, filter_name = match.group(1), match.group(2)
    if filter_name is None:
        return _Placeholder(variable)
    if filter_name not in FILTERS:
        raise TemplateError(f"unknown filter '{filter_name}'; expected one of: {', '.join(FILTERS)}")
    if variable != "value":
        raise TemplateError(f"filters apply to value only, not to {variable}")
    return _Placeholder(variable, FILTERS[filter_name])
