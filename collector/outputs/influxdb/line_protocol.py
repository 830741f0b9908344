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

What depends only on a series key (its line's beginning up to the value) is worked out once per key list of an
agent (``key_list``, which the writer keeps for as long as the list is queued) and cached per key, since agents
send the same keys batch after batch; ``body`` then only writes values and timestamps.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from itops.collector.storage.base import LabelsOf
from itops.common.key_cache import KeyCache
from itops.common.metric_catalogue import line_protocol_shape, measurement_tags

__all__ = ["BACKSLASH_ESCAPED", "BACKSLASH_KEPT", "Dialect", "KeyListLines", "LineEncoder", "TelegrafLines",
           "line_prefix"]

NS_PER_MS = 1_000_000
NS_PER_MS_DIGITS = "000000"  # a timestamp in ms written in ns
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
class KeyListLines:
    """What an agent's list of series keys makes of each of its series: the beginning of its lines."""

    agent_id: str
    keys: list[str]
    prefixes: list[str]  # "" for a series the Telegraf schema writes
    telegraf_series: np.ndarray | None  # bool per key: written by the Telegraf schema; None: none is


class LineEncoder:
    """Line protocol of queued samples. With ``telegraf_lines``, the samples of ``telegraf_metrics`` are handed to it
    (the Telegraf schema) and the rest, host metrics Telegraf has no field for included, written in the itops schema."""

    def __init__(self, labels_of: LabelsOf, extra_tags: Collection[str], dialect: Dialect,
                 telegraf_lines: TelegrafLines | None = None, telegraf_metrics: Collection[str] = ()):
        self._labels_of = labels_of
        self._extra_tags = frozenset(extra_tags)
        self._dialect = dialect
        self._telegraf_lines = telegraf_lines
        self._telegraf_metrics = frozenset(telegraf_metrics)
        self._prefix_of: KeyCache[tuple[str, str], str] = KeyCache()

    def key_list(self, agent_id: str, keys: list[str]) -> KeyListLines:
        prefixes = [self._prefix_of.get_or_make((agent_id, key), self._prefix) for key in keys]
        telegraf = np.array([not prefix for prefix in prefixes], dtype=bool)
        return KeyListLines(agent_id, keys, prefixes, telegraf if telegraf.any() else None)

    def body(self, series: KeyListLines, series_index: np.ndarray, timestamps_ms: np.ndarray,
             values: np.ndarray) -> str:
        """The samples' lines, "\n"-separated. Values must be finite."""
        if series.telegraf_series is None:
            return self._itops_lines(series.prefixes, series_index, timestamps_ms, values)
        telegraf = series.telegraf_series[series_index]
        itops = ~telegraf
        lines = self._telegraf(series, series_index[telegraf], timestamps_ms[telegraf], values[telegraf])
        if itops.any():
            lines.append(self._itops_lines(series.prefixes, series_index[itops], timestamps_ms[itops], values[itops]))
        return "\n".join(lines)

    @staticmethod
    def _itops_lines(prefixes: list[str], series_index: np.ndarray, timestamps_ms: np.ndarray,
                     values: np.ndarray) -> str:
        # The fastest CPython has for this: C-level maps, one text per distinct timestamp, one join.
        distinct_ms, which = np.unique(timestamps_ms, return_inverse=True)
        timestamp_texts = [f" {ms}{NS_PER_MS_DIGITS}\n" for ms in distinct_ms.tolist()]
        parts: list[str] = [""] * (3 * len(values))
        parts[0::3] = map(prefixes.__getitem__, series_index.tolist())
        parts[1::3] = map(float.__repr__, values.tolist())
        parts[2::3] = map(timestamp_texts.__getitem__, which.tolist())
        return "".join(parts)[:-1]

    def _prefix(self, agent_and_key: tuple[str, str]) -> str:
        agent_id, key = agent_and_key
        metric, labels = self._labels_of(key)
        if self._telegraf_lines is not None and metric in self._telegraf_metrics:
            return ""
        return line_prefix(metric, {**labels, AGENT_LABEL: agent_id}, self._allowed_tags, self._dialect)

    def _allowed_tags(self, measurement: str) -> frozenset[str]:
        return measurement_tags(measurement) | self._extra_tags

    def _telegraf(self, series: KeyListLines, series_index: np.ndarray, timestamps_ms: np.ndarray,
                  values: np.ndarray) -> list[str]:
        labelled = {}
        for index in set(series_index.tolist()):
            metric, labels = self._labels_of(series.keys[index])
            labelled[index] = (metric, {**labels, AGENT_LABEL: series.agent_id})
        return self._telegraf_lines([(*labelled[index], ms * NS_PER_MS, value) for index, ms, value
                                     in zip(series_index.tolist(), timestamps_ms.tolist(), values.tolist())])
