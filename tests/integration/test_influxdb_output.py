"""The influxdb output against real servers on 127.0.0.1: VictoriaMetrics (api v2) and InfluxDB 1.6 (api v1).

- A real agent process sends through a real collector process with both outputs: each server holds every sample
  the collector stored, exactly once, under the itops metric name (VictoriaMetrics) or its measurement and field
  (InfluxDB), with the series' tags.
- The outage: both servers down for 10 minutes while an agent sends, the collector restarted in the middle; once
  they are back every sample is there exactly once. The 10 minutes pass on the collector's clock (a SetClock the
  test moves a minute per batch, the samples stamped by it), not on the wall clock: the outbox keeps rows whatever
  the time, and what the minutes change is the age of the backlog (itops_output_oldest_queued_age_seconds, which
  the OutputBacklogOld rule reads) and the writer's attempts in between, which run for real with a short backoff.
- 401 keeps the lines (itops_output_up 0, failures{reason="unauthorized"}) until the credentials are fixed; a 400
  (a field type conflict) drops the request's lines, counted, with InfluxDB's message logged; a 413 splits.
"""

from __future__ import annotations

import math
import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest

from itops.collector.ingest.agent_credentials import new_token
from itops.series_key import format_series_key
from itops.v1 import ingest_pb2, ingest_pb2_grpc

from .clocked_collector import ClockedCollector, SetClock
from .conftest import AgentProcess, CollectorProcess, wait_until
from .time_series_servers import InfluxDB1, VictoriaMetrics, free_port

pytestmark = pytest.mark.integration

DATABASE = "itops"
HOSTNAME = "pc-1"
SERIES = (  # metric, labels (the agent adds none here: the test pushes as the agent would)
    ("itops_host_load1", {"host": HOSTNAME}),
    ("itops_host_cpu_usage_ratio", {"cpu": "total", "host": HOSTNAME}),
    ("itops_host_filesystem_usage_ratio", {"disk": "C:\\", "host": HOSTNAME, "mountpoint": "C:\\"}),
)
POINTS_PER_BATCH = 5


def output_entries(outbox, victoria_metrics: VictoriaMetrics | None = None, influxdb: InfluxDB1 | None = None,
                   influxdb_options: str = "") -> str:
    common = f"    outbox: {outbox}\n    batch_interval: 0.2s\n    retry_initial: 0.05s\n    retry_max: 0.3s\n"
    text = "outputs:\n"
    if victoria_metrics is not None:
        text += f"  - type: influxdb\n    name: vm\n    url: {victoria_metrics.url}\n{common}"
    if influxdb is not None:
        text += (f"  - type: influxdb\n    name: influx\n    url: {influxdb.url}\n    api: v1\n"
                 f"    database: {DATABASE}\n{influxdb_options}{common}")
    return text


class Pusher:
    """Sends batches over the collector's gRPC endpoint as agent ``agent-a``, stamped by the collector's clock."""

    def __init__(self, token: str):
        self.token = token
        self.sequence = 0
        self.sent: list[tuple[int, int, float]] = []  # (series index, timestamp ms, value)
        self.channel = None

    def connect(self, address: str) -> None:
        if self.channel is not None:
            self.channel.close()
        self.channel = grpc.insecure_channel(address)
        self.stub = ingest_pb2_grpc.IngestStub(self.channel)
        self.stub.Hello(ingest_pb2.AgentHello(hostname=HOSTNAME, agent_version="test"), metadata=self._metadata,
                        timeout=10)

    @property
    def _metadata(self):
        return (("authorization", f"Bearer {self.token}"),)

    def push(self, at: datetime, points: int = POINTS_PER_BATCH, values: list[float] | None = None) -> None:
        """``points`` samples of each series; their values made up, or ``values`` (one per point)."""
        self.sequence += 1
        first_ms = int(at.timestamp() * 1000) - 1000 * points
        samples = [(index, first_ms + 1000 * point,
                    values[point] if values else self.sequence + point / 10 + index / 100)
                   for point in range(points) for index in range(len(SERIES))]
        self.stub.Push(ingest_pb2.Batch(sequence=self.sequence, samples=ingest_pb2.SampleBlock(
            series=[format_series_key(name, labels) for name, labels in SERIES],
            series_index=[s[0] for s in samples], timestamps_ms=[s[1] for s in samples],
            values=[s[2] for s in samples])), metadata=self._metadata, timeout=10)
        self.sent += [sample for sample in samples if math.isfinite(sample[2])]

    def close(self) -> None:
        if self.channel is not None:
            self.channel.close()

    def expected(self, series_index: int) -> list[tuple[int, float]]:
        return sorted((t, v) for index, t, v in self.sent if index == series_index)


