"""How a metric's value reads for people: 0.18 ratio → ``18 %``, 4560 seconds → ``1 h 16 min``, on_battery 0 →
``on mains``, with the metric's name in zh-CN or en.

The names, units and words are data (``metric_catalogue.yaml``, one entry per metric the agent sends and per key
reading the console shows); the units' ways of writing are here. A metric the catalogue does not know is
written by its Prometheus unit suffix (``_bytes``, ``_seconds``, ``_ratio``, ``_celsius``, ``_total`` …).
The console gets the texts ready-made in API responses (``reading_texts``), the CLI calls ``format_value``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from itops.alerting.messages import Language
from itops.yamlconf import load_file

__all__ = ["CATALOGUE_FILE", "Catalogue", "MetricEntry", "Unit", "catalogue", "format_value", "metric_entry",
           "metric_name", "reading_entry", "reading_texts"]

CATALOGUE_FILE = Path(__file__).with_name("metric_catalogue.yaml")
LANGUAGES: tuple[Language, ...] = ("zh-CN", "en")

Unit = Literal["ratio", "humidity_ratio", "seconds", "bytes", "bytes_per_second", "link_speed", "per_second", "celsius",
               "volts", "amperes", "watts", "hertz", "pages", "count", "number", "code", "bool", "state", "info"]


class Words(msgspec.Struct, forbid_unknown_fields=True, rename={"zh_cn": "zh-CN"}):
    zh_cn: Annotated[str, msgspec.Meta(description="the text in Chinese")]
    en: Annotated[str, msgspec.Meta(description="the text in English")]

    def __call__(self, language: Language) -> str:
        return self.zh_cn if language == "zh-CN" else self.en


class MetricEntry(msgspec.Struct, forbid_unknown_fields=True, rename={"zh_cn": "zh-CN"}):
    unit: Annotated[Unit, msgspec.Meta(description="how a value is written")]
    zh_cn: Annotated[str, msgspec.Meta(description="the metric's name in Chinese")]
    en: Annotated[str, msgspec.Meta(description="the metric's name in English")]
    label: Annotated[str | None, msgspec.Meta(description="state sets: the label that names the state")] = None
    values: Annotated[dict[str, Words], msgspec.Meta(
        description="bool: the words for 0 and 1; state: the words for each state")] = {}

    def name(self, language: Language) -> str:
        return self.zh_cn if language == "zh-CN" else self.en


class Catalogue(msgspec.Struct, forbid_unknown_fields=True):
    metrics: Annotated[dict[str, MetricEntry], msgspec.Meta(description="every metric the agent sends")]
    readings: Annotated[dict[str, MetricEntry], msgspec.Meta(description="every key reading of an entity")]


@functools.cache
def catalogue() -> Catalogue:
    return load_file(CATALOGUE_FILE, Catalogue)


# Prometheus base-unit suffixes, longest first, for metrics the catalogue does not name.
_SUFFIX_UNITS: tuple[tuple[str, Unit], ...] = (
    ("_bytes_per_second", "bytes_per_second"), ("_per_second", "per_second"), ("_ratio", "ratio"),
    ("_seconds", "seconds"), ("_bytes", "bytes"), ("_celsius", "celsius"), ("_volts", "volts"),
    ("_amperes", "amperes"), ("_watts", "watts"), ("_hertz", "hertz"), ("_total", "count"), ("_info", "info"))


def metric_entry(metric: str) -> MetricEntry:
    """The catalogue's entry, or one made from the name's unit suffix (named by the metric itself)."""
    known = catalogue().metrics.get(metric)
    if known is not None:
        return known
    unit = next((unit for suffix, unit in _SUFFIX_UNITS if metric.endswith(suffix)), "number")
    return MetricEntry(unit=unit, zh_cn=metric, en=metric)


def reading_entry(reading: str) -> MetricEntry:
    return catalogue().readings[reading]


def metric_name(metric: str, language: Language) -> str:
    return metric_entry(metric).name(language)


def reading_texts(reading: str, value: float) -> dict[str, dict[str, str]]:
    """A key reading's name and value in every language, as the API sends them to the console."""
    entry = reading_entry(reading)
    return {"label": {language: entry.name(language) for language in LANGUAGES},
            "text": {language: format_value(entry, value, language) for language in LANGUAGES}}


