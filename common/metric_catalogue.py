"""The registry of every metric itops emits, and what each means to a person: its type, the labels its series
carry, what it measures, its unit and its name in zh-CN and en, and the words for yes/no and state values —
on_battery 0 → ``on mains`` — so a value reads the same in the console, the CLI and alert annotations.

The entries are data (``metric_catalogue.yaml``, one per metric the agent sends or the collector exports, and
one per key reading the console shows); the units' ways of writing are ``itops.common.units``. A metric the
catalogue does not know is written by its Prometheus unit suffix (``_bytes``, ``_seconds``, ``_ratio`` …).

The registry also gives each metric its InfluxDB line-protocol shape: the longest listed measurement that
prefixes its name, and the rest as the field, so VictoriaMetrics' ``<measurement>_<field>`` is the metric name.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from itops.common.units import Language, Unit, format_in_unit
from itops.common.yaml_config import load_file

__all__ = ["ASSET_LABELS", "BUCKET_LABEL", "CATALOGUE_FILE", "COMMON_LABELS", "HISTOGRAM_SERIES_SUFFIXES", "Catalogue", "LabelEntry",
           "MetricEntry", "MetricType", "Words", "catalogue", "format_value", "line_protocol_shape", "measurement_tags",
           "metric_entry", "metric_name", "metric_spec"]

CATALOGUE_FILE = Path(__file__).with_name("metric_catalogue.yaml")

MetricType = Literal["gauge", "counter", "info", "stateset", "histogram"]
# The series a histogram is exported as, besides none of its own name; the buckets carry ``le``.
HISTOGRAM_SERIES_SUFFIXES = ("_bucket", "_sum", "_count")
BUCKET_LABEL = "le"


class Words(msgspec.Struct, forbid_unknown_fields=True, rename={"zh_cn": "zh-CN"}):
    zh_cn: Annotated[str, msgspec.Meta(description="the text in Chinese")]
    en: Annotated[str, msgspec.Meta(description="the text in English")]

    def __call__(self, language: Language) -> str:
        return self.zh_cn if language == "zh-CN" else self.en


class MetricEntry(msgspec.Struct, forbid_unknown_fields=True, rename={"zh_cn": "zh-CN"}):
    unit: Annotated[Unit, msgspec.Meta(description="how a value is written")]
    zh_cn: Annotated[str, msgspec.Meta(description="the metric's name in Chinese")]
    en: Annotated[str, msgspec.Meta(description="the metric's name in English")]
    # A key reading is shown, not emitted: it has no type, labels or help of its own.
    type: Annotated[MetricType | None, msgspec.Meta(description="gauge, counter, info, stateset or histogram")] = None
    labels: Annotated[tuple[str, ...], msgspec.Meta(
        description="the labels its series carry besides the common labels")] = ()
    help: Annotated[Words | None, msgspec.Meta(description="what it measures, in what unit")] = None
    emitted_by: Annotated[Literal["agent", "collector"], msgspec.Meta(
        description="who emits it: the agent, or the collector on its /metrics")] = "agent"
    measurement: Annotated[str | None, msgspec.Meta(description="its InfluxDB measurement, when not the longest "
                                                    "listed measurement that prefixes its name")] = None
    label: Annotated[str | None, msgspec.Meta(description="state sets: the label that names the state")] = None
    values: Annotated[dict[str, Words], msgspec.Meta(
        description="bool: the words for 0 and 1; state: the words for each state")] = {}

    def name(self, language: Language) -> str:
        return self.zh_cn if language == "zh-CN" else self.en


class LabelEntry(msgspec.Struct, forbid_unknown_fields=True):
    asset: Annotated[bool, msgspec.Meta(description="an asset label, set from the agent's or the device's configuration")]
    help: Annotated[Words, msgspec.Meta(description="what the label says")]


class Catalogue(msgspec.Struct, forbid_unknown_fields=True):
    common_labels: Annotated[dict[str, LabelEntry], msgspec.Meta(description="labels any series may carry")]
    measurements: Annotated[list[str], msgspec.Meta(description="the InfluxDB measurements metrics are grouped in")]
    metrics: Annotated[dict[str, MetricEntry], msgspec.Meta(description="every metric itops emits")]
    readings: Annotated[dict[str, MetricEntry], msgspec.Meta(description="every key reading of an entity")]


@functools.cache
def catalogue() -> Catalogue:
    return load_file(CATALOGUE_FILE, Catalogue)


def metric_spec(name: str) -> MetricEntry | None:
    """The registry's entry of ``name``, or None for a metric itops does not emit."""
    return catalogue().metrics.get(name)


def line_protocol_shape(name: str) -> tuple[str, str]:
    """(measurement, field) of ``name`` in InfluxDB line protocol, with measurement + "_" + field == name: the
    entry's own measurement, else the longest listed one that prefixes the name. A histogram's ``_bucket``,
    ``_sum`` and ``_count`` series go where the histogram does; a metric the registry does not know is split at
    its last "_"."""
    spec = _spec_of_series(name)
    if spec is not None:
        measurement = spec.measurement or next(
            (m for m in _measurements_longest_first() if name.startswith(m + "_")), None)
        if measurement is not None and name.startswith(measurement + "_"):
            return measurement, name[len(measurement) + 1:]
    measurement, _, field = name.rpartition("_")
    return (measurement, field) if measurement and field else (name, "value")


def measurement_tags(measurement: str) -> frozenset[str]:
    """The tag keys a measurement's lines may carry: its metrics' labels and the common labels."""
    return _tags_by_measurement().get(measurement, frozenset(COMMON_LABELS))


def _spec_of_series(name: str) -> MetricEntry | None:
    """The entry of the metric a series belongs to: its own, or its histogram's."""
    spec = metric_spec(name)
    if spec is not None:
        return spec
    base = next((name.removesuffix(suffix) for suffix in HISTOGRAM_SERIES_SUFFIXES if name.endswith(suffix)), None)
    histogram = metric_spec(base) if base else None
    return histogram if histogram is not None and histogram.type == "histogram" else None


@functools.cache
def _measurements_longest_first() -> tuple[str, ...]:
    return tuple(sorted(catalogue().measurements, key=len, reverse=True))


@functools.cache
def _tags_by_measurement() -> dict[str, frozenset[str]]:
    tags: dict[str, set[str]] = {}
    for name, spec in catalogue().metrics.items():
        own = {*spec.labels, *((BUCKET_LABEL,) if spec.type == "histogram" else ())}
        tags.setdefault(line_protocol_shape(name)[0], set(COMMON_LABELS)).update(own)
    return {measurement: frozenset(keys) for measurement, keys in tags.items()}


# Declared once, in the registry's ``common_labels``.
COMMON_LABELS: tuple[str, ...] = tuple(catalogue().common_labels)
ASSET_LABELS: tuple[str, ...] = tuple(name for name, label in catalogue().common_labels.items() if label.asset)


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