def assert_same_points(actual: list[tuple[int, float]], expected: list[tuple[int, float]]) -> None:
    """Timestamps exactly, values to 12 significant digits: VictoriaMetrics keeps a float as a decimal of about 15
    (3.31 comes back for 3.3099999999999996)."""
    assert [t for t, _ in actual] == [t for t, _ in expected]
    assert [v for _, v in actual] == pytest.approx([v for _, v in expected], rel=1e-12)


def metric(collector: ClockedCollector, name: str, output: str, **labels: str) -> float | None:
    return collector.collector.metrics.registry.get_sample_value(name, {"output": output, **labels})


def drained(collector: ClockedCollector, *outputs: str) -> bool:
    return all(metric(collector, "itops_output_queued_samples", output) == 0 for output in outputs)


def vm_points(victoria_metrics: VictoriaMetrics, name: str) -> list[tuple[int, float]]:
    [series] = victoria_metrics.export(f'{{__name__="{name}",agent="agent-a"}}')
    return sorted(zip(series["timestamps"], series["values"]))


def influx_points(influxdb: InfluxDB1, name: str) -> list[tuple[int, float]]:
    measurement, field = {"itops_host_load1": ("itops_host", "load1"),
                          "itops_host_cpu_usage_ratio": ("itops_host_cpu", "usage_ratio"),
                          "itops_host_filesystem_usage_ratio": ("itops_host_filesystem", "usage_ratio")}[name]
    rows = influxdb.points(measurement, DATABASE)
    return sorted((row["time"], row[field]) for row in rows if row.get(field) is not None)


@pytest.fixture
def token() -> str:
    return new_token()


@pytest.fixture
def pusher(token):
    made = Pusher(token)
    yield made
    made.close()


@pytest.fixture
def servers(tmp_path):
    made = []

    def make(server):
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop()


def start_collector(tmp_path, clock: SetClock, token: str, outputs: str) -> ClockedCollector:
    return ClockedCollector(tmp_path / "collector", clock, {"agent-a": token}, extra_config=outputs).start()


def test_a_ten_minute_outage_with_a_collector_restart_loses_nothing_and_duplicates_nothing(tmp_path, token, pusher,
                                                                                          servers):
    victoria_metrics = servers(VictoriaMetrics(tmp_path / "vm"))
    influxdb = servers(InfluxDB1(tmp_path / "influxdb"))
    victoria_metrics.port, influxdb.port = free_port(), free_port()
    victoria_metrics.start()
    influxdb.start()
    influxdb.create_database(DATABASE)
    outputs = output_entries(tmp_path / "outbox", victoria_metrics, influxdb)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)
    clock = SetClock(start)
    collector = start_collector(tmp_path, clock, token, outputs)
    pusher.connect(collector.grpc_address)
    pusher.push(clock())
    wait_until(lambda: drained(collector, "vm", "influx"), 20, "the first batch to be written")

    victoria_metrics.stop()
    influxdb.stop()
    for minute in range(1, 11):
        clock.set(start + timedelta(minutes=minute))
        pusher.push(clock())
        if minute == 5:
            queued = metric(collector, "itops_output_queued_samples", "vm")
            assert queued == 5 * POINTS_PER_BATCH * len(SERIES)
            wait_until(lambda c=collector: metric(c, "itops_output_write_failures_total", "vm", reason="connection"),
                       10, "a write to fail")
            wait_until(lambda c=collector: metric(c, "itops_output_up", "vm") == 0, 5, "itops_output_up 0")
            collector.stop()
            collector = start_collector(tmp_path, clock, token, outputs)
            pusher.connect(collector.grpc_address)
            assert metric(collector, "itops_output_queued_samples", "vm") == queued  # the outbox survived
    assert metric(collector, "itops_output_oldest_queued_age_seconds", "vm") > 9 * 60 - 1
    assert metric(collector, "itops_output_oldest_queued_age_seconds", "influx") > 9 * 60 - 1

    victoria_metrics.start()
    influxdb.start()  # the database is there again: its files were kept
    wait_until(lambda: drained(collector, "vm", "influx"), 30, "the backlog to be written")
    assert metric(collector, "itops_output_dropped_samples_total", "vm", reason="queue_full") == 0
    collector.stop()

    for index, (name, _labels) in enumerate(SERIES):
        expected = pusher.expected(index)
        assert len(expected) == 11 * POINTS_PER_BATCH
        wait_until(lambda name=name: len(vm_points(victoria_metrics, name)) == 11 * POINTS_PER_BATCH, 10,
                   f"VictoriaMetrics to hold every sample of {name}")
        assert_same_points(vm_points(victoria_metrics, name), expected)
        assert influx_points(influxdb, name) == expected


