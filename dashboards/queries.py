"""One panel query, written once and rendered as PromQL (Prometheus, VictoriaMetrics) and as InfluxQL (InfluxDB).

A query reads one metric: each series' value (``last``), its per-second rate, its increase over each interval or
over the dashboard's whole time range, how often it rose by a supply replacement's step, or a histogram's mean (rate of its sum / rate of its count);
optionally keeps only
the samples equal to a value (a state set's current state: ``keep=1``); then aggregates across series by some
labels. InfluxQL names the metric by the measurement and field ``line_protocol_shape`` gives, as the InfluxDB
output writes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from itops.common.metric_catalogue import line_protocol_shape, metric_spec
from itops.common.supply_replacement import REPLACEMENT_RISE_POINTS

__all__ = ["Query", "collector_made", "influxql", "promql"]

Inner = Literal["last", "rate", "increase", "replacements", "histogram_mean"]
Outer = Literal["max", "min", "avg", "sum", "count"]
Window = Literal["interval", "range"]

REPLACEMENT_RISE = REPLACEMENT_RISE_POINTS / 100
# What a collector-made series is about beyond its declared labels (itops_host_up carries the common label host).
_ABOUT_COMMON_LABEL = {"itops_host_up": ("host",)}


def collector_made(metric: str) -> bool:
    spec = metric_spec(metric.removesuffix("_sum").removesuffix("_count"))
    return spec is not None and spec.emitted_by == "collector"


@dataclass(frozen=True)
class Query:
    metric: str
    by: tuple[str, ...] = ()
    outer: Outer = "max"
    inner: Inner = "last"
    match: tuple[tuple[str, str], ...] = ()
    keep: float | None = None
    window: Window = "interval"

    @property
    def instant(self) -> bool:
        """A figure over the whole time range is one value per series, not a curve."""
        return self.window == "range" or self.inner == "replacements"


def _promql_selector(query: Query, filters: Mapping[str, str]) -> str:
    matchers = [f'{label}="{value}"' for label, value in query.match]
    matchers += [f'{label}=~"${variable}"' for label, variable in sorted(filters.items())]
    return query.metric + ("{" + ", ".join(matchers) + "}" if matchers else "")


def promql(query: Query, filters: Mapping[str, str]) -> str:
    """``filters``: label → the dashboard variable whose values the label must match."""
    if query.inner == "histogram_mean":
        sums, counts = (replace(query, metric=query.metric + suffix, inner="rate") for suffix in ("_sum", "_count"))
        return f"{promql(sums, filters)} / {promql(counts, filters)}"
    selector = _promql_selector(query, filters)
    window = "$__range" if query.window == "range" else "$__interval"
    expression = {
        "last": selector,
        "rate": f"rate({selector}[$__rate_interval])",
        "increase": f"increase({selector}[{window}])",
        "replacements": f"sum_over_time((({selector} - {selector} offset $__interval) > bool {REPLACEMENT_RISE:g})"
                        f"[$__range:$__interval])",
    }[query.inner]
    if query.keep is not None:
        expression = f"{expression} == {query.keep:g}"
    if collector_made(query.metric) and query.outer != "max":
        # Prometheus scrapes the collector's own series twice: from /metrics and, stored, from /metrics/fleet.
        about = (*metric_spec(query.metric).labels, *_ABOUT_COMMON_LABEL.get(query.metric, ()))
        expression = _aggregated("max", about, expression)
    return _aggregated(query.outer, query.by, expression)


def _aggregated(function: str, labels: tuple[str, ...], expression: str) -> str:
    grouping = f" by ({', '.join(labels)})" if labels else ""
    return f"{function}{grouping} ({expression})"


_INFLUX_FUNCTIONS = {"max": "max", "min": "min", "avg": "mean", "sum": "sum", "count": "count"}


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '\\"') + '"'


def influxql(query: Query, filters: Mapping[str, str]) -> str:
    """The same query in InfluxQL; ``$timeFilter``, ``$__interval`` and ``$variable`` are Grafana's to fill in."""
    measurement, field = line_protocol_shape(query.metric)
    conditions = [f"{_quoted(label)} = '{value}'" for label, value in query.match]
    conditions += [f"{_quoted(label)} =~ /^${variable}$/" for label, variable in sorted(filters.items())]
    where = " AND ".join([*conditions, "$timeFilter"])
    whole_range = query.instant
    group_by = ", ".join([*([] if whole_range else ["time($__interval)"]), *map(_quoted, query.by)])
    tail = (f" GROUP BY {group_by}" if group_by else "") + ("" if whole_range else " fill(none)")
    outer = _INFLUX_FUNCTIONS[query.outer]
    if query.inner == "histogram_mean":
        sums, counts = (f"non_negative_derivative(last({_quoted(line_protocol_shape(query.metric + suffix)[1])}), 1s)"
                        for suffix in ("_sum", "_count"))
        return f"SELECT {sums} / {counts} FROM {_quoted(measurement)} WHERE {where}{tail}"
    if query.inner == "last" and query.keep is None and query.outer in ("max", "min", "avg"):
        return f"SELECT {outer}({_quoted(field)}) FROM {_quoted(measurement)} WHERE {where}{tail}"
    per_series = {"last": f"last({_quoted(field)})",
                  "rate": f"non_negative_derivative(last({_quoted(field)}), 1s)",
                  "increase": f"non_negative_difference(last({_quoted(field)}))",
                  "replacements": f"difference(last({_quoted(field)}))"}[query.inner]
    kept = {"replacements": f'"value" >= {REPLACEMENT_RISE:g} AND '}.get(
        query.inner, "" if query.keep is None else f'"value" = {query.keep:g} AND ')
    if query.inner == "replacements":
        outer = "count"
    inner = f'SELECT {per_series} AS "value" FROM {_quoted(measurement)} WHERE {where} GROUP BY time($__interval), *'
    return f'SELECT {outer}("value") FROM ({inner}) WHERE {kept}$timeFilter{tail}'
