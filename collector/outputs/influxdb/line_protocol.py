"""Stored samples as InfluxDB line protocol, the itops schema: one line per sample,

    <measurement>,<tag>=<value>,… <field>=<value> <timestamp ns>

with measurement and field from the metric registry (``line_protocol_shape``: measurement + "_" + field is the
metric's name, which is how VictoriaMetrics names what it receives), the series' labels and ``agent`` as tags,
restricted to what the registry lists for the measurement plus ``extra_tags`` and sorted, and every field a float.

The parsers disagree on backslashes in tag values: InfluxDB 1.x and 2.x keep a backslash as it is (and refuse a
value that ends in one), VictoriaMetrics and InfluxDB 3 read ``\\\\`` as one backslash. ``BACKSLASH_KEPT`` writes for
the first kind (a trailing backslash is left out: ``C:\\`` is written ``C:``), ``BACKSLASH_ESCAPED`` for the second
(exact). Neither can carry a newline in a tag value: it is written as the two characters ``\\n`` (carriage return
``\\r``), as influxdb-client does.

Encoding is on the ingest path, so what depends only on a series key (its line's beginning up to the value) is
worked out once and cached, and an agent's whole key list too, since agents send the same keys batch after batch.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from itops.collector.outputs.base import StoredSamples
from itops.collector.storage.base import LabelsOf
from itops.common.key_cache import KEY_LIST_CACHE_LIMIT, KeyCache
from itops.common.metric_catalogue import line_protocol_shape, measurement_tags

__all__ = ["BACKSLASH_ESCAPED", "BACKSLASH_KEPT", "Dialect", "EncodedBatch", "LineEncoder", "TelegrafLines",
           "line_prefix"]

NS_PER_MS = 1_000_000
AGENT_LABEL = "agent"

TelegrafLines = Callable[[Iterable[tuple[str, Mapping[str, str], int, float]]], list[str]]


@dataclass(frozen=True)
class Dialect:
    """How a parser reads backslashes in tag values (see the module's docstring)."""

    tag_value_escapes: dict[int, str]
    trailing_backslash_kept: bool


_NAME_ESCAPES = {ord(","): r"\,", ord("="): r"\=", ord(" "): r"\ ", ord("\n"): r"\n", ord("\r"): r"\r"}
_MEASUREMENT_ESCAPES = {ord(","): r"\,", ord(" "): r"\ ", ord("\n"): r"\n", ord("\r"): r"\r"}
BACKSLASH_KEPT = Dialect(_NAME_ESCAPES, trailing_backslash_kept=False)
BACKSLASH_ESCAPED = Dialect({ord("\\"): "\\\\", **_NAME_ESCAPES}, trailing_backslash_kept=True)


def line_prefix(metric: str, labels: Mapping[str, str], allowed_tags: Callable[[str], Collection[str]],
                dialect: Dialect) -> str:
    """The line of a sample of this series up to its value: ``measurement,tags field=``."""
    measurement, field = line_protocol_shape(metric)
    allowed = allowed_tags(measurement)
    escaped = ((name, _tag_value(value, dialect)) for name, value in sorted(labels.items()) if name in allowed)
    tags = "".join(f",{name.translate(_NAME_ESCAPES)}={value}" for name, value in escaped if value)
    return f"{measurement.translate(_MEASUREMENT_ESCAPES)}{tags} {field.translate(_NAME_ESCAPES)}="


def _tag_value(value: str, dialect: Dialect) -> str:
    if not dialect.trailing_backslash_kept:
        value = value.rstrip("\\")
    return value.translate(dialect.tag_value_escapes)


@dataclass(frozen=True, slots=True)
class EncodedBatch:
    lines: list[str]
    not_finite: int  # samples left out: NaN and ±Inf have no line protocol


class LineEncoder:
    """Lines of stored batches. With ``telegraf_lines``, the samples of metrics starting ``telegraf_prefix`` are
    handed to it (the Telegraf schema) and the rest written in the itops schema."""

    def __init__(self, labels_of: LabelsOf, extra_tags: Collection[str], dialect: Dialect,
                 telegraf_lines: TelegrafLines | None = None, telegraf_prefix: str = ""):
        self._labels_of = labels_of
        self._extra_tags = frozenset(extra_tags)
        self._dialect = dialect
        self._telegraf_lines = telegraf_lines
        self._telegraf_prefix = telegraf_prefix
        self._prefix_of: KeyCache[tuple[str, str], str] = KeyCache()  # "" for a Telegraf-schema series
        self._prefixes_of: KeyCache[tuple[str, tuple[str, ...]], list[str]] = KeyCache(KEY_LIST_CACHE_LIMIT)

    def encode(self, agent_id: str, batch: StoredSamples) -> EncodedBatch:
        values, timestamps_ms, series_index = batch.values, batch.timestamps_ms, batch.series_index
        finite = np.isfinite(values)
        not_finite = len(values) - int(np.count_nonzero(finite))
        if not_finite:
            values, timestamps_ms, series_index = values[finite], timestamps_ms[finite], series_index[finite]
        prefixes = self._prefixes_of.get_or_make((agent_id, tuple(batch.keys)), self._key_prefixes)
        line_prefixes = [prefixes[index] for index in series_index.tolist()]
        timestamps_ns = (timestamps_ms * NS_PER_MS).tolist()
        values_list = values.tolist()
        lines = [f"{prefix}{value!r} {timestamp}"
                 for prefix, value, timestamp in zip(line_prefixes, values_list, timestamps_ns) if prefix]
        if len(lines) < len(line_prefixes):
            lines += self._telegraf(agent_id, batch.keys, series_index, line_prefixes, timestamps_ns, values_list)
        return EncodedBatch(lines, not_finite)

    def _key_prefixes(self, agent_and_keys: tuple[str, tuple[str, ...]]) -> list[str]:
        agent_id, keys = agent_and_keys
        return [self._prefix_of.get_or_make((agent_id, key), self._prefix) for key in keys]

    def _prefix(self, agent_and_key: tuple[str, str]) -> str:
        agent_id, key = agent_and_key
        metric, labels = self._labels_of(key)
        if self._telegraf_lines is not None and metric.startswith(self._telegraf_prefix):
            return ""
        return line_prefix(metric, {**labels, AGENT_LABEL: agent_id}, self._allowed_tags, self._dialect)

    def _allowed_tags(self, measurement: str) -> frozenset[str]:
        return measurement_tags(measurement) | self._extra_tags

    def _telegraf(self, agent_id: str, keys: list[str], series_index: np.ndarray, line_prefixes: list[str],
                  timestamps_ns: list[int], values: list[float]) -> list[str]:
        series = {}
        samples = []
        for position, index in enumerate(series_index.tolist()):
            if line_prefixes[position]:
                continue
            if index not in series:
                metric, labels = self._labels_of(keys[index])
                series[index] = (metric, {**labels, AGENT_LABEL: agent_id})
            samples.append((*series[index], timestamps_ns[position], values[position]))
        return self._telegraf_lines(samples)