def format_value(entry: MetricEntry | str, value: float, language: Language,
                 labels: Mapping[str, str] | None = None) -> str:
    """``value`` written in ``entry``'s unit (an entry or a metric name)."""
    if isinstance(entry, str):
        entry = metric_entry(entry)
    if not math.isfinite(value):
        return "—"
    if entry.unit in ("bool", "state"):
        return _words(entry, value, language, labels or {})
    return _WRITERS[entry.unit](value, language)


_YES_NO = {"0": Words(zh_cn="否", en="no"), "1": Words(zh_cn="是", en="yes")}


def _words(entry: MetricEntry, value: float, language: Language, labels: Mapping[str, str]) -> str:
    if entry.unit == "state" and entry.label in labels:
        state = labels[entry.label]
        word = entry.values[state](language) if state in entry.values else state
        return word if value else _not(word, language)
    words = entry.values if entry.unit == "bool" and entry.values else _YES_NO
    return words["1" if value else "0"](language)


def _not(word: str, language: Language) -> str:
    return f"非{word}" if language == "zh-CN" else f"not {word}"


def _number(value: float, decimals: int = 1) -> str:
    """Grouped thousands, at most ``decimals`` decimals, no trailing zeros: 12345.0 → ``12,345``."""
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _percent(value: float) -> str:
    return _number(value * 100, 1)


_BINARY_PREFIXES = ("", "Ki", "Mi", "Gi", "Ti", "Pi")
_DECIMAL_PREFIXES = ("", "k", "M", "G", "T")


def _scaled(value: float, base: int, prefixes: tuple[str, ...]) -> tuple[float, str]:
    step = 0
    while abs(value) >= base and step < len(prefixes) - 1:
        value, step = value / base, step + 1
    return value, prefixes[step]


def _bytes(value: float) -> str:
    size, prefix = _scaled(value, 1024, _BINARY_PREFIXES)
    return f"{_number(size, 1 if prefix else 0)} {prefix}B"


def _bits_per_second(bytes_per_second: float) -> str:
    rate, prefix = _scaled(bytes_per_second * 8, 1000, _DECIMAL_PREFIXES)
    return f"{_number(rate, 1)} {prefix}bit/s"


# (seconds, zh-CN word, en word), largest first
_DURATION_UNITS = ((86400, "天", "d"), (3600, "小时", "h"), (60, "分", "min"), (1, "秒", "s"))


def _duration(value: float, language: Language) -> str:
    """The two largest units: 4560 → ``1 h 16 min`` / ``1 小时 16 分``; under a second in ms."""
    sign = "-" if value < 0 else ""
    seconds = abs(value)
    if 0 < seconds < 1:
        return f"{sign}{_number(seconds * 1000, 0)} {'毫秒' if language == 'zh-CN' else 'ms'}"
    remaining = round(seconds)
    parts = []
    for size, zh, en in _DURATION_UNITS:
        if remaining >= size or (size == 1 and not parts):
            parts.append(f"{remaining // size} {zh if language == 'zh-CN' else en}")
            remaining %= size
    return sign + " ".join(parts[:2])


def _counted(zh: str, en_one: str, en_many: str):
    def write(value: float, language: Language) -> str:
        number = _number(value, 0)
        if language == "zh-CN":
            return f"{number} {zh}"
        return f"{number} {en_one if number == '1' else en_many}"
    return write


def _suffixed(suffix: str, decimals: int = 1):
    return lambda value, language: f"{_number(value, decimals)} {suffix}"


_WRITERS = {
    "ratio": lambda value, language: f"{_percent(value)} %",
    "humidity_ratio": lambda value, language: f"{_percent(value)} %RH",
    "seconds": _duration,
    "bytes": lambda value, language: _bytes(value),
    "bytes_per_second": lambda value, language: f"{_bytes(value)}/s",
    "link_speed": lambda value, language: _bits_per_second(value),
    "per_second": lambda value, language: f"{_number(value, 1)} {'次/秒' if language == 'zh-CN' else '/s'}",
    "celsius": _suffixed("°C"),
    "volts": _suffixed("V"),
    "amperes": _suffixed("A"),
    "watts": _suffixed("W", 0),
    "hertz": _suffixed("Hz"),
    "pages": _counted("页", "page", "pages"),
    "count": lambda value, language: _number(value, 0),
    "number": lambda value, language: _number(value, 2),
    "code": lambda value, language: str(int(value)),
    "info": lambda value, language: _number(value, 0),
}
