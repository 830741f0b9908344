"""What each metric means to a person: its unit and its name in zh-CN and en, and the words for yes/no and state
values — on_battery 0 → ``on mains`` — so a value reads the same in the console, the CLI and alert annotations.

The names, units and words are data (``metric_catalogue.yaml``, one entry per metric the agent sends and per key
reading the console shows); the units' ways of writing are ``itops.common.units``. A metric the catalogue does
not know is written by its Prometheus unit suffix (``_bytes``, ``_seconds``, ``_ratio``, ``_celsius``, ``_total`` …).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import msgspec

from itops.common.units import Language, Unit, format_in_unit
from itops.common.yaml_config import load_file

__all__ = ["CATALOGUE_FILE", "Catalogue", "MetricEntry", "Words", "catalogue", "format_value",
           "metric_entry", "metric_name"]

CATALOGUE_FILE = Path(__file__).with_name("metric_catalogue.yaml")


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


def metric_name(metric: str, language: Language) -> str:
    return metric_entry(metric).name(language)


def format_value(entry: MetricEntry | str, value: float, language: Language,
                 labels: Mapping[str, str] | None = None) -> str:
    """``value`` written in ``entry``'s unit (an entry or a metric name), yes/no and states in the entry's words."""
    if isinstance(entry, str):
        entry = metric_entry(entry)
    if entry.unit in ("bool", "state") and math.isfinite(value):
        return _words(entry, value, language, labels or {})
    return format_in_unit(entry.unit, value, language)


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