def test_the_servers_hold_every_sample_of_a_real_agent_once_with_its_names_and_tags(tmp_path, tls_dir, token,
                                                                                  servers):
    victoria_metrics = servers(VictoriaMetrics(tmp_path / "vm")).start()
    influxdb = servers(InfluxDB1(tmp_path / "influxdb")).start()
    influxdb.create_database(DATABASE)
    collector = CollectorProcess(tmp_path, tls_dir, {"agent-a": token},
                                 extra_config=output_entries(tmp_path / "outbox", victoria_metrics, influxdb)).start()
    try:
        agent = AgentProcess(tmp_path, tls_dir, "agent-a", token, collector.grpc_address, interval_s=0.5).start()
        wait_until(lambda: len(agent.acked_batches()) >= 4, 30, "four acknowledged batches")
        assert agent.stop() == 0
        wait_until(lambda: _queued(collector) == {"vm": 0.0, "influx": 0.0}, 20, "both outputs to write everything")
        stored = _stored_points(collector)
    finally:
        collector.stop()

    stored_count = sum(map(len, stored.values()))
    assert len(stored) > 20 and stored_count > 100
    wait_until(lambda: sum(len(series["values"]) for series in victoria_metrics.export('{agent="agent-a"}'))
               == stored_count, 10, "VictoriaMetrics to show what it was sent")  # it makes samples searchable in ~1 s
    exported = {_vm_identity(series): sorted(zip(series["timestamps"], series["values"]))
                for series in victoria_metrics.export('{agent="agent-a"}')}
    assert len(exported) == len(stored)  # no two series merged into one
    assert {name for name, _ in exported} == {name for name, _ in stored}
    for (name, labels), points in stored.items():
        [match] = [key for key in exported if key[0] == name and key[1] <= labels]
        assert_same_points(exported[match], points)
    uptime = next(key for key in exported if key[0] == "itops_host_uptime_seconds")
    assert dict(uptime[1]) == {"agent": "agent-a", "host": "agent-a-host"}
    [series] = influxdb.query("SELECT uptime_seconds, agent, host FROM itops_host", DATABASE)["results"][0]["series"]
    stored_uptime = stored[next(key for key in stored if key[0] == "itops_host_uptime_seconds")]
    assert [(row[0], row[1]) for row in series["values"] if row[1] is not None] == stored_uptime
    assert {(row[2], row[3]) for row in series["values"]} == {("agent-a", "agent-a-host")}


def _queued(collector: CollectorProcess) -> dict[str, float]:
    queued = {}
    for line in collector.metrics_text().splitlines():
        if line.startswith("itops_output_queued_samples{"):
            queued[line.split('output="')[1].split('"')[0]] = float(line.rsplit(" ", 1)[1])
    return queued


def _stored_points(collector: CollectorProcess) -> dict[tuple[str, frozenset], list[tuple[int, float]]]:
    """Every finite sample the collector stored for agent-a, by series."""
    stored = {}
    for series in collector.get("/api/v1/series", [("label", "agent=agent-a")])["series"]:
        labels = [("label", f"{k}={v}") for k, v in series["labels"].items()]
        [result] = collector.get("/api/v1/points", [("name", series["name"]), ("since", "10m"), ("step", "1ms"),
                                                         ("aggregation", "last"), *labels])["series"]
        stored[(series["name"], frozenset(series["labels"].items()))] = [
            (t, v) for t, v in result["points"] if v is not None]
    return stored


def _vm_identity(series: dict) -> tuple[str, frozenset]:
    labels = dict(series["metric"])
    return labels.pop("__name__"), frozenset(labels.items())


