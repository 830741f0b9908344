"""The line protocol the output writes, read back by the real parsers: any label value itops accepts (any text
without control characters but tab, newline and carriage return) and any finite float, written through the output's
encoder and write request to VictoriaMetrics (``api: v2``) and InfluxDB 1.6 (``api: v1``), arrives as the module
docstring of line_protocol.py promises, and no line is ever refused (a refused line would cost its whole request).
Hypothesis draws the values; each example is one request per server of up to 40 series."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from itops.collector.outputs.influxdb.config import InfluxDBConfig
from itops.collector.outputs.influxdb.endpoint import WriteEndpoint
from itops.collector.outputs.influxdb.line_protocol import BACKSLASH_ESCAPED, BACKSLASH_KEPT, LineEncoder
from itops.series_key import format_series_key, parse_series_key

from .conftest import wait_until
from .time_series_servers import influxdb1_session, victoria_metrics_session  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration

DATABASE = "fuzz"
METRIC = "itops_fuzz_value"  # not in the registry: measurement itops_fuzz, field value
TRICKY = "\\,= \"'\t\n\r#"
label_values = st.text(st.one_of(st.sampled_from(TRICKY), st.characters(exclude_categories=("Cs", "Cc"))),
                       min_size=1, max_size=24)
finite_floats = st.floats(allow_nan=False, allow_infinity=False)
runs = itertools.count()


def as_victoria_metrics_reads_it(value: str) -> str:
    return value.replace("\n", "\\n").replace("\r", "\\r")


def as_influxdb_1_reads_it(value: str) -> str:
    return as_victoria_metrics_reads_it(value.rstrip("\\"))


@pytest.fixture(scope="module")
def writers(victoria_metrics_session, influxdb1_session, tmp_path_factory):  # noqa: F811 - fixtures
    influxdb1_session.create_database(DATABASE)
    outbox = str(tmp_path_factory.mktemp("outbox"))
    to_vm = WriteEndpoint(InfluxDBConfig(url=victoria_metrics_session.url, outbox=outbox), time.time)
    to_influx = WriteEndpoint(InfluxDBConfig(url=influxdb1_session.url, outbox=outbox, api="v1", database=DATABASE),
                              time.time)
    yield victoria_metrics_session, influxdb1_session, to_vm, to_influx
    to_vm.close()
    to_influx.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.tuples(label_values, finite_floats), min_size=1, max_size=40))
@example(values=[("C:\\", 1.0), ("\\\\server\\share", 2.0), ("a\\ b", 3.0), ("a\\,b\\=c", 4.0), ("\\", 5.0),
                 ("x\\\\", 6.0), ("two\nlines", 7.0), ("tab\tstop", 8.0), ("#comment", 9.0), ("中文 名,=", -0.0),
                 ("q\"u'o", 5e-324), ("big", 1.7976931348623157e308), ("small", -2.2250738585072014e-308)])
def test_every_label_value_and_float_reads_back_as_promised(writers, values):
    victoria_metrics, influxdb, to_vm, to_influx = writers
    run = str(next(runs))
    keys = [format_series_key(METRIC, {"host": host, "index": str(i), "run": run}) for i, (host, _) in enumerate(values)]
    now_ms = int(time.time() * 1000)
    series_index = np.arange(len(keys), dtype=np.uint32)
    timestamps_ms = np.full(len(keys), now_ms, dtype=np.int64)
    floats = np.array([value for _, value in values], dtype=np.float64)
    for endpoint, dialect in ((to_vm, BACKSLASH_ESCAPED), (to_influx, BACKSLASH_KEPT)):
        encoder = LineEncoder(parse_series_key, ["index", "run"], dialect)
        endpoint.write(encoder.body(encoder.key_list("fuzzer", keys), series_index, timestamps_ms, floats).encode())

    exported = wait_until(lambda: _exported(victoria_metrics, run, len(values)), 15, "VictoriaMetrics to show them")
    assert {index: labels["host"] for index, (labels, _) in exported.items()} == {
        i: as_victoria_metrics_reads_it(host) for i, (host, _) in enumerate(values)}
    assert [exported[i][1] for i in range(len(values))] == pytest.approx([v for _, v in values], rel=1e-12, abs=1e-300)

    rows = {int(row["index"]): row for row in influxdb.points("itops_fuzz", DATABASE) if row["run"] == run}
    assert {i: row["host"] for i, row in rows.items()} == {
        i: as_influxdb_1_reads_it(host) or None for i, (host, _) in enumerate(values)}
    assert [float(rows[i]["value"]) for i in range(len(values))] == [v for _, v in values]  # JSON may say 1e16 as an integer


def _exported(victoria_metrics, run: str, count: int) -> dict[int, tuple[dict, float]] | None:
    series = victoria_metrics.export(f'{{__name__="{METRIC}",run="{run}"}}')
    if len(series) < count:
        return None
    return {int(s["metric"]["index"]): (s["metric"], s["values"][0]) for s in series}
