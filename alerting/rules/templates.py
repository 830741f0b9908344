"""Annotation templates: ``{{ value }}``, ``{{ value | unit }}``, ``{{ labels.host }}``, ``{{ message }}``.

A deliberately tiny language — a name, an optional ``.label``, then at most one filter — so a rule file can never run
code or loop; templates are compiled when the rule is loaded, so a typo is a ``rules check`` error and not
a blank message at 3 a.m.

A template renders in its annotation's language (``summary_zh``, ``description_zh``: zh-CN; the others: en) and
its filters write the value as the console and the CLI do (``itops.common.units``):

- ``unit`` — in the unit of the rule's value: the metric's unit from the metric catalogue (``18 %``, ``42.5 °C``,
  ``on battery``), seconds for ``seconds_until_full`` (``2 d 23 h`` / ``2 天 23 小时``), a count for ``count``,
  per second for ``rate``. Metric rules only: a check or offline rule, or ``absent``, has no unit.
- ``percent`` — a ratio as a percentage: 0.931 → ``93.1 %``.
- ``duration`` — seconds in the two largest units: 4560 → ``1 h 16 min`` / ``1 小时 16 分``.
- ``bytes`` — binary prefixes: 1536 → ``1.5 KiB``.
- ``expiry`` — seconds left until something expires, as the whole phrase, also once it has expired:
  ``expires in 3 d 4 h`` / ``将在 3 天 4 小时后过期``, −3600 → ``expired 1 h ago`` / ``已过期 1 小时``.

A bare ``{{ value }}`` is the number alone (at most four decimals): use it for values without a unit only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from itops.common.units import Language, format_duration, format_in_unit, format_number, format_percent

__all__ = ["FILTERS", "Template", "TemplateError", "ValueWriter", "compile_template"]

_PLACEHOLDER_RE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_EXPRESSION_RE = re.compile(r"^\s*(value|message|labels\.[a-zA-Z_][a-zA-Z0-9_]*)\s*(?:\|\s*([a-z_]+)\s*)?$")

ValueWriter = Callable[[float, Language, Mapping[str, str]], str]  # (value, language, the alert's labels) → text

FILTERS: dict[str, ValueWriter | None] = {
    "unit": None,  # the rule's own writer, given to compile_template
    "percent": lambda value, language, labels: format_percent(value),
    "duration": lambda value, language, labels: format_duration(value, language),
    "bytes": lambda value, language, labels: format_in_unit("bytes", value, language),
    "expiry": lambda value, language, labels: _expiry(value, language),
}


def _expiry(seconds_left: float, language: Language) -> str:
    left = format_duration(abs(seconds_left), language)
    if seconds_left < 0:
        return f"已过期 {left}" if language == "zh-CN" else f"expired {left} ago"
    return f"将在 {left}后过期" if language == "zh-CN" else f"expires in {left}"


def _plain_number(value: float, language: Language, labels: Mapping[str, str]) -> str:
    return format_number(value, 4)


class TemplateError(ValueError):
    """A template that cannot be compiled: unclosed braces, an unknown variable or filter."""


@dataclass(frozen=True, slots=True)
class _Placeholder:
    variable: str  # "value", "message" or a label name after "labels."
    write: ValueWriter = _plain_number

    def render(self, value: float | None, labels: dict[str, str], message: str, language: Language) -> str:
        if self.variable == "message":
            return message
        if self.variable.startswith("labels."):
            return labels.get(self.variable[len("labels."):], "")
        if value is None:
            return "n/a"
        return self.write(value, language, labels)


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    parts: tuple[str | _Placeholder, ...]

    def render(self, value: float | None = None, labels: dict[str, str] | None = None, message: str = "",
               language: Language = "en") -> str:
        labels = labels or {}
        return "".join(part if isinstance(part, str) else part.render(value, labels, message, language)
                       for part in self.parts)


def compile_template(source: str, unit: ValueWriter | None = None) -> Template:
    """``unit`` writes the rule's value in its unit for the ``unit`` filter (None: the rule's value has no unit)."""
    parts: list[str | _Placeholder] = []
    position = 0
    for match in _PLACEHOLDER_RE.finditer(source):
        parts.append(source[position:match.start()])
        parts.append(_compile_placeholder(match.group(1), unit))
        position = match.end()
    rest = source[position:]
    if "{{" in rest or "}}" in rest:
        raise TemplateError("unbalanced '{{' or '}}'")
    parts.append(rest)
    return Template(source, tuple(part for part in parts if part != ""))


def _compile_placeholder(expression: str, unit: ValueWriter | None) -> _Placeholder:
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
    write = FILTERS[filter_name] or unit
    if write is None:
        raise TemplateError("the unit filter needs a metric rule whose value has a unit (not a check or offline "
                            "rule, nor absent); use duration, percent or bytes, or a bare value")
    return _Placeholder(variable, write)
