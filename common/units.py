"""How a value is written in its unit, in zh-CN or en — the one formatter of the product: 0.18 ratio → ``18 %``,
4560 seconds → ``1 h 16 min`` / ``1 小时 16 分``, 1536 bytes → ``1.5 KiB``, 12.5e6 bytes/s of a link → ``100 Mbit/s``.

The console and the CLI (through the metric catalogue), alert annotations (the template filters) and
notifications all write values here, so one value reads the same wherever it is shown. Yes/no and state
words belong to a metric, not to a unit: the metric catalogue writes those.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal, get_args

__all__ = ["LANGUAGES", "Language", "Unit", "format_duration", "format_in_unit", "format_number", "format_percent"]

Language = Literal["zh-CN", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)

Unit = Literal["ratio", "humidity_ratio", "seconds", "bytes", "bytes_per_second", "link_speed", "per_second", "celsius",
               "volts", "amperes", "watts", "hertz", "pages", "count", "number", "code", "bool", "state", "info"]


def format_number(value: float, decimals: int = 1) -> str:
    """Grouped thousands, at most ``decimals`` decimals, no trailing zeros: 12345.0 → ``12,345``."""
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_percent(ratio: float) -> str:
    """A ratio as a percentage with its sign: 0.931 → ``93.1 %``."""
    return f"{format_number(ratio * 100, 1)} %"


_BINARY_PREFIXES = ("", "Ki", "Mi", "Gi", "Ti", "Pi")
_DECIMAL_PREFIXES = ("", "k", "M", "G", "T")


def _scaled(value: float, base: int, prefixes: tuple[str, ...]) -> tuple[float, str]:
    step = 0
    while abs(value) >= base and step < len(prefixes) - 1:
        value, step = value / base, step + 1
    return value, prefixes[step]


def _bytes(value: float) -> str:
    size, prefix = _scaled(value, 1024, _BINARY_PREFIXES)
    return f"{format_number(size, 1 if prefix else 0)} {prefix}B"


def _bits_per_second(bytes_per_second: float) -> str:
    rate, prefix = _scaled(bytes_per_second * 8, 1000, _DECIMAL_PREFIXES)
    return f"{format_number(rate, 1)} {prefix}bit/s"


# (seconds, zh-CN word, en word), largest first
_DURATION_UNITS = ((86400, "天", "d"), (3600, "小时", "h"), (60, "分", "min"), (1, "秒", "s"))


def format_duration(value: float, language: Language) -> str:
    """The two largest units: 4560 → ``1 h 16 min`` / ``1 小时 16 分``; under a second in ms."""
    sign = "-" if value < 0 else ""
    seconds = abs(value)
    if 0 < seconds < 1:
        return f"{sign}{format_number(seconds * 1000, 0)} {'毫秒' if language == 'zh-CN' else 'ms'}"
    remaining = round(seconds)
    parts = []
    for size, zh, en in _DURATION_UNITS:
        if remaining >= size or (size == 1 and not parts):
            parts.append(f"{remaining // size} {zh if language == 'zh-CN' else en}")
            remaining %= size
    return sign + " ".join(parts[:2])


def _counted(zh: str, en_one: str, en_many: str) -> Callable[[float, Language], str]:
    def write(value: float, language: Language) -> str:
        number = format_number(value, 0)
        if language == "zh-CN":
            return f"{number} {zh}"
        return f"{number} {en_one if number == '1' else en_many}"
    return write


def _suffixed(suffix: str, decimals: int = 1) -> Callable[[float, Language], str]:
    return lambda value, language: f"{format_number(value, decimals)} {suffix}"


_WRITERS: dict[str, Callable[[float, Language], str]] = {
    "ratio": lambda value, language: format_percent(value),
    "humidity_ratio": lambda value, language: f"{format_number(value * 100, 1)} %RH",
    "seconds": format_duration,
    "bytes": lambda value, language: _bytes(value),
    "bytes_per_second": lambda value, language: f"{_bytes(value)}/s",
    "link_speed": lambda value, language: _bits_per_second(value),
    "per_second": lambda value, language: f"{format_number(value, 1)} {'次/秒' if language == 'zh-CN' else '/s'}",
    "celsius": _suffixed("°C"),
    "volts": _suffixed("V"),
    "amperes": _suffixed("A"),
    "watts": _suffixed("W", 0),
    "hertz": _suffixed("Hz"),
    "pages": _counted("页", "page", "pages"),
    "count": lambda value, language: format_number(value, 0),
    "number": lambda value, language: format_number(value, 2),
    "code": lambda value, language: str(int(value)),
    "info": lambda value, language: format_number(value, 0),
}


def format_in_unit(unit: Unit, value: float, language: Language) -> str:
    """``value`` written in ``unit`` (``—`` when it is not a number); bool and state values have no words of their
    own here and read as numbers."""
    if not math.isfinite(value):
        return "—"
    return _WRITERS.get(unit, _WRITERS["number"])(value, language)
