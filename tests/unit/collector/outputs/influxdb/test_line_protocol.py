"""Queued samples as line protocol: names from the metric registry, tags restricted and sorted, escaping in both
dialects, floats, nanoseconds. (The escaping against the real parsers of VictoriaMetrics and InfluxDB 1.6:
tests/integration/test_influxdb_output_line_protocol.py; NaN and Inf are left out before the outbox:
tests/integration/test_influxdb_output.py.)"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from itops.collector.outputs.influxdb.line_protocol import (
    BACKSLASH_ESCAPED,
    BACKSLASH_KEPT,
    LineEncoder,
    line_prefix,
)
from itops.collector.outputs.influxdb.telegraf_schema import TELEGRAF_SOURCE_METRICS, telegraf_lines
from itops.common.metric_catalogue import catalogue, line_protocol_shape, measurement_tags
from itops.series_key import format_series_key, parse_series_key

T0_MS = 1_765_000_000_000


@dataclass
class Batch:
    keys: list[str]
    series_index: np.ndarray
    timestamps_ms: np.ndarray
    values: np.ndarray


def batch(series: list[tuple[str, dict[str, str]]], values: list[float], series_index: list[int] | None = None) -> Batch:
    index = series_index if series_index is not None else list(range(len(values)))
    return Batch([format_series_key(name, labels) for name, labels in series], np.array(index, dtype=np.uint32),
                 np.array([T0_MS + 1000 * i for i in range(len(values))], dtype=np.int64),
                 np.array(values, dtype=np.float64))


class Encoder:
    def __init__(self, extra_tags=(), dialect=BACKSLASH_ESCAPED, **telegraf):
        self.line_encoder = LineEncoder(parse_series_key, extra_tags, dialect, **telegraf)

    def encode(self, agent_id: str, samples: Batch) -> list[str]:
        series = self.line_encoder.key_list(agent_id, samples.keys)
        return self.line_encoder.body(series, samples.series_index, samples.timestamps_ms, samples.values).split("\n")



def test_measurement_and_field_join_to_the_metric_name_for_every_registry_metric():
    for name in catalogue().metrics:
        measurement, field = line_protocol_shape(name)
        assert f"{measurement}_{field}" == name


def test_a_sample_is_one_line_with_agent_and_the_measurements_tags_sorted():
    lines = Encoder().encode("agent-a", batch(
        [("itops_host_filesystem_usage_ratio", {"host": "pc1", "mountpoint": "/home", "disk": "sda1"})], [0.25]))
    assert lines == [f"itops_host_filesystem,agent=agent-a,disk=sda1,host=pc1,mountpoint=/home usage_ratio=0.25 {T0_MS}000000"]


def test_labels_the_registry_does_not_list_are_left_out_unless_extra_tags_name_them():
    series = [("itops_host_cpu_usage_ratio", {"cpu": "total", "host": "pc1", "rack": "r7"})]
    assert "rack" not in measurement_tags("itops_host_cpu")
    assert Encoder().encode("a", batch(series, [0.5]))[0].startswith("itops_host_cpu,agent=a,cpu=total,host=pc1 ")
    assert Encoder(["rack"]).encode("a", batch(series, [0.5]))[0].startswith(
        "itops_host_cpu,agent=a,cpu=total,host=pc1,rack=r7 ")


def test_fields_are_always_floats_and_timestamps_nanoseconds():
    lines = Encoder().encode("a", batch([("itops_host_processes", {"host": "pc1"})] * 3, [3.0, 1e-7, 2.5e20]))
    assert [line.split(" ", 1)[1] for line in lines] == [
        f"processes=3.0 {T0_MS * 1_000_000}", f"processes=1e-07 {(T0_MS + 1000) * 1_000_000}",
        f"processes=2.5e+20 {(T0_MS + 2000) * 1_000_000}"]


def test_timestamps_repeat_or_differ_as_the_samples_do():
    lines = Encoder().encode("a", Batch([format_series_key("itops_host_load1", {"host": "pc1"})],
                                        np.zeros(4, dtype=np.uint32), np.array([5, 3, 5, 4], dtype=np.int64),
                                        np.array([1.0, 2.0, 3.0, 4.0])))
    assert [line.split(" ")[2] for line in lines] == ["5000000", "3000000", "5000000", "4000000"]


def test_samples_follow_their_series_index():
    series = [("itops_host_load1", {"host": "pc1"}), ("itops_host_load5", {"host": "pc1"})]
    lines = Encoder().encode("a", batch(series, [1.0, 5.0, 1.5], series_index=[0, 1, 0]))
    assert [line.split(" ")[1] for line in lines] == ["load1=1.0", "load5=5.0", "load1=1.5"]


def test_the_same_keys_of_two_agents_are_two_agents_series():
    series = [("itops_host_load1", {"host": "pc1"})]
    line_encoder = Encoder()
    assert line_encoder.encode("a", batch(series, [1.0]))[0].startswith("itops_host,agent=a,")
    assert line_encoder.encode("b", batch(series, [1.0]))[0].startswith("itops_host,agent=b,")


@pytest.mark.parametrize("value, escaped, kept", [
    ("pc 1", r"pc\ 1", r"pc\ 1"),
    ("a,b=c", r"a\,b\=c", r"a\,b\=c"),
    ("C:\\Users", r"C:\\Users", "C:\\Users"),
    ("C:\\", r"C:\\", "C:"),
    ("\\\\server\\share", r"\\\\server\\share", "\\\\server\\share"),
    ("two\nlines\r", r"two\nlines\r", r"two\nlines\r"),
    ("tab\there", "tab\there", "tab\there"),
    ('say "hi"', r'say\ "hi"', r'say\ "hi"'),
    ("中文 名", r"中文\ 名", r"中文\ 名"),
])
def test_tag_values_are_escaped_for_each_dialect(value, escaped, kept):
    labels = {"host": value}
    assert line_prefix("itops_host_load1", labels, measurement_tags, BACKSLASH_ESCAPED) == f"itops_host,host={escaped} load1="
    assert line_prefix("itops_host_load1", labels, measurement_tags, BACKSLASH_KEPT) == f"itops_host,host={kept} load1="


def test_a_tag_value_of_backslashes_only_is_left_out_where_backslashes_are_kept():
    assert line_prefix("itops_host_load1", {"host": "\\\\"}, measurement_tags, BACKSLASH_KEPT) == "itops_host load1="


def test_with_the_telegraf_schema_host_metrics_go_through_it_and_the_rest_stays_itops():
    series = [("itops_host_load1", {"host": "pc1"}), ("itops_agent_input_up", {"host": "pc1", "input": "snmp"}),
              ("itops_host_memory_usage_ratio", {"host": "pc1"})]
    lines = Encoder(telegraf_lines=telegraf_lines, telegraf_metrics=TELEGRAF_SOURCE_METRICS).encode(
        "a", batch(series, [0.5, 1.0, 0.25]))
    assert lines[:-2] == telegraf_lines([("itops_host_load1", {"host": "pc1", "agent": "a"}, T0_MS * 1_000_000, 0.5)])
    assert lines[0].startswith("system,")
    assert lines[-2] == f"itops_agent_input,agent=a,host=pc1,input=snmp up=1.0 {(T0_MS + 1000) * 1_000_000}"
    # a host metric Telegraf has no field for is kept, in the itops schema
    assert lines[-1] == f"itops_host_memory,agent=a,host=pc1 usage_ratio=0.25 {(T0_MS + 2000) * 1_000_000}"
