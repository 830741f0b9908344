"""Print docs/metrics.md, generated from the metric registry, common/metric_catalogue.yaml (``make docs``)."""

from __future__ import annotations

from itops.common.metric_catalogue import (
    BUCKET_LABEL,
    COMMON_LABELS,
    HISTOGRAM_SERIES_SUFFIXES,
    MetricEntry,
    catalogue,
    line_protocol_shape,
    measurement_tags,
)

HEADER = """# Metrics reference

Generated from the metric registry (`common/metric_catalogue.yaml`) by `make docs`; do not edit by hand. It
lists every metric itops emits: what the agents send (host, checks, SNMP printers, UPS, switches and room
sensors, attendance clocks, the agent's own health) and what the collector exports on `/metrics` (its own
figures, the fleet figures and its outputs'). 每个指标的中文名称和含义见各表的“含义”列。

Types: `gauge` (a value now), `counter` (only grows; a restart starts it again from 0), `info` (always 1; the
labels say it), `stateset` (one 0/1 series per state, 1 on the current one) and `histogram` (exported as
`_bucket{le}`, `_sum` and `_count`). Units are how itops writes a value; values are in base units (seconds,
bytes, ratios 0–1, °C, volts).

## Common labels

Every series may carry these besides its own labels; the labels an input's or the agent's configuration adds
(`labels:`) come on top and are not listed here.

| Label | Meaning | 含义 |
|---|---|---|
"""

LINE_PROTOCOL = f"""
## InfluxDB line protocol

The InfluxDB output writes each sample as one field of one measurement: the metric's measurement is the longest
measurement below that prefixes its name followed by `_` (unless its entry names one), its field the rest of
the name, and its labels are the tags. So `<measurement>_<field>` is the metric name again, which is exactly
how VictoriaMetrics names line-protocol data: the same PromQL works on VictoriaMetrics fed by the output and on
Prometheus scraping the collector. A histogram's {", ".join(f"`{suffix}`" for suffix in HISTOGRAM_SERIES_SUFFIXES)}
series go to its measurement (the buckets with the tag `{BUCKET_LABEL}`); a metric not listed here is split at the
last `_` of its name.

In the itops schema every field is written as a float, whatever the metric (counters and counts too), so a
field's type never changes from one write to the next: InfluxDB refuses a field whose type changes (400). A
measurement's tags are the labels of its metrics and the common labels, and no field is named like a tag (InfluxDB 3
refuses a tag and a field of one name). With `schema: telegraf` the output writes the host metrics in Telegraf's
measurements instead (`cpu`, `mem`, `swap`, `disk`, `diskio`, `net`, `system`, `processes`, with Telegraf's
integer and float types); see collector/outputs/influxdb/README.md.

| Measurement | Fields | Tags besides the common labels |
|---|---|---|
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code_list(names) -> str:
    return ", ".join(f"`{name}`" for name in names) or "–"


def _values_en(entry: MetricEntry) -> str:
    """The words of a yes/no metric's values or a state set's states, in English."""
    if not entry.values:
        return ""
    if entry.unit == "bool":
        return f" 0 = {entry.values['0'].en}, 1 = {entry.values['1'].en}."
    return f" `{entry.label}`: " + ", ".join(f"`{state}`" for state in entry.values) + "."


def _values_zh(entry: MetricEntry) -> str:
    if not entry.values:
        return ""
    if entry.unit == "bool":
        return f" 0 = {entry.values['0'].zh_cn}，1 = {entry.values['1'].zh_cn}。"
    return f" `{entry.label}`：" + "、".join(f"`{state}` {words.zh_cn}" for state, words in entry.values.items()) + "。"


def _by_measurement() -> dict[str, list[tuple[str, MetricEntry]]]:
    grouped: dict[str, list[tuple[str, MetricEntry]]] = {measurement: [] for measurement in catalogue().measurements}
    for name, entry in catalogue().metrics.items():
        grouped[line_protocol_shape(name)[0]].append((name, entry))
    return grouped


def _section(measurement: str, metrics: list[tuple[str, MetricEntry]]) -> list[str]:
    lines = [f"## `{measurement}`", "",
             f"Tags besides the common labels: {_code_list(sorted(measurement_tags(measurement) - set(COMMON_LABELS)))}.",
             "", "| Metric | Field | Type | Unit | Labels | Meaning | 含义 |", "|---|---|---|---|---|---|---|"]
    for name, entry in metrics:
        emitted_by = " (collector)" if entry.emitted_by == "collector" else ""
        lines.append(
            f"| `{name}`{emitted_by} | `{line_protocol_shape(name)[1]}` | {entry.type} | {entry.unit} | {_code_list(entry.labels)} "
            f"| **{_cell(entry.en)}**: {_cell(entry.help.en)}{_cell(_values_en(entry))} "
            f"| **{_cell(entry.zh_cn)}**：{_cell(entry.help.zh_cn)}{_cell(_values_zh(entry))} |")
    return [*lines, ""]


def render() -> str:
    parts = [HEADER]
    parts += [f"| `{name}` | {_cell(label.help.en)} | {_cell(label.help.zh_cn)} |\n"
              for name, label in catalogue().common_labels.items()]
    parts.append(LINE_PROTOCOL)
    grouped = _by_measurement()
    parts += [f"| [`{measurement}`](#{measurement}) | {_code_list(line_protocol_shape(name)[1] for name, _ in metrics)} "
              f"| {_code_list(sorted(measurement_tags(measurement) - set(COMMON_LABELS)))} |\n"
              for measurement, metrics in grouped.items()]
    parts.append("\n")
    parts += ["\n".join(_section(measurement, metrics)) + "\n" for measurement, metrics in grouped.items()]
    return "".join(parts).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(render(), end="")