def test_wrong_credentials_keep_the_lines_until_they_are_fixed(tmp_path, token, pusher, servers):
    influxdb = servers(InfluxDB1(tmp_path / "influxdb", auth_enabled=True)).start()
    influxdb.create_admin("admin", "right-password")
    influxdb.create_database(DATABASE)
    clock = SetClock(datetime.now(UTC))
    wrong = output_entries(tmp_path / "outbox", influxdb=influxdb,
                           influxdb_options="    username: admin\n    password: wrong-password\n")
    collector = start_collector(tmp_path, clock, token, wrong)
    pusher.connect(collector.grpc_address)
    pusher.push(clock())
    wait_until(lambda: (metric(collector, "itops_output_write_failures_total", "influx", reason="unauthorized")
                        or 0) >= 2, 20, "two unauthorized writes")
    wait_until(lambda: metric(collector, "itops_output_up", "influx") == 0, 5, "itops_output_up 0")
    assert metric(collector, "itops_output_queued_samples", "influx") == POINTS_PER_BATCH * len(SERIES)
    collector.stop()

    fixed = wrong.replace("wrong-password", "right-password")
    collector = start_collector(tmp_path, clock, token, fixed)
    wait_until(lambda: drained(collector, "influx"), 20, "the kept lines to be written")
    wait_until(lambda: metric(collector, "itops_output_up", "influx") == 1, 5, "itops_output_up 1")
    collector.stop()
    assert influx_points(influxdb, "itops_host_load1") == pusher.expected(0)


def test_a_field_type_conflict_drops_the_request_and_logs_influxdbs_message(tmp_path, token, pusher, servers, capfd):
    influxdb = servers(InfluxDB1(tmp_path / "influxdb")).start()
    influxdb.create_database(DATABASE)
    clock = SetClock(datetime.now(UTC))
    integer_point = f"itops_host,host=pc-1 load1=1i {int(clock().timestamp())}000000000"  # field types are per shard
    status, body = influxdb.request("/write", {"db": DATABASE}, data=integer_point.encode())
    assert status == 204, body
    collector = start_collector(tmp_path, clock, token, output_entries(tmp_path / "outbox", influxdb=influxdb))
    pusher.connect(collector.grpc_address)
    pusher.push(clock())
    wait_until(lambda: drained(collector, "influx"), 20, "the refused lines to leave the outbox")
    lines = POINTS_PER_BATCH * len(SERIES)
    wait_until(lambda: metric(collector, "itops_output_dropped_samples_total", "influx", reason="rejected") == lines,
               5, "the dropped samples to be counted")
    assert metric(collector, "itops_output_write_failures_total", "influx", reason="rejected") == 1
    collector.stop()
    assert 'field type conflict: input field \\"load1\\" on measurement \\"itops_host\\" is type float' in \
        capfd.readouterr().err  # the writer process logs to the collector's stderr
    assert influx_points(influxdb, "itops_host_cpu_usage_ratio") == pusher.expected(1)  # InfluxDB kept the rest


def test_a_request_larger_than_the_server_takes_is_split_until_it_fits(tmp_path, token, pusher, servers):
    influxdb = servers(InfluxDB1(tmp_path / "influxdb", max_body_size=1000)).start()
    influxdb.create_database(DATABASE)
    clock = SetClock(datetime.now(UTC))
    collector = start_collector(tmp_path, clock, token, output_entries(tmp_path / "outbox", influxdb=influxdb))
    pusher.connect(collector.grpc_address)
    pusher.push(clock(), points=100)  # 300 lines, 33 kB (gzipped, as InfluxDB bounds it: 2-3 kB)
    wait_until(lambda: drained(collector, "influx"), 20, "the split requests to be written")
    wait_until(lambda: metric(collector, "itops_output_written_samples_total", "influx") == 300, 5,
               "the written samples to be counted")
    assert metric(collector, "itops_output_write_failures_total", "influx", reason="too_large") >= 3
    collector.stop()
    for index, (name, _labels) in enumerate(SERIES):
        assert influx_points(influxdb, name) == pusher.expected(index)


def test_influxdb_1_gets_the_v1_dialect_and_victoria_metrics_the_exact_value(tmp_path, token, pusher, servers):
    victoria_metrics = servers(VictoriaMetrics(tmp_path / "vm")).start()
    influxdb = servers(InfluxDB1(tmp_path / "influxdb")).start()
    influxdb.create_database(DATABASE)
    clock = SetClock(datetime.now(UTC))
    collector = start_collector(tmp_path, clock, token,
                                output_entries(tmp_path / "outbox", victoria_metrics, influxdb))
    pusher.connect(collector.grpc_address)
    pusher.push(clock(), points=1)
    wait_until(lambda: drained(collector, "vm", "influx"), 20, "both outputs to write")
    collector.stop()
    wait_until(lambda: victoria_metrics.export('{__name__="itops_host_filesystem_usage_ratio"}'), 10, "the sample")
    [series] = victoria_metrics.export('{__name__="itops_host_filesystem_usage_ratio"}')
    assert series["metric"] == {"__name__": "itops_host_filesystem_usage_ratio", "agent": "agent-a", "disk": "C:\\",
                                "host": HOSTNAME, "mountpoint": "C:\\"}
    [row] = influxdb.points("itops_host_filesystem", DATABASE)
    assert (row["disk"], row["mountpoint"], row["host"], row["agent"]) == ("C:", "C:", HOSTNAME, "agent-a")


def test_nan_and_infinities_accepted_by_the_collector_are_left_out_and_counted(tmp_path, token, pusher, servers):
    influxdb = servers(InfluxDB1(tmp_path / "influxdb")).start()
    influxdb.create_database(DATABASE)
    clock = SetClock(datetime.now(UTC))
    collector = start_collector(tmp_path, clock, token, "validation: {non_finite: accept}\n"
                                + output_entries(tmp_path / "outbox", influxdb=influxdb))
    pusher.connect(collector.grpc_address)
    pusher.push(clock(), points=4, values=[1.0, float("nan"), float("inf"), float("-inf")])
    wait_until(lambda: metric(collector, "itops_output_written_samples_total", "influx") == 3, 20,
               "the finite samples to be written")
    assert metric(collector, "itops_output_dropped_samples_total", "influx", reason="not_finite") == 9
    collector.stop()
    assert [value for _, value in influx_points(influxdb, "itops_host_load1")] == [1.0]


def test_a_writer_process_that_dies_is_started_again_and_loses_nothing(tmp_path, token, pusher, servers, caplog):
    victoria_metrics = servers(VictoriaMetrics(tmp_path / "vm")).start()
    clock = SetClock(datetime.now(UTC))
    collector = start_collector(tmp_path, clock, token, output_entries(tmp_path / "outbox", victoria_metrics))
    pusher.connect(collector.grpc_address)
    [writer] = _writer_processes()
    os.kill(writer, signal.SIGKILL)
    pusher.push(clock())
    wait_until(lambda: _writer_processes() not in ([], [writer]), 10, "a new writer process")
    wait_until(lambda: drained(collector, "vm"), 20, "the batch to be written")
    collector.stop()
    assert _writer_processes() == []
    assert "the writer of output vm exited with -9; starting it again" in caplog.text
    for index, (name, _labels) in enumerate(SERIES):
        wait_until(lambda name=name: len(vm_points(victoria_metrics, name)) == POINTS_PER_BATCH, 10, name)


def _writer_processes() -> list[int]:
    """The writer processes this test process started (the ClockedCollector runs in it)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            parent = int(next(line for line in status.read_text().splitlines() if line.startswith("PPid:")).split()[1])
            command = (status.parent / "cmdline").read_bytes()
        except (OSError, StopIteration):
            continue
        if parent == os.getpid() and b"itops.collector.outputs.influxdb.writer_process" in command:
            found.append(int(status.parent.name))
    return found


def test_with_the_telegraf_schema_host_metrics_arrive_as_telegrafs(tmp_path, token, pusher, servers):
    influxdb = servers(InfluxDB1(tmp_path / "influxdb")).start()
    influxdb.create_database(DATABASE)
    clock = SetClock(datetime.now(UTC))
    collector = start_collector(tmp_path, clock, token, output_entries(tmp_path / "outbox", influxdb=influxdb,
                                                                       influxdb_options="    schema: telegraf\n"))
    pusher.connect(collector.grpc_address)
    pusher.push(clock(), points=1)
    wait_until(lambda: drained(collector, "influx"), 20, "the batch to be written")
    collector.stop()
    [row] = influxdb.points("system", DATABASE)
    assert (row["host"], row["agent"], row["load1"]) == (HOSTNAME, "agent-a", pusher.expected(0)[0][1])
    # load1 is Telegraf's system.load1; the other two series have no Telegraf field and keep the itops schema
    assert influxdb.query("SHOW MEASUREMENTS", DATABASE)["results"][0]["series"][0]["values"] == [
        ["itops_host_cpu"], ["itops_host_filesystem"], ["system"]]
